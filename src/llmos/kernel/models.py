"""The model manager: lazy loading, keep-alive, a memory budget and LRU eviction.

Modelled on Ollama's scheduler: a model loads on first use, one load at a time; it is reference
counted while calls use it; its keep-alive timer starts when the last user finishes; when a new
model does not fit the budget, idle models are evicted least recently used first, and the load
waits for busy ones to finish. Pinned models (keep-alive -1) are never evicted. All state lives on
the event loop thread, so no locks are needed beyond the one that serialises loads and unloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from llmos.capabilities.base import LoadContext, LoadedModel, ModelSpec
from llmos.errors import LlmosError, ModelLoadFailed, ModelTooLarge
from llmos.kernel.memory import MemoryProbe

log = logging.getLogger(__name__)


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET  # "the request said nothing about keep-alive": keep the model's current one
KeepAlive = float | _Unset | None  # seconds; None pins the model; UNSET leaves it as it is


@dataclass
class _Resident:
    spec: ModelSpec
    model: LoadedModel
    rss_bytes: int  # growth of this process's RSS while the model loaded
    last_used: float
    keep_alive: float | None  # seconds idle before unloading; None pins the model
    refs: int = 0
    expires_at: float | None = None  # set while idle and not pinned

    @property
    def pinned(self) -> bool:
        return self.keep_alive is None


@dataclass(frozen=True)
class ResidentModel:
    """A loaded model as ``llmos ps`` shows it."""

    name: str
    capability: str
    memory_bytes: int  # the budgeted estimate
    rss_bytes: int  # measured at load
    in_use: int  # calls using it now
    idle_seconds: float
    expires_in: float | None  # None: pinned, or busy (the timer starts when idle)
    pinned: bool


class ModelManager:
    """Loads, keeps and evicts models within ``budget_bytes``."""

    def __init__(
        self,
        *,
        budget_bytes: int,
        default_keep_alive: float | None,
        context_for: Callable[[ModelSpec], LoadContext],
        thread_of: Callable[[ModelSpec], Executor] | None = None,
        memory: MemoryProbe,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget_bytes = budget_bytes
        self.default_keep_alive = default_keep_alive
        self._context_for = context_for
        self._thread_of = thread_of or (lambda _spec: None)  # None: asyncio's default executor
        self._memory = memory
        self._clock = clock
        self._resident: dict[str, _Resident] = {}
        self._loading: dict[str, asyncio.Task[_Resident]] = {}
        self._waiting: dict[str, int] = {}  # callers waiting for a model to load
        self._load_lock = asyncio.Lock()  # one load or unload at a time
        self._released = asyncio.Condition()  # notified when a model becomes idle
        self._wake_reaper = asyncio.Event()
        self._reaper: asyncio.Task[None] | None = None
        self.loads = 0  # models loaded since start, for tests and metrics

    # -- public API -------------------------------------------------------------------------

    def start(self) -> None:
        self._reaper = asyncio.create_task(self._reap_forever(), name="llmos-keep-alive")

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for name in list(self._resident):
            await self.unload(name)

    @contextlib.asynccontextmanager
    async def use(
        self, spec: ModelSpec, *, keep_alive: KeepAlive = UNSET
    ) -> AsyncIterator[LoadedModel]:
        """Hold ``spec``'s model loaded for the duration of the block, loading it if needed."""
        resident = await self._ensure_loaded(spec, keep_alive)
        try:
            yield resident.model
        finally:
            await self._release(resident)

    async def load(self, spec: ModelSpec, *, keep_alive: KeepAlive = UNSET) -> None:
        """Load ``spec`` now (if it is not loaded) and start its keep-alive timer."""
        async with self.use(spec, keep_alive=keep_alive):
            pass

    async def unload(self, name: str) -> bool:
        """Unload now if idle; a busy model unloads when its last call ends. True if unloaded."""
        if name in self._loading:
            with contextlib.suppress(LlmosError):
                await asyncio.shield(self._loading[name])
        resident = self._resident.get(name)
        if resident is None:
            return False
        if resident.refs:
            resident.keep_alive = 0.0
            return False
        async with self._load_lock:
            if self._resident.get(name) is not resident or resident.refs:
                return False  # unloaded meanwhile, or taken by a new call
            await self._evict(resident)
        return True

    def resident(self) -> list[ResidentModel]:
        now = self._clock()
        return [
            ResidentModel(
                name=r.spec.name,
                capability=r.spec.capability,
                memory_bytes=r.spec.memory_bytes,
                rss_bytes=r.rss_bytes,
                in_use=r.refs,
                idle_seconds=0.0 if r.refs else now - r.last_used,
                expires_in=None if r.expires_at is None else max(0.0, r.expires_at - now),
                pinned=r.pinned,
            )
            for r in sorted(self._resident.values(), key=lambda r: r.spec.name)
        ]

    def is_loaded(self, name: str) -> bool:
        return name in self._resident

    def loaded_spec(self, name: str) -> ModelSpec | None:
        """The spec a loaded (or loading) model was loaded from, even if no longer served."""
        resident = self._resident.get(name)
        return resident.spec if resident else None

    def is_busy_with(self, name: str) -> bool:
        """Whether ``name`` is loaded or loading."""
        return name in self._resident or name in self._loading

    @property
    def used_bytes(self) -> int:
        return sum(r.spec.memory_bytes for r in self._resident.values())

    async def reap_expired(self) -> None:
        """Unload every idle model whose keep-alive has run out."""
        now = self._clock()
        for resident in list(self._resident.values()):
            if not resident.refs and resident.expires_at is not None and resident.expires_at <= now:
                async with self._load_lock:
                    if self._resident.get(resident.spec.name) is resident and not resident.refs:
                        await self._evict(resident)

    # -- internals --------------------------------------------------------------------------

    async def _ensure_loaded(self, spec: ModelSpec, keep_alive: KeepAlive) -> _Resident:
        while (resident := self._resident.get(spec.name)) is None:
            task = self._loading.get(spec.name)
            if task is None:
                task = asyncio.create_task(self._load(spec), name=f"llmos-load-{spec.name}")
                self._loading[spec.name] = task
                task.add_done_callback(lambda _t, name=spec.name: self._loading.pop(name, None))
            # shield: a caller that goes away must not cancel a load others are waiting for
            self._waiting[spec.name] = self._waiting.get(spec.name, 0) + 1
            try:
                await asyncio.shield(task)
            finally:
                self._waiting[spec.name] -= 1
        resident.refs += 1
        resident.expires_at = None
        if keep_alive is not UNSET:
            resident.keep_alive = keep_alive
        return resident

    async def _release(self, resident: _Resident) -> None:
        resident.refs -= 1
        resident.last_used = self._clock()
        if resident.refs == 0:
            self._start_keep_alive(resident)
            async with self._released:
                self._released.notify_all()

    def _start_keep_alive(self, resident: _Resident) -> None:
        """The idle model unloads ``keep_alive`` seconds after its last use (never if pinned)."""
        if not resident.pinned:
            resident.expires_at = resident.last_used + resident.keep_alive
        self._wake_reaper.set()

    async def _load(self, spec: ModelSpec) -> _Resident:
        async with self._load_lock:
            await self._make_room(spec)
            log.info("loading model %s", spec.name)
            loop = asyncio.get_running_loop()
            before = self._memory.process_rss()
            started = time.perf_counter()
            try:
                thread = self._thread_of(spec)
                model = await loop.run_in_executor(thread, spec.load, self._context_for(spec))
            except LlmosError:
                raise
            except Exception as error:
                log.exception("loading %s failed", spec.name)
                raise ModelLoadFailed(f"Loading model {spec.name!r} failed: {error}") from error
            now = self._clock()
            resident = _Resident(
                spec=spec,
                model=model,
                rss_bytes=max(0, self._memory.process_rss() - before),
                last_used=now,
                keep_alive=self.default_keep_alive,
            )
            self._start_keep_alive(resident)  # until a caller takes it (all may have left)
            self._resident[spec.name] = resident
            self.loads += 1
            log.info("loaded %s in %.2f s", spec.name, time.perf_counter() - started)
            return resident

    async def _make_room(self, spec: ModelSpec) -> None:
        """Evict idle models (LRU first) until ``spec`` fits; wait while busy ones hold memory."""
        while self.used_bytes + spec.memory_bytes > self.budget_bytes:
            pinned = sum(r.spec.memory_bytes for r in self._resident.values() if r.pinned)
            if pinned + spec.memory_bytes > self.budget_bytes:
                raise ModelTooLarge(
                    f"Model {spec.name!r} needs {_mib(spec.memory_bytes)} but the memory budget is "
                    f"{_mib(self.budget_bytes)} with {_mib(pinned)} held by pinned models. Raise "
                    "LLMOS_MEMORY_BUDGET or unload a pinned model (`llmos unload NAME`)."
                )
            if idle := self._evictable():
                await self._evict(min(idle, key=lambda r: r.last_used))
                continue
            async with self._released:  # every other model is busy: wait for one to finish
                if not self._evictable():
                    await self._released.wait()
            # and check everything again: a model may have been pinned meanwhile

    def _evictable(self) -> list[_Resident]:
        return [
            r
            for r in self._resident.values()
            if not r.refs and not r.pinned and not self._waiting.get(r.spec.name)
        ]

    async def _evict(self, resident: _Resident) -> None:
        log.info("unloading model %s", resident.spec.name)
        del self._resident[resident.spec.name]

        def close() -> None:
            try:
                resident.model.close()
            except Exception:  # a model that fails to close must not stop the kernel
                log.exception("closing %s failed", resident.spec.name)
            gc.collect()

        await asyncio.get_running_loop().run_in_executor(self._thread_of(resident.spec), close)

    async def _reap_forever(self) -> None:
        while True:
            try:
                await self.reap_expired()
            except Exception:  # keep enforcing keep-alive whatever one unload did
                log.exception("unloading expired models failed")
            deadlines = [r.expires_at for r in self._resident.values() if r.expires_at is not None]
            timeout = max(0.0, min(deadlines) - self._clock()) if deadlines else None
            self._wake_reaper.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 a cancelled wait_for with a timeout
            # could wait forever for its inner Event.wait, so stopping the kernel hung
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake_reaper.wait()


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"
