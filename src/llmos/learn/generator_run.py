"""``llmos train`` for the scenes' generator: train the conditional VAE, score it on unseen
captions, and hand serving a file it loads without llmos.learn.

The file, ``HOME/generators/NAME.pt2``, is the sampler (caption bytes and a noise vector in, a
64x64 picture out) written by ``torch.export``, with ``about.json`` inside: the captions'
words and grammar (which prompts it can draw), an example, its test scores and its config.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from llmos.atomic import atomic_target
from llmos.learn import scenes
from llmos.learn.config import GeneratorConfig
from llmos.learn.encoders import ByteTokenizer
from llmos.learn.generator import CAPTION_BYTES, SceneVae, check, vae_loss

Progress = Callable[[str, int, int, float], None]  # stage, step, steps, loss
SAMPLE_BATCH = 64  # also the exported program's largest batch


class Sampler(nn.Module):
    """What serving runs: ``(ids (B, 96) caption bytes, z (B, latent)) -> (B, 3, 64, 64)``."""

    def __init__(self, model: SceneVae) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.model.decode(z, self.model.text(ids, ids != ByteTokenizer.PAD).pooled)


@dataclass
class GeneratorOutcome:
    path: Path
    seconds: float  # training alone
    losses: list[float]  # each epoch's mean
    scores: dict[str, dict[str, float]]  # drawn / rendered / other caption -> colours, order


def fit(config: GeneratorConfig, progress: Progress | None = None):
    """The trained model and each epoch's mean loss."""
    torch.manual_seed(config.seed)
    made = scenes.scenes("train", config.train_size)
    seen, captions = scenes.pictures(made), [s.caption() for s in made]
    model = SceneVae()
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    steps = (len(made) + config.batch_size - 1) // config.batch_size
    losses = []
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(made))
        beta = min(1.0, epoch / config.warm_up)  # the KL term annealed in
        total = 0.0
        for step in range(steps):
            batch = order[step * config.batch_size : (step + 1) * config.batch_size]
            loss = vae_loss(model, seen[batch], [captions[i] for i in batch], beta)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
            if progress is not None:
                progress(f"epoch {epoch}", step + 1, steps, loss.item())
        losses.append(total / len(made))
    return model.eval(), losses


def as_rgb(batch: torch.Tensor) -> list[np.ndarray]:
    return [(p.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for p in batch]


def draw(model: SceneVae, captions: list[str], seed: int) -> list[np.ndarray]:
    generator = torch.Generator().manual_seed(seed)
    return as_rgb(torch.cat([
        model.sample(captions[i : i + SAMPLE_BATCH], generator)
        for i in range(0, len(captions), SAMPLE_BATCH)
    ]))  # fmt: skip


def rates(drawn: list[np.ndarray], made: list[scenes.Scene]) -> dict[str, float]:
    """Shares of pictures with the caption's colours right, and colours and order right."""
    judged = [check(p, s) for p, s in zip(drawn, made, strict=True)]
    return {k: sum(j[k] for j in judged) / len(judged) for k in ("colours", "order")}


def score(model: SceneVae, config: GeneratorConfig) -> dict[str, dict[str, float]]:
    """The check on the test scenes' captions, which training never saw, beside the scenes'
    own renderings (the ceiling) and drawings judged against another caption (the floor)."""
    test = scenes.scenes("test", config.test_size)
    drawn = draw(model, [s.caption() for s in test], config.seed)
    return {
        "drawn": rates(drawn, test),
        "rendered": rates(as_rgb(scenes.pictures(test)), test),
        "other caption": rates(drawn, test[1:] + test[:1]),
    }


def evaluate_file(path: Path, count: int = 500, seed: int = 0) -> dict[str, float]:
    """The exported generator in ``path`` (as the server runs it) on ``count`` test captions:
    shares with the colours right, and colours and order right."""
    from llmos.errors import InvalidRequest

    extra = {"about.json": ""}
    try:
        program = torch.export.load(path, extra_files=extra).module()
        latent = int(json.loads(extra["about.json"])["latent"])
    except Exception as error:  # zip, JSON and torch errors alike: not an exported program
        raise InvalidRequest(f"{path} is not a generator llmos can read: {error}") from None
    test = scenes.scenes("test", count)
    ids, _mask = ByteTokenizer(CAPTION_BYTES)([s.caption() for s in test])
    generator = torch.Generator().manual_seed(seed)
    drawn = []
    with torch.no_grad():
        for first in range(0, count, SAMPLE_BATCH):
            part = ids[first : first + SAMPLE_BATCH]
            z = torch.randn(len(part), latent, generator=generator)
            drawn += as_rgb(program(part, z).clamp(0, 1))
    return rates(drawn, test)


def grammar() -> dict:
    """The prompts the generator can draw, for serving to check a prompt against: its words
    (lower-case -> as in its captions; ``named`` for the word after "the word", written in
    capitals), where a sentence starts (a period goes before it), and the pattern a caption
    must then match."""
    words = {w: w for w in ("a", "left", "of", "the", "word", "is", "written")}
    for word in (*scenes.SIZES, *scenes.COLOURS, *scenes.SHAPES):
        words[word] = word
    thing = (f"a ({'|'.join(scenes.SIZES)}) ({'|'.join(scenes.COLOURS)}) "
             f"({'|'.join(scenes.SHAPES)})")  # fmt: skip
    pattern = (rf"{thing}( left of {thing}){{1,2}}\."
               rf"( the word ({'|'.join(scenes.WORDS)}) is written\.)?")  # fmt: skip
    return {
        "words": words,
        "named": {"after": "word", "words": {w.lower(): w for w in scenes.WORDS}},
        "sentences": ["the word"],
        "pattern": pattern,
        "example": scenes.scene(7).caption(),
    }


def export(model: SceneVae, path: Path, about: dict) -> Path:
    """The sampler written atomically to ``path`` with ``about`` inside."""
    ids = torch.ones(2, CAPTION_BYTES, dtype=torch.long)
    z = torch.zeros(2, model.latent)
    batch = torch.export.Dim("batch", min=1, max=SAMPLE_BATCH)
    program = torch.export.export(
        Sampler(model).eval(), (ids, z), dynamic_shapes=({0: batch}, {0: batch})
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(path, suffix=".pt2") as partial:
        torch.export.save(program, partial, extra_files={"about.json": json.dumps(about)})
    return path


def run_generator(
    config: GeneratorConfig, home: Path, progress: Progress | None = None
) -> GeneratorOutcome:
    started = time.perf_counter()
    model, losses = fit(config, progress)
    seconds = time.perf_counter() - started
    scores = score(model, config)
    about = {
        "kind": "scene-vae",
        "size": 64,
        "latent": model.latent,
        "caption_bytes": CAPTION_BYTES,
        "grammar": grammar(),
        "test": scores,
        "config": config.model_dump(mode="json"),
    }
    folder = config.output or home / "generators"
    path = export(model, folder / f"{config.name}.pt2", about)
    return GeneratorOutcome(path, seconds, losses, scores)
