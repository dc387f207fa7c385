"""A visual question answering model: an image encoder, a text encoder over the question, a
fusion module over both, and a classifier over the answers.

With ``modalities`` "image" or "text", the other input is blanked (zero tokens): the
single-modality baselines the ablation compares fusion with.
"""

from __future__ import annotations

import torch
from torch import nn

from llmos.learn.config import TrainConfig
from llmos.learn.encoders import ConvEncoder, PatchEncoder, TextEncoder
from llmos.learn.fusion import FUSIONS
from llmos.learn.types import Encoded

QUESTION_BYTES = 48


class VqaModel(nn.Module):
    def __init__(self, config: TrainConfig, answers: int) -> None:
        super().__init__()
        dim = config.dim
        if config.image_encoder == "patch":
            self.image = PatchEncoder(size=config.image_size, patch=8, dim=dim)
        else:
            self.image = ConvEncoder(dim=dim)
        self.text = TextEncoder(length=QUESTION_BYTES, dim=dim)
        self.fusion = FUSIONS[config.fusion](dim, dim, answers)
        self.modalities = config.modalities

    def forward(self, images: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor):
        seen, read = self.image(images), self.text(ids, mask)
        if self.modalities == "text":
            seen = _blank(seen)
        elif self.modalities == "image":
            read = _blank(read)
        return self.fusion(seen, read)


def _blank(encoded: Encoded) -> Encoded:
    return Encoded(torch.zeros_like(encoded.tokens), torch.zeros_like(encoded.pooled), encoded.mask)
