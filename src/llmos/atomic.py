"""Writing files so that a reader never sees a half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_target(target: Path, *, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``target``; synced and renamed onto ``target`` only if the
    block succeeds, so ``target`` is either the old file or all of the new one, even after a
    crash or a power cut.

    ``suffix`` ends the temporary name, for programs that pick a format by it (ffmpeg)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}."
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    os.close(descriptor)
    try:
        yield Path(temporary)
        with open(temporary, "rb") as written:  # on disk before it has its name
            os.fsync(written.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the finished file is not
        os.replace(temporary, target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # and the rename itself survives a power cut
        finally:
            os.close(folder)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
