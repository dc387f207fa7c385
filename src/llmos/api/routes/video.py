"""Subtitles for a video (or any audio): ``POST /v1/video/subtitles``."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from llmos.api.deps import get_kernel
from llmos.api.routes.audio import transcription_response
from llmos.api.routes.translate import get_translator
from llmos.capabilities.transcribe import TranscribeOptions, Transcription, transcribe
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
    ``translate_to``, each cue translated. Speech in a language llmos translates is transcribed,
    then translated by its route (into English: chrF 31.3 against Whisper's own translation's
    23.8 on French, tuning half of the stamps' recordings); other speech goes through Whisper's
    English translation first."""
    if response_format not in ("srt", "vtt"):
        raise InvalidRequest("response_format must be 'srt' or 'vtt' for subtitles.")
    target = translator.table.code(translate_to, "translate_to") if translate_to else None
    whisper_translates = (
        target == "en" and language is not None and not _known(translator, language)
    )
    options = TranscribeOptions(language=language, translate=whisper_translates)
    then = None
    if target is not None and not whisper_translates:

        async def then(result: Transcription) -> Transcription:
            if not _known(translator, result.language):  # through Whisper's English
                result = await _whisper_translation(kernel, file, model, language)
                if target == "en":
                    return result
                result = replace(result, language="en")
            return await translated(translator, result, target)

    return await transcription_response(
        request, kernel, file, model, options, response_format, then=then
    )


def _known(translator: Translator, language: str) -> bool:
    return language.lower().split("-")[0] in translator.table.languages


async def _whisper_translation(
    kernel: Kernel, upload: UploadFile, model: str | None, language: str | None
) -> Transcription:
    """The upload again, through Whisper's own translation into English."""
    spec = kernel.registry.resolve("transcribe", model)
    options = TranscribeOptions(language=language, translate=True)
    await upload.seek(0)
    return await kernel.run(
        spec, lambda whisper, stop: transcribe(whisper, upload.file, options=options, stop=stop)
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
