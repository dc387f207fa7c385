"""Real image-caption pairs: the Tux Paint stamps, and a user's own COCO or Flickr30k folder.

A :class:`Pair` is one picture with its captions and a ``group``: pictures of one group are
right answers for each other's captions (several stamps share a description). Splits are fixed
by a hash, never by order, so they do not move when files are added:

- the stamps keep the evaluation's halves (``llmos.eval.tuxpaint``: by the English line, so a
  shared description never straddles two halves): ``test`` is the ``check`` half, the one every
  retrieval number llmos reports is measured on; the ``tune`` half is ``train``, a fifth of it
  ``val`` (for early stopping and choices);
- a user's data: 80 / 10 / 10 by a hash of the image's file name.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from llmos.eval import tuxpaint
from llmos.eval.stamps import composite

SPLITS = ("train", "val", "test")
BACKGROUNDS = ("blurred", "noise", "plain")  # a stamp's variants: its cut-out on each


@dataclass(frozen=True)
class Pair:
    image: Path
    captions: tuple[str, ...]
    group: str  # the same group: right for each other's captions
    label: str = ""  # a category, where the data has one (the stamps' folder)
    seed: int = 0  # a stamp's background noise
    stamp: bool = False  # a cut-out, put on a background to be seen

    def picture(self, variant: int = 0) -> bytes:
        """The image's bytes; a stamp is its cut-out composited on background ``variant``
        (0: blurred noise with the pair's own seed, as the retrieval bench shows it)."""
        if self.stamp:
            with Image.open(self.image) as cut_out:
                background = BACKGROUNDS[variant % len(BACKGROUNDS)]
                return composite(cut_out, background, seed=self.seed + 1000 * variant)
        return self.image.read_bytes()


def _hashed(text: str, byte: int = 0) -> int:
    return hashlib.sha256(text.strip().lower().encode()).digest()[byte]


def stamp_split(english: str) -> str:
    if tuxpaint.split_of(english) == "check":
        return "test"
    return "val" if _hashed(english, 1) % 5 == 0 else "train"


def stamp_pairs(split: str, root: Path = tuxpaint.ROOT) -> list[Pair]:
    """One split's pictured stamps (``symbols/`` left out: letters, shapes and signs), in a
    stable order; each pair's seed is its place in its ``tune``/``check`` half's list, as
    ``bench/retrieval.py`` composites them."""
    _check_split(split)
    half = "check" if split == "test" else "tune"
    found = [
        s
        for s in tuxpaint.stamps(root)
        if s.split == half
        and s.path.with_suffix(".png").is_file()
        and s.path.relative_to(root).parts[0] != "symbols"
    ]
    return [
        Pair(
            s.path.with_suffix(".png"),
            (s.english,),
            group=s.english.strip().lower().rstrip("."),
            label=s.path.relative_to(root).parts[0],
            seed=number,
            stamp=True,
        )
        for number, s in enumerate(found)
        if stamp_split(s.english) == split
    ]


def coco_pairs(annotations: Path, images: Path, split: str | None = None) -> list[Pair]:
    """Pairs from a COCO captions file (``{"images": [{"id", "file_name"}], "annotations":
    [{"image_id", "caption"}]}``) whose images are in ``images``."""
    try:
        data = json.loads(annotations.read_text(encoding="utf-8"))
        names = {entry["id"]: entry["file_name"] for entry in data["images"]}
        captions: dict[str, list[str]] = defaultdict(list)
        for entry in data["annotations"]:
            captions[names[entry["image_id"]]].append(str(entry["caption"]).strip())
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{annotations} is not a COCO captions file: {error!r}") from error
    return _user_pairs(captions, images, split)


def flickr30k_pairs(captions_file: Path, images: Path, split: str | None = None) -> list[Pair]:
    """Pairs from Flickr30k's captions: ``results_20130124.token`` lines (``NAME.jpg#0<TAB>
    caption``) or the ``results.csv`` of its common copies (``image_name| comment_number|
    comment``)."""
    captions: dict[str, list[str]] = defaultdict(list)
    text = captions_file.read_text(encoding="utf-8")
    if "\t" in text.split("\n", 1)[0]:
        for line in text.splitlines():
            name, _, caption = line.partition("\t")
            if caption.strip():
                captions[name.split("#", 1)[0].strip()].append(caption.strip())
    else:
        rows = csv.reader(text.splitlines(), delimiter="|")
        header = next(rows, None)
        if not header or header[0].strip() != "image_name":
            raise ValueError(f"{captions_file} is neither a Flickr30k .token nor results.csv")
        for row in rows:
            if len(row) >= 3 and row[2].strip():
                captions[row[0].strip()].append(row[2].strip())
    return _user_pairs(captions, images, split)


def _user_pairs(captions: dict[str, list[str]], images: Path, split: str | None) -> list[Pair]:
    if split is not None:
        _check_split(split)
    present = [name for name in sorted(captions) if (images / name).is_file()]
    if not present:
        raise ValueError(f"none of the captioned images is in {images}")
    return [
        Pair(images / name, tuple(captions[name]), group=name)
        for name in present
        if split is None or _user_split(name) == split
    ]


def _user_split(name: str) -> str:
    share = _hashed(Path(name).name) % 10
    return "test" if share == 0 else "val" if share == 1 else "train"


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
