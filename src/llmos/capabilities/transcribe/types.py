"""Typed options and results of transcription."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmos.capabilities.base import Usage


@dataclass(frozen=True)
class TranscribeOptions:
    language: str | None = None  # ISO 639-1; None detects it
    translate: bool = False  # into English (Whisper's own "translate" task)
    prompt: str | None = None  # words and style to expect
    temperature: float | None = None  # None: Whisper's fallback schedule
    word_timestamps: bool = False


@dataclass(frozen=True)
class Word:
    word: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Segment:
    id: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Transcription:
    text: str
    language: str
    duration: float  # seconds of input audio
    segments: tuple[Segment, ...]
    usage: Usage
    task: str = "transcribe"  # or "translate" (into English)
