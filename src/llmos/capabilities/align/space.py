"""A trained joint space for pictures and text, served with numpy alone: LiT heads.

``llmos train`` fits two linear heads over frozen towers (``llmos.learn.lit``); this module
is what serving needs of them, so the server loads one without torch:

    image(e, c) = norm(c A + e B)   e: EfficientNet-Lite0's 1280-d features, c: the ConSE vector
    text(t)     = norm(t C)         t: MiniLM's 384-d sentence vector

A model is one ``.npz`` file (the matrices and a JSON description: what it was trained on, its
test scores) in ``HOME/aligned/NAME.npz`` (your data, not a shipped model), written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from llmos.atomic import atomic_target

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
IMAGE_DIM, CONSE_DIM, TEXT_DIM = 1280, 384, 384


@dataclass(frozen=True)
class AlignedSpace:
    name: str
    a: np.ndarray  # (384, d): the ConSE vector's head
    b: np.ndarray  # (1280, d): the image features' head
    c: np.ndarray  # (384, d): the text's head
    about: dict = field(default_factory=dict)  # trained on, scores, config
    digest: str = ""  # the file's SHA-256: a retrained model is another space

    @property
    def index_space(self) -> str:
        """The search index's name for this model's vectors."""
        return f"aligned_{self.digest[:16]}"

    @property
    def text_to_image_mrr(self) -> float | None:
        try:
            return float(self.about["test"]["lit"]["text_to_image"]["mrr"])
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def dim(self) -> int:
        return int(self.c.shape[1])

    def images(self, embeddings: np.ndarray, conse: np.ndarray) -> np.ndarray:
        """Unit vectors (n, d) of pictures from their features (n, 1280) and ConSE (n, 384)."""
        return _unit(np.atleast_2d(conse) @ self.a + np.atleast_2d(embeddings) @ self.b)

    def texts(self, vectors: np.ndarray) -> np.ndarray:
        """Unit vectors (n, d) of texts from their MiniLM vectors (n, 384)."""
        return _unit(np.atleast_2d(vectors) @ self.c)

    @property
    def won(self) -> bool:
        """Whether it found pictures by text better than ConSE on its test split."""
        try:
            conse = float(self.about["test"]["conse"]["text_to_image"]["mrr"])
        except (KeyError, TypeError, ValueError):
            return False
        mine = self.text_to_image_mrr
        return mine is not None and mine > conse

    def save(self, folder: Path) -> Path:
        target = path_of(folder, self.name)
        with atomic_target(target, suffix=".npz") as partial:
            np.savez(partial, a=self.a, b=self.b, c=self.c, about=np.array(json.dumps(self.about)))
        return target


def path_of(folder: Path, name: str) -> Path:
    if not NAME.match(name):
        raise ValueError(
            f"a model name is lower-case letters, digits, '.', '-' or '_', not {name!r}"
        )
    return folder / f"{name}.npz"


def load(path: Path) -> AlignedSpace:
    """The space in ``path``; ValueError when the file is not one."""
    try:
        content = path.read_bytes()
        with np.load(io.BytesIO(content), allow_pickle=False) as data:
            a, b, c = (data[k].astype(np.float32) for k in ("a", "b", "c"))
            about = json.loads(str(data["about"]))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not an aligned-space model: {error}") from None
    d = c.shape[1] if c.ndim == 2 else -1
    if a.shape != (CONSE_DIM, d) or b.shape != (IMAGE_DIM, d) or c.shape != (TEXT_DIM, d):
        raise ValueError(f"{path} has heads of shapes {a.shape}, {b.shape}, {c.shape}")
    return AlignedSpace(path.stem, a, b, c, about, hashlib.sha256(content).hexdigest())


def preferred(spaces: Iterable[AlignedSpace]) -> AlignedSpace | None:
    """The space search should use instead of ConSE: of those that beat ConSE on their test
    split, the best; None when none did."""
    winners = [space for space in spaces if space.won]
    return max(winners, key=lambda s: s.text_to_image_mrr or 0.0, default=None)


def installed(folder: Path) -> list[Path]:
    """The aligned-space files in ``folder``, by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.npz") if NAME.match(p.stem))


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)).astype(np.float32)
