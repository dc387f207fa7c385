"""Unimodal pre-training, then multimodal fine-tuning, against training from scratch: the
scenes' VQA with few labelled scenes, each encoder first pre-trained alone on many unlabelled
ones (``learn/pretrain.py``); test accuracy over several seeds, mean ± standard deviation.

    python bench/pretraining.py [--labelled 300] [--unlabelled 3000] [--pretrain-epochs 20]
        [--epochs 20] [--seeds 0,1,2] [--fusion cross-attention]

Both arms see the same labelled scenes, the same fine-tuning epochs and early stopping on the
same validation scenes; the pre-trained arm has also seen the unlabelled scenes' pictures and
texts, never their answers. Run settings were fixed before the first run, not tuned on it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from llmos.learn.config import TrainConfig
from llmos.learn.train import evaluate, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=int, default=300, help="labelled training scenes")
    parser.add_argument("--unlabelled", type=int, default=3000, help="scenes to pre-train on")
    parser.add_argument("--pretrain-epochs", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=20, help="fine-tuning epochs at most")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--fusion", default="cross-attention")
    args = parser.parse_args()
    torch.set_num_threads(2)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"scenes VQA, {args.fusion}, {args.labelled} labelled training scenes, "
          f"{len(seeds)} seeds; 1000 test scenes")  # fmt: skip
    print("| run | test accuracy | validation | epochs | s per run |")
    print("|---|---|---|---|---|")
    arms = {"from scratch": 0,
            f"pre-trained ({args.pretrain_epochs} epochs, {args.unlabelled} unlabelled scenes)":
            args.pretrain_epochs}  # fmt: skip
    for arm, pretrain_epochs in arms.items():
        tests, validations, epochs, seconds = [], [], [], []
        for seed in seeds:
            with tempfile.TemporaryDirectory() as folder:
                config = TrainConfig(
                    fusion=args.fusion, seed=seed, train_size=args.labelled,
                    validation_size=200, epochs=args.epochs, pretrain_epochs=pretrain_epochs,
                    pretrain_size=args.unlabelled, output=Path(folder),
                )  # fmt: skip
                started = time.perf_counter()
                outcome = train(config)
                tests.append(evaluate(Path(folder) / "model.pt"))
                seconds.append(time.perf_counter() - started)
                validations.append(outcome.validation_accuracy)
                epochs.append(outcome.epochs)
        line = (f"| {arm} | {_spread(tests)} | {_spread(validations)} | "
                f"{statistics.mean(epochs):.1f} | {statistics.mean(seconds):.0f} |")  # fmt: skip
        print(line, flush=True)


def _spread(scores: list[float]) -> str:
    spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return f"{statistics.mean(scores):.3f} ± {spread:.3f}"


if __name__ == "__main__":
    main()
