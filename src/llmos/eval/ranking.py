"""Retrieval scores: Recall@K and mean reciprocal rank, from similarities or from ranks.

A query can have several right items (pictures that share a caption), so the rank that counts
is the first right item's. Benches that search through the server give ranks; models that
embed both sides give a similarity matrix, scored both ways.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

KS = (1, 5, 10)


@dataclass(frozen=True)
class RetrievalScores:
    recall: dict[int, float]  # K -> share of queries with a right item in the first K
    mrr: float  # mean of 1 / rank of the first right item (0 when none was found)
    queries: int

    def line(self) -> str:
        at = "  ".join(f"R@{k} {v:.2f}" for k, v in self.recall.items())
        return f"{at}  MRR {self.mrr:.3f}  ({self.queries} queries)"


def scores_of_ranks(ranks: Sequence[int | None], ks: Sequence[int] = KS) -> RetrievalScores:
    """Scores from each query's rank of its first right item (from 1; None: not found)."""
    n = len(ranks)
    if not n:
        raise ValueError("no queries to score")
    found = [r for r in ranks if r is not None]
    if any(r < 1 for r in found):
        raise ValueError("ranks count from 1")
    recall = {k: sum(1 for r in found if r <= k) / n for k in ks}
    return RetrievalScores(recall, sum(1 / r for r in found) / n, n)


def first_right_ranks(similarity: np.ndarray, right: np.ndarray) -> list[int | None]:
    """For each row (query), the rank (from 1) of its best-scored right column (item) when
    columns are sorted by similarity, best first; None when the row has no right item.
    Ties are broken against the query: a wrong item that scores the same as the best right
    one is counted as ranked before it."""
    similarity, right = np.asarray(similarity), np.asarray(right, bool)
    if similarity.shape != right.shape or similarity.ndim != 2:
        raise ValueError("similarity and right must be matrices of one shape")
    ranks: list[int | None] = []
    for scores, is_right in zip(similarity, right, strict=True):
        if not is_right.any():
            ranks.append(None)
            continue
        best = scores[is_right].max()
        ranks.append(1 + int((scores[~is_right] >= best).sum()))
    return ranks


def both_ways(similarity: np.ndarray, right: np.ndarray) -> tuple[RetrievalScores, RetrievalScores]:
    """Text -> image scores (rows query columns) and image -> text (columns query rows)."""
    similarity, right = np.asarray(similarity), np.asarray(right, bool)
    forward = scores_of_ranks(first_right_ranks(similarity, right))
    backward = scores_of_ranks(first_right_ranks(similarity.T, right.T))
    return forward, backward
