"""Work outside model calls is bounded like model calls: it takes CPU slots, its memory is
admitted against the work memory, and a stream never buffers more than a few chunks."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from llmos.api.streaming import MAX_PENDING, _BoundedChunks
from llmos.capabilities.vision.experts import HAAR_FACES, YOLOV3_TINY
from llmos.kernel.scheduler import Scheduler
from llmos.kernel.work_memory import MemoryPool, WorkMemory
from tests.fakes import FakeLoader, fake_spec, until


def test_cpu_work_waits_for_the_slots_a_model_job_holds():
    async def scenario():
        scheduler = Scheduler(cpu_threads=2, queue_size=4)
        spec = fake_spec("busy", FakeLoader("busy"), threads=2)
        ran = threading.Event()
        async with scheduler.admit(spec):  # a model job holds both cores
            work = asyncio.create_task(scheduler.compute(ran.set))
            await asyncio.sleep(0)  # let it ask for its slot
            assert not ran.is_set() and not work.done()
        assert await work is None
        assert ran.is_set()
        scheduler.shutdown()

    asyncio.run(scenario())


def test_a_cancelled_caller_waits_for_its_work_and_gives_the_slot_back():
    async def scenario():
        scheduler = Scheduler(cpu_threads=1, queue_size=4)
        started, finish = threading.Event(), threading.Event()

        def work() -> None:
            started.set()
            finish.wait(5)

        task = asyncio.create_task(scheduler.compute(work))
        await until(started.is_set)
        task.cancel()
        await asyncio.sleep(0)
        assert not task.done()  # still waiting for the thread to finish
        finish.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert scheduler._slots.free == 1
        scheduler.shutdown()

    asyncio.run(scenario())


def test_memory_reservations_wait_for_room_and_an_oversized_one_runs_alone():
    async def scenario():
        pool = MemoryPool("pixels", 100)
        order: list[str] = []
        first_in = asyncio.Event()
        release_first = asyncio.Event()

        async def holder(name: str, size: int, hold: asyncio.Event | None = None) -> None:
            async with pool.reserve(size):
                order.append(name)
                if hold is not None:
                    first_in.set()
                    await hold.wait()

        first = asyncio.create_task(holder("first", 70, release_first))
        await first_in.wait()
        second = asyncio.create_task(holder("second", 50))
        huge = asyncio.create_task(holder("huge", 10_000))  # more than the pool: takes it all
        await asyncio.sleep(0)
        assert order == ["first"] and pool.free_bytes == 30
        release_first.set()
        await asyncio.gather(first, second, huge)
        assert order == ["first", "second", "huge"]
        assert pool.free_bytes == 100

    asyncio.run(scenario())


def test_work_memory_splits_into_bodies_and_pixels():
    memory = WorkMemory(1000)
    assert memory.bodies.total_bytes + memory.pixels.total_bytes == 1000
    assert memory.pixels.total_bytes > memory.bodies.total_bytes


def test_a_stream_holds_at_most_max_pending_items_and_never_blocks_after_close():
    async def scenario():
        items = _BoundedChunks(asyncio.get_running_loop())
        produced = []

        def worker() -> None:
            for number in range(2 * MAX_PENDING + 10):
                items.put(number)
                produced.append(number)

        thread = threading.Thread(target=worker)
        thread.start()
        await until(lambda: len(produced) == MAX_PENDING)
        await asyncio.to_thread(thread.join, 0.3)
        assert len(produced) == MAX_PENDING  # the worker waits for the reader
        assert await items.get_all() == list(range(MAX_PENDING))  # all that waited, in order
        await until(lambda: len(produced) == 2 * MAX_PENDING)
        items.close()  # the reader is gone: the worker finishes without waiting
        await asyncio.to_thread(thread.join, 5)
        assert not thread.is_alive() and len(produced) == 2 * MAX_PENDING + 10

    asyncio.run(scenario())


def test_every_opencv_model_claims_the_thread_count_opencv_is_given():
    # cv2.setNumThreads is process-wide: models that claimed different counts overrode each other
    assert HAAR_FACES.threads == YOLOV3_TINY.threads


def test_a_client_that_stops_reading_has_its_job_cancelled(monkeypatch):
    import llmos.api.streaming as streaming
    from llmos.errors import LlmosError

    monkeypatch.setattr(streaming, "STALL_SECONDS", 0.3)

    async def scenario():
        items = _BoundedChunks(asyncio.get_running_loop())
        stalled = asyncio.Event()
        items.on_stall = stalled.set  # the stream cancels its job here

        def worker() -> None:
            for number in range(MAX_PENDING + 5):
                items.put(number)

        thread = threading.Thread(target=worker)
        thread.start()
        await asyncio.wait_for(stalled.wait(), 10)
        await asyncio.to_thread(thread.join, 5)
        assert not thread.is_alive()  # the rest were dropped at once, not waited on each
        try:
            await items.get_all()
        except LlmosError as error:
            assert "read nothing" in error.message
        else:
            raise AssertionError("a stalled stream must end in an error, not look whole")

    asyncio.run(scenario())


def test_a_reservation_that_waits_too_long_is_a_503(monkeypatch):
    from llmos.errors import ServerBusy

    monkeypatch.setattr(MemoryPool, "WAIT_SECONDS", 0.05)

    async def scenario():
        pool = MemoryPool("request bodies", 100)
        async with pool.reserve(100):
            try:
                await pool.acquire(10)
            except ServerBusy as error:
                assert error.retry_after >= 1 and "request bodies" in error.message
            else:
                raise AssertionError("a full pool must not make a request wait forever")
        assert pool.free_bytes == 100  # the refused waiter took nothing

    asyncio.run(scenario())
