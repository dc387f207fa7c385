"""A vision check set nobody here picked: the Tux Paint stamps' photographs, each composited on a
few backgrounds, with the thing its English description names as the answer.

Only photographic cut-outs of things are used (animals, food, plants, household, vehicles,
clothes, town; not letters or symbols; a clip-art stamp has few distinct colours). The thing
is the description's head noun ("A red kangaroo." -> kangaroo), kept when WordNet knows it, and
a caption names it when it says the thing, a synonym, a kind of it, or a not-too-vague kind of
thing it is (``wordnet.WordNet.names``). Each stamp keeps the split of its English line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from llmos.eval import tuxpaint
from llmos.eval.wordnet import WordNet, wordnet

CATEGORIES = ("animals", "food", "plants", "household", "vehicles", "clothes", "town")
BACKGROUNDS = ("plain", "blurred", "noise")
SIDE = 512
PHOTO_COLOURS = 3000  # distinct colours in a cut-out at 128 px a side: photographs have more
_CLAUSE_END = re.compile(
    r"\s*(?:[,;:(]|\s-\s|\b(?:on|in|at|with|of|for|from|that|which|who|is|are|was|has|have|"
    r"can|carry|carries|used|made|and|or|to|by|near|under|over|like)\b)",
    re.IGNORECASE,
)


_CONTAINER = re.compile(
    r"^\s*(?:an?|the|some)?\s*(?:\w+\s)?(?:slice|piece|bowl|glass|cup|bunch|pair|plate|box|"
    r"bag|jar|loaf|bottle|can|pile|stack|group|flock|herd|basket|handful|bunch)s?\s+of\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StampCase:
    name: str  # category/…/NAME:background
    english: str  # the description, e.g. "A red kangaroo."
    thing: str  # its head noun as WordNet lists it, e.g. "kangaroo"
    split: str  # "tune" or "check"
    background: str
    image: bytes  # PNG, SIDE x SIDE


def head_noun(english: str, words: WordNet) -> str | None:
    """The noun an English description is about ("A red kangaroo." -> "kangaroo"; "Tankers
    carry bulk liquids." -> "tanker"), or None when WordNet does not know it."""
    text = _CONTAINER.sub("", english.strip().rstrip("."))  # "a slice of pizza" is pizza
    phrase = _CLAUSE_END.split(text, maxsplit=1)[0]
    tokens = re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", phrase)
    for size in (3, 2, 1):  # "teddy bear", "fire truck" before "bear", "truck"
        if len(tokens) >= size:
            found = words.lemma_of(" ".join(tokens[-size:]))
            if found is not None:
                return found.replace("_", " ")
    return None


def is_photo(cut_out: Image.Image) -> bool:
    rgba = np.asarray(cut_out.convert("RGBA").resize((128, 128)))
    opaque = rgba[rgba[..., 3] > 200][:, :3]
    return len(np.unique(opaque, axis=0)) >= PHOTO_COLOURS if len(opaque) else False


def composite(cut_out: Image.Image, background: str, *, seed: int) -> bytes:
    """The cut-out centred on ``background``, its longer side 60 % of the canvas, as PNG."""
    rng = np.random.default_rng(seed)
    if background == "plain":
        canvas = Image.new("RGB", (SIDE, SIDE), (236, 236, 232))
    else:
        noise = rng.integers(40, 215, size=(SIDE // 8, SIDE // 8, 3), dtype=np.uint8)
        canvas = Image.fromarray(noise).resize((SIDE, SIDE), Image.Resampling.BICUBIC)
        if background == "blurred":
            canvas = canvas.filter(ImageFilter.GaussianBlur(12))
    thing = cut_out.convert("RGBA")
    scale = SIDE * 0.6 / max(thing.size)
    thing = thing.resize((max(1, round(thing.width * scale)), max(1, round(thing.height * scale))))
    canvas.paste(thing, ((SIDE - thing.width) // 2, (SIDE - thing.height) // 2), thing)
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


def cases(
    split: str, *, backgrounds: tuple[str, ...] = BACKGROUNDS, limit: int | None = None
) -> Iterator[StampCase]:
    """The split's photographic stamps of things, each on every background, in a stable order;
    with ``limit``, that many stamps spread evenly over the split (every category in it)."""
    words = wordnet()
    chosen = []
    for stamp in tuxpaint.stamps():
        relative = stamp.path.relative_to(tuxpaint.ROOT)
        picture = stamp.path.with_suffix(".png")
        if stamp.split != split or relative.parts[0] not in CATEGORIES or not picture.is_file():
            continue
        thing = head_noun(stamp.english, words)
        if thing is None:
            continue
        with Image.open(picture) as cut_out:
            if is_photo(cut_out):
                chosen.append((stamp, relative, picture, thing))
    if limit is not None and limit < len(chosen):
        chosen = [chosen[i * len(chosen) // limit] for i in range(limit)]
    for stamp, relative, picture, thing in chosen:
        with Image.open(picture) as cut_out:
            for index, background in enumerate(backgrounds):
                yield StampCase(
                    name=f"{relative.with_suffix('')}:{background}",
                    english=stamp.english,
                    thing=thing,
                    split=split,
                    background=background,
                    image=composite(cut_out, background, seed=index),
                )
