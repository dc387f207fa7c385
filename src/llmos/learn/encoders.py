"""Encoders trained from scratch, one interface: ``encoder(batch) -> Encoded`` (tokens and a
pooled vector of ``dim`` each).

- :class:`PatchEncoder`: a small ViT (Dosovitskiy et al., 2021): the image cut into patches,
  each projected, with learned positions and a [CLS] token, through Transformer layers;
- :class:`ConvEncoder`: a small CNN whose last feature map's cells are the tokens;
- :class:`TextEncoder`: a small Transformer over the UTF-8 bytes of the text, its own
  tokenizer needing no vocabulary file (:class:`ByteTokenizer`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from llmos.learn.types import Encoded


def _transformer(dim: int, layers: int, heads: int) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(
        dim, heads, dim_feedforward=2 * dim, dropout=0.1, batch_first=True, norm_first=True
    )
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


class PatchEncoder(nn.Module):
    """Images (B, 3, S, S), values in [0, 1], to ``(S / patch)²`` patch tokens."""

    def __init__(
        self, size: int = 64, patch: int = 8, dim: int = 128, layers: int = 2, heads: int = 4
    ) -> None:
        super().__init__()
        if size % patch:
            raise ValueError(f"the image side {size} must be a multiple of the patch {patch}")
        self.size = size
        self.patches = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)  # project each patch
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.position = nn.Parameter(torch.zeros(1, (size // patch) ** 2 + 1, dim))
        nn.init.normal_(self.position, std=0.02)
        self.encoder = _transformer(dim, layers, heads)
        self.norm = nn.LayerNorm(dim)
        self.dim = dim

    def forward(self, images: torch.Tensor) -> Encoded:
        tokens = self.patches(images * 2 - 1).flatten(2).transpose(1, 2)  # (B, N, dim)
        tokens = torch.cat([self.cls.expand(len(images), -1, -1), tokens], dim=1)
        out = self.norm(self.encoder(tokens + self.position))
        return Encoded(out[:, 1:], out[:, 0])


class ConvEncoder(nn.Module):
    """Images (B, 3, S, S), values in [0, 1], through three conv blocks (each halving the
    side) to an (S/8)² grid of tokens; the pooled vector is their mean."""

    def __init__(self, dim: int = 128, width: int = 32) -> None:
        super().__init__()

        def block(inputs: int, outputs: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(inputs, outputs, 3, padding=1), nn.BatchNorm2d(outputs), nn.ReLU(),
                nn.MaxPool2d(2),
            )  # fmt: skip

        self.features = nn.Sequential(
            block(3, width), block(width, 2 * width), block(2 * width, dim)
        )
        self.dim = dim

    def forward(self, images: torch.Tensor) -> Encoded:
        tokens = self.features(images * 2 - 1).flatten(2).transpose(1, 2)
        return Encoded(tokens, tokens.mean(dim=1))


class ByteTokenizer:
    """Text to UTF-8 byte ids (1-256; 0 pads), cut at ``length`` bytes: a tokenizer with no
    vocabulary to learn or ship, that reads every language."""

    PAD = 0
    vocabulary = 257

    def __init__(self, length: int = 64) -> None:
        self.length = length

    def __call__(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Ids (B, length) and the mask (B, length), True on real bytes."""
        ids = torch.zeros(len(texts), self.length, dtype=torch.long)
        for row, text in enumerate(texts):
            encoded = list(text.encode("utf-8")[: self.length])
            ids[row, : len(encoded)] = torch.tensor(encoded, dtype=torch.long) + 1
        return ids, ids != self.PAD


class TextEncoder(nn.Module):
    """Byte ids (B, L) and their mask to byte tokens; the pooled vector is the mean of the
    real ones."""

    def __init__(self, length: int = 64, dim: int = 128, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.tokenizer = ByteTokenizer(length)
        self.embed = nn.Embedding(ByteTokenizer.vocabulary, dim, padding_idx=ByteTokenizer.PAD)
        self.position = nn.Parameter(torch.zeros(1, length, dim))
        nn.init.normal_(self.position, std=0.02)
        self.encoder = _transformer(dim, layers, heads)
        self.norm = nn.LayerNorm(dim)
        self.dim = dim

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> Encoded:
        mask = mask.clone()
        mask[:, 0] |= ~mask.any(dim=1)  # an empty text keeps one (padding) token to attend to
        tokens = self.embed(ids) + self.position[:, : ids.shape[1]]
        out = self.norm(self.encoder(tokens, src_key_padding_mask=~mask))
        weights = mask.float()[:, :, None]
        return Encoded(out, (out * weights).sum(1) / weights.sum(1), mask)

    def encode_texts(self, texts: Sequence[str]) -> Encoded:
        return self(*self.tokenizer(texts))
