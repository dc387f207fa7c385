"""Index jobs on a real index with a stand-in for the models: counts, errors, queue, cancel."""

from __future__ import annotations

import asyncio

import pytest

from llmos.errors import ServerBusy
from llmos.fusion.index.derive import Derived
from llmos.fusion.index.jobs import MAX_QUEUED, Indexer
from llmos.storage.search_index import Piece, SearchIndex


class Kernel:
    async def compute(self, function, *args, **_kwargs):
        return await asyncio.to_thread(function, *args)


class Deriver:
    """Each file's text as one piece, no model."""

    kernel = Kernel()

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def derive(self, source) -> Derived:
        self.seen.append(source.path.name)
        return Derived(pieces=[Piece("text", source.path.read_text())])


async def finished(job) -> None:
    while not job.finished:
        await asyncio.sleep(0.01)


@pytest.fixture
def indexer(tmp_path):
    index = SearchIndex(tmp_path / "index.db", {"text": 4})
    yield Indexer(index, Deriver(), [tmp_path / "root"])
    index.close()


def test_a_job_counts_what_it_did_and_a_rerun_only_what_changed(indexer, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    for name in ("a.md", "b.md", "c.txt"):
        (root / name).write_text(f"note {name}")
    (root / "d.bin").write_bytes(b"\x00\x01")  # not a type llmos indexes: not counted

    async def run():
        job = indexer.start(indexer.check([str(root), str(root / "gone.md")]))
        await finished(job)
        assert (job.state, job.files, job.done, job.indexed) == ("done", 3, 3, 3)
        assert [(e.path, e.message) for e in job.errors] == [
            (str(root / "gone.md"), "no such file or folder")
        ]
        (root / "b.md").write_text("note b, edited")
        (root / "c.txt").unlink()
        again = indexer.start(indexer.check([str(root)]))
        await finished(again)
        assert (again.indexed, again.unchanged, again.removed) == (1, 1, 1)
        assert indexer.deriver.seen == ["a.md", "b.md", "c.txt", "b.md"]

    asyncio.run(run())


def test_jobs_queue_to_a_bound_and_a_queued_job_can_be_cancelled(indexer, tmp_path):
    root = tmp_path / "root"
    root.mkdir()

    async def run():
        jobs = [indexer.start([root]) for _ in range(MAX_QUEUED)]  # none has run yet
        with pytest.raises(ServerBusy):
            indexer.start([root])
        cancelled = indexer.cancel(jobs[-1].id)
        assert cancelled.state == "cancelled" and cancelled.finished_at is not None
        await finished(jobs[-2])
        await indexer.stop()
        assert [job.state for job in jobs[:-1]] == ["done"] * (MAX_QUEUED - 1)

    asyncio.run(run())
