"""Subtitles for a video (or any audio): ``POST /v1/video/subtitles``."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from llmos.api.deps import get_kernel
from llmos.api.routes.audio import transcription_response
from llmos.api.routes.translate import get_translator
from llmos.capabilities.transcribe import TranscribeOptions, Transcription
from llmos.errors import InvalidRequest
from llmos.fusion.translate import Translator
from llmos.kernel import Kernel

router = APIRouter(tags=["video"])


@router.post("/v1/video/subtitles")
async def create_subtitles(
    request: Request,
    file: Annotated[UploadFile, File(description="A video (or audio) file FFmpeg reads.")],
    response_format: Annotated[str, Form()] = "srt",
    language: Annotated[str | None, Form(max_length=8)] = None,
    translate_to: Annotated[
        str | None,
        Form(max_length=16, description="Subtitle language (see GET /v1/translate/languages)."),
    ] = None,
    model: Annotated[str | None, Form()] = None,
    kernel: Kernel = Depends(get_kernel),
    translator: Translator = Depends(get_translator),
) -> Response:
    """SRT or WebVTT subtitles of the speech in a video, timed per segment; with
    ``translate_to``, each cue translated (Whisper's own translation for English)."""
    if response_format not in ("srt", "vtt"):
        raise InvalidRequest("response_format must be 'srt' or 'vtt' for subtitles.")
    target = translator.table.code(translate_to, "translate_to") if translate_to else None
    options = TranscribeOptions(language=language, translate=target == "en")
    then = None
    if target not in (None, "en"):

        async def then(result: Transcription) -> Transcription:
            return await translated(translator, result, target)

    return await transcription_response(
        request, kernel, file, model, options, response_format, then=then
    )


async def translated(translator: Translator, result: Transcription, target: str) -> Transcription:
    """``result`` with every cue's text in ``target``, timings kept."""
    spoken = [s for s in result.segments if s.text.strip()]
    if not spoken or result.language == target:
        return result
    source = translator.table.code(result.language, "the spoken language")
    done = await translator.translate(
        [s.text.strip() for s in spoken], source=source, target=target
    )
    texts = dict(zip((s.id for s in spoken), done.texts, strict=True))
    segments = tuple(replace(s, text=texts.get(s.id, s.text), words=()) for s in result.segments)
    text = " ".join(s.text for s in segments if s.text.strip())
    return replace(result, segments=segments, text=text, language=target, task="translate")
