"""Hybrid ranking: keyword (BM25) and vector results merged by reciprocal-rank fusion.

BM25 scores and cosine similarities are on scales that cannot be added; ranks can. Reciprocal
rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) scores each result by the sum over the
lists it appears in of ``1 / (k + rank)``, with ``k = 60`` as in the paper.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)
K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Key]], *, k: int = K, weights: Sequence[float] | None = None
) -> list[tuple[Key, float]]:
    """Keys of all ``rankings`` (each best first), by fused score, best first; a key repeated
    within one ranking counts at its best rank there."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[Key, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[Key] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
