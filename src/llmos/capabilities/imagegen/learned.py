"""Image generators you trained with ``llmos train`` (``task = "scene-vae"``), served as models.

Each ``HOME/generators/NAME.pt2`` is a program written by ``torch.export`` (caption bytes and a
noise vector in, a small picture out) with ``about.json`` inside: the words and the grammar of
the captions it learned, so a prompt outside its small world is refused before it is drawn,
with an example of one it can draw. Each file is read once, at start (without torch):
the grammar checked and the program the kernel loads come from the same bytes, so a model
trained again is served from the next start. Running one needs torch (the ``learn`` extra).
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import re
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from llmos.backends.torch_program import TorchProgram
from llmos.capabilities.base import Capability, ModelSpec
from llmos.errors import InvalidRequest

log = logging.getLogger(__name__)

NAME = "imagegen"
FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
TOKENS = re.compile(r"[^\W_]+|\.")  # words and numbers; other marks are ignored


@dataclass(frozen=True)
class Generator:
    """A trained generator: its file's bytes (read once, at start) and what it says of itself."""

    name: str
    path: Path
    about: dict
    content: bytes = field(repr=False, default=b"")

    @property
    def example(self) -> str:
        return str(self.about["grammar"]["example"])

    def caption_of(self, prompt: str) -> str:
        """The prompt as the captions it learned from; InvalidRequest when it is not one.

        Each word becomes the captions' spelling (the word after ``named.after`` its own
        list's), periods are put where the captions' sentences start and end, and the result
        must match the captions' pattern."""
        grammar = self.about["grammar"]
        tokens = [t for t in TOKENS.findall(prompt.lower()) if t != "."]
        named = grammar["named"]
        words = [
            (named["words"] if i and tokens[i - 1] == named["after"] else grammar["words"]).get(t)
            for i, t in enumerate(tokens)
        ]
        caption = ""
        if None not in words:
            caption = " ".join(words)  # type: ignore[arg-type]
            for start in grammar["sentences"]:
                caption = caption.replace(f" {start} ", f". {start} ")
            caption += "."
        if not re.fullmatch(grammar["pattern"], caption):
            raise InvalidRequest(
                f"{self.name} draws only the small world it was trained on, prompts such as "
                f"{self.example!r}; use the default image model for anything else."
            )
        return caption


def read(path: Path) -> Generator:
    """The generator in ``path``; ValueError when the file is not one llmos can serve."""
    try:
        content = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inside = [n for n in archive.namelist() if n.endswith("/extra/about.json")]
            if len(inside) != 1:
                raise ValueError("it holds no about.json")
            about = json.loads(archive.read(inside[0]))
        _check(about)
    except (OSError, KeyError, TypeError, ValueError, re.error, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a generator llmos can serve: {error}") from None
    return Generator(path.stem, path, about, content)


def _check(about: object) -> None:
    """Raise unless ``about`` has every field serving reads, of the right type."""
    if not isinstance(about, dict) or not isinstance(about.get("grammar"), dict):
        raise ValueError("it describes no grammar")
    grammar = about["grammar"]
    named = grammar["named"]
    tables = [grammar["words"], named["words"] if isinstance(named, dict) else None]
    if not all(isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in tables):
        raise ValueError("its words are not a table of strings")
    if not isinstance(named["after"], str) or not isinstance(grammar["example"], str):
        raise ValueError("its grammar is incomplete")
    if not all(isinstance(s, str) for s in grammar["sentences"]):
        raise ValueError("its sentence starts are not strings")
    re.compile(grammar["pattern"])
    if int(about["latent"]) < 1 or int(about["caption_bytes"]) < 1:
        raise ValueError("its sizes are wrong")
    if not isinstance(about.get("test", {}), dict):
        raise ValueError("its test scores are not a table")


class LoadedGenerator:
    """A generator's program resident in the kernel."""

    def __init__(self, generator: Generator, threads: int) -> None:
        self.generator = generator
        self.program = TorchProgram(generator.content, threads=threads)

    def draw(self, caption: str, count: int, seed: int) -> list[np.ndarray]:
        """``count`` RGB pictures (H, W, 3, uint8) for ``caption``; the same seed, the same
        pictures."""
        about = self.generator.about
        ids = np.zeros((count, about["caption_bytes"]), dtype=np.int64)
        encoded = list(caption.encode("utf-8")[: about["caption_bytes"]])
        ids[:, : len(encoded)] = np.array(encoded) + 1  # byte ids; 0 pads
        z = np.random.default_rng(seed).standard_normal((count, about["latent"]), np.float32)
        pictures = self.program(ids, z).clip(0, 1)  # (count, 3, H, W)
        return [(p.transpose(1, 2, 0) * 255).round().astype(np.uint8) for p in pictures]

    def close(self) -> None:
        self.program.close()


def png_of(rgb: np.ndarray, size: int) -> bytes:
    """A drawn picture scaled to ``size`` pixels a side, as PNG."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).resize((size, size), Image.Resampling.BICUBIC).save(out, format="PNG")
    return out.getvalue()


def spec_of(generator: Generator) -> ModelSpec:
    scores = generator.about.get("test", {}).get("drawn")
    right = ""
    if isinstance(scores, dict) and isinstance(scores.get("order"), float):
        right = f"; colours and order right in {scores['order']:.0%} of its test captions"
    return ModelSpec(
        name=generator.name,
        capability=NAME,
        description=f"pictures of its own small world, trained by llmos train{right}",
        memory_bytes=len(generator.content) * 3 + 256 * 2**20,  # weights, torch itself
        threads=1,
        load=lambda context: LoadedGenerator(generator, context.threads),
        licence="yours (trained here)",
        card=generator,
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
