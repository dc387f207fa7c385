"""Typed results of the SDK's calls: frozen dataclasses that mirror the API's JSON, field for
field, so ``dataclasses.asdict(result)`` is what the server sent (the fields the SDK models).
The client side of the contract: the SDK imports no server code (no numpy, no models).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")
Json = dict[str, Any]


@cache
def _adapter(kind: type) -> TypeAdapter:
    return TypeAdapter(kind)


def parse(kind: type[T], data: Any) -> T:
    """``data`` (the API's JSON) as ``kind``; fields the SDK does not model are left out."""
    return _adapter(kind).validate_python(data)


@dataclass(frozen=True)
class Box:
    """Pixels of the image: left, top, width, height."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Caption:
    text: str
    source: str  # "llm" (the facts worded), "model" (a model that sees looked), or "template"
    template: str = ""
    unsupported: list[str] = field(default_factory=list)
    facts: Json = field(default_factory=dict)  # what the experts saw (as image_facts)


@dataclass(frozen=True)
class VisualAnswer:
    question: str
    answer: str
    confidence: float  # 0 when llmos abstains
    evidence: str  # which expert, and what it saw
    abstained: bool = False


@dataclass(frozen=True)
class Line:
    text: str
    score: float
    box: Box
    page: int | None = None  # in a PDF


@dataclass(frozen=True)
class PageRead:
    page: int
    source: str  # "text layer" or "ocr"
    text: str


@dataclass(frozen=True)
class TextRead:
    """The text of an image or PDF, and its lines in reading order."""

    text: str
    lines: list[Line]
    pages: list[PageRead] = field(default_factory=list)  # a PDF's
    page_count: int | None = None


@dataclass(frozen=True)
class Detected:
    label: str
    score: float
    box: Box
    colours: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Detections:
    width: int
    height: int
    objects: list[Detected]
    counts: dict[str, int]
    annotated_png: str | None = None  # base64, when asked to draw


@dataclass(frozen=True)
class Translation:
    text: str | list[str]  # the shape of the input
    source: str
    target: str
    engine: str
    quality: str  # "good", "draft" or "none", from the route's measured chrF
    cached_sentences: int = 0


@dataclass(frozen=True)
class Picture:
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


@dataclass(frozen=True)
class Pictures:
    created: int
    data: list[Picture]
    llmos: Json = field(default_factory=dict)  # how the composer drew them


@dataclass(frozen=True)
class Why:
    kind: str
    text: str
    page: int | None = None
    start: float | None = None
    end: float | None = None
    box: list[int] | None = None


@dataclass(frozen=True)
class Hit:
    path: str
    type: str  # image, audio, video, doc
    score: float
    why: Why


@dataclass(frozen=True)
class Citation:
    number: int
    path: str
    type: str
    text: str
    where: str  # the path with its page or time span
    page: int | None = None
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Grounding:
    system: str  # a system message holding the numbered passages
    citations: list[Citation]


@dataclass(frozen=True)
class FileError:
    path: str
    message: str


@dataclass(frozen=True)
class Skipped:
    what: str  # the derivation not done, and why (e.g. an extra to install)
    files: int


@dataclass(frozen=True)
class IndexJob:
    id: str
    state: str  # queued, running, done, cancelled, failed
    paths: list[str] = field(default_factory=list)
    files: int = 0
    done: int = 0
    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    errors: list[FileError] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    current: str | None = None
    created_at: float = 0.0
    finished_at: float | None = None
