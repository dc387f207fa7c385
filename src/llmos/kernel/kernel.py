"""The kernel: every model call goes through :meth:`Kernel.run`.

``run`` admits the request (or refuses it with 503), waits for CPU, makes the model resident,
runs the job on a worker thread and writes one accounting row, whatever the outcome.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from llmos.capabilities.base import LoadContext, LoadedModel, ModelSpec, Usage
from llmos.capabilities.chat.custom import CustomModel, custom_model, spec_of
from llmos.errors import Conflict, InvalidRequest, LlmosError, ModelNotFound, ServerBusy
from llmos.kernel.memory import MemoryProbe, SystemMemory
from llmos.kernel.metrics import KernelMetrics
from llmos.kernel.models import UNSET, KeepAlive, ModelManager, ResidentModel
from llmos.kernel.registry import Registry
from llmos.kernel.scheduler import Scheduler
from llmos.kernel.work_memory import WorkMemory
from llmos.settings import Settings
from llmos.storage import CallRecord, Database
from llmos.storage.custom_models import CustomModelStore
from llmos.units import parse_memory_budget

log = logging.getLogger(__name__)
R = TypeVar("R")

Job = Callable[[LoadedModel, threading.Event], R]  # (model, stop event) -> result


class Kernel:
    """Registry, model manager, scheduler and accounting, wired together."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        *,
        database: Database | None = None,
        memory: MemoryProbe | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        memory = memory or SystemMemory()
        self.settings = settings
        budget = parse_memory_budget(settings.memory_budget, memory.total_bytes())
        # a chat model gets LLMOS_CHAT_SLOTS slots, or as many as the budget holds
        self.registry = registry.with_parallel(settings.chat_slots, budget_bytes=budget)
        self.database = database or Database(settings.database_path)
        self.scheduler = Scheduler(cpu_threads=settings.cpu_threads, queue_size=settings.queue_size)
        self.models = ModelManager(
            budget_bytes=budget,
            default_keep_alive=settings.keep_alive_seconds,
            context_for=lambda spec: LoadContext(
                threads=self.scheduler.threads_for(spec),
                data_dir=settings.models_dir,
                parallel=spec.parallel,
            ),
            thread_of=self.scheduler.thread_of,
            memory=memory,
            clock=clock,
        )
        self.work_memory = WorkMemory(
            parse_memory_budget(settings.work_memory, memory.total_bytes())
        )
        self.compute = self.scheduler.compute  # CPU-heavy work that is not a model call
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="llmos-accounting")
        self.metrics = KernelMetrics()
        self.metrics.watch_state(
            self.models.resident,
            lambda: {
                spec.name: self.scheduler.in_flight(spec.name) for spec in self.registry.models
            },
            self.models.budget_bytes,
        )
        self.custom_models = CustomModelStore(self.database)
        if any(c.name == "chat" for c in self.registry.capabilities):
            for spec in stored_custom_models(self.database):
                try:
                    self.add_model(spec)
                except LlmosError as error:  # e.g. a name a newer llmos ships: keep serving
                    log.warning("your model %s is not served: %s", spec.name, error.message)

    async def start(self) -> None:
        self.models.start()

    async def stop(self) -> None:
        await self.models.stop()
        self.scheduler.shutdown()
        # every accounting row is written before the database closes
        await asyncio.to_thread(self._writer.shutdown, wait=True)
        self.database.close()

    async def run(self, spec: ModelSpec, job: Job[R], *, keep_alive: KeepAlive = UNSET) -> R:
        """Run ``job`` on ``spec``'s model, loading it if needed; account for the call."""
        started_at, clock = time.time(), time.perf_counter
        admitted = clock()
        queue_wait = load = run = 0.0
        status, error, usage = "ok", None, Usage()
        try:
            async with self.scheduler.admit(spec):
                queue_wait = clock() - admitted
                self._check_still_served(spec)
                async with self.models.use(spec, keep_alive=keep_alive) as model:
                    load = clock() - admitted - queue_wait
                    result = await self.scheduler.run(spec, lambda stop: job(model, stop))
                    run = clock() - admitted - queue_wait - load
            usage = getattr(result, "usage", None) or usage
            return result
        except ServerBusy as exc:
            status, error = "rejected", exc.message
            raise
        except asyncio.CancelledError:
            status, error = "cancelled", "client went away"
            raise
        except LlmosError as exc:
            status, error = "error", exc.message
            raise
        except Exception as exc:
            status, error = "error", repr(exc)
            raise
        finally:
            self._account(
                CallRecord(
                    started_at=started_at,
                    capability=spec.capability,
                    model=spec.name,
                    status=status,
                    queue_wait_s=queue_wait,
                    load_s=load,
                    run_s=run,
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    media_seconds=usage.media_seconds,
                    error=error,
                )
            )

    async def load(self, spec: ModelSpec, *, keep_alive: KeepAlive = UNSET) -> None:
        async with self.scheduler.admit(spec):  # loading is heavy work: it takes CPU like a job
            await self.models.load(spec, keep_alive=keep_alive)

    async def unload(self, name: str) -> bool:
        return await self.models.unload(name)

    def _check_still_served(self, spec: ModelSpec) -> None:
        """A user's model deleted while this call waited is not loaded again for it."""
        if custom_model(spec) is not None and not self.registry.serves(spec.name):
            raise ModelNotFound(spec.name, [s.name for s in self.registry.models])

    def add_model(self, spec: ModelSpec) -> ModelSpec:
        """Serve a user's model from now on, with as many slots as the others."""
        spec = spec.with_parallel(self.settings.chat_slots, budget_bytes=self.models.budget_bytes)
        self.registry.add(spec)
        return spec

    async def create_model(self, model: CustomModel) -> ModelSpec:
        """Keep ``model`` (a user's GGUF file) and serve it."""
        if self.models.is_busy_with(model.name):
            raise Conflict(
                f"A model called {model.name!r} is still loaded (it was deleted while busy); "
                "try again when its last call has ended."
            )
        spec = spec_of(model)
        if spec.memory_bytes > self.models.budget_bytes:
            raise InvalidRequest(
                f"{model.name} would need about {spec.memory_bytes / 2**30:.1f} GiB once loaded, "
                f"more than the memory budget ({self.models.budget_bytes / 2**30:.1f} GiB): "
                "choose a shorter context, or raise LLMOS_MEMORY_BUDGET."
            )
        spec = self.add_model(spec)
        try:
            await asyncio.to_thread(self.custom_models.add, model.name, model.to_json())
        except BaseException:
            self.registry.remove(model.name)
            raise
        return spec

    async def remove_model(self, name: str) -> str:
        """Forget a user's model (llmos's own are refused); a loaded one unloads, at once or
        when its last call ends. A stored model that is not served (its name was taken by a
        newer llmos) is forgotten too."""
        try:
            spec = self.registry.remove(name)
        except LlmosError:
            if await asyncio.to_thread(self.custom_models.remove, name):
                return name
            raise
        await asyncio.to_thread(self.custom_models.remove, spec.name)
        await self.unload(spec.name)
        return spec.name

    def ps(self) -> list[ResidentModel]:
        return self.models.resident()

    def _account(self, record: CallRecord) -> None:
        """Count the call now; write its row on the accounting thread, off the event loop."""
        self.metrics.observe(record)
        try:
            self._writer.submit(self._write, record)
        except RuntimeError:  # the kernel is stopping: write it here, late rather than never
            self._write(record)

    def _write(self, record: CallRecord) -> None:
        try:
            self.database.add_call(record)
        except Exception:  # accounting must never fail a call that succeeded
            log.exception("could not write the accounting row")


def stored_custom_models(database: Database) -> list[ModelSpec]:
    """The user's models (``llmos create``) kept in ``database``; a definition this llmos
    cannot read is skipped with a warning, not fatal."""
    specs = []
    for data in CustomModelStore(database).all():
        try:
            specs.append(spec_of(CustomModel.from_json(data)))
        except (TypeError, KeyError, ValueError) as error:
            log.warning("your model %s cannot be read: %s", data.get("name"), error)
    return specs
