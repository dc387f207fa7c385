"""The align capability: joint picture-text spaces you trained with ``llmos train`` (LiT).

Each ``HOME/aligned/NAME.npz`` is a model of its own, listed, loaded and evicted by the kernel
like the shipped ones (a few MB of matrices). A server reads the files present when it starts,
once: a file written later (a model trained again) is served from the next start, so the search
index's vectors and the queries always come from the same weights.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

import numpy as np

from llmos.capabilities.align.space import AlignedSpace, installed, load
from llmos.capabilities.base import Capability, ModelSpec

log = logging.getLogger(__name__)

NAME = "align"


class LoadedSpace:
    """An aligned space resident in the kernel."""

    def __init__(self, space: AlignedSpace) -> None:
        self.space = space

    def images(self, embeddings: np.ndarray, conse: np.ndarray) -> np.ndarray:
        return self.space.images(embeddings, conse)

    def texts(self, vectors: np.ndarray) -> np.ndarray:
        return self.space.texts(vectors)

    def close(self) -> None:
        pass


def spec_of(space: AlignedSpace, path: Path) -> ModelSpec:
    """The model of ``space`` (read from ``path`` once: the kernel loads these weights)."""
    size = sum(m.nbytes for m in (space.a, space.b, space.c))
    return ModelSpec(
        name=space.name,
        capability=NAME,
        description=f"pictures and text in one space, trained by llmos train ({path})",
        memory_bytes=size + 2**20,
        threads=1,
        load=lambda _context: LoadedSpace(space),
        licence="yours (trained here)",
    )


def capability(folder: Path, taken: Collection[str] = ()) -> Capability | None:
    """The capability with one model per readable file in ``folder`` whose name no other model
    has (``taken``); None when there is none. A file that is skipped is logged."""
    specs = []
    for path in installed(folder):
        if path.stem in taken:
            log.warning("%s is not served: a shipped model is called %s", path, path.stem)
            continue
        try:
            specs.append(spec_of(load(path), path))
        except ValueError as error:
            log.warning("%s is not served: %s", path, error)
    if not specs:
        return None
    return Capability(NAME, "Pictures and text in one trained space (LiT)", tuple(specs))
