"""Vision endpoints: ``/v1/images/facts|captions|questions|ocr|detections``.

Each takes the image as a multipart ``file`` upload; captions and answers come from the expert
models' facts, worded by the chat model, or from a chat model with a vision projector that looks
at the image itself.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from llmos.api.disconnect import unless_disconnected
from llmos.capabilities.vision.drawing import annotated_png
from llmos.capabilities.vision.images import looks_like_image
from llmos.capabilities.vision.pdf import is_pdf
from llmos.capabilities.vision.types import count_labels
from llmos.errors import InvalidRequest
from llmos.fusion.vision import Vision

router = APIRouter(tags=["vision"])

ImageFile = Annotated[UploadFile, File(description="PNG, JPEG, WebP, GIF, BMP or TIFF.")]
ChatModel = Annotated[
    str | None,
    Form(
        description="Chat model that words the reply, or that looks at the image when it has a "
        "vision projector [default: LLMOS_VISION_MODEL, else the default chat model]."
    ),
]


def get_vision(request: Request) -> Vision:
    return request.app.state.vision


async def _bytes(file: UploadFile) -> tuple[bytes, str]:
    return await file.read(), repr(file.filename or "the image")


@router.post("/v1/images/facts")
async def image_facts(
    request: Request, file: ImageFile, vision: Vision = Depends(get_vision)
) -> dict[str, Any]:
    """Everything the expert models saw: labels, objects, faces, text, colours, size."""
    data, name = await _bytes(file)
    facts = await unless_disconnected(request, vision.facts(data, name))
    return {"object": "image.facts", **asdict(facts)}


@router.post("/v1/images/captions")
async def image_caption(
    request: Request,
    file: ImageFile,
    model: ChatModel = None,
    vision: Vision = Depends(get_vision),
) -> dict[str, Any]:
    """One sentence describing the image. ``source`` is "llm" for the experts' facts worded by
    the chat model, "model" when the model has a vision projector and looked at the image
    itself, "template" when the LLM's wording named something no expert saw, or judged
    someone's gender or age (those words listed in ``unsupported``), and the plain template was
    kept."""
    data, name = await _bytes(file)

    async def work():
        facts = await vision.facts(data, name)
        return facts, await vision.caption(facts, model=model, picture=data)

    facts, caption = await unless_disconnected(request, work())
    return {"object": "image.caption", **asdict(caption), "facts": asdict(facts)}


@router.post("/v1/images/questions")
async def image_question(
    request: Request,
    file: ImageFile,
    question: Annotated[str, Form(min_length=1, max_length=500)],
    model: ChatModel = None,
    vision: Vision = Depends(get_vision),
) -> dict[str, Any]:
    """Answer a question about the image from the experts' facts (or, for a model with a
    vision projector, from the image itself), or say it cannot tell."""
    data, name = await _bytes(file)
    if not question.strip():
        raise InvalidRequest("'question' is empty: ask something about the image.")

    async def work():
        facts = await vision.facts(data, name)
        return await vision.answer(facts, question, model=model, picture=data)

    answer = await unless_disconnected(request, work())
    return {"object": "image.answer", "question": question, **asdict(answer)}


@router.post("/v1/images/ocr")
async def image_ocr(
    request: Request,
    file: Annotated[UploadFile, File(description="An image, or a PDF.")],
    min_score: Annotated[float, Form(ge=0, le=1)] = 0.5,
    pages: Annotated[
        str | None, Form(description="PDF pages to read, e.g. 1-3,7 (default: all, up to 50).")
    ] = None,
    vision: Vision = Depends(get_vision),
) -> dict[str, Any]:
    """Text lines in reading order, with boxes and scores, and the whole text. A PDF page is
    read from its text layer when it has one, else rendered and read by OCR."""
    data, name = await _bytes(file)
    if is_pdf(data) and not looks_like_image(data):
        document = await unless_disconnected(
            request, vision.read_pdf(data, name, pages=pages, min_score=min_score)
        )
        read = document.pages
        return {
            "object": "image.ocr",
            "text": "\n\n".join(page.text for page in read),
            "lines": [{**asdict(line), "page": p.page} for p in read for line in p.lines],
            "pages": [{"page": p.page, "source": p.source, "text": p.text} for p in read],
            "page_count": document.page_count,
        }
    if pages:
        raise InvalidRequest(f"'pages' is for PDFs; {name} is not one.")

    async def work():
        async with vision.image(data, name) as image:
            return await vision.read_text(image, min_score=min_score)

    lines = await unless_disconnected(request, work())
    return {
        "object": "image.ocr",
        "text": "\n".join(line.text for line in lines),
        "lines": [asdict(line) for line in lines],
    }


@router.post("/v1/images/detections")
async def image_detections(
    request: Request,
    file: ImageFile,
    min_score: Annotated[float, Form(ge=0.05, le=1)] = 0.4,
    draw: Annotated[bool, Form(description="Also return an annotated PNG (base64).")] = False,
    vision: Vision = Depends(get_vision),
) -> dict[str, Any]:
    """COCO-80 objects with boxes and scores; nested duplicates of one object are merged."""
    data, name = await _bytes(file)

    async def work() -> dict[str, Any]:
        async with vision.image(data, name) as image:
            objects = await vision.detect(image, min_score=min_score)
            body: dict[str, Any] = {
                "object": "image.detections",
                "width": int(image.rgb.shape[1]),
                "height": int(image.rgb.shape[0]),
                "objects": [asdict(o) for o in objects],
                "counts": count_labels(objects),
            }
            if draw:  # PNG-encoding up to 40 megapixels: CPU work, off the event loop
                png = await vision.kernel.compute(annotated_png, image.rgb, objects)
                body["annotated_png"] = base64.b64encode(png).decode("ascii")
            return body

    return await unless_disconnected(request, work())
