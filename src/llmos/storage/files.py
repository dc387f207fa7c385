"""Uploaded files (``/v1/files``): bytes in the data dir, one row each in the database.

A file's bytes are written under a temporary name and renamed into place before its row is
committed, so a listed file always has all its bytes; a crash in between leaves at most an
unlisted file, which :meth:`FileStore.remove_strays` deletes at start-up.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import astuple, dataclass
from pathlib import Path

from llmos.atomic import atomic_target
from llmos.storage.database import Database


@dataclass(frozen=True)
class StoredFile:
    id: str
    created_at: float
    filename: str
    purpose: str
    bytes: int
    sha256: str


_COLUMNS = "id, created_at, filename, purpose, bytes, sha256"


class FileStore:
    def __init__(self, database: Database, folder: Path) -> None:
        self._db = database
        self.folder = folder

    def add(self, data: bytes, *, filename: str, purpose: str) -> StoredFile:
        stored = StoredFile(
            id=f"file-{uuid.uuid4().hex}",
            created_at=time.time(),
            filename=filename,
            purpose=purpose,
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        path = self.path_of(stored.id)
        with atomic_target(path) as partial:
            partial.write_bytes(data)
        try:
            with self._db.transaction() as db:
                db.execute(
                    f"INSERT INTO files ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", astuple(stored)
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._db.transaction() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM files WHERE id = ?", (file_id,)).fetchone()
        return StoredFile(*row) if row else None

    def list(
        self,
        *,
        purpose: str | None = None,
        limit: int = 100,
        after: str | None = None,
        newest_first: bool = True,
    ) -> list[StoredFile]:
        """Files in upload order (newest first by default); ``after`` continues a listing
        from that file's id, as OpenAI's cursor pagination does."""
        where, args = [], []
        if purpose:
            where.append("purpose = ?")
            args.append(purpose)
        if after:
            where.append(
                f"(created_at, id) {'<' if newest_first else '>'} "
                "(SELECT created_at, id FROM files WHERE id = ?)"
            )
            args.append(after)
        condition = f"WHERE {' AND '.join(where)}" if where else ""
        order = "DESC" if newest_first else "ASC"
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM files {condition} "
                f"ORDER BY created_at {order}, id {order} LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [StoredFile(*row) for row in rows]

    def content(self, stored: StoredFile) -> bytes | None:
        """The bytes of a file :meth:`get` found; None if it was deleted since."""
        try:
            return self.path_of(stored.id).read_bytes()
        except FileNotFoundError:
            return None

    def read(self, file_id: str) -> tuple[StoredFile, bytes] | None:
        """A stored file and its bytes, or None if there is no such file (or it was just
        deleted)."""
        stored = self.get(file_id)
        content = None if stored is None else self.content(stored)
        return None if stored is None or content is None else (stored, content)

    def delete(self, file_id: str) -> bool:
        with self._db.transaction() as db:
            gone = db.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount > 0
        if gone:
            self.path_of(file_id).unlink(missing_ok=True)
        return gone

    def remove_strays(self, *, older_than: float = 3600.0) -> int:
        """Delete what a crash left: files with no row, and half-written uploads, untouched
        for ``older_than`` seconds (another server on the same data dir may be writing one).
        Returns how many."""
        if not self.folder.is_dir():
            return 0
        with self._db.transaction() as db:
            known = {row[0] for row in db.execute("SELECT id FROM files")}
        cutoff = time.time() - older_than
        strays = [
            path
            for path in self.folder.iterdir()
            if path.is_file() and path.name not in known and path.stat().st_mtime < cutoff
        ]
        for path in strays:
            path.unlink(missing_ok=True)
        return len(strays)

    def path_of(self, file_id: str) -> Path:
        if not file_id.startswith("file-") or not file_id[5:].isalnum():
            raise ValueError(f"not a file id: {file_id!r}")
        return self.folder / file_id
