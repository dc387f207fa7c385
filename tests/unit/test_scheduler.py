"""The scheduler: CPU shares, bounded admission, cancellation of queued and running jobs."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from llmos.errors import ServerBusy
from llmos.kernel.scheduler import Scheduler
from llmos.kernel.slots import Slots
from tests.fakes import WAIT_SECONDS, FakeLoader, fake_spec, until


def test_cpu_slots_are_granted_first_come_first_served_by_weight():
    async def scenario():
        slots = Slots(3)
        await slots.acquire(2)  # a two-thread job runs: one thread is free
        big = asyncio.create_task(slots.acquire(2))
        small = asyncio.create_task(slots.acquire(1))
        await asyncio.sleep(0)  # one loop turn: both tasks run up to their wait
        # the small job would fit in the free thread, but came after the big one: it waits
        assert not big.done() and not small.done() and slots.free == 1
        slots.release(2)
        await asyncio.wait_for(asyncio.gather(big, small), WAIT_SECONDS)
        assert slots.free == 0
        slots.release(2)
        slots.release(1)
        assert slots.free == 3

    asyncio.run(scenario())


def test_a_cancelled_waiter_leaves_the_queue_and_frees_nothing_it_did_not_take():
    async def scenario():
        slots = Slots(2)
        await slots.acquire(2)
        waiter = asyncio.create_task(slots.acquire(1))
        await asyncio.sleep(0)  # one loop turn: the waiter is queued
        assert not waiter.done() and slots.free == 0
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
        await until(lambda: scheduler.in_flight("slow") == 2)
        with pytest.raises(ServerBusy) as refused:  # at once: admitted, it would wait forever
            await asyncio.wait_for(request(), WAIT_SECONDS)
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
        started, finished = threading.Event(), threading.Event()
        signalled: list[bool] = []

        def job(stop: threading.Event) -> str:
            started.set()
            signalled.append(stop.wait(WAIT_SECONDS))
            time.sleep(0.05)  # a little cleanup after the stop signal
            finished.set()
            return "stopped"

        task = asyncio.create_task(scheduler.run(spec, job))
        await until(started.is_set)  # the job is running on its thread
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert signalled == [True]  # told to stop, not timed out
        assert finished.is_set()  # run() returned only after the job had really ended
        scheduler.shutdown()

    asyncio.run(scenario())


def test_a_waiter_cancelled_in_the_same_turn_as_a_release_loses_no_slot():
    async def scenario():
        slots = Slots(2)
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
