"""Compositional scenes: pictures of shapes and a word, drawn by Pillow, with a caption and
questions whose answers need both the picture and the question.

Each scene holds two or three shapes (circle, square, triangle) of a colour and a size in
separate columns (they never touch), and sometimes a short word below them. Questions ask to
count ("how many circles are there?"), to tell a shape's colour ("what colour is the
square?"), to compare places ("is the red shape left of the blue shape?", asked only when each
colour is one shape's) and to read ("what word is written?"). Scenes are made from fixed
seeds, so every split is the same everywhere: ``train`` from seed 0, ``validation`` from 10⁶,
``test`` from 2·10⁶.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

SHAPES = ("circle", "square", "triangle")
COLOURS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 220),
           "yellow": (235, 200, 30)}  # fmt: skip
SIZES = {"small": 0.08, "large": 0.13}  # radius, as a share of the side: columns 0.3 apart
WORDS = ("CAT", "SUN", "BOX", "RED", "MAP", "TOP", "DOG", "HAT")
SPLITS = {"train": 0, "validation": 1_000_000, "test": 2_000_000}


@dataclass(frozen=True)
class Thing:
    shape: str
    colour: str
    size: str
    x: float  # centre, as a share of the side
    y: float


@dataclass(frozen=True)
class Scene:
    things: tuple[Thing, ...]
    word: str | None  # written at the bottom, when there is one

    def caption(self) -> str:
        """E.g. "a large red circle left of a small blue square. the word CAT is written."."""
        ordered = sorted(self.things, key=lambda t: t.x)
        text = " left of ".join(f"a {t.size} {t.colour} {t.shape}" for t in ordered) + "."
        return text + (f" the word {self.word} is written." if self.word else "")

    def questions(self) -> list[tuple[str, str]]:
        """(question, answer) pairs, each answerable from this scene alone."""
        asked = []
        for shape in SHAPES:
            count = sum(t.shape == shape for t in self.things)
            asked.append((f"how many {shape}s are there?", str(count)))
        for thing in self.things:
            if sum(t.shape == thing.shape for t in self.things) == 1:
                asked.append((f"what colour is the {thing.shape}?", thing.colour))
        first, second = self.things[0], self.things[1]
        colours = [t.colour for t in self.things]
        if colours.count(first.colour) == colours.count(second.colour) == 1:  # unambiguous
            left = "yes" if first.x < second.x else "no"
            asked.append((f"is the {first.colour} shape left of the {second.colour} shape?", left))
        asked.append(("what word is written?", self.word or "none"))
        return asked


def scene(seed: int) -> Scene:
    """The scene of ``seed``: 2-3 shapes in separate columns, and a word half the time."""
    rng = random.Random(seed)
    things: list[Thing] = []
    columns = rng.sample([0.2, 0.5, 0.8], k=rng.choice([2, 3]))
    for x in columns:
        things.append(
            Thing(rng.choice(SHAPES), rng.choice(list(COLOURS)), rng.choice(list(SIZES)), x,
                  rng.choice([0.3, 0.45]))
        )  # fmt: skip
    word = rng.choice(WORDS) if rng.random() < 0.5 else None
    return Scene(tuple(things), word)


def scenes(split: str, count: int) -> list[Scene]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    return [scene(SPLITS[split] + i) for i in range(count)]


def render(scene: Scene, size: int = 64):
    """The scene as an RGB Pillow image, ``size`` pixels a side, on a light grey ground."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (size, size), (235, 235, 235))
    draw = ImageDraw.Draw(picture)
    for thing in scene.things:
        r = SIZES[thing.size] * size
        cx, cy = thing.x * size, thing.y * size
        colour = COLOURS[thing.colour]
        if thing.shape == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        elif thing.shape == "square":
            draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
        else:
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    if scene.word:
        font = _font(max(8, size // 6))
        box = draw.textbbox((0, 0), scene.word, font=font)
        left = (size - (box[2] - box[0])) / 2
        draw.text((left, size * 0.72), scene.word, fill=(20, 20, 20), font=font)
    return picture


def pictures(made: list[Scene], size: int = 64):
    """The scenes drawn, as one float tensor (N, 3, size, size) with values in [0, 1]."""
    import numpy as np
    import torch

    rows = np.stack([np.asarray(render(s, size), dtype=np.uint8) for s in made])
    return torch.from_numpy(rows).permute(0, 3, 1, 2).float() / 255


@cache
def _font(points: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", points)
    except OSError:
        return ImageFont.load_default(points)


def answers() -> list[str]:
    """Every answer a question can have: the VQA classifier's classes, in a fixed order."""
    return ["0", "1", "2", "3", *COLOURS, "yes", "no", *WORDS, "none"]
