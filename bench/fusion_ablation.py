"""The fusion ablation on the compositional scenes' VQA: every fusion module against the
image-only and text-only baselines, on the test split, over several seeds.

    python bench/fusion_ablation.py [--seeds 0,1,2] [--train 3000] [--epochs 10] [--dim 64]
        [--only early,late] [--write docs/fusion-ablation.md]

Each run trains with early stopping on the validation split and is scored once on the test
split (1000 scenes, about 6000 questions); mean ± standard deviation over the seeds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from llmos.learn.config import TrainConfig
from llmos.learn.fusion import FUSIONS
from llmos.learn.train import evaluate, train

BASELINES = {"image only": ("early", "image"), "text only": ("early", "text")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    lines = [
        f"| model | test accuracy (mean ± std, {len(seeds)} seeds) | epochs | s per run |",
        "|---|---|---|---|",
    ]
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
        spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
        line = (f"| {row} | {statistics.mean(scores):.3f} ± {spread:.3f} | "
                f"{statistics.mean(epochs):.1f} | {statistics.mean(seconds):.0f} |")  # fmt: skip
        print(line, flush=True)
        lines.append(line)
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
