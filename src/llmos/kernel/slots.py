"""A first-come-first-served counting semaphore, shared by the CPU scheduler and work memory."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class Slots:
    """A first-come-first-served semaphore over units (CPU threads, bytes); a holder may take
    several. A big request at the head of the queue is not overtaken by small ones."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    @property
    def waiting(self) -> bool:
        """Whether anyone waits for units."""
        return bool(self._waiters)

    async def acquire(self, count: int) -> None:
        if not self._waiters and count <= self.free:
            self.free -= count
            return
        waiter = asyncio.get_running_loop().create_future()
        entry = (count, waiter)
        self._waiters.append(entry)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(count)  # granted just as we were cancelled: give it back
            else:
                with contextlib.suppress(ValueError):  # _grant may have dropped it already
                    self._waiters.remove(entry)
                self._grant()  # a big waiter leaving may unblock smaller ones behind it
            raise

    def release(self, count: int) -> None:
        self.free += count
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self._waiters[0][0] <= self.free:
            count, waiter = self._waiters.popleft()
            if waiter.done():  # cancelled, its task not yet resumed: it takes nothing
                continue
            self.free -= count
            waiter.set_result(None)
