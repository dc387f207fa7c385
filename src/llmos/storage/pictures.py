"""Generated pictures kept on disk for ``response_format=url``: the newest few hundred."""

from __future__ import annotations

import re
import secrets
import threading
from pathlib import Path

from llmos.atomic import atomic_target

KEEP = 256  # pictures; the oldest go first
_ID = re.compile(r"img_[0-9a-f]{24}")


class PictureStore:
    """PNG files under ``folder``, each written atomically; safe from several threads."""

    def __init__(self, folder: Path, *, keep: int = KEEP) -> None:
        self.folder = folder
        self.keep = keep
        self._lock = threading.Lock()

    def save(self, png: bytes) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        picture_id = f"img_{secrets.token_hex(12)}"
        with self._lock:
            with atomic_target(self.folder / f"{picture_id}.png") as partial:
                partial.write_bytes(png)
            kept = sorted(self.folder.glob("img_*.png"), key=_age)
            for old in kept[: max(0, len(kept) - self.keep)]:
                old.unlink(missing_ok=True)
        return picture_id

    def path(self, picture_id: str) -> Path | None:
        """The file of ``picture_id``, or None for an id that is malformed or gone."""
        if not _ID.fullmatch(picture_id):
            return None
        path = self.folder / f"{picture_id}.png"
        return path if path.is_file() else None


def _age(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed by hand meanwhile
        return 0.0
