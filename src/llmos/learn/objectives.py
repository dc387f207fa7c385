"""Training objectives: CLIP's contrastive loss, a multimodal autoencoder's reconstruction,
and cross-entropy for classification and VQA.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional

MAX_SCALE = 100.0  # CLIP clips the learned logit scale here (a temperature of 0.01)


class ContrastiveLoss(nn.Module):
    """CLIP's symmetric InfoNCE (Radford et al., 2021) with a learnable temperature τ.

    For a batch of N matching pairs (u_i, v_i), with s(u, v) the cosine similarity (or the
    negative squared Euclidean distance of the vectors as they are),

        L = ½ [ CE(S, I) + CE(Sᵀ, I) ],   S_ij = s(u_i, v_j) / τ

    where CE(S, I) is the cross-entropy of each row of S against the matching column: each
    image must pick out its own caption among the batch's, and each caption its own image.
    τ starts at 0.07 and is learned as log(1/τ), clipped at 1/τ = 100.
    """

    def __init__(self, temperature: float = 0.07, metric: str = "cosine") -> None:
        super().__init__()
        if metric not in ("cosine", "euclidean"):
            raise ValueError(f"metric must be 'cosine' or 'euclidean', not {metric!r}")
        self.metric = metric
        self.log_scale = nn.Parameter(torch.tensor(math.log(1 / temperature)))

    def similarities(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """S (N, M): scaled similarities of every u with every v."""
        with torch.no_grad():  # as CLIP: the parameter itself is clipped, so it can come back
            self.log_scale.clamp_(max=math.log(MAX_SCALE))
        if self.metric == "cosine":
            raw = functional.normalize(u, dim=-1) @ functional.normalize(v, dim=-1).T
        else:  # on the vectors as they are: on unit vectors it would equal the cosine's ranking
            raw = -torch.cdist(u, v).pow(2)
        return raw * self.log_scale.exp()

    def forward(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        scores = self.similarities(u, v)
        target = torch.arange(len(u), device=u.device)
        return (
            functional.cross_entropy(scores, target) + functional.cross_entropy(scores.T, target)
        ) / 2


def reconstruction_loss(
    reconstructed: dict[str, torch.Tensor], original: dict[str, torch.Tensor]
) -> torch.Tensor:
    """A multimodal autoencoder's loss (Ngiam et al., 2011): every modality rebuilt from the
    shared code, mean squared error per modality, averaged over the modalities,

        L = 1/M Σ_m ‖x̂_m - x_m‖² / d_m
    """
    if set(reconstructed) != set(original):
        raise ValueError("reconstructed and original must hold the same modalities")
    losses = [functional.mse_loss(reconstructed[m], original[m]) for m in sorted(original)]
    return torch.stack(losses).mean()


def classification_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over classes (categories, or a VQA answer vocabulary)."""
    return functional.cross_entropy(logits, labels)
