"""The search index: one SQLite file (WAL) with what ingestion derived from each file.

- ``items``: one row per indexed file (path, type, content hash, mtime, size, metadata);
- ``pieces``: its searchable texts (a caption, labels, OCR lines, a transcript span, a chunk of a
  document), each with a pointer back into the file (page, time span, box);
- ``pieces_fts``: an FTS5 keyword index over the pieces (BM25);
- vectors, behind :class:`VectorStore`: by default sqlite-vec tables in the same file, one per
  embedding space ("text": MiniLM's 384-d, "image": EfficientNet-Lite0's 1280-d).

An item, its pieces and its vectors are replaced in one transaction, so a crash mid-ingest
loses nothing already committed and leaves nothing half-indexed. The connection is pysqlite3's
(Python's own sqlite3 here cannot load extensions), used by one thread at a time behind a lock;
callers run these methods off the event loop.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from llmos.storage.vectors import SqliteVecStore, VectorStore, connect

ItemType = Literal["image", "audio", "video", "doc"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    mtime REAL NOT NULL,
    size INTEGER NOT NULL,
    indexed_at REAL NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'   -- JSON: taken_at, gps, duration, pages, skipped steps
);
CREATE TABLE IF NOT EXISTS pieces (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,               -- caption, labels, objects, ocr, transcript, text, ...
    text TEXT NOT NULL,
    page INTEGER,                     -- documents, from 1
    start REAL, "end" REAL,           -- seconds, audio and video
    box TEXT                          -- JSON [x, y, width, height], images and keyframes
);
CREATE INDEX IF NOT EXISTS pieces_by_item ON pieces (item_id);
CREATE VIRTUAL TABLE IF NOT EXISTS pieces_fts USING fts5(
    text, content='pieces', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS pieces_vocab USING fts5vocab(pieces_fts, 'row');
"""
COMMON = 0.2  # a query word in more than this share of the pieces says little: left out


@dataclass(frozen=True)
class Piece:
    """One searchable text of an item, with where in the item it comes from."""

    kind: str
    text: str
    page: int | None = None
    start: float | None = None
    end: float | None = None
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class Item:
    path: str  # absolute
    type: ItemType
    sha256: str
    mtime: float
    size: int
    meta: dict[str, Any] = field(default_factory=dict)


class Known(NamedTuple):
    sha256: str
    mtime: float
    size: int
    complete: bool  # False when a derivation was skipped for want of a capability


@dataclass(frozen=True)
class Hit:
    item_id: int
    path: str
    type: ItemType
    piece: Piece  # the matched piece
    score: float  # higher is better: -BM25 for keywords, cosine similarity for vectors


@dataclass(frozen=True)
class Vectors:
    """Vectors of one embedding space for an item, each of one of its pieces (by the piece's
    index in the item's pieces; an image's own embedding goes with its caption piece)."""

    space: str
    vectors: np.ndarray  # (n, dim) float32
    pieces: tuple[int, ...]


class SearchIndex:
    def __init__(
        self, path: Path, spaces: dict[str, int], *, vectors: VectorStore | None = None
    ) -> None:
        """Open (or create) the index at ``path`` with the embedding ``spaces`` (name -> dim)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect(path)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self.spaces = dict(spaces)
        self.vectors = vectors or SqliteVecStore(self._db)
        for space, dim in self.spaces.items():
            self.vectors.create(space, dim)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def known(self, path: str) -> Known | None:
        """What the index holds of ``path`` to tell whether it changed, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT sha256, mtime, size, json_extract(meta, '$.incomplete') FROM items "
                "WHERE path = ?",
                (path,),
            ).fetchone()
        return None if row is None else Known(row[0], row[1], row[2], not row[3])

    def type_of(self, path: str) -> ItemType | None:
        """The type of the indexed file at ``path``, or None when it is not in the index."""
        with self._lock:
            row = self._db.execute("SELECT type FROM items WHERE path = ?", (path,)).fetchone()
        return None if row is None else row[0]

    def paths(self, under: str | None = None) -> list[str]:
        """Indexed paths, all or those under the folder ``under``."""
        with self._lock:
            if under is None:
                rows = self._db.execute("SELECT path FROM items ORDER BY path").fetchall()
            else:
                prefix = under.rstrip("/") + "/"
                rows = self._db.execute(
                    "SELECT path FROM items WHERE substr(path, 1, ?) = ? ORDER BY path",
                    (len(prefix), prefix),
                ).fetchall()
        return [row[0] for row in rows]

    def put(self, item: Item, pieces: Sequence[Piece], vectors: Sequence[Vectors] = ()) -> int:
        """Index ``item`` with its pieces and vectors, replacing what was indexed for its path,
        in one transaction. Returns the item's id."""
        for group in vectors:
            self._check(group, len(pieces))
        with self._lock, self._forgetting_on_failure(), self._db:
            self._db.execute("BEGIN IMMEDIATE")  # read the old rows inside the write lock
            self._delete(item.path)
            cursor = self._db.execute(
                "INSERT INTO items (path, type, sha256, mtime, size, indexed_at, meta) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (item.path, item.type, item.sha256, item.mtime, item.size, time.time(),
                 json.dumps(item.meta, ensure_ascii=False)),
            )  # fmt: skip
            item_id = int(cursor.lastrowid)
            piece_ids = []
            for piece in pieces:
                row = self._db.execute(
                    'INSERT INTO pieces (item_id, kind, text, page, start, "end", box) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (item_id, piece.kind, piece.text, piece.page, piece.start, piece.end,
                     json.dumps(piece.box) if piece.box else None),
                )  # fmt: skip
                piece_ids.append(int(row.lastrowid))
                self._db.execute(
                    "INSERT INTO pieces_fts (rowid, text) VALUES (?, ?)",
                    (row.lastrowid, piece.text),
                )
            for group in vectors:
                keys = [piece_ids[p] for p in group.pieces]
                self.vectors.upsert(group.space, keys, group.vectors, item.type)
        return item_id

    def missing(
        self, target: str, inputs: tuple[str, ...], *, limit: int
    ) -> tuple[list[int], list[str], list[np.ndarray]]:
        """Up to ``limit`` pieces with a vector in every space of ``inputs`` and none in
        ``target``: their keys, item types and one (n, dim) array per input space. What a
        space derived from others (a trained model's) still lacks."""
        with self._lock:
            have = set.intersection(*(self.vectors.keys(space) for space in inputs))
            keys = sorted(have - self.vectors.keys(target))[:limit]
            rows = {key: [self.vectors.get(space, key) for space in inputs] for key in keys}
        whole = {key: row for key, row in rows.items() if all(found is not None for found in row)}
        if not whole:
            return [], [], []
        types = [row[0][1] for row in whole.values()]
        arrays = [np.stack([row[n][0] for row in whole.values()]) for n in range(len(inputs))]
        return list(whole), types, arrays

    def add_vectors(
        self, space: str, keys: Sequence[int], vectors: np.ndarray, types: Sequence[str]
    ) -> int:
        """Store vectors of existing pieces in ``space`` (one transaction); how many were
        stored (a piece removed since it was read is left out)."""
        if vectors.shape != (len(keys), self.spaces[space]):
            raise ValueError(f"{space} vectors of shape {vectors.shape}")
        with self._lock, self._forgetting_on_failure(), self._db:
            self._db.execute("BEGIN IMMEDIATE")
            known = {
                row[0]
                for row in self._db.execute(
                    "SELECT id FROM pieces WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps([int(k) for k in keys]),),
                )
            }
            stored = 0
            for type in dict.fromkeys(types):
                chosen = [i for i, k in enumerate(keys) if types[i] == type and k in known]
                if chosen:
                    self.vectors.upsert(space, [keys[i] for i in chosen], vectors[chosen], type)
                    stored += len(chosen)
        return stored

    def drop_spaces_except(self, prefix: str) -> list[str]:
        """Drop the vector tables of spaces named ``prefix…`` that this index was not opened
        with (a trained model that is no longer used): their rows would go stale, as piece ids
        are reused. Returns the spaces dropped."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE "
                "'CREATE VIRTUAL TABLE%' AND substr(name, 1, ?) = ?",
                (len("vectors_" + prefix), "vectors_" + prefix),
            ).fetchall()
            gone = [name.removeprefix("vectors_") for (name,) in rows]
            gone = [space for space in gone if space not in self.spaces]
            with self._forgetting_on_failure(), self._db:
                for space in gone:
                    self._db.execute(f"DROP TABLE vectors_{space}")  # names from sqlite_master
        return gone

    def touch(self, path: str, mtime: float) -> None:
        """Record a new mtime for ``path`` whose content did not change."""
        with self._lock, self._db:
            self._db.execute("UPDATE items SET mtime = ? WHERE path = ?", (mtime, path))

    def remove(self, path: str) -> bool:
        """Forget ``path``; whether it was indexed."""
        with self._lock, self._forgetting_on_failure(), self._db:
            self._db.execute("BEGIN IMMEDIATE")
            return self._delete(path)

    def keyword(self, query: str, *, limit: int, type: str | None = None) -> list[Hit]:
        """Pieces matching the words of ``query`` (any of them), best BM25 first; words in
        more than ``COMMON`` of all pieces ("a", "the", "photo") are left out unless all are."""
        words = [w for w in "".join(c if c.isalnum() else " " for c in query).split() if w]
        if not words:
            return []
        with self._lock:
            words = self._rare(words)
        match = " OR ".join(f'"{w}"' for w in words)
        sql = (
            "SELECT p.id, bm25(pieces_fts) AS rank FROM pieces_fts JOIN pieces p ON p.id = "
            "pieces_fts.rowid JOIN items i ON i.id = p.item_id WHERE pieces_fts MATCH ? "
            + ("AND i.type = ? " if type else "")
            + "ORDER BY rank LIMIT ?"
        )
        args = (match, type, limit) if type else (match, limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
            hits = (self._hit_of_piece(piece_id, -rank) for piece_id, rank in rows)
            return [hit for hit in hits if hit is not None]

    def _rare(self, words: list[str]) -> list[str]:
        total = self._db.execute("SELECT count(*) FROM pieces").fetchone()[0]
        counts = dict(
            self._db.execute(
                "SELECT term, doc FROM pieces_vocab WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps([_folded(w) for w in words]),),
            ).fetchall()
        )
        rare = [w for w in words if counts.get(_folded(w), 0) <= COMMON * total]
        return rare or words

    def nearest(
        self, space: str, vector: np.ndarray, *, limit: int, type: str | None = None
    ) -> list[Hit]:
        """The pieces whose ``space`` vectors are most similar to ``vector`` (cosine)."""
        with self._lock:
            found = self.vectors.nearest(space, vector, limit, type)
            hits = (self._hit_of_piece(key, similarity) for key, similarity in found)
            return [hit for hit in hits if hit is not None]  # a remote store may lag behind

    def dates(self, item_ids: set[int]) -> dict[int, float]:
        """Each item's date (Unix seconds): when it was taken (EXIF), else its mtime."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, mtime, json_extract(meta, '$.taken_at') FROM items WHERE id IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(sorted(item_ids)),),
            ).fetchall()
        return {item_id: _taken(taken) or mtime for item_id, mtime, taken in rows}

    def count(self) -> dict[str, int]:
        """How many items of each type are indexed."""
        with self._lock:
            rows = self._db.execute("SELECT type, count(*) FROM items GROUP BY type").fetchall()
        return dict(rows)

    def integrity(self) -> str:
        """ "ok", or what SQLite's check (and FTS5's own, against the pieces) found wrong."""
        with self._lock:
            found = self._db.execute("PRAGMA integrity_check").fetchone()[0]
            try:
                self._db.execute("INSERT INTO pieces_fts (pieces_fts) VALUES ('integrity-check')")
            except Exception as error:  # the driver's DatabaseError: the keyword index is off
                return f"keyword index: {error}"
            return found

    @contextlib.contextmanager
    def _forgetting_on_failure(self) -> Iterator[None]:
        """A failed (rolled-back) write leaves the vector store's caches stale: drop them."""
        try:
            yield
        except BaseException:
            if forget := getattr(self.vectors, "forget", None):
                forget()
            raise

    def _delete(self, path: str) -> bool:
        row = self._db.execute("SELECT id, type FROM items WHERE path = ?", (path,)).fetchone()
        if row is None:
            return False
        item_id = row[0]
        pieces = self._db.execute(
            "SELECT id, text FROM pieces WHERE item_id = ?", (item_id,)
        ).fetchall()
        for piece_id, text in pieces:
            self._db.execute(
                "INSERT INTO pieces_fts (pieces_fts, rowid, text) VALUES ('delete', ?, ?)",
                (piece_id, text),
            )
        keys = [piece_id for piece_id, _ in pieces]
        for space in self.spaces:
            self.vectors.delete(space, keys)
        self._db.execute("DELETE FROM pieces WHERE item_id = ?", (item_id,))
        self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))
        return True

    def _hit_of_piece(self, piece_id: int, score: float) -> Hit | None:
        row = self._db.execute(
            'SELECT p.item_id, i.path, i.type, p.kind, p.text, p.page, p.start, p."end", p.box '
            "FROM pieces p JOIN items i ON i.id = p.item_id WHERE p.id = ?",
            (piece_id,),
        ).fetchone()
        if row is None:
            return None
        box = tuple(json.loads(row[8])) if row[8] else None
        piece = Piece(row[3], row[4], row[5], row[6], row[7], box)  # type: ignore[arg-type]
        return Hit(row[0], row[1], row[2], piece, round(float(score), 4))

    def _check(self, group: Vectors, pieces: int) -> None:
        if group.space not in self.spaces:
            raise ValueError(f"no embedding space {group.space!r} (have {sorted(self.spaces)})")
        if group.vectors.shape != (len(group.pieces), self.spaces[group.space]):
            raise ValueError(f"{group.space} vectors of shape {group.vectors.shape}")
        if any(not 0 <= p < pieces for p in group.pieces):
            raise ValueError("a vector points at a piece the item does not have")


def _taken(exif_date: str | None) -> float | None:
    """EXIF's "2024:05:01 14:30:00" (local time, no zone) as Unix seconds, or None."""
    try:
        return datetime.strptime(exif_date or "", "%Y:%m:%d %H:%M:%S").timestamp()
    except ValueError:
        return None


def _folded(word: str) -> str:
    """``word`` as FTS5's unicode61 tokenizer stores it: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
