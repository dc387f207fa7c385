"""What every capability declares: its models, their cost, and how to load them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class LoadContext:
    """What a loader may use: its CPU threads and the data dir for files it assembles."""

    threads: int
    data_dir: Path  # llmos's model folder, e.g. for weights assembled from package parts
    parallel: int = 1  # calls the model must serve at once (llama.cpp's slots)


class LoadedModel(Protocol):
    """A model resident in memory. The kernel calls ``close`` when it evicts the model."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class ModelSpec:
    """A model llmos can load: where its weights come from and what it costs once loaded."""

    name: str
    capability: str
    description: str
    memory_bytes: int  # estimated resident memory once loaded, used for the memory budget
    threads: int  # CPU threads one call keeps busy; the scheduler shares cores by this
    load: Callable[[LoadContext], LoadedModel]  # called in a worker thread
    package: str | None = None  # the pip distribution that carries the weights
    install: str = ""  # the command that installs its runtime and weights
    licence: str = ""
    parallel: int = 1  # calls that may run at once, sharing ``threads`` (llama.cpp's slots)
    slot_bytes: int = 0  # memory each parallel slot adds (its KV cache); 0: not parallel
    card: object = None  # a model you trained: what its file says of it (read once, at start)

    def with_parallel(self, slots: int, *, budget_bytes: int | None = None) -> ModelSpec:
        """This model serving ``slots`` calls at once, its memory estimate counting each slot's
        cache, with no more slots than ``budget_bytes`` holds (at least one); a model that
        cannot (``slot_bytes`` 0) is returned as it is."""
        if not self.slot_bytes:
            return self
        if budget_bytes is not None:
            room = (budget_bytes - self.memory_bytes) // self.slot_bytes + self.parallel
            slots = max(1, min(slots, room))
        if slots == self.parallel:
            return self
        memory = self.memory_bytes + (slots - self.parallel) * self.slot_bytes
        return replace(self, parallel=slots, memory_bytes=memory)


@dataclass(frozen=True)
class Capability:
    """One thing llmos can do, and the models that can do it (the first is the default)."""

    name: str
    description: str
    models: tuple[ModelSpec, ...]

    @property
    def default_model(self) -> ModelSpec:
        return self.models[0]


@dataclass(frozen=True)
class Usage:
    """What a call consumed, for accounting and for OpenAI ``usage`` fields."""

    input_tokens: int = 0
    output_tokens: int = 0
    media_seconds: float = 0.0
