"""The caption decoder (llmos.learn.captioner) on the scenes, then on the Tux Paint stamps.

    python bench/captioning.py [--scenes 3000] [--epochs 30] [--seed 0] [--write FILE.md]

1. Trained on generated scenes, scored on the test scenes (their captions are generated too).
2. On the stamps (tune half: train / validation; scored once on the check half, 265 pictures,
   the English line as the one reference): from scratch, and the scenes model fine-tuned.
   Beside them, a baseline that writes nothing new: each test picture gets the caption of the
   training picture nearest to it in EfficientNet-Lite0's features (retrieval captioning).

BLEU-4, CIDEr-D and ROUGE-L by llmos.eval.metrics (the COCO caption toolkit's scorers).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import torch

from llmos.eval.metrics import CaptionScores, caption_scores
from llmos.learn import scenes
from llmos.learn.captioner import (
    Captioner,
    CaptionSet,
    Vocabulary,
    captions_of,
    pictures_of,
    score,
    train_captioner,
)
from llmos.learn.config import LitConfig
from llmos.learn.lit_run import features, pairs_of
from llmos.settings import Settings


def scene_set(split: str, count: int) -> CaptionSet:
    made = scenes.scenes(split, count)
    return CaptionSet(scenes.pictures(made), [[s.caption()] for s in made])


def stamp_set(split: str, variants: int) -> CaptionSet:
    pairs = pairs_of(LitConfig(task="lit"), split)
    encoded = [p.picture(v) for v in range(variants) for p in pairs]
    return CaptionSet(
        pictures_of(encoded), [list(p.captions) for _ in range(variants) for p in pairs]
    )


def row(name: str, scores: CaptionScores, seconds: float) -> str:
    line = (f"| {name} | {scores.bleu_4:.3f} | {scores.cider_d:.3f} | {scores.rouge_l:.3f} | "
            f"{seconds:.0f} |")  # fmt: skip
    print(line, flush=True)
    return line


def nearest_captions(train: CaptionSet, test: CaptionSet) -> CaptionScores:
    """Each test picture gets the caption of the training picture nearest in EfficientNet's
    features (cached by ``llmos train``'s LiT run, or computed here once)."""
    config = LitConfig(task="lit", variants=1)
    data = asyncio.run(features(config, Settings(models_dir=Settings().models_dir)))
    known, asked = data["train"].images[:, 0, :1280], data["test"].images[:, 0, :1280]
    nearest = (asked @ known.T).argmax(axis=1)
    captions = [train.captions[i][0] for i in range(len(data["train"].groups))]
    candidates = {str(i): captions[j] for i, j in enumerate(nearest)}
    return caption_scores(candidates, {str(i): refs for i, refs in enumerate(test.captions)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=3000, help="training scenes")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    on_scenes = {
        "train": scene_set("train", args.scenes),
        "validation": scene_set("validation", 300),
        "test": scene_set("test", 500),
    }
    stamps = {
        "train": stamp_set("train", 3),
        "val": stamp_set("val", 1),
        "test": stamp_set("test", 1),
    }
    vocabulary = Vocabulary(
        [c for s in (on_scenes["train"], stamps["train"]) for refs in s.captions for c in refs]
    )
    print(f"vocabulary: {len(vocabulary)} words", flush=True)
    lines = ["| model | BLEU-4 | CIDEr-D | ROUGE-L | s to train |", "|---|---|---|---|---|"]
    train = dict(epochs=args.epochs, seed=args.seed)

    started = time.perf_counter()
    model = Captioner(len(vocabulary))
    record = train_captioner(
        model, vocabulary, on_scenes["train"], on_scenes["validation"], **train
    )
    scored = score(model, vocabulary, on_scenes["test"])
    name = f"scenes: trained on {args.scenes} scenes ({record['epochs']} epochs)"
    lines.append(row(name, scored, time.perf_counter() - started))
    print("e.g.", captions_of(model, vocabulary, on_scenes["test"].pictures[:2]))

    started = time.perf_counter()
    record = train_captioner(model, vocabulary, stamps["train"], stamps["val"], **train)
    fine_tuned = score(model, vocabulary, stamps["test"])
    lines.append(row(f"stamps: the scenes model fine-tuned ({record['epochs']} epochs)",
                     fine_tuned, time.perf_counter() - started))  # fmt: skip
    print("e.g.", captions_of(model, vocabulary, stamps["test"].pictures[:4]))

    started = time.perf_counter()
    scratch = Captioner(len(vocabulary))
    record = train_captioner(scratch, vocabulary, stamps["train"], stamps["val"], **train)
    scored = score(scratch, vocabulary, stamps["test"])
    name = f"stamps: from scratch ({record['epochs']} epochs)"
    lines.append(row(name, scored, time.perf_counter() - started))

    started = time.perf_counter()
    lines.append(row("stamps: nearest training picture's caption (EfficientNet-Lite0)",
                     nearest_captions(stamp_set("train", 1), stamps["test"]),
                     time.perf_counter() - started))  # fmt: skip
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
