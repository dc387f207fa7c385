"""A model that serves several calls at once (llama.cpp's slots) runs them as one batch on one
grant of CPU, up to its slots, without starving the other models."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

from llmos.kernel.scheduler import Scheduler
from tests.fakes import FakeLoader, fake_spec, until

CHAT = replace(fake_spec("chat", FakeLoader("chat"), threads=2), parallel=3)
OTHER = fake_spec("other", FakeLoader("other"), threads=2)


class Job:
    """A job that holds its admission until the test lets it go."""

    def __init__(self, scheduler: Scheduler, spec) -> None:
        self.inside = asyncio.Event()
        self.done = asyncio.Event()
        self.task = asyncio.create_task(self._run(scheduler, spec))

    async def _run(self, scheduler: Scheduler, spec) -> None:
        async with scheduler.admit(spec):
            self.inside.set()
            await self.done.wait()

    async def finish(self) -> None:
        self.done.set()
        await self.task


def test_a_batching_models_jobs_share_one_cpu_grant_up_to_its_slots():
    async def scenario():
        scheduler = Scheduler(cpu_threads=2, queue_size=10)
        jobs = [Job(scheduler, CHAT) for _ in range(4)]
        await until(lambda: scheduler.running("chat") == 3)
        assert [j.inside.is_set() for j in jobs] == [True, True, True, False]  # 3 slots
        assert scheduler._slots.free == 0  # the three hold the 2 threads once, not three times
        await jobs[0].finish()
        await asyncio.wait_for(jobs[3].inside.wait(), 5)  # the freed slot goes to the fourth
        for job in jobs[1:]:
            await job.finish()
        assert scheduler._slots.free == 2 and scheduler.running("chat") == 0

    asyncio.run(scenario())


def test_another_model_waiting_for_the_cpu_stops_new_jobs_joining_the_batch():
    async def scenario():
        scheduler = Scheduler(cpu_threads=2, queue_size=10)
        first = Job(scheduler, CHAT)
        await first.inside.wait()
        other = Job(scheduler, OTHER)  # waits for the CPU the batch holds
        await until(lambda: scheduler._slots.waiting)
        late = Job(scheduler, CHAT)  # would fit in the batch, but must not overtake
        await asyncio.sleep(0)
        assert not late.inside.is_set()
        await first.finish()
        await asyncio.wait_for(other.inside.wait(), 5)
        assert not late.inside.is_set()  # the other model runs alone
        await other.finish()
        await asyncio.wait_for(late.inside.wait(), 5)
        await late.finish()
        assert scheduler._slots.free == 2

    asyncio.run(scenario())


def test_a_cancelled_job_waiting_for_a_slot_takes_nothing():
    async def scenario():
        scheduler = Scheduler(cpu_threads=2, queue_size=10)
        jobs = [Job(scheduler, CHAT) for _ in range(3)]
        await until(lambda: scheduler.running("chat") == 3)
        waiting = Job(scheduler, CHAT)
        await asyncio.sleep(0)
        waiting.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting.task
        for job in jobs:
            await job.finish()
        assert scheduler._slots.free == 2 and scheduler.running("chat") == 0
        assert scheduler.in_flight("chat") == 0

    asyncio.run(scenario())


def test_a_chat_job_refused_by_the_batch_keeps_its_place_in_the_cpu_queue():
    async def scenario():
        scheduler = Scheduler(cpu_threads=2, queue_size=10)
        first = Job(scheduler, CHAT)
        await first.inside.wait()
        other_1 = Job(scheduler, OTHER)
        await until(lambda: scheduler._slots.waiting)
        chat = Job(scheduler, CHAT)  # after other_1: it queues for the CPU, not for the drain
        await asyncio.sleep(0)
        other_2 = Job(scheduler, replace(OTHER, name="other-2"))  # arrives after the chat job
        await asyncio.sleep(0)
        await first.finish()
        await asyncio.wait_for(other_1.inside.wait(), 5)
        await other_1.finish()
        await asyncio.wait_for(chat.inside.wait(), 5)  # its turn came before other_2's
        assert not other_2.inside.is_set()
        await chat.finish()
        await asyncio.wait_for(other_2.inside.wait(), 5)
        await other_2.finish()
        assert scheduler._slots.free == 2

    asyncio.run(scenario())
