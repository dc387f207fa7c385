"""Memory readings, behind a tiny interface so tests can run the model manager on fakes."""

from __future__ import annotations

from typing import Protocol

import psutil


class MemoryProbe(Protocol):
    def total_bytes(self) -> int: ...

    def available_bytes(self) -> int: ...

    def process_rss(self) -> int: ...


class SystemMemory:
    """Readings of this machine and this process."""

    def __init__(self) -> None:
        self._process = psutil.Process()

    def total_bytes(self) -> int:
        return psutil.virtual_memory().total

    def available_bytes(self) -> int:
        return psutil.virtual_memory().available

    def process_rss(self) -> int:
        return self._process.memory_info().rss
