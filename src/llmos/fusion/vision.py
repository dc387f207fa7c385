"""Seeing: expert models turn an image into visual facts; the LLM words captions and answers
(or, for a chat model with a vision projector, looks at the picture itself).

Every model call goes through the kernel (admission, loading, CPU slots, accounting). The facts
of an image are cached by the hash of its bytes, so a caption and then a question about the same
upload run the experts once.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from llmos.capabilities.base import ModelSpec
from llmos.capabilities.chat import chat_completion
from llmos.capabilities.chat.custom import custom_model
from llmos.capabilities.vision import answer as vqa
from llmos.capabilities.vision import caption as captions
from llmos.capabilities.vision import facts as gating
from llmos.capabilities.vision import pdf, seen
from llmos.capabilities.vision.experts import OPENCV_THREADS  # colour k-means, conversions
from llmos.capabilities.vision.images import (
    DecodedImage,
    as_data_uri,
    decode_image,
    decoded_bytes,
    image_size,
)
from llmos.capabilities.vision.subject import crop, find_subject
from llmos.capabilities.vision.types import (
    Answer,
    Caption,
    DetectedObject,
    Document,
    PageText,
    Subject,
    TextLine,
    VisualFacts,
)
from llmos.fusion.recent import Recent
from llmos.kernel import Kernel

CACHE_SIZE = 64  # images' facts, and documents' pages, kept per process


@dataclass(frozen=True)
class Look:
    facts: VisualFacts
    embedding: np.ndarray  # (1280,) float32, L2-normalised
    probabilities: np.ndarray  # (1000,) the ImageNet classes', over the picture and its subject


class Vision:
    def __init__(
        self, kernel: Kernel, *, vision_model: str | None = None, with_facts: bool = True
    ) -> None:
        """``vision_model``: the chat model for captions and answers when a request names none
        (the default chat model when None); when it sees (a vision projector), pictures go to
        it, followed by the experts' facts ``with_facts``."""
        self.kernel = kernel
        self.vision_model = vision_model
        self.with_facts = with_facts
        self._facts: Recent[VisualFacts] = Recent(CACHE_SIZE)
        self._documents: Recent[Document] = Recent(CACHE_SIZE)

    @contextlib.asynccontextmanager
    async def image(self, data: bytes, name: str = "the image") -> AsyncIterator[DecodedImage]:
        """The decoded image, its pixels' memory held in the kernel's work memory until the
        block ends (concurrent uploads wait for room instead of exhausting RAM)."""
        width, height = await self.kernel.compute(image_size, data, name)  # header; checked
        async with self.kernel.work_memory.pixels.reserve(decoded_bytes(width, height)):
            yield await self.kernel.compute(partial(decode_image, data, name=name))

    async def facts(self, data: bytes, name: str = "the image") -> VisualFacts:
        key = await self.kernel.compute(_sha256, data)
        if (known := self._facts.get(key)) is not None:
            return known
        async with self.image(data, name) as image:
            return self._facts.put(key, await self.facts_of(image))

    async def facts_of(self, image: DecodedImage) -> VisualFacts:
        return (await self.look(image)).facts

    async def look(self, image: DecodedImage) -> Look:
        """The image's facts and its embedding (EfficientNet-Lite0's 1280-d pooled features of
        the whole picture, L2-normalised), from one run of the experts."""
        timings: dict[str, float] = {}
        rgb = image.rgb
        photo = await self.kernel.compute(gating.photo_of, image, threads=OPENCV_THREADS)
        subject, mean, embedding = await self.classify(image, timings)
        labels = gating.gate_labels(mean)
        detections = await self._run(
            "detect", timings, lambda m: m.detect(rgb, min_score=gating.OBJECT_SCORE)
        )
        objects = await self.kernel.compute(
            partial(gating.gate_objects, rgb, detections, grayscale=photo.grayscale),
            threads=OPENCV_THREADS,
        )
        faces = []
        if any(o.label == "person" for o in objects):
            faces = await self._run("faces", timings, lambda m: m.faces(rgb))
        lines = await self._run("ocr", timings, lambda m: m.read(rgb))
        text = gating.gate_text(lines, rgb.shape[0], min_score=gating.TEXT_SCORE)
        facts = gating.assemble(photo, labels, objects, faces, text, subject, timings)
        return Look(facts, embedding, mean)

    async def classify(
        self, image: DecodedImage, timings: dict[str, float] | None = None
    ) -> tuple[Subject | None, np.ndarray, np.ndarray]:
        """The picture's subject, its ImageNet class probabilities and its 1280-d embedding.
        The classifier sees the whole picture and its subject close up; their mean is surer."""
        timings = {} if timings is None else timings
        started = time.perf_counter()
        subject = await self.kernel.compute(find_subject, image.rgb, threads=OPENCV_THREADS)
        timings["subject"] = round((time.perf_counter() - started) * 1000, 1)
        views = [image.rgb] if subject is None else [image.rgb, crop(image.rgb, subject.box)]
        probs, embeddings = await self._run("classify", timings, lambda m: m.classify(views))
        return subject, probs.mean(axis=0), embeddings[0]

    async def embedding(self, image: DecodedImage) -> np.ndarray:
        """The whole picture's 1280-d embedding alone (an image query's)."""
        _probs, embeddings = await self._run("classify", {}, lambda m: m.classify([image.rgb]))
        return embeddings[0]

    async def read_text(self, image: DecodedImage, *, min_score: float) -> tuple[TextLine, ...]:
        lines = await self._run("ocr", {}, lambda m: m.read(image.rgb))
        return gating.gate_text(lines, image.rgb.shape[0], min_score=min_score)

    async def read_pdf(
        self,
        data: bytes,
        name: str,
        *,
        pages: str | None,
        min_score: float,
        max_chars: int | None = None,
    ) -> Document:
        """The chosen pages' text layers, or, for scanned pages, what OCR reads on them.

        With ``max_chars`` (for chat), ``pages`` is not used: pages are read from the first,
        at most ``pdf.MAX_PAGES`` of them, until their text reaches ``max_chars``. Remembered by
        the PDF's hash, so a document attached to every turn of a chat is read once."""
        key = (await self.kernel.compute(_sha256, data), pages, min_score, max_chars)
        if (known := self._documents.get(key)) is not None:
            return known
        count = await self.kernel.compute(pdf.page_count, data, name)
        if max_chars is None:
            numbers = pdf.page_numbers(pages, count)
        else:
            numbers = list(range(1, min(count, pdf.MAX_PAGES) + 1))
        read: list[PageText] = []
        for number in numbers:
            read.append(await self.read_pdf_page(data, number, name, min_score=min_score))
            if max_chars is not None and sum(len(p.text) for p in read) >= max_chars:
                break
        return self._documents.put(key, Document(tuple(read), count))

    async def read_pdf_page(
        self, data: bytes, number: int, name: str, *, min_score: float
    ) -> PageText:
        """Page ``number``'s text layer, or what OCR reads on it when it has none."""
        async with self.kernel.work_memory.pixels.reserve(pdf.RENDER_BYTES):
            page = await self.kernel.compute(pdf.read_page, data, number, name)
            if page.image is None:
                return PageText(number, "text layer", page.text, ())
            lines = await self.read_text(page.image, min_score=min_score)
            return PageText(number, "ocr", "\n".join(x.text for x in lines), lines)

    async def detect(self, image: DecodedImage, *, min_score: float) -> tuple[DetectedObject, ...]:
        found = await self._run("detect", {}, lambda m: m.detect(image.rgb, min_score=min_score))
        gate = partial(gating.gate_objects, image.rgb, found, min_score=min_score)
        return await self.kernel.compute(gate, threads=OPENCV_THREADS)

    async def caption(
        self, facts: VisualFacts, *, model: str | None = None, picture: bytes | None = None
    ) -> Caption:
        """One sentence: the facts worded by the chat model, or, when the model sees and the
        ``picture`` is given, the model's own."""
        spec = self.chat_model(model)  # an unknown model is a 404 either way
        plain = captions.template(facts)
        if picture is not None and _sees(spec):
            url = await self._picture_url(picture)
            evidence = facts if self.with_facts else None
            said = seen.read_caption(await self._chat(seen.caption_request(url, evidence), spec))
            if judged := vqa.judging_words(said):  # the policy: the experts' sentence instead
                return Caption(plain, "template", plain, unsupported=judged)
            return Caption(said, "model", plain) if said else Caption(plain, "template", plain)
        if not captions.names_something(facts):
            return Caption(plain, "template", plain)
        reply = await self._chat(captions.rephrase_request(plain), spec)
        text = seen.read_caption(reply)
        if not text:
            return Caption(plain, "template", plain)
        invented = captions.unsupported_nouns(text, facts)
        if invented:
            return Caption(plain, "template", plain, unsupported=invented)
        return Caption(text, "llm", plain)

    async def answer(
        self,
        facts: VisualFacts,
        question: str,
        *,
        model: str | None = None,
        picture: bytes | None = None,
    ) -> Answer:
        """The experts' answer where one settles it, else the chat model's from the facts; or,
        when the model sees and the ``picture`` is given, the model's from the picture."""
        spec = self.chat_model(model)
        if picture is not None and _sees(spec):
            if (refusal := vqa.refused(question)) is not None:
                return refusal
            url = await self._picture_url(picture)
            evidence = facts if self.with_facts else None
            reply = await self._chat(seen.question_request(question, url, evidence), spec)
            return seen.read_answer(reply, spec.name)
        routed = vqa.route(question, facts)
        if routed is not None:
            return routed
        reply = await self._chat(vqa.llm_request(question, facts), spec)
        return vqa.read_llm_answer(reply, facts)

    def chat_model(self, model: str | None) -> ModelSpec:
        """The chat model that captions and answers: the one asked for, else the settings'."""
        return self.kernel.registry.resolve("chat", self.vision_model if model is None else model)

    def sees(self, model: str | None) -> bool:
        """Whether the chat model that captions and answers looks at pictures itself."""
        return _sees(self.chat_model(model))

    async def _picture_url(self, picture: bytes) -> str:
        return await self.kernel.compute(as_data_uri, picture)

    async def _chat(self, request: dict[str, Any], spec: ModelSpec) -> str:
        def job(chat_model, stop):
            return chat_completion(chat_model, request, on_chunk=None, stop=stop)

        result = await self.kernel.run(spec, job)
        return result.response["choices"][0]["message"].get("content") or ""

    async def _run(self, capability: str, timings: dict[str, float], call: Callable[[Any], Any]):
        spec = self.kernel.registry.resolve(capability, None)

        def job(model, _stop):
            started = time.perf_counter()
            try:
                return call(model)
            finally:
                timings[capability] = round((time.perf_counter() - started) * 1000, 1)

        return await self.kernel.run(spec, job)


def _sees(spec: ModelSpec) -> bool:
    custom = custom_model(spec)
    return bool(custom and custom.sees)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
