"""Spoken answers: a chat request with OpenAI's ``"modalities": ["text", "audio"]`` and
``"audio": {"voice", "format"}`` gets its answer spoken by the speech model (Piper for the
English voices, eSpeak NG for the others) as ``message.audio``: ``{id, data (base64),
expires_at, transcript}``; streamed, as a last chunk's ``delta.audio``. The text stays in
``content`` as well, for clients that do not play audio.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from typing import Any

from llmos.api.chat_requests import AudioOutput
from llmos.api.routes.audio import voice_model
from llmos.backends.espeak import espeak_voices
from llmos.capabilities.base import ModelSpec
from llmos.capabilities.speak import speak_whole
from llmos.errors import LlmosError
from llmos.kernel import Kernel

log = logging.getLogger(__name__)
Json = dict[str, Any]
KEPT_SECONDS = 3600  # OpenAI's expires_at: llmos keeps nothing, but clients read the field


async def check_voice(kernel: Kernel, audio: AudioOutput) -> tuple[ModelSpec, str | None]:
    """(speech model, voice) for ``audio``; a 400 for an unknown voice (a 501 without the
    speech extra) before any model runs, so that the answer is never made and then lost."""
    espeak = await asyncio.to_thread(espeak_voices)  # the first listing runs a subprocess
    model, voice = voice_model(audio.voice, None, espeak)
    return kernel.registry.resolve("speak", model), voice


async def spoken(kernel: Kernel, text: str, audio: AudioOutput) -> Json | None:
    """``text`` spoken, as OpenAI's ``audio`` object; None when there is nothing to say, or
    when speaking failed (logged): the answer is not lost for its audio."""
    if not text.strip():
        return None
    try:
        spec, voice = await check_voice(kernel, audio)
    except LlmosError as error:
        log.warning("the answer was not spoken: %s", error.message)
        return None

    def job(speaker, stop):
        return speak_whole(speaker, text, response_format=audio.format, voice=voice, stop=stop)

    try:
        said = await kernel.run(spec, job)
    except LlmosError as error:
        log.warning("the answer was not spoken: %s", error.message)
        return None
    data = await asyncio.to_thread(base64.b64encode, said.data)
    return {"id": f"audio_{uuid.uuid4().hex[:24]}", "data": data.decode(),
            "expires_at": int(time.time()) + KEPT_SECONDS, "transcript": text}  # fmt: skip
