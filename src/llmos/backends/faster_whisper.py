"""Whisper on CTranslate2 through faster-whisper (no torch), int8 on the CPU."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from llmos.errors import InvalidRequest, MissingExtra, install_extra

log = logging.getLogger(__name__)


class WhisperTranscriber:
    def __init__(self, name: str, model_dir: Path, *, threads: int) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as error:
            raise MissingExtra("faster-whisper", install=install_extra("speech")) from error
        self.name = name
        self._model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type="int8",  # 2.5x faster than float32 here, for a small accuracy cost
            cpu_threads=threads,
            local_files_only=True,
        )

    def transcribe(
        self,
        audio: BinaryIO,
        *,
        language: str | None,
        task: str,
        prompt: str | None,
        temperature: float | None,
        word_timestamps: bool,
    ) -> tuple[Iterator[Any], Any]:
        """Decode ``audio`` (any format FFmpeg reads). Returns faster-whisper's segments, which
        are recognised while they are iterated, and the audio's info (duration, language)."""
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        if language is not None and language not in _LANGUAGE_CODES:
            raise InvalidRequest(
                f"'language' {language!r} is not a Whisper language code (e.g. en, de, zh)."
            )
        _check_duration(audio)
        try:
            segments, info = self._model.transcribe(
                audio,
                language=language,
                task=task,
                initial_prompt=prompt,
                temperature=temperature if temperature is not None else [0.0, 0.2, 0.4, 0.6, 0.8],
                word_timestamps=word_timestamps,
                vad_filter=True,  # skips silence; Silero VAD ships inside faster-whisper
            )
        except MemoryError:
            raise
        except Exception as error:  # PyAV and the decoder raise many kinds for bad media
            raise InvalidRequest(
                f"The file could not be decoded as audio or video ({type(error).__name__}: "
                f"{error}). Send a format FFmpeg reads, e.g. WAV, MP3, FLAC, OGG, MP4."
            ) from error
        return segments, info

    def close(self) -> None:
        del self._model


MAX_SECONDS = 3 * 3600  # decoded at 16 kHz float32 that is ~690 MB, all in memory at once


def _check_duration(audio: BinaryIO) -> None:
    """Refuse media longer than MAX_SECONDS before faster-whisper decodes all of it into memory
    (a small, highly compressed upload can hold days of silence)."""
    import av

    try:
        with av.open(audio) as container:
            seconds = (container.duration or 0) / av.time_base
    except Exception:
        seconds = 0  # not readable as media: the decoder will say so in its own words
    finally:
        audio.seek(0)
    if seconds > MAX_SECONDS:
        raise InvalidRequest(
            f"The media is {seconds / 3600:.1f} hours long; at most {MAX_SECONDS // 3600} hours "
            "can be transcribed at once. Cut it into parts."
        )
