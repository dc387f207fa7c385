"""Vector search behind a small interface, with the embedded default: sqlite-vec.

:class:`VectorStore` is what the search index needs from a vector store: a space per embedding
model, upsert and delete by integer key, and the nearest keys to a query vector (cosine), with
the item type as a filter. :class:`SqliteVecStore` keeps exact ``vec0`` tables in the index's own
SQLite file and connection, so vectors are written in the same transaction as the rows they
belong to. A server-grade store (Qdrant, PostgreSQL + pgvector) for collections past a few
hundred thousand vectors implements the same four methods; see docs/search.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from llmos.errors import MissingExtra, install_extra
from llmos.storage import ann

MAX_K = 4096  # sqlite-vec's most neighbours per query
FILTER_OVERFETCH = 8  # approximate search with a type filter asks for this many times more
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


class VectorStore(Protocol):
    def create(self, space: str, dim: int) -> None:
        """Make room for vectors of ``dim`` dimensions named ``space`` (kept if it exists)."""

    def upsert(self, space: str, keys: Sequence[int], vectors: np.ndarray, type: str) -> None:
        """Store ``vectors`` (n, dim) under ``keys``, tagged with the item ``type``."""

    def delete(self, space: str, keys: Sequence[int]) -> None: ...

    def keys(self, space: str) -> set[int]:
        """Every key that has a vector in ``space``."""

    def get(self, space: str, key: int) -> tuple[np.ndarray, str] | None:
        """The vector stored under ``key`` and its item type, or None."""

    def nearest(
        self, space: str, vector: np.ndarray, limit: int, type: str | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``limit`` (key, cosine similarity), most similar first."""


def connect(path: Path) -> Any:
    """A pysqlite3 connection to ``path`` with sqlite-vec loaded, WAL and a busy timeout."""
    try:
        import pysqlite3.dbapi2 as sqlite3
        import sqlite_vec
    except ImportError as error:
        name = error.name or "sqlite-vec"
        raise MissingExtra(name, install=install_extra("search")) from error
    db = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    try:
        db.enable_load_extension(True)
        sqlite_vec.load(db)
        db.enable_load_extension(False)
    except Exception:
        db.close()
        raise
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.isolation_level = ""  # back to implicit transactions: `with db:` commits or rolls back
    return db


class SqliteVecStore:
    """Cosine search in sqlite-vec ``vec0`` tables (one per space), in the caller's connection
    and transaction: exact, or, for a space past ``approximate_above`` vectors, through an
    in-memory faiss IVF index built from the table (storage/ann.py)."""

    def __init__(self, db: Any, *, approximate_above: int = ann.APPROXIMATE_ABOVE) -> None:
        self._db = db
        self.approximate_above = approximate_above
        self._counts: dict[str, int] = {}
        self._approximate: dict[str, ann.IvfIndex] = {}

    def create(self, space: str, dim: int) -> None:
        self._db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {_table(space)} USING vec0("
            f"embedding float[{int(dim)}] distance_metric=cosine, type text)"
        )

    def upsert(self, space: str, keys: Sequence[int], vectors: np.ndarray, type: str) -> None:
        table = _table(space)
        self.delete(space, keys)
        rows = [
            (int(key), np.ascontiguousarray(v, dtype=np.float32).tobytes(), type)
            for key, v in zip(keys, vectors, strict=True)
        ]
        self._db.executemany(f"INSERT INTO {table} (rowid, embedding, type) VALUES (?, ?, ?)", rows)
        if space in self._counts:
            self._counts[space] += len(rows)
        if space in self._approximate:
            self._approximate[space].add(np.asarray(keys), vectors)

    def delete(self, space: str, keys: Sequence[int]) -> None:
        table = _table(space)
        gone = self._db.executemany(
            f"DELETE FROM {table} WHERE rowid = ?", [(int(k),) for k in keys]
        ).rowcount  # the rows deleted, not sqlite-vec's own bookkeeping statements
        if space in self._counts:
            self._counts[space] -= max(0, gone)
        if space in self._approximate:
            self._approximate[space].remove(np.asarray(keys))

    def keys(self, space: str) -> set[int]:
        return {row[0] for row in self._db.execute(f"SELECT rowid FROM {_table(space)}")}

    def get(self, space: str, key: int) -> tuple[np.ndarray, str] | None:
        row = self._db.execute(
            f"SELECT embedding, type FROM {_table(space)} WHERE rowid = ?", (int(key),)
        ).fetchone()
        return None if row is None else (np.frombuffer(row[0], dtype=np.float32), row[1])

    def nearest(
        self, space: str, vector: np.ndarray, limit: int, type: str | None = None
    ) -> list[tuple[int, float]]:
        if self._count(space) > self.approximate_above and ann.available():
            return self._nearest_approximately(space, vector, limit, type)
        return self._exact(space, vector, limit, type)

    def _exact(
        self, space: str, vector: np.ndarray, limit: int, type: str | None
    ) -> list[tuple[int, float]]:
        query = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
        where = "embedding MATCH ? AND k = ?" + (" AND type = ?" if type else "")
        k = min(int(limit), MAX_K)
        args = (query, k, type) if type else (query, k)
        rows = self._db.execute(
            f"SELECT rowid, distance FROM {_table(space)} WHERE {where} ORDER BY distance", args
        ).fetchall()
        return [(int(key), 1.0 - float(distance)) for key, distance in rows]

    def _count(self, space: str) -> int:
        if space not in self._counts:
            table = _table(space)
            self._counts[space] = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return self._counts[space]

    def _nearest_approximately(
        self, space: str, vector: np.ndarray, limit: int, type: str | None
    ) -> list[tuple[int, float]]:
        table = _table(space)
        if space not in self._approximate:  # built once from the rows: seconds at a million
            rows = self._db.execute(f"SELECT rowid, embedding FROM {table}").fetchall()
            keys = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
            del rows
            self._approximate[space] = ann.IvfIndex(keys, vectors.reshape(len(keys), -1))
        k = min(int(limit), MAX_K)
        found = self._approximate[space].search(vector, k * (FILTER_OVERFETCH if type else 1))
        if type:  # each candidate's type, looked up by key (0.04 ms; a set query scans all)
            lookup = f"SELECT type FROM {table} WHERE rowid = ?"
            found = [p for p in found if self._db.execute(lookup, (p[0],)).fetchone() == (type,)]
            if len(found) < k:  # a rare type: exact search among its vectors instead
                return self._exact(space, vector, k, type)
        return found[:k]

    def forget(self) -> None:
        """Drop the counts and approximate indexes: after a rolled-back transaction they may
        hold what the table does not; they are made again from the rows when needed."""
        self._counts.clear()
        self._approximate.clear()


def _table(space: str) -> str:
    if not _NAME.match(space):
        raise ValueError(f"an embedding space is named with [a-z0-9_], not {space!r}")
    return f"vectors_{space}"
