"""Classifying real pairs from picture and caption: any fusion over two frozen encoders.

The stamps' category (animals, food, town, …: the folder a stamp is in) from its picture and its
English line. The picture enters as two tokens, EfficientNet-Lite0's features and its ConSE
vector, the caption as one, MiniLM's vector; each projected to ``dim`` by
:class:`FrozenTokens`, then fused by any module of ``llmos.learn.fusion``. With ``modalities``
"image" or "text" the other input is blanked: the single-modality baselines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from llmos.capabilities.align.space import CONSE_DIM, IMAGE_DIM, TEXT_DIM
from llmos.learn.fusion import FUSIONS
from llmos.learn.lit import PairFeatures
from llmos.learn.stopping import EarlyStopping
from llmos.learn.types import Encoded


class FrozenTokens(nn.Module):
    """A frozen encoder's cached features as an encoder: each of ``parts`` slices of the input
    vector is a token, projected to ``dim`` (its own linear map) and layer-normalised."""

    def __init__(self, parts: tuple[int, ...], dim: int) -> None:
        super().__init__()
        self.parts = parts
        self.projections = nn.ModuleList(nn.Linear(size, dim) for size in parts)
        self.norm = nn.LayerNorm(dim)

    def forward(self, features: torch.Tensor) -> Encoded:
        pieces = torch.split(features, list(self.parts), dim=-1)
        tokens = torch.stack([p(x) for p, x in zip(self.projections, pieces, strict=True)], 1)
        tokens = self.norm(tokens)
        return Encoded(tokens, tokens.mean(dim=1))


class PairClassifier(nn.Module):
    def __init__(self, fusion: str, classes: int, dim: int = 64, modalities: str = "both") -> None:
        super().__init__()
        if modalities not in ("both", "image", "text"):
            raise ValueError(f"modalities must be both, image or text, not {modalities!r}")
        self.image = FrozenTokens((IMAGE_DIM, CONSE_DIM), dim)
        self.text = FrozenTokens((TEXT_DIM,), dim)
        self.fusion = FUSIONS[fusion](dim, dim, classes)
        self.modalities = modalities

    def forward(self, images: torch.Tensor, texts: torch.Tensor) -> torch.Tensor:
        seen, read = self.image(images), self.text(texts)
        if self.modalities == "text":
            seen = Encoded(torch.zeros_like(seen.tokens), torch.zeros_like(seen.pooled))
        elif self.modalities == "image":
            read = Encoded(torch.zeros_like(read.tokens), torch.zeros_like(read.pooled))
        return self.fusion(seen, read)


@dataclass
class Labelled:
    """One variant of each pair's picture with its first caption, and its class."""

    images: torch.Tensor  # (N, V, 1664)
    texts: torch.Tensor  # (N, 384)
    labels: torch.Tensor  # (N,)

    @classmethod
    def of(cls, data: PairFeatures, labels: list[str], classes: list[str]) -> Labelled:
        first = {}
        for caption, pair in enumerate(data.text_pair):
            first.setdefault(int(pair), caption)
        order = sorted(first)
        return cls(
            torch.from_numpy(data.images[order].astype(np.float32)),
            torch.from_numpy(data.texts[[first[p] for p in order]].astype(np.float32)),
            torch.tensor([classes.index(labels[p]) for p in order]),
        )


def train_classifier(
    model: PairClassifier,
    train: Labelled,
    validation: Labelled,
    *,
    epochs: int = 60,
    batch_size: int = 32,
    learning_rate: float = 2e-3,
    patience: int = 10,
    seed: int = 0,
) -> float:
    """Train with early stopping on validation accuracy; the model ends at its best epoch.
    Returns that accuracy. Each step sees a random background variant of each picture."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    stopping = EarlyStopping(model, patience)
    for _epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train.labels), generator=generator)
        for first in range(0, len(order), batch_size):
            batch = order[first : first + batch_size]
            variant = torch.randint(train.images.shape[1], (len(batch),), generator=generator)
            logits = model(train.images[batch, variant], train.texts[batch])
            loss = functional.cross_entropy(logits, train.labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        if stopping.update(accuracy(model, validation)):
            break
    return stopping.restore()


@torch.no_grad()
def accuracy(model: PairClassifier, data: Labelled) -> float:
    model.eval()
    logits = model(data.images[:, 0], data.texts)
    return float((logits.argmax(-1) == data.labels).float().mean())
