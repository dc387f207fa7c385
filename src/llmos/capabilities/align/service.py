"""The align capability: joint picture-text spaces you trained with ``llmos train`` (LiT).

Each ``HOME/aligned/NAME.npz`` is a model of its own, listed, loaded and evicted by the kernel
like the shipped ones (a few MB of matrices); a server sees the files present when it starts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from llmos.capabilities.align.space import AlignedSpace, installed, load
from llmos.capabilities.base import Capability, LoadContext, ModelSpec

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


def spec_of(path: Path) -> ModelSpec:
    def _load(_context: LoadContext) -> LoadedSpace:
        return LoadedSpace(load(path))

    return ModelSpec(
        name=path.stem,
        capability=NAME,
        description=f"pictures and text in one space, trained by llmos train ({path})",
        memory_bytes=2 * path.stat().st_size + 2**20,
        threads=1,
        load=_load,
        licence="yours (trained here)",
    )


def capability(folder: Path) -> Capability | None:
    """The capability with one model per file in ``folder``; None when there is none."""
    specs = tuple(spec_of(path) for path in installed(folder))
    if not specs:
        return None
    return Capability(NAME, "Pictures and text in one trained space (LiT)", specs)
