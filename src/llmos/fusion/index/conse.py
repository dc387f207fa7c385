"""A zero-shot joint space for text -> image search, built without training data: ConSE.

Norouzi et al. (ICLR 2014) place an image in a text embedding space as the probability-weighted
sum of its top classifier labels' embeddings. Here a class's embedding is MiniLM's for the class
and its WordNet parents ("tabby, cat, feline, carnivore, mammal"), so a query for "a pet" or
"an animal" lands near the tabby's pictures too. The classes' vectors are computed once (1000
sentences through MiniLM) and kept beside the models.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

import numpy as np

from llmos.atomic import atomic_target
from llmos.capabilities.vision.hierarchy import imagenet_hierarchy
from llmos.fusion.index.embedding import embed_texts
from llmos.kernel import Kernel

log = logging.getLogger(__name__)

TOP = 10  # classes summed per image, as in the paper
PARENTS = 4  # the nearest WordNet parents said with each class


def class_descriptions() -> list[str]:
    """Each ImageNet class's name and its nearest parents a person would say."""
    tree = imagenet_hierarchy()
    return [", ".join([tree.names[node], *tree.kinds_of(node)[:PARENTS]]) for node in tree.classes]


def image_vector(probabilities: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """ConSE: the top classes' vectors weighted by their probabilities, unit length."""
    top = np.argsort(-probabilities)[:TOP]
    vector = probabilities[top] @ classes[top]
    return (vector / (np.linalg.norm(vector) + 1e-12)).astype(np.float32)


class ClassVectors:
    """The classes' MiniLM vectors, made on first use and cached in ``folder``."""

    def __init__(self, kernel: Kernel, folder: Path) -> None:
        self.kernel = kernel
        self.folder = folder
        self._vectors: np.ndarray | None = None
        self._making = asyncio.Lock()

    async def get(self) -> np.ndarray:
        async with self._making:
            if self._vectors is None:
                self._vectors = await self._load_or_make()
            return self._vectors

    async def _load_or_make(self) -> np.ndarray:
        texts = await self.kernel.compute(class_descriptions)
        spec = self.kernel.registry.resolve("embed", None)  # the vectors are its: in the key
        key = hashlib.sha256("\n".join([spec.name, *texts]).encode()).hexdigest()[:16]
        cached = self.folder / f"conse-classes-{key}.npy"
        if (known := await asyncio.to_thread(_load, cached)) is not None:
            return known
        vectors = await embed_texts(self.kernel, texts)
        await asyncio.to_thread(_save, cached, vectors)
        return vectors


def _load(path: Path) -> np.ndarray | None:
    try:
        vectors = np.load(path)
    except (OSError, ValueError):  # none yet, or unreadable: made again
        return None
    return vectors if vectors.shape[0] == len(imagenet_hierarchy().classes) else None


def _save(path: Path, vectors: np.ndarray) -> None:
    """Written whole or not at all; a cache that cannot be written is only a lost speed-up."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_target(path, suffix=".npy") as partial:
            np.save(partial, vectors)
    except OSError as error:
        log.warning("the ConSE class vectors are not cached: %s", error)
