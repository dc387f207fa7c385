"""Model weights that ship inside pip packages: find them, and assemble split ones once."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from llmos.atomic import atomic_target
from llmos.errors import MissingExtra, ModelLoadFailed

log = logging.getLogger(__name__)

_CHUNK = 8 * 2**20


def package_dir(module: str, *, install: str) -> Path:
    """The folder of the installed package ``module``, found without importing it (some model
    packages import heavy or missing runtimes in their ``__init__``)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtra(f"the model package {module}", install=install)
    return Path(next(iter(spec.submodule_search_locations)))


def assemble(parts: Sequence[Path], target: Path, *, sha256: str) -> Path:
    """Concatenate ``parts`` into ``target`` once, checking the sha256 on the way.

    The bytes go to a temporary file beside ``target`` that is renamed into place only after
    the checksum matched, so ``target`` existing means it is whole and verified.
    """
    if target.exists():
        return target
    missing = [str(part) for part in parts if not part.is_file()]
    if missing:
        raise ModelLoadFailed(f"Model parts are missing: {', '.join(missing)}. Reinstall llmos.")
    log.info("assembling %s from %d parts (once)", target.name, len(parts))
    digest = hashlib.sha256()
    with atomic_target(target) as temporary:
        with temporary.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ModelLoadFailed(
                f"Assembled {target.name} has sha256 {digest.hexdigest()}, expected {sha256}: "
                "the model packages are damaged. Reinstall them."
            )
    return target
