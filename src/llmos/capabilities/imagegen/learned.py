"""Image generators you trained with ``llmos train`` (``task = "scene-vae"``), served as models.

Each ``HOME/generators/NAME.pt2`` is a program written by ``torch.export`` (caption bytes and a
noise vector in, a small picture out) with ``about.json`` inside: the words and the grammar of
the captions it learned, so a prompt outside its small world is refused before it is drawn,
with an example of one it can draw. The description is read at start without torch; the
program is loaded by the kernel when first asked (torch, the ``learn`` extra, must be there).
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import re
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmos.capabilities.base import Capability, ModelSpec
from llmos.errors import InvalidRequest

log = logging.getLogger(__name__)

NAME = "imagegen"
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
TOKENS = re.compile(r"[^\W_]+|\.")  # words and numbers; other marks are ignored


@dataclass(frozen=True)
class Generator:
    """A trained generator's file and what it says of itself."""

    name: str
    path: Path
    about: dict

    @property
    def example(self) -> str:
        return str(self.about["grammar"]["example"])

    def caption_of(self, prompt: str) -> str:
        """The prompt as the captions it learned from; InvalidRequest when it is not one."""
        grammar = self.about["grammar"]
        words = [grammar["words"].get(token) for token in TOKENS.findall(prompt.lower())]
        caption = " ".join(w for w in words if w).replace(" .", ".")
        if None in words or not re.fullmatch(grammar["pattern"], caption):
            raise InvalidRequest(
                f"{self.name} draws only the small world it was trained on, prompts such as "
                f"{self.example!r}; use the default image model for anything else."
            )
        return caption if caption.endswith(".") else caption + "."


def read(path: Path) -> Generator:
    """The generator in ``path``; ValueError when the file is not one."""
    try:
        with zipfile.ZipFile(path) as archive:
            inside = [n for n in archive.namelist() if n.endswith("/extra/about.json")]
            if len(inside) != 1:
                raise ValueError("it holds no about.json")
            about = json.loads(archive.read(inside[0]))
        grammar = about["grammar"]
        re.compile(grammar["pattern"])
        if not isinstance(grammar["words"], dict) or not str(grammar["example"]):
            raise ValueError("its grammar is incomplete")
        int(about["latent"]), int(about["caption_bytes"])
    except (OSError, KeyError, TypeError, ValueError, re.error, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a generator llmos can serve: {error}") from None
    return Generator(path.stem, path, about)


class LoadedGenerator:
    """A generator's program resident in the kernel."""

    def __init__(self, generator: Generator, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        self.torch, self.generator = torch, generator
        self.program = torch.export.load(io.BytesIO(generator.path.read_bytes())).module()

    def draw(self, caption: str, count: int, seed: int) -> list[np.ndarray]:
        """``count`` RGB pictures (H, W, 3, uint8) for ``caption``; the same seed, the same
        pictures."""
        torch, about = self.torch, self.generator.about
        ids = torch.zeros(count, about["caption_bytes"], dtype=torch.long)
        encoded = list(caption.encode("utf-8")[: about["caption_bytes"]])
        ids[:, : len(encoded)] = torch.tensor(encoded) + 1  # byte ids; 0 pads
        z = torch.randn(count, about["latent"], generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            pictures = self.program(ids, z).clamp(0, 1)
        return [(p.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for p in pictures]

    def close(self) -> None:
        pass


def png_of(rgb: np.ndarray, size: int) -> bytes:
    """A drawn picture scaled to ``size`` pixels a side, as PNG."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).resize((size, size), Image.Resampling.BICUBIC).save(out, format="PNG")
    return out.getvalue()


def spec_of(generator: Generator) -> ModelSpec:
    scores = generator.about.get("test", {}).get("drawn", {})
    right = f"; colours and order right in {scores['order']:.0%} of its test captions" if (
        isinstance(scores.get("order"), float)) else ""  # fmt: skip
    return ModelSpec(
        name=generator.name,
        capability=NAME,
        description=f"pictures of its own small world, trained by llmos train{right}",
        memory_bytes=generator.path.stat().st_size * 3 + 256 * 2**20,  # weights, torch itself
        threads=1,
        load=lambda context: LoadedGenerator(generator, context.threads),
        licence="yours (trained here)",
        path=generator.path,
    )


def installed(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.pt2") if FILE_NAME.match(p.stem))


def capability(folder: Path, taken: Collection[str] = ()) -> Capability | None:
    """One model per readable generator file in ``folder`` whose name no other model has;
    None when there is none. A file that is skipped is logged."""
    specs, paths = [], installed(folder)
    if paths and importlib.util.find_spec("torch") is None:
        log.warning("the generators in %s need torch: pip install 'llmos[learn]'", folder)
        return None
    for path in paths:
        if path.stem in taken:
            log.warning("%s is not served: another model is called %s", path, path.stem)
            continue
        try:
            specs.append(spec_of(read(path)))
        except ValueError as error:
            log.warning("%s is not served: %s", path, error)
    if not specs:
        return None
    return Capability(NAME, "Pictures from generators trained by llmos train", tuple(specs))
