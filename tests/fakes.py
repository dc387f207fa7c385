"""Fakes with real behaviour, for tests that must not wait for real models.

Tests order events by waiting on what the fakes report (an event, a counter), never by sleeping
for a guessed time: on two busy cores a guess is wrong sooner or later.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable, Sequence

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


WAIT_SECONDS = 10.0  # how long a test waits for something that should happen at once


class FakeEmbedder:
    """Deterministic 8-d vectors from a hash of the text; ``delay`` seconds per call.

    ``started`` is set when a call begins; with a ``gate``, the call then waits until the test
    sets the gate, so a test can hold the model busy for exactly as long as it needs.
    """

    dimensions = 8

    def __init__(
        self,
        name: str,
        *,
        delay: float = 0.0,
        gate: threading.Event | None = None,
        started: threading.Event | None = None,
    ) -> None:
        self.name = name
        self.delay = delay
        self.gate = gate
        self.started = threading.Event() if started is None else started
        self.seen: list[str] = []
        self.closed = False

    def encode(self, texts: Sequence[str], *, normalize: bool, batch_size: int) -> np.ndarray:
        self.seen.extend(texts)
        self.started.set()
        _wait_for_gate(self.gate)
        time.sleep(self.delay)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], np.uint8) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(len(t.split()) for t in texts)

    def close(self) -> None:
        self.closed = True


class FakeLoader:
    """Builds FakeEmbedders, counting loads; optionally slow or failing.

    ``loading`` is set when a load begins and ``encoding`` when any of its models starts a call.
    A load waits for ``load_gate`` and every call for ``encode_gate`` (when given) until the test
    sets them.
    """

    def __init__(
        self,
        name: str,
        *,
        delay: float = 0.0,
        load_seconds: float = 0.0,
        memory: FakeMemory | None = None,
        size: int = 0,
        fail: Exception | None = None,
        load_gate: threading.Event | None = None,
        encode_gate: threading.Event | None = None,
    ) -> None:
        self.name, self.delay, self.load_seconds = name, delay, load_seconds
        self.memory, self.size, self.fail = memory, size, fail
        self.load_gate, self.encode_gate = load_gate, encode_gate
        self.calls = 0
        self.instances: list[FakeEmbedder] = []
        self.loading = threading.Event()
        self.encoding = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, context: LoadContext) -> FakeEmbedder:
        with self._lock:
            self.calls += 1
        self.loading.set()
        _wait_for_gate(self.load_gate)
        time.sleep(self.load_seconds)
        if self.fail is not None:
            raise self.fail
        if self.memory is not None:
            self.memory.rss += self.size
        model = FakeEmbedder(
            self.name, delay=self.delay, gate=self.encode_gate, started=self.encoding
        )
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


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _wait_for_gate(gate: threading.Event | None) -> None:
    # bounded, so that a test that fails before opening its gate does not hang a worker thread;
    # longer than the test's own waits, so that those fail first and say what did not happen
    if gate is not None and not gate.wait(3 * WAIT_SECONDS):
        raise TimeoutError("the test never opened the gate")


def wait_until(condition: Callable[[], object], *, timeout: float = WAIT_SECONDS) -> None:
    """Return once ``condition()`` is true; TimeoutError after ``timeout`` seconds.

    For state that another thread changes, such as a server's queue seen from the test.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} s: {condition}")
        time.sleep(0.005)


async def until(condition: Callable[[], object], *, timeout: float = WAIT_SECONDS) -> None:
    """``wait_until`` for a test on the event loop: other tasks run while it waits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"still false after {timeout} s: {condition}")
        await asyncio.sleep(0.005)
