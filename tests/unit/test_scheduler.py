"""The scheduler: CPU shares, bounded admission, cancellation of queued and running jobs."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from llmos.errors import ServerBusy
from llmos.kernel.scheduler import CpuSlots, Scheduler
from tests.fakes import FakeLoader, fake_spec


def test_cpu_slots_are_granted_first_come_first_served_by_weight():
    async def scenario():
        slots = CpuSlots(2)
        order: list[str] = []

        async def job(name: str, threads: int, seconds: float) -> None:
            await slots.acquire(threads)
            order.append(name)
            await asyncio.sleep(seconds)
            slots.release(threads)

        await asyncio.gather(
            job("big-1", 2, 0.05), job("small-1", 1, 0.05), job("small-2", 1, 0.05)
        )
        assert order == ["big-1", "small-1", "small-2"]
        assert slots.free == 2

    asyncio.run(scenario())


def test_a_cancelled_waiter_leaves_the_queue_and_frees_nothing_it_did_not_take():
    async def scenario():
        slots = CpuSlots(2)
        await slots.acquire(2)
        waiter = asyncio.create_task(slots.acquire(1))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        slots.release(2)
        assert slots.free == 2

    asyncio.run(scenario())


def test_admission_beyond_the_queue_size_is_refused_with_retry_after():
    async def scenario():
        scheduler = Scheduler(cpu_threads=2, queue_size=2)
        spec = fake_spec("slow", FakeLoader("slow"), threads=2)
        release = asyncio.Event()

        async def request() -> None:
            async with scheduler.admit(spec):
                await release.wait()

        first, second = asyncio.create_task(request()), asyncio.create_task(request())
        await asyncio.sleep(0.01)
        assert scheduler.in_flight("slow") == 2
        with pytest.raises(ServerBusy) as refused:
            async with scheduler.admit(spec):
                pass
        assert refused.value.retry_after >= 1
        assert "LLMOS_QUEUE_SIZE" in refused.value.message
        release.set()
        await asyncio.gather(first, second)
        assert scheduler.in_flight("slow") == 0
        scheduler.shutdown()

    asyncio.run(scenario())


def test_cancelling_a_running_job_signals_it_and_waits_for_it_to_stop():
    async def scenario():
        scheduler = Scheduler(cpu_threads=2, queue_size=4)
        spec = fake_spec("a", FakeLoader("a"))
        finished = threading.Event()

        def job(stop: threading.Event) -> str:
            while not stop.wait(0.01):
                pass
            time.sleep(0.05)  # a little cleanup after the stop signal
            finished.set()
            return "stopped"

        task = asyncio.create_task(scheduler.run(spec, job))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert finished.is_set()  # run() returned only after the job had really ended
        scheduler.shutdown()

    asyncio.run(scenario())


def test_a_waiter_cancelled_in_the_same_turn_as_a_release_loses_no_slot():
    async def scenario():
        slots = CpuSlots(2)
        await slots.acquire(2)
        waiter = asyncio.create_task(slots.acquire(2))
        await asyncio.sleep(0)  # the waiter is queued
        waiter.cancel()
        slots.release(2)  # same loop turn: the cancelled waiter is still in the queue
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert slots.free == 2
        await asyncio.wait_for(slots.acquire(2), timeout=1)  # and the slots still work

    asyncio.run(scenario())
