"""Index jobs: folders walked, each changed file derived and stored, one job at a time.

A job is accepted only for paths under the allowed roots (else 403, before anything is read).
It walks its paths, removes from the index the files that are gone, skips those whose size and
mtime (or, when only the mtime moved, content hash) are unchanged, and derives and stores the
rest, each file in its own transaction: what a job reported done is in the index, whatever
happens after. A file that cannot be read is reported in the job and skipped. Jobs run one
after another (two would only slow each other on two cores); cancelling one stops it after the
current file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from llmos.errors import InvalidRequest, LlmosError, NotFound, ServerBusy
from llmos.fusion.index import sources
from llmos.fusion.index.derive import Deriver
from llmos.storage.search_index import Item, SearchIndex

log = logging.getLogger(__name__)

KEPT_JOBS = 100  # finished jobs remembered for GET /v1/index/jobs/{id}
MAX_PATHS = 100  # per job
MAX_QUEUED = 16  # jobs waiting; more are refused with 503
State = Literal["queued", "running", "done", "cancelled", "failed"]
Outcome = Literal["indexed", "unchanged", "ignored"]


@dataclass
class FileError:
    path: str
    message: str


@dataclass
class IndexJob:
    id: str
    paths: list[str]
    state: State = "queued"
    files: int = 0  # found, once the walk is done
    done: int = 0  # looked at: indexed + unchanged + failed
    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    errors: list[FileError] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # derivation not done -> files
    current: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    cancel: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    ended: asyncio.Event = field(default_factory=asyncio.Event, repr=False)  # set when finished

    @property
    def finished(self) -> bool:
        return self.state in ("done", "cancelled", "failed")


class Indexer:
    def __init__(self, index: SearchIndex, deriver: Deriver, roots: list[Path]) -> None:
        self.index = index
        self.deriver = deriver
        self.roots = roots
        self._jobs: OrderedDict[str, IndexJob] = OrderedDict()
        self._queue: asyncio.Queue[IndexJob] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    def check(self, paths: list[str]) -> list[Path]:
        """``paths`` resolved; 403 for any outside the roots (blocking: it reads the disk)."""
        if not paths:
            raise InvalidRequest("'paths' is empty; name at least one file or folder to index.")
        if len(paths) > MAX_PATHS:
            raise InvalidRequest(f"'paths' has {len(paths)} entries; at most {MAX_PATHS} a job.")
        return [sources.allowed(path, self.roots) for path in paths]

    def start(self, paths: list[Path]) -> IndexJob:
        """Queue a job for the checked ``paths``; 503 when ``MAX_QUEUED`` jobs wait."""
        if sum(job.state == "queued" for job in self._jobs.values()) >= MAX_QUEUED:
            raise ServerBusy(
                f"{MAX_QUEUED} index jobs are waiting already; retry when one has finished "
                "(GET /v1/index/jobs/{id}), or name several folders in one job.",
                retry_after=60,
            )
        job = IndexJob(uuid.uuid4().hex[:16], [str(path) for path in paths])
        self._jobs[job.id] = job
        while len(self._jobs) > KEPT_JOBS:
            oldest = next(iter(self._jobs.values()))
            if not oldest.finished:
                break
            self._jobs.popitem(last=False)
        self._queue.put_nowait(job)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="llmos-index")
        return job

    def job(self, job_id: str) -> IndexJob:
        try:
            return self._jobs[job_id]
        except KeyError:
            message = f"No index job {job_id!r} (finished jobs are kept for a while)."
            raise NotFound(message) from None

    def cancel(self, job_id: str) -> IndexJob:
        job = self.job(job_id)
        if not job.finished:
            job.cancel.set()
            if job.state == "queued":
                self._finish(job, "cancelled")
        return job

    async def stop(self) -> None:
        for job in self._jobs.values():
            job.cancel.set()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _work(self) -> None:
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if job.finished:  # cancelled while queued
                continue
            job.state = "running"
            try:
                await self._run(job)
                self._finish(job, "cancelled" if job.cancel.is_set() else "done")
            except asyncio.CancelledError:
                self._finish(job, "cancelled")
                raise
            except Exception as error:  # the job fails; the server goes on
                log.exception("index job %s failed", job.id)
                job.errors.append(FileError("", f"the job failed: {error!r}"))
                self._finish(job, "failed")

    async def _run(self, job: IndexJob) -> None:
        files = await asyncio.to_thread(self._scan, job)
        job.files = len(files)
        for file in files:
            if job.cancel.is_set():
                return
            job.current = name = sources.shown(file)
            try:
                if name != str(file):
                    raise InvalidRequest("its name is not valid UTF-8; rename the file")
                outcome = await self._file(job, file)
            except LlmosError as error:
                job.errors.append(FileError(name, error.message))
            except OSError as error:
                job.errors.append(FileError(name, f"cannot be read: {error.strerror}"))
            except Exception as error:
                log.exception("indexing %s failed", name)
                job.errors.append(FileError(name, f"failed: {error!r}"))
            else:
                if outcome == "ignored":  # not a type llmos indexes: not counted at all
                    job.files -= 1
                    continue
                setattr(job, outcome, getattr(job, outcome) + 1)
            job.done += 1
        job.current = None

    def _scan(self, job: IndexJob) -> list[Path]:
        """The files under the job's paths, each once; what is indexed but gone is removed
        (a file, or everything under a folder). Blocking: run it off the event loop."""
        files: dict[Path, None] = {}
        for path in map(Path, job.paths):
            if job.cancel.is_set():
                break
            if not path.exists():
                gone = self.index.paths(str(path))
                gone += [str(path)] if self.index.known(str(path)) else []
                if not gone:
                    job.errors.append(FileError(sources.shown(path), "no such file or folder"))
                job.removed += sum(self.index.remove(p) for p in gone)
                continue
            found = list(sources.walk(path))
            files |= dict.fromkeys(found)
            if path.is_dir():
                present = {str(file) for file in found}
                gone = [p for p in self.index.paths(str(path)) if p not in present]
                job.removed += sum(self.index.remove(p) for p in gone)
        return list(files)

    async def _file(self, job: IndexJob, file: Path) -> Outcome:
        # read through the resolved path: a link swapped after this check is not followed
        real = await asyncio.to_thread(sources.allowed, file, self.roots)
        source = await asyncio.to_thread(sources.detect, real)
        if source is None:
            return "ignored"
        most = sources.MAX_BYTES[source.type]
        if source.size > most:
            raise InvalidRequest(
                f"is larger than llmos indexes ({most // 2**20} MiB for a {source.type})"
            )
        known = await asyncio.to_thread(self.index.known, str(file))
        if known and known.complete and (known.mtime, known.size) == (source.mtime, source.size):
            return "unchanged"
        digest = await self.deriver.kernel.compute(sources.sha256_of, real)
        if known and known.complete and known.sha256 == digest:  # touched, not changed
            await asyncio.to_thread(self.index.touch, str(file), source.mtime)
            return "unchanged"
        derived = await self.deriver.derive(source)
        vectors = [v for v in derived.vectors if v.vectors.shape[1] == self.index.spaces[v.space]]
        if len(vectors) < len(derived.vectors):  # a model other than the index was built with
            derived.skipped.append("vectors: the embedding model's size does not fit the index")
        for note in derived.skipped:
            job.skipped[note] = job.skipped.get(note, 0) + 1
        meta = derived.meta | ({"skipped": derived.skipped} if derived.skipped else {})
        if derived.incomplete:  # derived again once the capability is installed
            meta["incomplete"] = True
        item = Item(str(file), source.type, digest, source.mtime, source.size, meta)
        await asyncio.to_thread(self.index.put, item, derived.pieces, vectors)
        return "indexed"

    def _finish(self, job: IndexJob, state: State) -> None:
        job.state = state
        job.current = None
        job.finished_at = time.time()
        job.ended.set()
