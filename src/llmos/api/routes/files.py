"""OpenAI files: ``/v1/files`` keeps uploads (images, PDFs, text) for chat to refer to by id."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from llmos.api.deps import get_files, get_kernel
from llmos.errors import InvalidRequest, NotFound
from llmos.kernel import Kernel
from llmos.storage import FileStore, StoredFile

router = APIRouter(tags=["openai"])

PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")


def file_object(stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.id,
        "object": "file",
        "bytes": stored.bytes,
        "created_at": int(stored.created_at),
        "filename": stored.filename,
        "purpose": stored.purpose,
        "status": "processed",
        "expires_at": None,
    }


@router.post("/v1/files")
async def upload_file(
    file: Annotated[UploadFile, File(description="Any file: an image, a PDF, text.")],
    purpose: Annotated[str, Form(description=f"One of {', '.join(PURPOSES)}.")],
    store: FileStore = Depends(get_files),
    kernel: Kernel = Depends(get_kernel),
) -> dict[str, Any]:
    """Keep a file; chat messages can then refer to it as a ``file`` part by its id."""
    if purpose not in PURPOSES:
        raise InvalidRequest(f"'purpose' must be one of {', '.join(PURPOSES)}; got {purpose!r}.")
    data = await file.read()
    name = (file.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:255] or "upload"
    if not data:
        raise InvalidRequest(f"{name!r} is empty (0 bytes).")
    add = partial(store.add, data, filename=name, purpose=purpose)
    stored = await kernel.compute(add)  # hashing 50 MB is CPU work: it takes a slot
    return file_object(stored)


# Handlers that only touch SQLite and files are plain functions: FastAPI runs them on its
# thread pool, off the event loop.
@router.get("/v1/files")
def list_files(
    purpose: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 10_000,
    after: Annotated[str | None, Query(description="A file id: list the files after it.")] = None,
    order: Literal["asc", "desc"] = "desc",
    store: FileStore = Depends(get_files),
) -> dict[str, Any]:
    """Kept files, newest first unless ``order=asc``; a page of ``limit`` at a time."""
    if after is not None and store.get(after) is None:
        raise InvalidRequest(f"'after' names no file: {after!r}.")
    found = store.list(purpose=purpose, limit=limit + 1, after=after, newest_first=order == "desc")
    data = [file_object(f) for f in found[:limit]]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(found) > limit,
    }


@router.get("/v1/files/{file_id}")
def get_file(file_id: str, store: FileStore = Depends(get_files)) -> dict[str, Any]:
    return file_object(_stored(store, file_id))


@router.get("/v1/files/{file_id}/content")
def file_content(file_id: str, store: FileStore = Depends(get_files)) -> Response:
    stored = _stored(store, file_id)
    content = store.content(stored)
    if content is None:
        raise NotFound(f"No file {file_id!r}.")
    return Response(
        content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{stored.id}"'},
    )


@router.delete("/v1/files/{file_id}")
def delete_file(file_id: str, store: FileStore = Depends(get_files)) -> dict[str, Any]:
    if not store.delete(file_id):
        raise NotFound(f"No file {file_id!r}.")
    return {"id": file_id, "object": "file", "deleted": True}


def _stored(store: FileStore, file_id: str) -> StoredFile:
    stored = store.get(file_id)
    if stored is None:
        raise NotFound(f"No file {file_id!r}. GET /v1/files lists the files kept.")
    return stored
