"""Approximate nearest neighbours for a large space: a faiss IVF-Flat index in memory.

Exact search in sqlite-vec is linear in the vectors: about 60 ms at 100k, ten times that at a
million. Past ``APPROXIMATE_ABOVE`` vectors a space is also held in a faiss ``IndexIVFFlat``
(inner product on unit vectors = cosine): k-means cells over the vectors, and a query compares
itself with the vectors of its ``NPROBE`` nearest cells only. The index is a cache, built from
the SQLite rows (the source of truth) on first use and kept level with every upsert and delete;
it is never written to disk. ``faiss-cpu`` is optional: without it, search stays exact.
"""

from __future__ import annotations

import math

import numpy as np

APPROXIMATE_ABOVE = 100_000  # vectors in a space before it is searched approximately
# Cells searched per query, of about sqrt(n): at a million vectors (bench/vector_scale.py,
# chosen on its tuning queries) 4 reach recall@10 0.999 on tight clusters, but a looser
# mixture needs 128 (check queries: 0.940 at 9.3 ms p50, against 755 ms exact).
NPROBE = 128
TRAIN_PER_CELL = 40  # k-means samples per cell (faiss warns under 39)


def available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


class IvfIndex:
    """IVF-Flat with integer keys; vectors are scaled to unit length, so scores are cosines."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray, *, nprobe: int = NPROBE) -> None:
        import faiss

        count, dim = vectors.shape
        cells = max(1, int(math.sqrt(count)))  # about 1000 cells at a million
        quantizer = faiss.IndexFlatIP(dim)
        self._index = faiss.IndexIVFFlat(quantizer, dim, cells, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(
            count, size=min(count, cells * TRAIN_PER_CELL), replace=False
        )
        self._index.train(_unit(np.asarray(vectors[np.sort(sample)], dtype=np.float32)))
        self._index.nprobe = nprobe
        self._quantizer = quantizer  # the IVF index holds a pointer to it: keep it alive
        self.add(keys, vectors)

    @property
    def nprobe(self) -> int:
        return int(self._index.nprobe)

    @nprobe.setter
    def nprobe(self, cells: int) -> None:
        self._index.nprobe = cells

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        if len(keys):
            data = _unit(np.asarray(vectors, dtype=np.float32).reshape(len(keys), -1))
            self._index.add_with_ids(data, np.asarray(keys, dtype=np.int64))

    def remove(self, keys: np.ndarray) -> None:
        if len(keys):
            self._index.remove_ids(np.asarray(keys, dtype=np.int64))

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to ``k`` (key, cosine), most similar first."""
        query = _unit(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        scores, keys = self._index.search(query, k)
        return [(int(key), float(s)) for key, s in zip(keys[0], scores[0], strict=True) if key >= 0]


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (inner product = cosine, as the exact search measures)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)
