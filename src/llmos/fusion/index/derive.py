"""What a file becomes in the index: its searchable pieces, their vectors, its metadata.

- an image: its caption (from the visual facts, without the LLM: fast and only what was seen),
  its labels with their WordNet parents, the objects with their boxes, the text OCR read, its
  colours, EXIF date and place; and its EfficientNet-Lite0 embedding;
- audio: transcript spans with their times, and, for speech not in English, Whisper's English
  translation of it too, so English queries find it;
- video: the audio's transcript, and each scene-change keyframe as an image, at its time;
- a document: chunks of its text (a PDF's text layer, else what OCR reads), each with its page.

Every text piece gets a MiniLM vector. Every model call and CPU-heavy step goes through the
kernel. A capability that is not installed is skipped and the skip is reported with the item.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmos.capabilities.align import AlignedSpace
from llmos.capabilities.transcribe import TranscribeOptions, Transcription, transcribe
from llmos.capabilities.vision import caption as captions
from llmos.capabilities.vision import pdf
from llmos.capabilities.vision.images import DecodedImage
from llmos.capabilities.vision.types import VisualFacts
from llmos.errors import InvalidRequest, LlmosError, MissingExtra
from llmos.fusion.aligned import Aligned
from llmos.fusion.index import documents
from llmos.fusion.index.conse import ClassVectors, image_vector
from llmos.fusion.index.embedding import embed_texts
from llmos.fusion.index.keyframes import keyframes
from llmos.fusion.index.sources import Source
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.storage.search_index import Piece, Vectors

SPAN_SECONDS = 30.0  # a transcript piece holds this much speech at most
MAX_PDF_PAGES = 2000
OCR_SCORE = 0.5


@dataclass
class Derived:
    pieces: list[Piece] = field(default_factory=list)
    vectors: list[Vectors] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # derivations not done, and why
    incomplete: bool = False  # a capability was missing: derive again once it is installed


class Deriver:
    def __init__(
        self,
        kernel: Kernel,
        vision: Vision,
        classes: ClassVectors,
        aligned: tuple[Aligned, AlignedSpace] | None = None,
    ) -> None:
        self.kernel = kernel
        self.vision = vision
        self.classes = classes
        self.aligned = aligned  # a trained picture-text space pictures also get a vector in

    async def derive(self, source: Source) -> Derived:
        derived = Derived()
        name = source.path.name
        streamed = source.type in ("audio", "video")  # FFmpeg reads them from the file
        data = b"" if streamed else await asyncio.to_thread(source.path.read_bytes)
        if source.type == "image":
            await self._step(derived, "visual facts", self._image(derived, data, name))
        elif source.type == "audio":
            await self._step(derived, "transcript", self._speech(derived, source.path))
        elif source.type == "video":  # a silent video still has its pictures
            heard = self._speech(derived, source.path)
            await self._step(derived, "transcript", heard, unreadable=True)
            await self._step(derived, "keyframes", self._keyframes(derived, source.path))
        elif source.format == "pdf":
            await self._pdf(derived, data, name)
        else:
            text = await self.kernel.compute(documents.read_text, data, source.format, name)
            cut = await self.kernel.compute(documents.chunks, text, source.format)
            derived.pieces += [Piece("text", chunk.text) for chunk in cut]
        await self._step(derived, "text embeddings", self._embed_texts(derived))
        derived.skipped = list(dict.fromkeys(derived.skipped))  # each once per file
        return derived

    async def _step(self, derived: Derived, what: str, step, *, unreadable=False) -> None:
        """Run ``step``; a capability that is not installed is reported, not fatal (nor, with
        ``unreadable``, content the step cannot read)."""
        try:
            await step
        except MissingExtra as error:
            derived.skipped.append(f"{what}: {error.message}")
            derived.incomplete = True
        except InvalidRequest as error:
            if not unreadable:
                raise
            derived.skipped.append(f"{what}: {error.message}")

    async def _image(self, derived: Derived, data: bytes, name: str) -> None:
        async with self.vision.image(data, name) as image:
            await self._picture(derived, image, start=None)
            height, width = image.rgb.shape[:2]
            derived.meta |= {"width": int(width), "height": int(height)}
            exif = {"taken_at": image.taken_at, "gps": image.gps}
            derived.meta |= {key: value for key, value in exif.items() if value}

    async def _picture(self, derived: Derived, image: DecodedImage, *, start: float | None) -> None:
        """A picture's pieces (a photo's, or a video's keyframe at ``start`` seconds)."""
        look = await self.vision.look(image)
        first = len(derived.pieces)
        derived.pieces += picture_pieces(look.facts, start)
        derived.vectors.append(Vectors("image", look.embedding[None, :], (first,)))
        try:
            classes = await self.classes.get()
        except MissingExtra as error:  # MiniLM not installed: no zero-shot vector
            derived.skipped.append(f"zero-shot image text vectors: {error.message}")
            return
        conse = image_vector(look.probabilities, classes)
        derived.vectors.append(Vectors("conse", conse[None, :], (first,)))
        if self.aligned is not None:
            aligned, space = self.aligned
            try:
                vector = await aligned.project_images(space.name, look.embedding[None], conse[None])
            except LlmosError as error:  # the picture is indexed; the next start backfills it
                derived.skipped.append(f"trained-space vector: {error.message}")
                return
            derived.vectors.append(Vectors(space.index_space, vector, (first,)))

    async def _speech(self, derived: Derived, path: Path) -> None:
        heard = await self._transcribe(path, TranscribeOptions())
        derived.meta |= {"duration": round(heard.duration, 3), "language": heard.language}
        derived.pieces += transcript_pieces(heard, "transcript")
        if heard.language != "en" and heard.text.strip():
            english = await self._transcribe(path, TranscribeOptions(translate=True))
            derived.pieces += transcript_pieces(english, "transcript-en")

    async def _transcribe(self, path: Path, options: TranscribeOptions) -> Transcription:
        """What Whisper hears in the file."""
        spec = self.kernel.registry.resolve("transcribe", None)

        def job(model, stop):
            with path.open("rb") as audio:
                return transcribe(model, audio, options=options, stop=stop)

        return await self.kernel.run(spec, job)  # no sound: InvalidRequest, as for uploads

    async def _keyframes(self, derived: Derived, path: Path) -> None:
        frames = await self.kernel.compute(keyframes, path, path.name)
        for frame in frames:
            await self._picture(derived, DecodedImage(frame.rgb), start=frame.seconds)
        derived.meta["keyframes"] = len(frames)

    async def _pdf(self, derived: Derived, data: bytes, name: str) -> None:
        count = await self.kernel.compute(pdf.page_count, data, name)
        derived.meta["pages"] = count
        if count > MAX_PDF_PAGES:
            derived.skipped.append(f"pages after the first {MAX_PDF_PAGES}: not read")
        for number in range(1, min(count, MAX_PDF_PAGES) + 1):
            try:
                page = await self.vision.read_pdf_page(data, number, name, min_score=OCR_SCORE)
            except MissingExtra as error:  # a scanned page without OCR installed
                derived.skipped.append(f"scanned pages: {error.message}")
                derived.incomplete = True
                continue
            except InvalidRequest as error:  # one damaged page: the others are still read
                derived.skipped.append(f"pages that cannot be read ({error.message})")
                continue
            cut = await self.kernel.compute(documents.chunks, page.text, "text", number)
            derived.pieces += [Piece("text", chunk.text, page=number) for chunk in cut]

    async def _embed_texts(self, derived: Derived) -> None:
        if not derived.pieces:
            return
        vectors = await embed_texts(self.kernel, [piece.text for piece in derived.pieces])
        derived.vectors.append(Vectors("text", vectors, tuple(range(len(derived.pieces)))))


def picture_pieces(facts: VisualFacts, start: float | None) -> list[Piece]:
    """A picture's caption (first: its image vector goes with it), labels, objects, text and
    colours, each a piece; a keyframe's pieces carry its time."""
    at = {"start": start, "end": start}
    pieces = [Piece("caption", captions.template(facts), **at)]
    words = [label.name for label in facts.labels]
    words += [kind for kind in facts.kinds if kind not in words]
    if words:
        pieces.append(Piece("labels", ", ".join(words), **at))
    seen: set[str] = set()
    for found in facts.objects:
        if found.label not in seen:
            seen.add(found.label)
            name = " ".join([*found.colours[:1], found.label])
            pieces.append(Piece("object", name, box=_box(found.box), **at))
    if facts.text:
        box = _union([line.box for line in facts.text])
        pieces.append(Piece("ocr", "\n".join(line.text for line in facts.text), box=box, **at))
    colours = facts.subject.colours if facts.subject else facts.photo.colours
    if colours:
        pieces.append(Piece("colours", ", ".join(colours), **at))
    return pieces


def transcript_pieces(heard: Transcription, kind: str) -> list[Piece]:
    """Consecutive segments joined into spans of at most ``SPAN_SECONDS``."""
    pieces: list[Piece] = []
    texts: list[str] = []
    start = end = 0.0
    for segment in heard.segments:
        if not segment.text.strip():
            continue
        if texts and segment.end - start > SPAN_SECONDS:
            pieces.append(Piece(kind, " ".join(texts), start=start, end=end))
            texts = []
        if not texts:
            start = segment.start
        texts.append(segment.text.strip())
        end = segment.end
    if texts:
        pieces.append(Piece(kind, " ".join(texts), start=start, end=end))
    return pieces


def _box(box) -> tuple[int, int, int, int]:
    return (box.x, box.y, box.width, box.height)


def _union(boxes) -> tuple[int, int, int, int]:
    left = min(b.x for b in boxes)
    top = min(b.y for b in boxes)
    right = max(b.x + b.width for b in boxes)
    bottom = max(b.y + b.height for b in boxes)
    return (left, top, right - left, bottom - top)
