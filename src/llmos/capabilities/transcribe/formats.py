"""The response formats of OpenAI's transcription API: json, text, srt, vtt, verbose_json."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from llmos.capabilities.transcribe.types import Transcription

FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
LINE_CHARACTERS = 42  # of a subtitle line cut at word times (the BBC's and Netflix's limit)
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
            f"{i}\n{_clock(start, ',')} --> {_clock(end, ',')}\n{text}\n"
            for i, (start, end, text) in enumerate(cues(result), start=1)
        )
    if response_format == "vtt":
        body = "\n".join(
            f"{_clock(start, '.')} --> {_clock(end, '.')}\n{text}\n"
            for start, end, text in cues(result)
        )
        return f"WEBVTT\n\n{body}"
    raise ValueError(f"unknown response_format {response_format!r}")


def cues(result: Transcription) -> list[tuple[float, float, str]]:
    """Subtitle cues: the segments, or with word timestamps, lines of at most
    ``LINE_CHARACTERS`` cut at words and timed by them (as whisper's ``max_line_width``)."""
    out = []
    for segment in result.segments:
        if not segment.words:
            out.append((segment.start, segment.end, segment.text.strip()))
            continue
        line: list = []
        for word in segment.words:
            if line and len("".join(w.word for w in [*line, word]).strip()) > LINE_CHARACTERS:
                out.append(_line(line))
                line = []
            line.append(word)
        out.append(_line(line))
    return out


def _line(words: list) -> tuple[float, float, str]:
    return words[0].start, words[-1].end, "".join(w.word for w in words).strip()


def _clock(seconds: float, decimal: str) -> str:
    milliseconds = round(seconds * 1000)
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    secs, milliseconds = divmod(milliseconds, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{milliseconds:03d}"
