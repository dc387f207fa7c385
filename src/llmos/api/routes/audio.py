"""OpenAI ``POST /v1/audio/transcriptions`` and ``POST /v1/audio/translations``."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from llmos.api.deps import get_kernel
from llmos.api.disconnect import unless_disconnected
from llmos.capabilities.transcribe import (
    FORMATS,
    TranscribeOptions,
    Transcription,
    render,
    transcribe,
)
from llmos.capabilities.transcribe.formats import MEDIA_TYPES
from llmos.capabilities.transcribe.service import Transcriber
from llmos.errors import InvalidRequest
from llmos.kernel import Kernel

router = APIRouter(tags=["openai"])

OPENAI_NAMES = {"whisper-1"}  # what OpenAI clients send; served by the default model


@router.post("/v1/audio/transcriptions")
async def create_transcription(
    request: Request,
    file: Annotated[UploadFile, File(description="Audio or video in any format FFmpeg reads.")],
    model: Annotated[str | None, Form()] = None,
    language: Annotated[str | None, Form(max_length=8)] = None,
    prompt: Annotated[str | None, Form()] = None,
    temperature: Annotated[float | None, Form(ge=0, le=1)] = None,
    response_format: Annotated[str, Form()] = "json",
    timestamp_granularities: Annotated[
        list[str] | None, Form(alias="timestamp_granularities[]")
    ] = None,
    kernel: Kernel = Depends(get_kernel),
) -> Response:
    options = TranscribeOptions(
        language=language,
        prompt=prompt,
        temperature=temperature,
        word_timestamps="word" in (timestamp_granularities or ()),
    )
    return await _serve(request, kernel, file, model, options, response_format)


@router.post("/v1/audio/translations")
async def create_translation(
    request: Request,
    file: Annotated[UploadFile, File(description="Audio or video in any format FFmpeg reads.")],
    model: Annotated[str | None, Form()] = None,
    prompt: Annotated[str | None, Form()] = None,
    temperature: Annotated[float | None, Form(ge=0, le=1)] = None,
    response_format: Annotated[str, Form()] = "json",
    kernel: Kernel = Depends(get_kernel),
) -> Response:
    """Speech in any language to English text."""
    options = TranscribeOptions(prompt=prompt, temperature=temperature, translate=True)
    return await _serve(request, kernel, file, model, options, response_format)


async def _serve(
    request: Request,
    kernel: Kernel,
    upload: UploadFile,
    model: str | None,
    options: TranscribeOptions,
    response_format: str,
) -> Response:
    if response_format not in FORMATS:
        raise InvalidRequest(
            f"response_format {response_format!r} is not supported; "
            f"use one of {', '.join(FORMATS)}."
        )
    spec = kernel.registry.resolve("transcribe", None if model in OPENAI_NAMES else model)
    if upload.size == 0:
        raise InvalidRequest("The uploaded file is empty.")

    def job(whisper: Transcriber, stop: threading.Event) -> Transcription:
        return transcribe(whisper, upload.file, options=options, stop=stop)

    result = await unless_disconnected(request, kernel.run(spec, job))
    body = render(result, response_format)
    if isinstance(body, dict):
        return JSONResponse(body)
    return Response(body, media_type=MEDIA_TYPES[response_format])
