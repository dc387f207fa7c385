"""Typed visual facts: what the expert models saw in one image."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Box:
    """Pixels of the original image: left, top, width, height."""

    x: int
    y: int
    width: int
    height: int

    @property
    def area(self) -> int:
        return self.width * self.height

    def overlap(self, other: Box) -> int:
        w = min(self.x + self.width, other.x + other.width) - max(self.x, other.x)
        h = min(self.y + self.height, other.y + other.height) - max(self.y, other.y)
        return max(0, w) * max(0, h)


@dataclass(frozen=True)
class Label:
    """An ImageNet-1k class for the whole image; ``category`` is its coarse kind ("cat")."""

    name: str
    score: float
    category: str


@dataclass(frozen=True)
class DetectedObject:
    """A COCO-80 object found by the detector; ``colours`` are named, most covering first
    (never given for people)."""

    label: str
    score: float
    box: Box
    colours: tuple[str, ...] = ()


def count_labels(objects: Iterable[DetectedObject]) -> dict[str, int]:
    """How many objects of each label, in order of first appearance."""
    return dict(Counter(found.label for found in objects))


@dataclass(frozen=True)
class TextLine:
    text: str
    score: float
    box: Box


@dataclass(frozen=True)
class PageText:
    """One page of a document as read: from its text layer, or by OCR of its pixels."""

    page: int  # from 1
    source: Literal["text layer", "ocr"]
    text: str
    lines: tuple[TextLine, ...]  # with boxes, for OCR'd pages


@dataclass(frozen=True)
class Document:
    """The pages of a PDF that were read, and how many it has."""

    pages: tuple[PageText, ...]
    page_count: int


@dataclass(frozen=True)
class Photo:
    """Properties of the picture itself."""

    width: int
    height: int
    grayscale: bool
    brightness: float  # mean luma, 0 (black) to 1 (white)
    colours: tuple[str, ...]  # dominant named colours of the whole image, most covering first
    taken_at: str | None = None  # EXIF DateTimeOriginal, if present
    gps: tuple[float, float] | None = None  # EXIF latitude, longitude, if present


@dataclass(frozen=True)
class VisualFacts:
    """Everything the experts saw, already gated: only what passed the thresholds is here."""

    photo: Photo
    labels: tuple[Label, ...]  # classifier top guesses, confident ones only
    objects: tuple[DetectedObject, ...]
    faces: tuple[Box, ...]
    text: tuple[TextLine, ...]
    setting: Literal["indoor", "outdoor"] | None = None
    concepts: tuple[str, ...] = ()  # scene words implied by the labels ("water" for lakeside)
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    def counts(self) -> dict[str, int]:
        return count_labels(self.objects)


@dataclass(frozen=True)
class Caption:
    text: str
    source: Literal["llm", "template"]  # "template" when the LLM's wording was not supported
    template: str
    unsupported: tuple[str, ...] = ()  # nouns the LLM wrote that the facts do not support


@dataclass(frozen=True)
class Answer:
    answer: str
    confidence: float  # 0 when llmos abstains
    evidence: str  # which expert (and what it saw) the answer rests on
    abstained: bool = False
