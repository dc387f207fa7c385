"""``llmos train`` for a LiT config: features, training, the test split, a model llmos serves.

The frozen features are computed through a kernel of this process (the same models, the same
scheduler) and cached under ``HOME/features``; the heads train in seconds; the test split is
scored for the trained space and for ConSE's zero-shot one on the same pictures and captions;
the model is written to ``HOME/aligned/NAME.npz`` with those scores, where the server finds
it on its next start (and search uses it in place of ConSE when it scored higher).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from llmos.errors import InvalidRequest
from llmos.eval.ranking import RetrievalScores
from llmos.fusion.index.conse import ClassVectors
from llmos.kernel import Kernel
from llmos.kernel.registry import default_registry
from llmos.learn.config import LitConfig
from llmos.learn.features import FrozenFeatures
from llmos.learn.lit import LitHeads, LitSettings, PairFeatures, pair_features, scores, train_lit
from llmos.learn.pairs import Pair, coco_pairs, flickr30k_pairs, stamp_pairs
from llmos.settings import Settings

Stage = Callable[[str, int, int], None]  # what, done, total (0: unknown)


@dataclass(frozen=True)
class LitOutcome:
    path: Path
    pairs: dict[str, int]  # split -> pairs
    record: dict  # the training run's: steps, best step, validation MRR
    lit: tuple[RetrievalScores, RetrievalScores]  # test: text -> image, image -> text
    conse: tuple[RetrievalScores, RetrievalScores]


def pairs_of(config: LitConfig, split: str) -> list[Pair]:
    try:
        if config.data == "stamps":
            return stamp_pairs(split)
        assert config.annotations is not None and config.images is not None
        read = coco_pairs if config.data == "coco" else flickr30k_pairs
        return read(config.annotations, config.images, split)
    except (OSError, ValueError) as error:
        raise InvalidRequest(f"cannot read the {config.data} pairs: {error}") from None


async def features(
    config: LitConfig,
    settings: Settings,
    stage: Stage | None = None,
    splits: tuple[str, ...] = ("train", "val", "test"),
) -> dict[str, PairFeatures]:
    """Each split's frozen features (cached: a second run takes seconds)."""
    kernel = Kernel(settings, default_registry())
    await kernel.start()
    try:
        frozen = FrozenFeatures(kernel, settings.home / "features")
        classes = await ClassVectors(kernel, settings.models_dir).get()
        found = {}
        for split in splits:
            pairs = await asyncio.to_thread(pairs_of, config, split)
            if len(pairs) < 2:
                raise InvalidRequest(f"the {split} split has {len(pairs)} pairs; it needs two")
            if stage is not None:
                stage(f"features of {len(pairs)} {split} pairs", 0, 0)
            # a stamp on other backgrounds; a user's picture is the same every time
            variants = config.variants if split == "train" and config.data == "stamps" else 1
            found[split] = await pair_features(frozen, classes, pairs, variants)
        return found
    finally:
        await kernel.stop()


def fit(config: LitConfig, data: dict[str, PairFeatures], progress=None) -> tuple[LitHeads, dict]:
    torch.manual_seed(config.seed)
    settings = LitSettings(**config.model_dump(include=set(LitSettings.__dataclass_fields__)))
    return train_lit(data["train"], data["val"], settings, progress=progress)


async def run_lit(
    config: LitConfig, settings: Settings, *, stage: Stage | None = None, progress=None
) -> LitOutcome:
    started = time.perf_counter()
    data = await features(config, settings, stage)
    heads, record = fit(config, data, progress)
    lit = scores(heads.space(config.model_name, {}), data["test"])
    conse = scores(LitHeads(384, "conse").space("conse", {}), data["test"])
    about = {
        "trained_on": config.data,
        "config": config.model_dump(mode="json"),
        "pairs": {split: len(d.groups) for split, d in data.items()},
        "record": record,
        "test": {"lit": _plain(lit), "conse": _plain(conse)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    space = heads.space(config.model_name, about)
    path = space.save(config.output or settings.aligned_dir)
    return LitOutcome(path, about["pairs"], record, lit, conse)


async def evaluate_space(
    path: Path, settings: Settings, split: str = "test", stage: Stage | None = None
) -> tuple[tuple[RetrievalScores, RetrievalScores], tuple[RetrievalScores, RetrievalScores]]:
    """A served space's scores on ``split`` of the data it was trained on, beside ConSE's on
    the same pairs: (text -> image, image -> text) each."""
    from llmos.capabilities.align import load
    from llmos.learn.config import config_of

    if split not in ("test", "val"):
        raise InvalidRequest(f"split must be 'test' or 'val', not {split!r}")
    try:
        space = await asyncio.to_thread(load, path)
    except ValueError as error:
        raise InvalidRequest(str(error)) from None
    config = config_of(space.about.get("config") or {}, str(path))
    if not isinstance(config, LitConfig):
        raise InvalidRequest(f"{path} holds no LiT config to find its data by")
    data = await features(config, settings, stage, splits=(split,))
    conse = LitHeads(384, "conse").space("conse", {})
    return scores(space, data[split]), scores(conse, data[split])


def _plain(both: tuple[RetrievalScores, RetrievalScores]) -> dict:
    forward, backward = both
    return {"text_to_image": asdict(forward), "image_to_text": asdict(backward)}
