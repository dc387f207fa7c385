"""The scheduler: bounded admission per model and a fair share of the CPU.

On two cores, heavy models running side by side slow each other far more than linearly, so every
job asks for the CPU threads its model uses and waits, first come first served, until that many
are free. Each model admits at most ``queue_size`` requests (running + waiting); the next one is
refused at once with :class:`ServerBusy` instead of piling up. A waiting job that is cancelled
(its client went away) leaves the queue without running; a running job is told to stop through a
``threading.Event`` and is waited for, so its model is never released while still in use.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from llmos.capabilities.base import ModelSpec
from llmos.errors import ServerBusy

T = TypeVar("T")


class CpuSlots:
    """A first-come-first-served semaphore over CPU threads; a job may take several."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

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


class Scheduler:
    """Admits, queues and runs model jobs on a thread pool sized to the CPU."""

    def __init__(self, *, cpu_threads: int, queue_size: int) -> None:
        self.cpu_threads = cpu_threads
        self.queue_size = queue_size
        self._slots = CpuSlots(cpu_threads)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._mean_run_s: dict[str, float] = {}
        self._threads: dict[str, ThreadPoolExecutor] = {}

    def thread_of(self, spec: ModelSpec) -> ThreadPoolExecutor:
        """The one thread that loads and runs ``spec``'s model.

        Runtimes keep per-thread state: an OpenMP team (torch, ctranslate2) belongs to the
        thread that started it, and an idle team spins for a while. Jobs hopping between
        threads leave a spinning team behind that steals a core from the next job (measured:
        18.4 ms instead of 11.7 ms per one-text embedding). One thread per model avoids it.
        """
        if spec.name not in self._threads:
            self._threads[spec.name] = ThreadPoolExecutor(
                1, thread_name_prefix=f"llmos-{spec.name}"
            )
        return self._threads[spec.name]

    def threads_for(self, spec: ModelSpec) -> int:
        return max(1, min(spec.threads, self.cpu_threads))

    def in_flight(self, model: str) -> int:
        """Requests for ``model`` admitted and not finished (running + waiting)."""
        return self._in_flight.get(model, 0)

    @contextlib.asynccontextmanager
    async def admit(self, spec: ModelSpec) -> AsyncIterator[None]:
        """Admit a request for ``spec`` or raise :class:`ServerBusy`; then wait for CPU."""
        if self._in_flight[spec.name] >= self.queue_size:
            raise ServerBusy(
                f"Model {spec.name!r} already has {self.queue_size} requests queued or running "
                "(LLMOS_QUEUE_SIZE). Retry later.",
                retry_after=self._retry_after(spec.name),
            )
        self._in_flight[spec.name] += 1
        threads = self.threads_for(spec)
        try:
            await self._slots.acquire(threads)
            try:
                yield
            finally:
                self._slots.release(threads)
        finally:
            self._in_flight[spec.name] -= 1

    async def run(self, spec: ModelSpec, job: Callable[[threading.Event], T]) -> T:
        """Run ``job`` on a worker thread. Cancelling the caller sets the job's stop event and
        waits for the job to return before re-raising, so the model stays valid while in use."""
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        started = loop.time()
        future = loop.run_in_executor(self.thread_of(spec), job, stop)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            stop.set()
            with contextlib.suppress(Exception):
                await future
            raise
        finally:
            self._note_run_time(spec.name, loop.time() - started)

    def shutdown(self) -> None:
        for executor in self._threads.values():
            executor.shutdown(wait=True, cancel_futures=True)

    def _note_run_time(self, model: str, seconds: float) -> None:
        previous = self._mean_run_s.get(model, seconds)
        self._mean_run_s[model] = 0.8 * previous + 0.2 * seconds

    def _retry_after(self, model: str) -> int:
        """Seconds until a slot is likely free: the queue times the mean run time, at least 1."""
        estimate = self._mean_run_s.get(model, 1.0) * self._in_flight[model]
        return max(1, min(60, math.ceil(estimate)))
