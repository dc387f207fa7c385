"""Early stopping in memory: a model's weights at its best validation score so far, and when
to give up (``patience`` scores in a row that were not better). ``llmos train``'s VQA runs keep
theirs on disk instead (``learn/train.py``), to resume."""

from __future__ import annotations

from torch import nn


class EarlyStopping:
    def __init__(
        self,
        model: nn.Module,
        patience: int,
        *,
        lower_is_better: bool = False,
        start: float | None = None,
    ) -> None:
        """``start``: the untrained model's score, kept as the best until one beats it (its
        weights are kept too); None: the first score is the best."""
        self.model = model
        self.patience = patience
        self.sign = -1.0 if lower_is_better else 1.0
        self.best = start
        self.stale = 0
        self._weights = self._copy() if start is not None else None

    def update(self, score: float) -> bool:
        """Record a validation score (keeping the weights when it is strictly better); whether
        to stop now."""
        if self.best is None or self.sign * score > self.sign * self.best:
            self.best, self.stale, self._weights = score, 0, self._copy()
        else:
            self.stale += 1
        return self.stale >= self.patience

    @property
    def improved(self) -> bool:
        """Whether the last score recorded was the best."""
        return self.stale == 0

    def restore(self) -> float:
        """Put the best weights back into the model; their score."""
        if self._weights is None or self.best is None:
            raise RuntimeError("no score was recorded")
        self.model.load_state_dict(self._weights)
        return self.best

    def _copy(self) -> dict:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}
