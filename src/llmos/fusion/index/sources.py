"""Which files the index may read, what type each one is, and their fingerprints.

A server must not read any file a client names: every path is resolved (symlinks and ``..``
followed) and must lie under one of the folders the operator allowed (``LLMOS_INDEX_ROOTS``).
A file's type comes from its first bytes (magic numbers, via ``filetype``), the extension only
deciding among text formats, which have none.
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_module
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from llmos.errors import Forbidden, InvalidRequest, MissingExtra, install_extra
from llmos.storage.search_index import ItemType

HEAD_BYTES = 8192  # read to tell a file's type
# Larger files are reported and skipped. Images and documents are read whole; sound and
# video are streamed by FFmpeg.
MAX_BYTES = {"image": 256 * 2**20, "doc": 256 * 2**20, "audio": 4 * 2**30, "video": 4 * 2**30}
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".csv", ".log", ".html", ".htm"}
DOCUMENT_MIMES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


@dataclass(frozen=True)
class Source:
    """A file to index: its resolved path, its type and the format it is read as."""

    path: Path
    type: ItemType
    format: str  # "image", "audio", "video", "pdf", "docx", "html", "markdown", "text"
    mtime: float
    size: int


def resolved(path: str | Path, name: str | None = None) -> Path:
    """``path`` absolute, ``~`` expanded, links and ``..`` followed; a path that cannot be
    (a NUL byte, a loop of links) is a 400 naming it as ``name``."""
    try:
        return Path(os.path.expanduser(str(path))).resolve()
    except (ValueError, OSError, RuntimeError) as error:
        shown = name or repr(str(path)[:200])
        raise InvalidRequest(f"{shown} is not a usable path: {error}") from None


def allowed(path: str | Path, roots: Sequence[Path]) -> Path:
    """``path`` resolved, if it lies under one of ``roots``; else :class:`Forbidden`."""
    resolved_path = resolved(path)
    for root in roots:
        if resolved_path.is_relative_to(Path(root).expanduser().resolve()):
            return resolved_path
    if not roots:
        raise Forbidden(
            f"{path} is not in a folder llmos may index: no folder is allowed yet. The server's "
            "operator allows folders with LLMOS_INDEX_ROOTS (comma-separated), e.g. "
            "LLMOS_INDEX_ROOTS=~/Pictures,~/Documents."
        )
    shown = ", ".join(str(root) for root in roots)
    raise Forbidden(f"{path} is outside the folders llmos may index ({shown}).")


def walk(path: Path) -> Iterator[Path]:
    """Files under ``path`` (or ``path`` itself), sorted, hidden ones left out; links are not
    followed into folders (a link to a file is checked with :func:`allowed` when read)."""
    if not path.is_dir():
        yield path
        return
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield from (Path(folder) / name for name in sorted(files) if not name.startswith("."))


def detect(path: Path) -> Source | None:
    """The file's type and format from its content, or None when llmos does not index it."""
    stat = path.stat()
    if not stat_module.S_ISREG(stat.st_mode):  # a pipe or a device would block or never end
        raise InvalidRequest("is not a regular file (a pipe, socket or device)")
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    kind = _filetype().guess(head)
    suffix = path.suffix.lower()
    if kind is not None:
        mime = kind.mime
        if mime.startswith("image/"):
            found = ("image", "image")
        elif mime in DOCUMENT_MIMES:
            found = ("doc", DOCUMENT_MIMES[mime])
        elif mime.startswith("video/"):
            found = ("video", "video")
        elif mime.startswith("audio/"):
            found = ("audio", "audio")
        else:
            return None  # archives, executables, fonts...
    elif suffix in TEXT_SUFFIXES and _is_text(head):
        fmt = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
        found = ("doc", fmt.get(suffix, "text"))
    else:
        return None
    return Source(path, found[0], found[1], stat.st_mtime, stat.st_size)  # type: ignore[arg-type]


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in blocks (a video need not fit in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(2**20):
            digest.update(block)
    return digest.hexdigest()


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 4  # a character cut by the head's end
    return True


def _filetype():
    try:
        import filetype
    except ImportError as error:
        raise MissingExtra("filetype", install=install_extra("search")) from error
    return filetype


def shown(path: Path | str) -> str:
    """``path`` as text that can be sent as JSON: bytes of a name that are not UTF-8 written
    as escapes (Python keeps them as lone surrogates, which no JSON encoder takes)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
