"""Subtitles for a video (or any audio): ``POST /v1/video/subtitles``; and a copy of a video
with subtitles drawn in: ``POST /v1/video/subtitled``."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from llmos.api.deps import get_kernel
from llmos.api.routes.audio import transcription_response
from llmos.api.routes.translate import get_translator
from llmos.backends.ffmpeg import MAX_SUBTITLE_CHARS, burn_subtitles, video_shape
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


@router.post("/v1/video/subtitled", response_class=FileResponse)
async def subtitled_video(
    file: Annotated[
        UploadFile, File(description="A video FFmpeg reads, at most 15 minutes and 1920x1080.")
    ],
    subtitles: Annotated[
        str,
        Form(
            max_length=MAX_SUBTITLE_CHARS,
            description="SRT or WebVTT text, e.g. what POST /v1/video/subtitles answered.",
        ),
    ],
    kernel: Kernel = Depends(get_kernel),
) -> FileResponse:
    """An MP4 copy of the video with the subtitles drawn into its picture (libass; Noto CJK for
    Chinese, Japanese and Korean), for players and sites that show no subtitle files."""
    kind = "vtt" if subtitles.lstrip("\ufeff \r\n").startswith("WEBVTT") else "srt"
    name = repr(file.filename or "the video")
    folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="llmos-subtitled-"))
    try:
        source, out = folder / "video", folder / "subtitled.mp4"
        await asyncio.to_thread(_save, file.file, source)
        await kernel.compute(video_shape, source, name)
        threads = kernel.settings.cpu_threads
        burn = partial(burn_subtitles, source, subtitles, kind, out, threads=threads)
        await kernel.compute(burn, threads=threads)
    except BaseException:
        await asyncio.to_thread(shutil.rmtree, folder, True)
        raise
    return FileResponse(
        out,
        media_type="video/mp4",
        filename=f"{Path(file.filename or 'video').stem}.subtitled.mp4",
        background=BackgroundTask(shutil.rmtree, folder, True),
    )


def _save(upload: BinaryIO, path: Path) -> None:
    upload.seek(0)
    with path.open("wb") as saved:
        shutil.copyfileobj(upload, saved)


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
