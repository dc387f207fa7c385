"""Typed options and results of the embed capability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmos.capabilities.base import Usage


@dataclass(frozen=True)
class EmbedOptions:
    normalize: bool = True  # unit length, so a dot product is the cosine similarity
    batch_size: int = 32


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: np.ndarray  # (N, D) float32, one row per input text, in input order
    model: str
    usage: Usage
