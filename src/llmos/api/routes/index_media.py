"""The indexed files themselves, for pages that show search results:
``GET /v1/index/preview`` (a small JPEG) and ``GET /v1/index/content`` (the file, e.g. for an
audio player). Only files in the index are served: a client cannot name any other path."""

from __future__ import annotations

import asyncio
import mimetypes
import os
import stat
from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response

from llmos.api.deps import get_kernel
from llmos.api.routes.search import get_index
from llmos.errors import NotFound
from llmos.fusion.index.preview import MAX_SIDE, preview
from llmos.fusion.index.service import IndexService
from llmos.kernel import Kernel

router = APIRouter(tags=["search"])
IndexedPath = Annotated[
    str, Query(min_length=1, max_length=4096, description="A path as a search result gives it.")
]


@router.get(
    "/v1/index/preview",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "A JPEG."}},
)
async def index_preview(
    path: IndexedPath,
    at: Annotated[float, Query(ge=0, le=86400, description="A video's moment, seconds.")] = 0.0,
    side: Annotated[int, Query(ge=16, le=MAX_SIDE, description="Long side, pixels.")] = 320,
    service: IndexService = Depends(get_index),
    kernel: Kernel = Depends(get_kernel),
) -> Response:
    """A picture of an indexed image or video (at ``at`` seconds); 400 for audio and documents."""
    kind = await _indexed(service, path)
    data = await kernel.compute(partial(preview, Path(path), kind, at=at, side=side))
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=60"})


@router.get(
    "/v1/index/content",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file."}},
)
async def index_content(path: IndexedPath, service: IndexService = Depends(get_index)) -> Response:
    """The indexed file as it is on disk (HTTP ranges work, so a player can seek)."""
    await _indexed(service, path)
    try:  # stated here, a file deleted since the check is a 404, not Starlette's 500
        found = await asyncio.to_thread(os.stat, path)
    except OSError:
        found = None
    if found is None or not stat.S_ISREG(found.st_mode):
        raise NotFound(f"{path!r} is in the index but no longer on disk as a file.")
    media_type, disposition = _served_as(path)
    sandbox = {} if media_type == "application/pdf" else SANDBOX  # Chromium's viewer needs it
    return FileResponse(
        path,
        media_type=media_type,
        filename=Path(path).name,
        content_disposition_type=disposition,
        stat_result=found,
        headers={"X-Content-Type-Options": "nosniff", **sandbox},
    )


ACTIVE = {"image/svg+xml", "application/xhtml+xml", "application/xml"}  # and every text/*
SANDBOX = {"Content-Security-Policy": "sandbox; default-src 'none'; media-src 'self'"}


def _served_as(path: str) -> tuple[str, str]:
    """The media type and disposition an indexed file is served with: a web page or an SVG of
    the user's is shown as text, never run on llmos's origin; what no browser shows, downloaded."""
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if media_type in ACTIVE or media_type.startswith("text/"):
        return "text/plain; charset=utf-8", "inline"
    if media_type.split("/")[0] in ("image", "audio", "video") or media_type == "application/pdf":
        return media_type, "inline"
    return "application/octet-stream", "attachment"


async def _indexed(service: IndexService, path: str) -> str:
    """The type of the indexed file at ``path``; 404 when the index or the disk lacks it."""
    kind = await service.type_of(path)
    if kind is None:
        raise NotFound(f"{path!r} is not in the index. Search results name indexed files.")
    if not await asyncio.to_thread(Path(path).is_file):
        raise NotFound(f"{path!r} is in the index but no longer on disk; index its folder again.")
    return kind
