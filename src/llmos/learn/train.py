"""Training with checkpoints: deterministic, resumable, stopped early on the validation split.

With ``pretrain_epochs``, the image and text encoders are first pre-trained each alone on
unlabelled scenes (``learn/pretrain.py``), then the whole model is fine-tuned on the questions.
After every epoch the whole state (weights, optimiser, epoch, best score, the random
generators, the config) is written atomically to ``output/checkpoint.pt``; the best model so
far, with its config, to ``output/model.pt``. A run started again with the same config resumes
from the checkpoint and ends where an uninterrupted run would have. Checkpoints hold tensors and
plain values only and are read with ``weights_only=True``: loading one runs no code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.nn import functional

from llmos.atomic import atomic_target
from llmos.errors import InvalidRequest
from llmos.learn import scenes
from llmos.learn.config import TrainConfig, config_of
from llmos.learn.encoders import ByteTokenizer
from llmos.learn.pretrain import pretrain
from llmos.learn.vqa import QUESTION_BYTES, VqaModel


def _length_of(config: TrainConfig) -> dict:
    """What a resumed run may change: how long it goes on, and the folder's name."""
    return {"epochs": config.epochs, "patience": config.patience, "output": config.output}


Progress = Callable[[str, int, int, float, float], None]  # stage, step, steps, loss, examples/s


@dataclass
class Examples:
    """Questions about pictures: each example's picture by index, its question, its answer."""

    pictures: torch.Tensor  # (P, 3, S, S) in [0, 1]
    picture: torch.Tensor  # (N,) index into pictures
    ids: torch.Tensor  # (N, L) question bytes
    mask: torch.Tensor  # (N, L)
    answers: torch.Tensor  # (N,)

    def __len__(self) -> int:
        return len(self.answers)


def scenes_vqa(split: str, count: int, size: int) -> Examples:
    """Every question of ``count`` scenes of ``split``."""
    made = scenes.scenes(split, count)
    answer_index = {answer: i for i, answer in enumerate(scenes.answers())}
    pictures = scenes.pictures(made, size)
    picture, questions, answers = [], [], []
    for index, scene in enumerate(made):
        for question, answer in scene.questions():
            picture.append(index)
            questions.append(question)
            answers.append(answer_index[answer])
    ids, mask = ByteTokenizer(QUESTION_BYTES)(questions)
    return Examples(pictures, torch.tensor(picture), ids, mask, torch.tensor(answers))


@dataclass
class Outcome:
    epochs: int  # run in all, this run and the ones it resumed
    best_epoch: int
    validation_accuracy: float
    resumed_from: int | None  # the epoch the checkpoint had finished, if resumed
    stopped_early: bool


def train(config: TrainConfig, *, progress: Progress | None = None) -> Outcome:
    torch.manual_seed(config.seed)
    train_set = scenes_vqa("train", config.train_size, config.image_size)
    validation = scenes_vqa("validation", config.validation_size, config.image_size)
    model = VqaModel(config, len(scenes.answers()))
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    output = config.output
    output.mkdir(parents=True, exist_ok=True)
    state = {"epoch": 0, "best": -1.0, "best_epoch": 0, "stale": 0}
    resumed = None
    if (output / "checkpoint.pt").exists():
        saved = read_checkpoint(output / "checkpoint.pt")
        before = config_of(saved["config"]).model_copy(update=_length_of(config))
        if before != config:  # a run may be given more epochs or patience, nothing else
            raise InvalidRequest(
                f"{output} holds a run with another config; choose another output folder or "
                "delete the old run to start over."
            )
        if not {"optimiser", "rng", "state"} <= set(saved):
            raise InvalidRequest(f"{output / 'checkpoint.pt'} is a model, not a run's checkpoint.")
        _restore(model, saved["model"], output / "checkpoint.pt")
        optimiser.load_state_dict(saved["optimiser"])
        torch.set_rng_state(saved["rng"])
        state = saved["state"]
        resumed = state["epoch"]
    elif config.pretrain_epochs:  # a resumed run has its pre-trained weights in the checkpoint
        pretrain(model.image, model.text, config, progress)
    while state["epoch"] < config.epochs and state["stale"] < config.patience:
        epoch = state["epoch"] + 1
        _epoch(model, optimiser, train_set, config, epoch, progress)
        score = accuracy(model, validation)
        if score > state["best"]:
            state |= {"best": score, "best_epoch": epoch, "stale": 0}
            _save(output / "model.pt", {"config": _plain(config), "model": model.state_dict()})
        else:
            state["stale"] += 1
        state["epoch"] = epoch
        _save(output / "checkpoint.pt", {
            "config": _plain(config), "model": model.state_dict(),
            "optimiser": optimiser.state_dict(), "rng": torch.get_rng_state(), "state": state,
        })  # fmt: skip
    return Outcome(
        state["epoch"], state["best_epoch"], state["best"], resumed,
        stopped_early=state["epoch"] < config.epochs,
    )  # fmt: skip


def _epoch(model, optimiser, data: Examples, config: TrainConfig, epoch: int, progress) -> None:
    model.train()
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(config.seed + epoch))
    steps = (len(data) + config.batch_size - 1) // config.batch_size
    started = time.perf_counter()
    for step in range(steps):
        batch = order[step * config.batch_size : (step + 1) * config.batch_size]
        logits = model(data.pictures[data.picture[batch]], data.ids[batch], data.mask[batch])
        loss = functional.cross_entropy(logits, data.answers[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if progress is not None:
            seen = (step + 1) * config.batch_size
            rate = seen / (time.perf_counter() - started)
            progress(f"epoch {epoch}", step + 1, steps, loss.item(), rate)


@torch.no_grad()
def accuracy(model: VqaModel, data: Examples, batch_size: int = 256) -> float:
    model.eval()
    right = 0
    for first in range(0, len(data), batch_size):
        part = slice(first, first + batch_size)
        logits = model(data.pictures[data.picture[part]], data.ids[part], data.mask[part])
        right += int((logits.argmax(-1) == data.answers[part]).sum())
    return right / len(data)


def evaluate(model_path: Path, split: str = "test", count: int | None = None) -> float:
    """The saved model's answer accuracy on ``count`` scenes of ``split``."""
    if split not in ("test", "validation"):
        raise InvalidRequest(f"split must be 'test' or 'validation', not {split!r}")
    saved = read_checkpoint(model_path)
    config = config_of(saved["config"], str(model_path))
    model = VqaModel(config, len(scenes.answers()))
    _restore(model, saved["model"], model_path)
    return accuracy(model, scenes_vqa(split, count or config.test_size, config.image_size))


def read_checkpoint(path: Path) -> dict:
    """A checkpoint or model file written by :func:`train`, checked to hold what it must."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InvalidRequest(f"no checkpoint at {path}") from None
    except Exception as error:  # pickle, zip and torch errors alike: the file is damaged
        saved = error
    if not isinstance(saved, dict) or not {"config", "model"} <= set(saved):
        why = type(saved).__name__
        raise InvalidRequest(
            f"{path} is not a checkpoint llmos can read ({why}); it may be damaged or come "
            "from another program: delete it to start the run over."
        )
    return saved


def _restore(model: torch.nn.Module, weights: dict, path: Path) -> None:
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:  # another architecture than its config describes
        raise InvalidRequest(f"{path} does not fit its own config: {error}") from None


def _save(path: Path, payload: dict) -> None:
    with atomic_target(path) as partial:
        torch.save(payload, partial)


def _plain(config: TrainConfig) -> dict:
    return config.model_dump(mode="json")
