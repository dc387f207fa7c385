"""Memory for the work requests do outside models: bodies, decoded images, rendered pages.

The model manager admits model loads against the memory budget; this admits the rest. Without
it, concurrent uploads each decoding a 40-megapixel image (~360 MB at the peak) could take the
box down however small the budget. Two pools, so that no request can deadlock holding one and
waiting for the other: request bodies are admitted first (by the body-size middleware), then,
inside a request, pixels (decoded images, PDF renders), never the other way round.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from llmos.kernel.slots import Slots

log = logging.getLogger(__name__)


class MemoryPool:
    """A first-come-first-served pool of bytes. A reservation larger than the whole pool takes
    the whole pool (it runs alone) rather than being refused."""

    def __init__(self, name: str, total_bytes: int) -> None:
        self.name = name
        self._slots = Slots(max(1, total_bytes))

    @property
    def total_bytes(self) -> int:
        return self._slots.total

    @property
    def free_bytes(self) -> int:
        return self._slots.free

    @contextlib.asynccontextmanager
    async def reserve(self, nbytes: int) -> AsyncIterator[None]:
        """Hold ``nbytes`` for the block, waiting (first come, first served) for room."""
        count = max(1, min(int(nbytes), self._slots.total))
        await self._slots.acquire(count)
        try:
            yield
        finally:
            self._slots.release(count)


class WorkMemory:
    """The two pools, splitting ``total_bytes`` between request bodies and pixels."""

    BODY_SHARE = 0.25  # 50 MB bodies cost ~150 MB each; decoded images are the bigger part

    def __init__(self, total_bytes: int) -> None:
        body_bytes = int(total_bytes * self.BODY_SHARE)
        self.total_bytes = total_bytes
        self.bodies = MemoryPool("request bodies", body_bytes)
        self.pixels = MemoryPool("pixels", total_bytes - body_bytes)
