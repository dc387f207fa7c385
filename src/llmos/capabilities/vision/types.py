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
    """What the whole image shows, as a WordNet node over the ImageNet-1k classes: a class
    ("tabby") when the classifier is sure of it, else the most specific parent that is sure
    ("flower"). ``kinds`` are its broader nodes a person would say, nearest first ("cat",
    "feline", "carnivore", "mammal", "animal")."""

    name: str
    score: float  # the node's probability: its classes' summed
    kinds: tuple[str, ...] = ()


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


Background = Literal["blurred", "sharp"]


@dataclass(frozen=True)
class Subject:
    """The picture's main subject, found without a class for it (``subject.find_subject``)."""

    box: Box  # in the original picture's pixels
    share: float  # of the picture's area the subject covers
    colours: tuple[str, ...]  # named, most covering first
    background_colours: tuple[str, ...]
    sharpness: float  # variance of the Laplacian inside the subject
    background_sharpness: float
    background: Background  # "blurred": much less sharp than the subject (or plain)
    position: str  # "left", "centre" or "right", with "top" / "bottom" when not in the middle


@dataclass(frozen=True)
class VisualFacts:
    """Everything the experts saw, already gated: only what passed the thresholds is here."""

    photo: Photo
    labels: tuple[Label, ...]  # what the classifier is sure the picture shows
    objects: tuple[DetectedObject, ...]
    faces: tuple[Box, ...]
    text: tuple[TextLine, ...]
    subject: Subject | None = None
    # every WordNet node the classifier is fairly sure of, "animal" and "food" included, with
    # its probability: what "is there an animal?" is answered from
    kinds: dict[str, float] = field(default_factory=dict)
    setting: Literal["indoor", "outdoor"] | None = None
    concepts: tuple[str, ...] = ()  # scene words implied by the labels ("water" for lakeside)
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    def counts(self) -> dict[str, int]:
        return count_labels(self.objects)


@dataclass(frozen=True)
class Caption:
    text: str
    # "llm": the experts' facts worded by a chat model; "model": a model that sees the picture;
    # "template": the facts' own sentence, when the LLM's wording was not supported
    source: Literal["llm", "model", "template"]
    template: str
    unsupported: tuple[str, ...] = ()  # nouns the LLM wrote that the facts do not support


@dataclass(frozen=True)
class Answer:
    answer: str
    confidence: float  # 0 when llmos abstains
    evidence: str  # which expert (and what it saw) the answer rests on
    abstained: bool = False
