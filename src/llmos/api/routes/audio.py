"""OpenAI ``POST /v1/audio/transcriptions`` and ``POST /v1/audio/translations``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.deps import get_kernel
from llmos.api.disconnect import unless_disconnected
from llmos.api.streaming import stream_bytes, stream_job
from llmos.backends.audio_encoder import ENCODINGS, AudioEncoder
from llmos.backends.audio_encoder import MEDIA_TYPES as ENCODED_MEDIA_TYPES
from llmos.backends.espeak import espeak_voices
from llmos.capabilities.speak import STREAMED_FORMATS, Speaker, SpeechResult, speak, wav_header
from llmos.capabilities.speak.service import check_text
from llmos.capabilities.transcribe import (
    FORMATS,
    Segment,
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
    stream: Annotated[bool, Form(description="Server-sent events, one per segment.")] = False,
    kernel: Kernel = Depends(get_kernel),
) -> Response:
    """Speech to text. With ``stream=true`` the answer is server-sent events: a
    ``transcript.text.delta`` per segment as it is recognised (with the seconds done, for
    progress), then ``transcript.text.done`` with the whole text and the ``response_format``
    rendering."""
    options = TranscribeOptions(
        language=language,
        prompt=prompt,
        temperature=temperature,
        word_timestamps="word" in (timestamp_granularities or ()),
    )
    return await transcription_response(
        request, kernel, file, model, options, response_format, stream=stream
    )


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
    return await transcription_response(request, kernel, file, model, options, response_format)


async def transcription_response(
    request: Request,
    kernel: Kernel,
    upload: UploadFile,
    model: str | None,
    options: TranscribeOptions,
    response_format: str,
    *,
    stream: bool = False,
    then: Callable[[Transcription], Awaitable[Transcription]] | None = None,
) -> Response:
    """The transcription of ``upload`` in ``response_format``; ``then`` (not with ``stream``)
    may rework it first, e.g. translate its segments."""
    if response_format not in FORMATS:
        raise InvalidRequest(
            f"response_format {response_format!r} is not supported; "
            f"use one of {', '.join(FORMATS)}."
        )
    spec = kernel.registry.resolve("transcribe", model)  # whisper-1: an alias (kernel/data)
    if upload.size == 0:
        raise InvalidRequest("The uploaded file is empty.")

    def job(on_segment=None):
        def run(whisper: Transcriber, stop: threading.Event) -> Transcription:
            return transcribe(
                whisper, upload.file, options=options, stop=stop, on_segment=on_segment
            )

        return run

    if stream:

        def start(on_event):
            def on_segment(segment: Segment, duration: float) -> None:
                on_event(
                    {
                        "type": "transcript.text.delta",
                        "delta": segment.text,
                        "segment": asdict(segment),
                        "seconds_done": segment.end,
                        "duration": duration,
                    }
                )

            return kernel.run(spec, job(on_segment))

        def finish(result: Transcription):
            rendered = render(result, response_format)
            yield {"type": "transcript.text.done", "text": result.text, "response": rendered}

        return await stream_job(request, start, chunks=lambda event: [event], finish=finish)

    result = await unless_disconnected(request, kernel.run(spec, job()))
    if then is not None:
        result = await unless_disconnected(request, then(result))
    body = render(result, response_format)
    if isinstance(body, dict):
        return JSONResponse(body)
    return Response(body, media_type=MEDIA_TYPES[response_format])


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    input: str = Field(description="The text to say, at most 4096 characters.")
    model: str | None = Field(None, description="Voice model; OpenAI's tts-1 names work too.")
    voice: str = Field(
        "joe",
        description="joe (English), or a language code for eSpeak NG (de, fr, …); OpenAI's "
        "voice names map to joe. See GET /v1/audio/voices.",
    )
    response_format: str = Field("mp3", description="mp3 (as OpenAI), wav, opus, aac, flac, pcm.")
    speed: float = Field(1.0, ge=0.25, le=4.0)
    stream_format: str | None = None  # OpenAI's; audio always streams here


OPENAI_VOICES = {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage"}
OPENAI_VOICES |= {"shimmer", "verse", "marin", "cedar"}
PIPER_VOICES = {"joe": {"id": "joe", "language": "en-US", "model": "piper-joe"}}
SAMPLE_RATE = 22050  # of every voice: Piper joe and eSpeak NG
OPENAI_TTS_MODELS = {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"}


@router.get("/v1/audio/voices")
def list_voices() -> dict:  # a plain function: the first listing runs a subprocess, off the loop
    """Piper's natural English voice, then an eSpeak NG voice per language (if installed)."""
    espeak = [
        {"id": code, "language": name, "model": "espeak-ng"}
        for code, name in sorted(espeak_voices().items())
    ]
    voices = [*PIPER_VOICES.values(), *espeak]
    return {"object": "list", "data": [{**v, "sample_rate": SAMPLE_RATE} for v in voices]}


def voice_model(
    voice: str, model: str | None, espeak: dict[str, str]
) -> tuple[str | None, str | None]:
    """(model name, voice for that model) for a request's ``voice`` and ``model``."""
    english = voice in PIPER_VOICES or voice in OPENAI_VOICES
    if model in (None, *OPENAI_TTS_MODELS):
        model = "piper-joe" if english else "espeak-ng" if voice in espeak else ""
    if model == "piper-joe" and english:
        return model, None
    if model == "espeak-ng" and (english or voice in espeak):
        return model, "en-us" if english else voice
    if model in ("piper-joe", "espeak-ng", ""):
        raise InvalidRequest(f"Unknown voice {voice!r}; see GET /v1/audio/voices.")
    return model, voice  # a model llmos does not know: the registry answers 404


@router.post("/v1/audio/speech")
async def create_speech(
    body: SpeechRequest, request: Request, kernel: Kernel = Depends(get_kernel)
) -> Response:
    """Speech audio, streamed sentence by sentence: the first sentence plays while the rest is
    still being synthesised."""
    formats = (*STREAMED_FORMATS, *ENCODINGS)
    if body.response_format not in formats:
        raise InvalidRequest(
            f"response_format {body.response_format!r} is not supported; use one of "
            f"{', '.join(formats)}."
        )
    espeak = await asyncio.to_thread(espeak_voices)  # the first listing runs a subprocess
    model, voice = voice_model(body.voice, body.model, espeak)
    check_text(body.input)  # before the kernel: bad input must not wait for a model to load
    spec = kernel.registry.resolve("speak", model)

    encoded = body.response_format in ENCODINGS

    def start(on_bytes):
        def job(speaker: Speaker, stop: threading.Event) -> SpeechResult:
            # encoding runs here, on the model's thread, never on the event loop
            encoder = AudioEncoder(body.response_format, speaker.sample_rate) if encoded else None

            def on_audio(pcm: bytes) -> None:
                if not pcm:  # a piece with nothing to say (e.g. only symbols)
                    return
                data = encoder.encode(pcm) if encoder else pcm
                if data:
                    on_bytes(data)

            result = speak(
                speaker, body.input, speed=body.speed, voice=voice, on_audio=on_audio, stop=stop
            )
            if encoder and (tail := encoder.finish()):
                on_bytes(tail)
            return result

        return kernel.run(spec, job)

    wav = body.response_format == "wav"
    media_types = {"wav": "audio/wav", "pcm": "audio/pcm", **ENCODED_MEDIA_TYPES}
    return await stream_bytes(
        request,
        start,
        media_type=media_types[body.response_format],
        header=wav_header(SAMPLE_RATE) if wav else b"",
    )
