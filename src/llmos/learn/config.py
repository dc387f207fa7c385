"""A training run's configuration: a TOML file, checked before anything is trained.

    task = "scenes-vqa"        # what is learned, and from which data
    fusion = "cross-attention" # early, late, hybrid, cross-attention, co-attention, graph
    image_encoder = "conv"     # conv, patch
    dim = 64
    epochs = 10
    batch_size = 64
    learning_rate = 0.002
    seed = 0
    patience = 3               # epochs without a better validation score before stopping
    train_size = 3000          # scenes in the training split
    pretrain_epochs = 0        # > 0: each encoder pre-trained alone first (learn/pretrain.py)
    pretrain_size = 3000       # unlabelled training scenes for that
    output = "runs/scenes"     # checkpoints and the final model go here

A locked-image alignment (LiT) run over the frozen models llmos serves has its own keys:

    task = "lit"
    data = "stamps"            # or "coco" / "flickr30k" with the two keys below
    annotations = "captions.json"  # COCO captions JSON, or Flickr30k's .token / results.csv
    images = "images/"
    name = "lit-stamps"        # the model llmos serves (HOME/aligned/NAME.npz); lit-DATA
    start = "conse"            # or "random"
    steps = 400
    anchor = 0.01

The text-conditional generator of the scenes (a conditional VAE, served as an image model):

    task = "scene-vae"
    name = "scene-vae"         # the model llmos serves (HOME/generators/NAME.pt2)
    train_size = 5000
    epochs = 15

An unknown key or a wrong value is an error that names it: a typo must not train for an hour
with a default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llmos.errors import InvalidRequest, invalid_file

HEADS = 4  # of every Transformer and attention layer
PATCH = 8  # the ViT's patch side
FusionName = Literal["early", "late", "hybrid", "cross-attention", "co-attention", "graph"]


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task: Literal["scenes-vqa"] = "scenes-vqa"
    fusion: FusionName = "cross-attention"
    image_encoder: Literal["conv", "patch"] = "conv"
    modalities: Literal["both", "image", "text"] = Field(
        "both", description="'image' or 'text' blanks the other input: the baselines"
    )
    dim: int = Field(64, ge=8, le=1024)
    image_size: int = Field(64, ge=16, le=256)
    epochs: int = Field(10, ge=1, le=1000)
    batch_size: int = Field(64, ge=1, le=4096)
    learning_rate: float = Field(0.002, gt=0, le=1)
    seed: int = 0
    patience: int = Field(3, ge=1)
    train_size: int = Field(3000, ge=1, le=1_000_000)
    pretrain_epochs: int = Field(0, ge=0, le=1000, description="unimodal pre-training first")
    pretrain_size: int = Field(3000, ge=1, le=1_000_000)
    validation_size: int = Field(500, ge=1, le=100_000)
    test_size: int = Field(1000, ge=1, le=100_000)
    output: Path = Path("runs/scenes")

    @model_validator(mode="after")
    def _fits_the_model(self) -> TrainConfig:
        if self.dim % HEADS:
            raise ValueError(f"dim must be a multiple of {HEADS} (the attention heads)")
        if self.image_size % PATCH:
            raise ValueError(f"image_size must be a multiple of {PATCH} (the patch side)")
        return self


class LitConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task: Literal["lit"]
    data: Literal["stamps", "coco", "flickr30k"] = "stamps"
    annotations: Path | None = Field(None, description="coco / flickr30k: the captions file")
    images: Path | None = Field(None, description="coco / flickr30k: the images' folder")
    name: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", description="default: lit-DATA"
    )
    variants: int = Field(3, ge=1, le=8, description="each stamp on this many backgrounds")
    dim: int = Field(384, ge=8, le=2048)
    start: Literal["conse", "random"] = "conse"
    steps: int = Field(400, ge=1, le=100_000)
    batch_size: int = Field(64, ge=2, le=4096)
    learning_rate: float = Field(0.001, gt=0, le=1)
    anchor: float = Field(0.01, ge=0)
    evaluate_every: int = Field(20, ge=1)
    patience: int = Field(5, ge=1)
    seed: int = 0
    output: Path | None = Field(None, description="a folder for the model; default HOME/aligned")

    @property
    def model_name(self) -> str:
        return self.name or f"lit-{self.data}"

    @model_validator(mode="after")
    def _complete(self) -> LitConfig:
        if self.data != "stamps" and (self.annotations is None or self.images is None):
            raise ValueError(f"data = {self.data!r} needs 'annotations' and 'images'")
        if self.start == "conse" and self.dim != 384:
            raise ValueError("start = 'conse' begins in ConSE's space: dim must be 384")
        return self


class GeneratorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task: Literal["scene-vae"]
    name: str = Field("scene-vae", pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    train_size: int = Field(5000, ge=1, le=1_000_000)
    test_size: int = Field(500, ge=1, le=100_000, description="unseen captions it is scored on")
    epochs: int = Field(15, ge=1, le=1000)
    batch_size: int = Field(64, ge=1, le=4096)
    learning_rate: float = Field(0.001, gt=0, le=1)
    warm_up: int = Field(5, ge=1, description="epochs over which the KL term's weight grows to 1")
    seed: int = 0
    output: Path | None = Field(None, description="a folder for the model; default HOME/generators")


Config = TrainConfig | LitConfig | GeneratorConfig


def load_config(path: Path, **overrides: object) -> Config:
    """The config in the TOML file ``path``, with ``overrides`` on top."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRequest(f"cannot read the config {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidRequest(f"{path} is not valid TOML: {error}") from None
    return config_of(data | {k: v for k, v in overrides.items() if v is not None}, str(path))


def config_of(data: dict, where: str = "the config") -> Config:
    try:
        if data.get("task") == "lit":
            return LitConfig(**data)
        if data.get("task") == "scene-vae":
            return GeneratorConfig(**data)
        return TrainConfig(**data)
    except ValidationError as error:
        raise invalid_file(where, error.errors(), "config") from None
