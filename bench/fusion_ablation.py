"""The fusion ablation: every fusion module against the image-only and text-only baselines,
on the test split, over several seeds; mean ± standard deviation.

    python bench/fusion_ablation.py [--task scenes,stamps] [--seeds 0,1,2] [--train 3000]
        [--epochs 10] [--dim 64] [--only early,late] [--write FILE.md]

- scenes: the compositional scenes' VQA (1000 test scenes, about 6000 questions), every
  encoder trained from scratch, early stopping on the validation split;
- stamps: a Tux Paint stamp's category (its folder: animals, food, town, …) from its picture
  and its English line, over frozen EfficientNet-Lite0 / ConSE / MiniLM features
  (``llmos.learn.classify``); trained on the tune half's train part, stopped on its
  validation fifth, scored once on the check half (265 stamps).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import torch

from llmos.learn.classify import Labelled, PairClassifier, accuracy, train_classifier
from llmos.learn.config import LitConfig, TrainConfig
from llmos.learn.fusion import FUSIONS
from llmos.learn.lit_run import features, pairs_of
from llmos.learn.train import evaluate, train
from llmos.settings import Settings

BASELINES = {"image only": ("early", "image"), "text only": ("early", "text")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="scenes,stamps")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--train", type=int, default=3000, help="training scenes")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--only", default=None, help="comma-separated rows to run")
    parser.add_argument("--write", type=Path, default=None, help="a Markdown table to write")
    args = parser.parse_args()
    torch.set_num_threads(2)
    rows = {**BASELINES, **{name: (name, "both") for name in FUSIONS}}
    if args.only:
        rows = {k: v for k, v in rows.items() if k in args.only.split(",")}
    seeds = [int(s) for s in args.seeds.split(",")]
    lines = []
    if "scenes" in args.task:
        lines += scenes(args, rows, seeds)
    if "stamps" in args.task:
        lines += stamps(rows, seeds)
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")


def table(title: str, seeds: list[int], extra: str) -> list[str]:
    return [
        "",
        f"{title}",
        "",
        f"| model | test accuracy (mean ± std, {len(seeds)} seeds) | {extra} |",
        "|---|---|---|---|" if extra.count("|") else "|---|---|---|",
    ]


def scenes(args, rows: dict, seeds: list[int]) -> list[str]:
    lines = table("Compositional scenes VQA", seeds, "epochs | s per run")
    for row, (fusion, modalities) in rows.items():
        scores, epochs, seconds = [], [], []
        for seed in seeds:
            with tempfile.TemporaryDirectory() as folder:
                config = TrainConfig(
                    fusion=fusion, modalities=modalities, seed=seed, dim=args.dim,
                    epochs=args.epochs, train_size=args.train, output=Path(folder),
                )  # fmt: skip
                started = time.perf_counter()
                outcome = train(config)
                scores.append(evaluate(Path(folder) / "model.pt"))
                seconds.append(time.perf_counter() - started)
                epochs.append(outcome.epochs)
        line = (f"| {row} | {_spread(scores)} | "
                f"{statistics.mean(epochs):.1f} | {statistics.mean(seconds):.0f} |")  # fmt: skip
        print(line, flush=True)
        lines.append(line)
    return lines


def stamps(rows: dict, seeds: list[int]) -> list[str]:
    config = LitConfig(task="lit")  # the stamps, each training picture on three backgrounds
    settings = Settings(models_dir=Settings().models_dir)
    data = asyncio.run(features(config, settings))  # cached after the first run
    labels = {split: [p.label for p in pairs_of(config, split)] for split in data}
    classes = sorted({label for split in labels.values() for label in split})
    sets = {split: Labelled.of(data[split], labels[split], classes) for split in data}
    print(f"stamps: {len(classes)} categories; pairs { ({k: len(v) for k, v in labels.items()}) }")
    lines = table("Tux Paint stamps: category from picture + caption", seeds, "s per run")
    for row, (fusion, modalities) in rows.items():
        scores, seconds = [], []
        for seed in seeds:
            started = time.perf_counter()
            model = PairClassifier(fusion, len(classes), modalities=modalities)
            train_classifier(model, sets["train"], sets["val"], seed=seed)
            scores.append(accuracy(model, sets["test"]))
            seconds.append(time.perf_counter() - started)
        line = f"| {row} | {_spread(scores)} | {statistics.mean(seconds):.1f} |"
        print(line, flush=True)
        lines.append(line)
    return lines


def _spread(scores: list[float]) -> str:
    spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return f"{statistics.mean(scores):.3f} ± {spread:.3f}"


if __name__ == "__main__":
    main()
