"""Subtitles for a video (or any audio): ``POST /v1/video/subtitles``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from llmos.api.deps import get_kernel
from llmos.api.routes.audio import transcription_response
from llmos.capabilities.transcribe import TranscribeOptions
from llmos.errors import CapabilityUnavailable, InvalidRequest
from llmos.kernel import Kernel

router = APIRouter(tags=["video"])


@router.post("/v1/video/subtitles")
async def create_subtitles(
    request: Request,
    file: Annotated[UploadFile, File(description="A video (or audio) file FFmpeg reads.")],
    response_format: Annotated[str, Form()] = "srt",
    language: Annotated[str | None, Form(max_length=8)] = None,
    translate_to: Annotated[str | None, Form(max_length=8)] = None,
    model: Annotated[str | None, Form()] = None,
    kernel: Kernel = Depends(get_kernel),
) -> Response:
    """SRT or WebVTT subtitles of the speech in a video, timed per segment."""
    if response_format not in ("srt", "vtt"):
        raise InvalidRequest("response_format must be 'srt' or 'vtt' for subtitles.")
    if translate_to and translate_to != "en":
        raise CapabilityUnavailable(
            f"Subtitles cannot be translated to {translate_to!r} yet: llmos has no translation "
            "capability so far (only speech to English, with translate_to='en'). Leave out "
            "translate_to to get subtitles in the spoken language."
        )
    options = TranscribeOptions(language=language, translate=translate_to == "en")
    return await transcription_response(request, kernel, file, model, options, response_format)
