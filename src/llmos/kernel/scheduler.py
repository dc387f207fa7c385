"""The scheduler: bounded admission per model and a fair share of the CPU.

On two cores, heavy models running side by side slow each other far more than linearly, so every
job asks for the CPU threads its model uses and waits, first come first served, until that many
are free; the jobs of a model that serves several at once (a chat model's llama.cpp slots) run
as one batch on one grant. Each model admits at most ``queue_size`` requests (running +
waiting); the next one is refused at once with :class:`ServerBusy` instead of piling up. A
waiting job that is cancelled (its client went away) leaves the queue without running; a running
job is told to stop through a ``threading.Event`` and is waited for, so its model is never
released while still in use.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from llmos.capabilities.base import ModelSpec
from llmos.errors import ServerBusy
from llmos.kernel.slots import Slots

T = TypeVar("T")


@dataclass
class _Batch:
    """The running jobs of a model that serves several at once: one grant of CPU for all."""

    seats: Slots  # at most ``spec.parallel`` jobs past this point
    running: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one join or first grant at a time


class Scheduler:
    """Admits, queues and runs model jobs on a thread pool sized to the CPU."""

    def __init__(self, *, cpu_threads: int, queue_size: int) -> None:
        self.cpu_threads = cpu_threads
        self.queue_size = queue_size
        self._slots = Slots(cpu_threads)
        # CPU-heavy work that is not a model call: decoding, rendering, hashing, k-means
        self._work = ThreadPoolExecutor(cpu_threads, thread_name_prefix="llmos-work")
        self._in_flight: dict[str, int] = defaultdict(int)
        self._mean_run_s: dict[str, float] = {}
        self._threads: dict[str, ThreadPoolExecutor] = {}
        self._batches: dict[str, _Batch] = {}

    def thread_of(self, spec: ModelSpec) -> ThreadPoolExecutor:
        """The thread that loads and runs ``spec``'s model (one per parallel slot).

        Runtimes keep per-thread state: an OpenMP team (torch, ctranslate2) belongs to the
        thread that started it, and an idle team spins for a while. Jobs hopping between
        threads leave a spinning team behind that steals a core from the next job (measured:
        18.4 ms instead of 11.7 ms per one-text embedding). One thread per model avoids it.
        """
        if spec.name not in self._threads:
            self._threads[spec.name] = ThreadPoolExecutor(
                spec.parallel, thread_name_prefix=f"llmos-{spec.name}"
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
                retry_after=self._retry_after(spec),
            )
        self._in_flight[spec.name] += 1
        try:
            async with self._cpu_for(spec):
                yield
        finally:
            self._in_flight[spec.name] -= 1

    @contextlib.asynccontextmanager
    async def _cpu_for(self, spec: ModelSpec) -> AsyncIterator[None]:
        """Hold ``spec``'s share of the CPU. The jobs of a model that serves several calls at
        once (llama.cpp's slots) share one grant: up to ``spec.parallel`` of them join the
        running batch, unless other work waits for the CPU; then the next one takes its place
        in the CPU queue, first come first served, and joins the batch if it is still running
        when its turn comes (giving that grant back), else starts the next one."""
        threads = self.threads_for(spec)
        if spec.parallel <= 1:
            await self._slots.acquire(threads)
            try:
                yield
            finally:
                self._slots.release(threads)
            return
        batch = self._batches.setdefault(spec.name, _Batch(Slots(spec.parallel)))
        await batch.seats.acquire(1)
        try:
            async with batch.lock:
                if not batch.running or self._slots.waiting:
                    await self._slots.acquire(threads)
                    if batch.running:  # the batch outlived the wait: join it instead
                        self._slots.release(threads)
                batch.running += 1
            try:
                yield
            finally:
                batch.running -= 1
                if not batch.running:
                    self._slots.release(threads)
        finally:
            batch.seats.release(1)

    def running(self, model: str) -> int:
        """Jobs of ``model`` holding its CPU share now (more than one for a batching model)."""
        batch = self._batches.get(model)
        return batch.running if batch else 0

    async def run(self, spec: ModelSpec, job: Callable[[threading.Event], T]) -> T:
        """Run ``job`` on the model's thread. Cancelling the caller drops the job if it has not
        started, else sets its stop event and waits for it to return before re-raising, so the
        model stays valid while in use."""
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            return await _run_to_the_end(self.thread_of(spec).submit(job, stop), stop)
        finally:
            self._note_run_time(spec.name, loop.time() - started)

    async def compute(self, work: Callable[..., T], *args: object, threads: int = 1) -> T:
        """Run CPU-heavy work that is not a model call (decoding an image, rendering a page,
        hashing a body) on a worker thread, holding ``threads`` CPU slots like a model job, so
        it never fights a model for the cores. A cancelled caller waits for the work to end."""
        threads = max(1, min(threads, self.cpu_threads))
        await self._slots.acquire(threads)
        try:
            return await _run_to_the_end(self._work.submit(work, *args), threading.Event())
        finally:
            self._slots.release(threads)

    def shutdown(self) -> None:
        self._work.shutdown(wait=True, cancel_futures=True)
        for executor in self._threads.values():
            executor.shutdown(wait=True, cancel_futures=True)

    def _note_run_time(self, model: str, seconds: float) -> None:
        previous = self._mean_run_s.get(model, seconds)
        self._mean_run_s[model] = 0.8 * previous + 0.2 * seconds

    def _retry_after(self, spec: ModelSpec) -> int:
        """Seconds until a slot is likely free: the queue times the mean run time over the
        calls the model serves at once, at least 1."""
        queued = self._in_flight[spec.name] / spec.parallel
        estimate = self._mean_run_s.get(spec.name, 1.0) * queued
        return max(1, min(60, math.ceil(estimate)))


async def _run_to_the_end(work: Future[T], stop: threading.Event) -> T:
    """The result of ``work`` (running on a thread). If the caller is cancelled, work that has
    not started is dropped; work that has is told to stop and waited for, however often the
    caller is cancelled meanwhile, so nothing it uses is released under it."""
    try:
        return await asyncio.wrap_future(work)
    except asyncio.CancelledError:
        if not work.cancel():  # it is running: it must finish first
            stop.set()
            while not work.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([asyncio.wrap_future(work)])
        raise
