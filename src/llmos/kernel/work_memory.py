"""Memory for the work requests do outside models: bodies, decoded images, rendered pages.

The model manager admits model loads against the memory budget; this admits the rest. Without
it, concurrent uploads each decoding a 40-megapixel image (~400 MB at the peak) could take the
box down however small the budget. Two pools, so that no request can deadlock holding one and
waiting for the other: request bodies are admitted first (by the body-size middleware), then,
inside a request, pixels (decoded images, PDF renders), never the other way round.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from llmos.errors import ServerBusy
from llmos.kernel.slots import Slots


class MemoryPool:
    """A first-come-first-served pool of bytes. A reservation larger than the whole pool takes
    the whole pool (it runs alone) rather than being refused; one that waits longer than
    WAIT_SECONDS is refused with 503 and ``Retry-After``."""

    WAIT_SECONDS = 60.0

    def __init__(self, name: str, total_bytes: int) -> None:
        self.name = name
        self._slots = Slots(max(1, total_bytes))

    @property
    def total_bytes(self) -> int:
        return self._slots.total

    @property
    def free_bytes(self) -> int:
        return self._slots.free

    async def acquire(self, nbytes: int) -> int:
        """Wait for ``nbytes`` (at most the whole pool); the count to give back to ``release``."""
        count = max(1, min(int(nbytes), self._slots.total))
        try:
            async with asyncio.timeout(self.WAIT_SECONDS):
                await self._slots.acquire(count)
        except TimeoutError:
            raise ServerBusy(
                f"The server's memory for {self.name} has been taken by other requests for "
                f"{self.WAIT_SECONDS:g} s (LLMOS_WORK_MEMORY). Retry later.",
                retry_after=5,
            ) from None
        return count

    def release(self, count: int) -> None:
        self._slots.release(count)

    @contextlib.asynccontextmanager
    async def reserve(self, nbytes: int) -> AsyncIterator[None]:
        """Hold ``nbytes`` for the block, waiting (first come, first served) for room."""
        count = await self.acquire(nbytes)
        try:
            yield
        finally:
            self.release(count)


class WorkMemory:
    """The two pools, splitting ``total_bytes`` between request bodies and pixels."""

    BODY_SHARE = 0.25  # 50 MB bodies cost ~150 MB each; decoded images are the bigger part

    def __init__(self, total_bytes: int) -> None:
        body_bytes = int(total_bytes * self.BODY_SHARE)
        self.total_bytes = total_bytes
        self.bodies = MemoryPool("request bodies", body_bytes)
        self.pixels = MemoryPool("pixels", total_bytes - body_bytes)
