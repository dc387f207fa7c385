"""Fakes with real behaviour, for tests that must not wait for real models."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence

import numpy as np

from llmos.capabilities.base import Capability, LoadContext, ModelSpec


class FakeMemory:
    """A machine with ``total`` bytes whose process RSS grows by what loaded models claim."""

    def __init__(self, total: int = 1000) -> None:
        self.total = total
        self.rss = 0

    def total_bytes(self) -> int:
        return self.total

    def available_bytes(self) -> int:
        return self.total - self.rss

    def process_rss(self) -> int:
        return self.rss


class FakeEmbedder:
    """Deterministic 8-d vectors from a hash of the text; ``delay`` seconds per call."""

    dimensions = 8

    def __init__(self, name: str, *, delay: float = 0.0) -> None:
        self.name = name
        self.delay = delay
        self.seen: list[str] = []
        self.closed = False

    def encode(self, texts: Sequence[str], *, normalize: bool, batch_size: int) -> np.ndarray:
        self.seen.extend(texts)
        time.sleep(self.delay)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], np.uint8) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(len(t.split()) for t in texts)

    def close(self) -> None:
        self.closed = True


class FakeLoader:
    """Builds FakeEmbedders, counting loads; optionally slow or failing."""

    def __init__(
        self,
        name: str,
        *,
        delay: float = 0.0,
        load_seconds: float = 0.0,
        memory: FakeMemory | None = None,
        size: int = 0,
        fail: Exception | None = None,
    ) -> None:
        self.name, self.delay, self.load_seconds = name, delay, load_seconds
        self.memory, self.size, self.fail = memory, size, fail
        self.calls = 0
        self.instances: list[FakeEmbedder] = []
        self._lock = threading.Lock()

    def __call__(self, context: LoadContext) -> FakeEmbedder:
        with self._lock:
            self.calls += 1
        time.sleep(self.load_seconds)
        if self.fail is not None:
            raise self.fail
        if self.memory is not None:
            self.memory.rss += self.size
        model = FakeEmbedder(self.name, delay=self.delay)
        self.instances.append(model)
        return model


def fake_spec(
    name: str, loader: FakeLoader, *, memory_bytes: int = 10, threads: int = 2
) -> ModelSpec:
    return ModelSpec(
        name=name,
        capability="embed",
        description=f"fake model {name}",
        memory_bytes=memory_bytes,
        threads=threads,
        load=loader,
    )


def fake_capability(*specs: ModelSpec) -> Capability:
    return Capability(name="embed", description="fake embeddings", models=specs)
