"""Cross-modal search: ``POST /v1/index`` (jobs), ``GET|DELETE /v1/index/jobs/{id}``,
``POST /v1/search``."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.errors import ErrorResponse
from llmos.capabilities.vision.images import bytes_of_data_uri
from llmos.errors import InvalidRequest
from llmos.fusion.index.ground import MAX_SOURCES, ground
from llmos.fusion.index.jobs import MAX_PATHS, IndexJob
from llmos.fusion.index.search import MAX_LIMIT, MAX_QUERY_CHARS, Query
from llmos.fusion.index.service import IndexService
from llmos.fusion.index.sources import resolved
from llmos.storage import FileStore

router = APIRouter(tags=["search"])
FORBIDDEN = {403: {"model": ErrorResponse, "description": "A path outside LLMOS_INDEX_ROOTS."}}
ItemType = Literal["image", "audio", "video", "doc"]


def get_index(request: Request) -> IndexService:
    return request.app.state.index


class IndexRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(
        min_length=1,
        max_length=MAX_PATHS,
        description="Files and folders on the server, under LLMOS_INDEX_ROOTS.",
    )


class FileErrorOut(BaseModel):
    path: str
    message: str


class SkippedOut(BaseModel):
    what: str = Field(description="The derivation not done, and why (e.g. an extra to install).")
    files: int


class IndexJobOut(BaseModel):
    id: str
    object: Literal["index.job"] = "index.job"
    state: Literal["queued", "running", "done", "cancelled", "failed"]
    paths: list[str]
    files: int = Field(description="Files found that llmos indexes (known once the walk ends).")
    done: int = Field(description="Files looked at so far: indexed, unchanged or failed.")
    indexed: int
    unchanged: int
    removed: int = Field(description="Indexed files that are gone, removed from the index.")
    errors: list[FileErrorOut]
    skipped: list[SkippedOut]
    current: str | None
    created_at: float
    finished_at: float | None

    @classmethod
    def of(cls, job: IndexJob) -> IndexJobOut:
        return cls(
            id=job.id, state=job.state, paths=job.paths, files=job.files, done=job.done,
            indexed=job.indexed, unchanged=job.unchanged, removed=job.removed,
            errors=[FileErrorOut(path=e.path, message=e.message) for e in job.errors],
            skipped=[SkippedOut(what=w, files=n) for w, n in job.skipped.items()],
            current=job.current, created_at=job.created_at, finished_at=job.finished_at,
        )  # fmt: skip


@router.post("/v1/index", response_model=IndexJobOut, status_code=202, responses=FORBIDDEN)
async def start_index_job(
    body: IndexRequest, service: IndexService = Depends(get_index)
) -> IndexJobOut:
    """Index files and folders (new and changed files; gone ones leave the index) as a
    background job; poll ``GET /v1/index/jobs/{id}`` until its state is ``done``."""
    indexer = await service.indexer()
    paths = await asyncio.to_thread(indexer.check, body.paths)  # resolving reads the disk
    return IndexJobOut.of(indexer.start(paths))


@router.get("/v1/index/jobs/{job_id}", response_model=IndexJobOut)
async def get_index_job(job_id: str, service: IndexService = Depends(get_index)) -> IndexJobOut:
    return IndexJobOut.of((await service.indexer()).job(job_id))


@router.delete("/v1/index/jobs/{job_id}", response_model=IndexJobOut)
async def cancel_index_job(job_id: str, service: IndexService = Depends(get_index)) -> IndexJobOut:
    """Cancel a job: it stops after the file it is on; what it indexed stays."""
    return IndexJobOut.of((await service.indexer()).cancel(job_id))


class IndexStatus(BaseModel):
    object: Literal["index"] = "index"
    items: dict[str, int] = Field(description="Indexed files of each type.")
    roots: list[str] = Field(description="Folders the server may index (LLMOS_INDEX_ROOTS).")


@router.get("/v1/index", response_model=IndexStatus)
async def index_status(service: IndexService = Depends(get_index)) -> IndexStatus:
    indexer = await service.indexer()
    counts = await asyncio.to_thread(indexer.index.count)
    return IndexStatus(items=counts, roots=[str(root) for root in service.roots])


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(None, max_length=MAX_QUERY_CHARS, description="Words, any language.")
    image: str | None = Field(
        None, description="An image to find similar ones to: a data URI or a file id."
    )
    type: ItemType | None = None
    folder: str | None = Field(None, description="Only files under this folder.")
    after: datetime | None = Field(None, description="Taken (EXIF) or modified at or after.")
    before: datetime | None = None
    limit: int = Field(10, ge=1, le=MAX_LIMIT)


class WhyOut(BaseModel):
    kind: str = Field(description="caption, labels, object, ocr, colours, transcript, text…")
    text: str
    page: int | None = None
    start: float | None = None
    end: float | None = None
    box: list[int] | None = Field(None, description="[x, y, width, height] in the image.")


class ResultOut(BaseModel):
    path: str
    type: ItemType
    score: float
    why: WhyOut


class SearchResponse(BaseModel):
    object: Literal["list"] = "list"
    results: list[ResultOut]
    query_en: str | None = Field(None, description="The query as translated to English.")


@router.post("/v1/search", response_model=SearchResponse, response_model_exclude_none=True)
async def search(
    body: SearchRequest, request: Request, service: IndexService = Depends(get_index)
) -> dict[str, Any]:
    """Files whose derived content (captions, labels, OCR, transcripts, document text) or
    image embedding best match a text query, an image, or both; each with why it matched."""
    image = await _image(body.image, request.app.state.files) if body.image else None
    folder = None
    if body.folder:  # as the index stores paths: absolute, links resolved
        folder = str(await asyncio.to_thread(resolved, body.folder, "'folder'"))
    query = Query(body.query, image, body.type, folder, body.after, body.before, body.limit)
    found = await (await service.searcher()).search(query)
    results = [
        {
            "path": r.path, "type": r.type, "score": r.score,
            "why": {
                "kind": r.why.kind, "text": r.why.text, "page": r.why.page,
                "start": r.why.start, "end": r.why.end,
                "box": list(r.why.box) if r.why.box else None,
            },
        }
        for r in found.results
    ]  # fmt: skip
    return {"object": "list", "results": results, "query_en": found.english_query}


async def _image(value: str, files: FileStore) -> bytes:
    if value.startswith("data:"):
        return await asyncio.to_thread(bytes_of_data_uri, value)
    found = await asyncio.to_thread(files.read, value)
    if found is None:
        raise InvalidRequest(
            f"'image' is neither a data URI nor a stored file id ({value[:40]!r}); upload the "
            "image with POST /v1/files or send it as data:image/...;base64,..."
        )
    return found[1]


class GroundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    limit: int = Field(4, ge=1, le=MAX_SOURCES, description="Sources to cite, at most.")
    type: ItemType | None = None


class CitationOut(BaseModel):
    number: int = Field(description="As the answer cites it: [1], [2].")
    path: str
    type: ItemType
    text: str = Field(description="The passage given to the model.")
    page: int | None = None
    start: float | None = None
    end: float | None = None
    where: str = Field(description="The path with its page or time span, for people.")


class GroundResponse(BaseModel):
    object: Literal["grounding"] = "grounding"
    system: str = Field(description="A system message holding the numbered sources.")
    citations: list[CitationOut]


@router.post("/v1/search/ground", response_model=GroundResponse)
async def ground_question(
    body: GroundRequest, service: IndexService = Depends(get_index)
) -> GroundResponse:
    """The indexed passages that best match a question, numbered, and a system message that
    asks a chat model to answer from them and cite them ([1], [2]): retrieval-augmented
    generation over the user's own files. Put ``system`` first in a chat request."""
    searcher = await service.searcher()
    found = await ground(searcher, body.question, limit=body.limit, type=body.type)
    citations = [
        CitationOut(
            number=c.number, path=c.path, type=c.type, text=c.text, page=c.page,
            start=c.start, end=c.end, where=c.where(),
        )
        for c in found.citations
    ]  # fmt: skip
    return GroundResponse(system=found.system_message(), citations=citations)
