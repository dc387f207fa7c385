"""Three attention scores, one interface: ``attention(query, keys, values, mask)``.

Each takes queries ``q`` (B, Tq, D), keys ``k`` and values ``v`` (B, Tk, D) and an optional
``mask`` (B, Tk), True where a key may be attended to, and returns the context (B, Tq, D) and
the weights (B, Tq, Tk), each row a distribution over the keys (all zeros when the mask
leaves a row no key):

    weights = softmax(score(q, k)),  context = weights @ v

They differ only in the score.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _attend(
    scores: torch.Tensor, values: torch.Tensor, mask: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)  # no key at all: attends to none
    return weights @ values, weights


class AdditiveAttention(nn.Module):
    """Bahdanau et al. (2015): a one-layer network scores each pair,

    score(q, k) = vᵀ tanh(W_q q + W_k k)
    """

    def __init__(self, dim: int, hidden: int | None = None) -> None:
        super().__init__()
        hidden = hidden or dim
        self.query = nn.Linear(dim, hidden, bias=False)
        self.key = nn.Linear(dim, hidden, bias=True)
        self.score = nn.Linear(hidden, 1, bias=False)

    def forward(self, q, k, v, mask=None):
        pairs = torch.tanh(self.query(q)[:, :, None, :] + self.key(k)[:, None, :, :])
        return _attend(self.score(pairs).squeeze(-1), v, mask)


class MultiplicativeAttention(nn.Module):
    """Luong et al. (2015), "general": a bilinear form,

    score(q, k) = qᵀ W k
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.weight = nn.Linear(dim, dim, bias=False)

    def forward(self, q, k, v, mask=None):
        return _attend(q @ self.weight(k).transpose(1, 2), v, mask)


class ScaledDotProductAttention(nn.Module):
    """Vaswani et al. (2017): a dot product scaled so its variance does not grow with D,

    score(q, k) = qᵀ k / √D
    """

    def forward(self, q, k, v, mask=None):
        return _attend(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), v, mask)


ATTENTION = {
    "additive": AdditiveAttention,
    "multiplicative": MultiplicativeAttention,
    "scaled-dot": ScaledDotProductAttention,
}


def attention(kind: str, dim: int) -> nn.Module:
    """An attention module by name: ``additive``, ``multiplicative`` or ``scaled-dot``."""
    if kind not in ATTENTION:
        raise ValueError(f"attention must be one of {', '.join(ATTENTION)}, not {kind!r}")
    return ATTENTION[kind]() if kind == "scaled-dot" else ATTENTION[kind](dim)
