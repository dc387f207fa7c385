"""What an encoder returns and every fusion module reads."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Encoded:
    """One modality of a batch, encoded: its tokens and one pooled vector per example."""

    tokens: torch.Tensor  # (B, T, D)
    pooled: torch.Tensor  # (B, D)
    mask: torch.Tensor | None = None  # (B, T) bool, True on real tokens; None: all are

    def keep(self) -> torch.Tensor:
        """The mask, all True when there is none."""
        if self.mask is not None:
            return self.mask
        return torch.ones(self.tokens.shape[:2], dtype=torch.bool, device=self.tokens.device)
