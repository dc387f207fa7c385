"""The model manager on fakes: lazy loads, budget and LRU eviction, pinning, keep-alive."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from llmos.capabilities import LoadContext
from llmos.errors import ModelLoadFailed, ModelTooLarge
from llmos.kernel.models import ModelManager
from tests.fakes import FakeClock, FakeLoader, FakeMemory, fake_spec, until


def manager(
    budget: int = 100,
    keep_alive: float | None = 300.0,
    clock: Callable[[], float] = time.monotonic,
) -> ModelManager:
    return ModelManager(
        budget_bytes=budget,
        default_keep_alive=keep_alive,
        context_for=lambda spec: LoadContext(spec.threads, Path("/nonexistent")),
        memory=FakeMemory(),
        clock=clock,
    )


def test_models_load_lazily_on_first_use():
    async def scenario():
        loader = FakeLoader("a")
        models = manager()
        spec = fake_spec("a", loader)
        assert not models.is_loaded("a") and loader.calls == 0
        async with models.use(spec) as model:
            assert model.name == "a"
        async with models.use(spec):
            pass
        assert models.is_loaded("a") and loader.calls == 1

    asyncio.run(scenario())


def test_loading_past_the_budget_evicts_the_least_recently_used_idle_model():
    async def scenario():
        loaders = {name: FakeLoader(name) for name in "abc"}
        specs = {name: fake_spec(name, loader, memory_bytes=40) for name, loader in loaders.items()}
        models = manager(budget=100)
        await models.load(specs["a"])
        await models.load(specs["b"])
        async with models.use(specs["a"]):  # a is now more recently used than b
            pass
        await models.load(specs["c"])
        assert [m.name for m in models.resident()] == ["a", "c"]
        assert loaders["b"].instances[0].closed
        assert models.used_bytes == 80

    asyncio.run(scenario())


def test_a_pinned_model_is_never_evicted():
    async def scenario():
        specs = {name: fake_spec(name, FakeLoader(name), memory_bytes=40) for name in "abc"}
        models = manager(budget=100)
        await models.load(specs["a"], keep_alive=None)  # pinned, and least recently used
        await models.load(specs["b"])
        await models.load(specs["c"])
        assert [m.name for m in models.resident()] == ["a", "c"]
        assert models.resident()[0].pinned

    asyncio.run(scenario())


def test_a_model_that_cannot_fit_beside_pinned_ones_fails_with_advice():
    async def scenario():
        models = manager(budget=100)
        await models.load(fake_spec("a", FakeLoader("a"), memory_bytes=70), keep_alive=None)
        with pytest.raises(ModelTooLarge, match="LLMOS_MEMORY_BUDGET"):
            await models.load(fake_spec("b", FakeLoader("b"), memory_bytes=40))
        assert [m.name for m in models.resident()] == ["a"]

    asyncio.run(scenario())


def test_keep_alive_expiry_unloads_the_idle_model():
    async def scenario():
        loader = FakeLoader("a")
        clock = FakeClock()  # keep-alive runs on it: nothing expires until the test moves it
        models = manager(keep_alive=0.05, clock=clock)
        models.start()
        try:
            await models.load(fake_spec("a", loader))
            assert models.resident()[0].expires_in == pytest.approx(0.05)
            clock.advance(0.04)
            await models.reap_expired()
            assert models.is_loaded("a")  # not before its time
            clock.advance(0.02)
            await until(lambda: not models.is_loaded("a"))  # the reaper's own timer
            # closing runs on the model's thread after it left the table
            await until(lambda: loader.instances[0].closed)
        finally:
            await models.stop()

    asyncio.run(scenario())


def test_keep_alive_timer_waits_for_the_last_user():
    async def scenario():
        clock = FakeClock()
        models = manager(keep_alive=5.0, clock=clock)
        spec = fake_spec("a", FakeLoader("a"))
        async with models.use(spec):
            async with models.use(spec):
                clock.advance(10)  # longer than the keep-alive, but in use
                await models.reap_expired()
                assert models.is_loaded("a") and models.resident()[0].expires_in is None
            clock.advance(10)  # one user left, the other still uses it
            await models.reap_expired()
            assert models.is_loaded("a") and models.resident()[0].expires_in is None
        assert models.resident()[0].expires_in == 5.0  # counted from the last user's end
        clock.advance(4)
        await models.reap_expired()
        assert models.is_loaded("a")
        clock.advance(2)
        await models.reap_expired()
        assert not models.is_loaded("a")

    asyncio.run(scenario())


def test_concurrent_first_requests_cause_exactly_one_load():
    async def scenario():
        loader = FakeLoader("a", load_seconds=0.1)
        spec = fake_spec("a", loader)
        models = manager()

        async def call() -> str:
            async with models.use(spec) as model:
                return model.name

        names = await asyncio.gather(*(call() for _ in range(8)))
        assert names == ["a"] * 8
        assert loader.calls == 1 and models.loads == 1

    asyncio.run(scenario())


def test_a_load_waits_for_a_busy_model_to_finish_before_evicting_it():
    async def scenario():
        a = fake_spec("a", FakeLoader("a"), memory_bytes=60)
        b = fake_spec("b", FakeLoader("b"), memory_bytes=60)
        models = manager(budget=100)
        order: list[str] = []
        a_in_use = asyncio.Event()

        async def hold_a() -> None:
            async with models.use(a):
                a_in_use.set()
                # work: b's load, asked for meanwhile, must wait for it whatever it takes
                await asyncio.sleep(0.1)
                order.append("a done")

        holder = asyncio.create_task(hold_a())
        await a_in_use.wait()
        async with models.use(b):
            order.append("b loaded")
        await holder
        assert order == ["a done", "b loaded"]
        assert [m.name for m in models.resident()] == ["b"]

    asyncio.run(scenario())


def test_a_failed_load_reaches_every_waiter_and_can_be_retried():
    async def scenario():
        loader = FakeLoader("a", load_seconds=0.05, fail=RuntimeError("weights are corrupt"))
        spec = fake_spec("a", loader)
        models = manager()

        async def call() -> None:
            async with models.use(spec):
                pass

        results = await asyncio.gather(call(), call(), return_exceptions=True)
        assert all(isinstance(r, ModelLoadFailed) for r in results)
        assert "weights are corrupt" in results[0].message
        assert loader.calls == 1
        loader.fail = None
        await call()
        assert models.is_loaded("a")

    asyncio.run(scenario())


def test_unloading_a_busy_model_waits_for_its_last_call():
    async def scenario():
        models = manager()
        models.start()
        try:
            spec = fake_spec("a", FakeLoader("a"))
            async with models.use(spec):
                assert await models.unload("a") is False
                assert models.is_loaded("a")
            await until(lambda: not models.is_loaded("a"))
        finally:
            await models.stop()

    asyncio.run(scenario())


def test_process_rss_growth_is_reported_per_model():
    async def scenario():
        memory = FakeMemory()
        models = ModelManager(
            budget_bytes=1000,
            default_keep_alive=60,
            context_for=lambda spec: LoadContext(1, Path("/nonexistent")),
            memory=memory,
        )
        await models.load(fake_spec("a", FakeLoader("a", memory=memory, size=123)))
        assert models.resident()[0].rss_bytes == 123

    asyncio.run(scenario())


def test_a_load_whose_callers_all_left_still_expires():
    async def scenario():
        loaded = threading.Event()  # the load finishes only when the test sets it
        loader = FakeLoader("a", load_gate=loaded)
        models = manager(keep_alive=0.05)
        models.start()
        try:
            spec = fake_spec("a", loader)

            async def call() -> None:
                async with models.use(spec):
                    pass

            caller = asyncio.create_task(call())
            await until(loader.loading.is_set)
            caller.cancel()  # the client went away during the load
            with pytest.raises(asyncio.CancelledError):
                await caller
            loaded.set()
            # the load finishes, nobody uses it, keep-alive (50 ms) expires and closes it
            await until(lambda: bool(loader.instances) and loader.instances[0].closed)
            assert not models.is_loaded("a")
        finally:
            loaded.set()
            await models.stop()

    asyncio.run(scenario())


def test_two_models_that_do_not_fit_together_take_turns_instead_of_evicting_each_other():
    async def scenario():
        loaders = {name: FakeLoader(name) for name in "ab"}
        a, b = (fake_spec(name, loaders[name], memory_bytes=60) for name in "ab")
        models = manager(budget=100)

        async def call(spec) -> str:
            async with models.use(spec) as model:
                await asyncio.sleep(0.01)  # work, while the other model waits for its turn
                assert not model.closed  # nobody evicted it under us
                return model.name

        # All three ask before any load ends: the second call for a shares a's load, and b's
        # load waits for both calls on a. A b that evicted a between its load and its callers
        # taking it would make a reload, and then evict b in turn: a thrash.
        names = await asyncio.wait_for(asyncio.gather(call(a), call(b), call(a)), timeout=5)
        assert names == ["a", "b", "a"]
        assert (loaders["a"].calls, loaders["b"].calls, models.loads) == (1, 1, 2)
        assert loaders["a"].instances[0].closed  # a made room for b once its calls were done
        assert [m.name for m in models.resident()] == ["b"]

    asyncio.run(scenario())


def test_unloading_twice_at_once_is_harmless():
    async def scenario():
        models = manager()
        await models.load(fake_spec("a", FakeLoader("a")))
        results = await asyncio.gather(models.unload("a"), models.unload("a"))
        assert sorted(results) == [False, True]

    asyncio.run(scenario())
