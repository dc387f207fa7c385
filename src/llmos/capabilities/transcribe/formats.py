"""The response formats of OpenAI's transcription API: json, text, srt, vtt, verbose_json."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from llmos.capabilities.transcribe.types import Transcription

FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
MEDIA_TYPES = {
    "json": "application/json",
    "verbose_json": "application/json",
    "text": "text/plain; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
}


def render(result: Transcription, response_format: str) -> str | dict[str, Any]:
    """The body for ``response_format``: a dict for the JSON formats, text otherwise."""
    if response_format == "json":
        return {"text": result.text}
    if response_format == "verbose_json":
        return {
            "task": result.task,
            "language": result.language,
            "duration": result.duration,
            "text": result.text,
            "segments": [
                {key: value for key, value in asdict(s).items() if key != "words"}
                for s in result.segments
            ],
            "words": [asdict(w) for s in result.segments for w in s.words],
        }
    if response_format == "text":
        return result.text + "\n"
    if response_format == "srt":
        return "\n".join(
            f"{i}\n{_clock(s.start, ',')} --> {_clock(s.end, ',')}\n{s.text}\n"
            for i, s in enumerate(result.segments, start=1)
        )
    if response_format == "vtt":
        cues = "\n".join(
            f"{_clock(s.start, '.')} --> {_clock(s.end, '.')}\n{s.text}\n" for s in result.segments
        )
        return f"WEBVTT\n\n{cues}"
    raise ValueError(f"unknown response_format {response_format!r}")


def _clock(seconds: float, decimal: str) -> str:
    milliseconds = round(seconds * 1000)
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    secs, milliseconds = divmod(milliseconds, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{milliseconds:03d}"
