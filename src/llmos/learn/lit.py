"""Locked-image tuning (LiT, Zhai et al., CVPR 2022) on real pairs, with both towers locked.

EfficientNet-Lite0 and MiniLM stay frozen (their features come from the cache of
``llmos.learn.features``); only two linear heads are learned, with CLIP's InfoNCE, into the
space that ``llmos.capabilities.align`` serves:

    image(e, c) = norm(c A + e B)      e: 1280-d image features, c: the picture's ConSE vector
    text(t)     = norm(t C)            t: MiniLM's 384-d sentence vector

``start = "conse"`` begins at A = C = I, B = 0, where the space *is* ConSE's zero-shot one, and
a penalty ``anchor · ‖θ - θ₀‖²`` keeps it near there unless the data pays for leaving: with a
few hundred pairs that matters. ``start = "random"`` is plain LiT from random heads (the
penalty then is weight decay). Early stopping picks the step with the best text -> image MRR on
the validation split.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from llmos.capabilities.align.space import CONSE_DIM, IMAGE_DIM, TEXT_DIM, AlignedSpace
from llmos.eval.ranking import RetrievalScores, both_ways
from llmos.fusion.index.conse import image_vector
from llmos.learn.features import FrozenFeatures, split_image_features
from llmos.learn.objectives import ContrastiveLoss
from llmos.learn.pairs import Pair
from llmos.learn.stopping import EarlyStopping

CHUNK = 64  # pictures read and encoded at a time


async def pair_features(
    frozen: FrozenFeatures, classes: np.ndarray, pairs: Sequence[Pair], variants: int = 1
) -> PairFeatures:
    """The pairs' frozen features: ``variants`` pictures of each (a stamp on other
    backgrounds; a user's image is the same in every variant: ask for one), every caption."""
    views = []
    for variant in range(variants):
        rows = []
        for first in range(0, len(pairs), CHUNK):  # a chunk's pictures in memory at a time
            chunk = pairs[first : first + CHUNK]
            pictures = await asyncio.to_thread(lambda c=chunk, v=variant: [p.picture(v) for p in c])
            rows.append(await frozen.images(pictures))
        embeddings, probabilities = split_image_features(np.concatenate(rows))
        conse = np.stack([image_vector(p, classes) for p in probabilities])
        views.append(np.concatenate([embeddings, conse], axis=1))
    captions = [(i, text) for i, pair in enumerate(pairs) for text in pair.captions]
    texts = await frozen.texts([text for _, text in captions])
    return PairFeatures(
        np.stack(views, axis=1),
        texts,
        np.array([i for i, _ in captions]),
        [pair.group for pair in pairs],
    )


@dataclass
class PairFeatures:
    """A split's pairs as frozen features."""

    images: np.ndarray  # (P, V, 1280 + 384): each picture's variants: features, then ConSE
    texts: np.ndarray  # (C, 384): every caption's MiniLM vector
    text_pair: np.ndarray  # (C,): the pair each caption belongs to
    groups: list[str]  # (P,): pictures of one group answer each other's captions

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.images.shape[2] != IMAGE_DIM + CONSE_DIM:
            raise ValueError(f"image features must be (P, V, 1664), not {self.images.shape}")
        if len(self.texts) != len(self.text_pair) or len(self.groups) != len(self.images):
            raise ValueError("every caption needs its pair and every pair its group")


@dataclass(frozen=True)
class LitSettings:
    dim: int = 384
    start: str = "conse"  # or "random"
    steps: int = 400
    batch_size: int = 64
    learning_rate: float = 1e-3
    anchor: float = 0.01  # weight of ‖θ - θ₀‖² (0: none)
    evaluate_every: int = 20
    patience: int = 5  # evaluations without a better validation MRR before stopping
    seed: int = 0


class LitHeads(nn.Module):
    def __init__(self, dim: int, start: str) -> None:
        super().__init__()
        if start not in ("conse", "random"):
            raise ValueError(f"start must be 'conse' or 'random', not {start!r}")
        if start == "conse" and dim != CONSE_DIM:
            raise ValueError(f"starting at ConSE needs dim = {CONSE_DIM}")
        self.a = nn.Parameter(torch.empty(CONSE_DIM, dim))
        self.b = nn.Parameter(torch.empty(IMAGE_DIM, dim))
        self.c = nn.Parameter(torch.empty(TEXT_DIM, dim))
        if start == "conse":
            nn.init.eye_(self.a), nn.init.zeros_(self.b), nn.init.eye_(self.c)
        else:
            for head in (self.a, self.b, self.c):
                nn.init.xavier_uniform_(head)
        # what the penalty pulls toward: ConSE's heads, or zero (weight decay) from random ones
        heads = (self.a, self.b, self.c)
        self.start = [
            p.detach().clone() if start == "conse" else torch.zeros_like(p) for p in heads
        ]

    def images(self, features: torch.Tensor) -> torch.Tensor:
        e, c = features[..., :IMAGE_DIM], features[..., IMAGE_DIM:]
        return functional.normalize(c @ self.a + e @ self.b, dim=-1)

    def texts(self, vectors: torch.Tensor) -> torch.Tensor:
        return functional.normalize(vectors @ self.c, dim=-1)

    def drift(self) -> torch.Tensor:
        """‖θ - θ₀‖²: how far the heads moved from where they started."""
        moved = zip((self.a, self.b, self.c), self.start, strict=True)
        return sum(((p - p0) ** 2).sum() for p, p0 in moved)

    def space(self, name: str, about: dict) -> AlignedSpace:
        a, b, c = (p.detach().numpy().astype(np.float32) for p in (self.a, self.b, self.c))
        return AlignedSpace(name, a, b, c, about)


def scores(space: AlignedSpace, data: PairFeatures) -> tuple[RetrievalScores, RetrievalScores]:
    """Text -> image and image -> text on ``data``: each group's first caption against every
    picture's first variant (the one the retrieval bench indexes)."""
    first = {}
    for caption, pair in enumerate(data.text_pair):
        first.setdefault(data.groups[pair], caption)
    ids = {group: i for i, group in enumerate(first)}
    features = data.images[:, 0]
    images = space.images(features[:, :IMAGE_DIM], features[:, IMAGE_DIM:])
    texts = space.texts(data.texts[list(first.values())])
    picture_group = np.array([ids[g] for g in data.groups])
    right = np.arange(len(first))[:, None] == picture_group[None, :]
    return both_ways(texts @ images.T, right)


Progress = Callable[[int, int, float, float | None], None]  # step, steps, loss, validation MRR


def train_lit(
    train: PairFeatures,
    validation: PairFeatures,
    settings: LitSettings,
    *,
    progress: Progress | None = None,
) -> tuple[LitHeads, dict]:
    """The heads at their best validation step, and the run's record (steps, best step, the
    validation MRR at the start and at the best, seconds)."""
    torch.manual_seed(settings.seed)
    generator = np.random.default_rng(settings.seed)
    heads = LitHeads(settings.dim, settings.start)
    loss_of = ContrastiveLoss()
    optimiser = torch.optim.Adam(
        [*heads.parameters(), *loss_of.parameters()], settings.learning_rate
    )
    images = torch.from_numpy(train.images.astype(np.float32))
    texts = torch.from_numpy(train.texts.astype(np.float32))
    by_group: dict[str, list[int]] = {}
    for caption, pair in enumerate(train.text_pair):
        by_group.setdefault(train.groups[pair], []).append(caption)
    groups = list(by_group)
    batch = min(settings.batch_size, len(groups))

    def validate() -> float:
        return scores(heads.space("validation", {}), validation)[0].mrr

    stopping = EarlyStopping(heads, settings.patience, start=validate())
    record = {"validation_mrr_at_start": stopping.best}
    best_step, stop = 0, False
    started = time.perf_counter()
    for step in range(1, settings.steps + 1):
        # distinct groups in a batch: no caption is another picture's false negative
        chosen = generator.choice(len(groups), batch, replace=False)
        captions = [generator.choice(by_group[groups[g]]) for g in chosen]
        pairs = train.text_pair[captions]
        variants = generator.integers(0, images.shape[1], size=batch)
        u = heads.images(images[pairs, variants])
        v = heads.texts(texts[captions])
        loss = loss_of(u, v) + settings.anchor * heads.drift()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        mrr = None
        if step % settings.evaluate_every == 0 or step == settings.steps:
            with torch.no_grad():
                mrr = validate()
            stop = stopping.update(mrr)
            best_step = step if stopping.improved else best_step
        if progress is not None:
            progress(step, settings.steps, loss.item(), mrr)
        if stop:
            break
    record |= {
        "steps": step,
        "best_step": best_step,
        "validation_mrr": stopping.restore(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return heads, record
