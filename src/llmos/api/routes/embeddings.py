"""OpenAI ``POST /v1/embeddings``."""

from __future__ import annotations

import asyncio
import base64
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.deps import get_kernel, keep_alive_of
from llmos.api.disconnect import unless_disconnected
from llmos.capabilities.embed import EmbeddingResult, EmbedOptions, TextEmbedder, embed
from llmos.capabilities.embed.service import check_texts
from llmos.capabilities.vision.images import bytes_of_data_uri
from llmos.errors import InvalidRequest
from llmos.fusion.aligned import Aligned
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel

router = APIRouter(tags=["openai"])
IMAGE_MODEL = "efficientnet-lite0"
IMAGE_DIMENSIONS = 1280
MAX_IMAGES = 16


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    input: str | list[str] | list[int] | list[list[int]] = Field(
        description="A string or a list of strings to embed; llmos extension: images as "
        "data URIs (data:image/...;base64,...) get 1280-d image embeddings."
    )
    model: str | None = Field(None, description="Model id; the embed default when absent.")
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(None, description="Must equal the model's own dimensions.")
    user: str | None = None
    keep_alive: str | float | None = Field(None, description="llmos extension, as in Ollama.")

    def texts(self) -> list[str]:
        items = [self.input] if isinstance(self.input, str) else list(self.input)
        if any(not isinstance(item, str) for item in items):
            raise InvalidRequest(
                "Token arrays are not supported as 'input'; send the text as a string or a "
                "list of strings."
            )
        return items  # type: ignore[return-value]


class Embedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class EmbeddingUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage


@router.post("/v1/embeddings", response_model=EmbeddingResponse)
async def create_embeddings(
    body: EmbeddingRequest, request: Request, kernel: Kernel = Depends(get_kernel)
) -> JSONResponse:
    texts = body.texts()
    aligned: Aligned = request.app.state.aligned
    if aligned.is_model(body.model):
        return await _aligned_embeddings(body, texts, request)
    if any(text.startswith("data:image/") for text in texts):
        return await _image_embeddings(body, texts, request)
    result = await embed_texts(body, request, kernel)
    # Built by hand rather than through the pydantic model: it is the hot path for big batches.
    return JSONResponse(
        {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": _encode(row, body.encoding_format)}
                for i, row in enumerate(result.vectors)
            ],
            "model": result.model,
            "usage": {
                "prompt_tokens": result.usage.input_tokens,
                "total_tokens": result.usage.input_tokens,
            },
        }
    )


async def embed_texts(body: EmbeddingRequest, request: Request, kernel: Kernel) -> EmbeddingResult:
    """The text embeddings ``body`` asks for (its texts checked before any model loads)."""
    texts = body.texts()
    spec = kernel.registry.resolve("embed", body.model)
    check_texts(texts)  # before the kernel: bad input must not wait for a model to load
    keep_alive = keep_alive_of(body.keep_alive)

    def job(model: TextEmbedder, _stop: object) -> EmbeddingResult:
        if body.dimensions is not None and body.dimensions != model.dimensions:
            raise InvalidRequest(
                f"Model {spec.name!r} returns {model.dimensions} dimensions; "
                f"'dimensions'={body.dimensions} is not supported."
            )
        return embed(model, texts, options=EmbedOptions())

    return await unless_disconnected(request, kernel.run(spec, job, keep_alive=keep_alive))


async def _image_embeddings(
    body: EmbeddingRequest, inputs: list[str], request: Request
) -> JSONResponse:
    """llmos extension: images as data URIs get EfficientNet-Lite0's 1280-d embedding (the
    vectors the search index compares images with)."""
    if not all(text.startswith("data:image/") for text in inputs):
        raise InvalidRequest(
            "'input' mixes images (data URIs) and text; they are embedded by different models "
            "into different spaces. Send them in separate requests."
        )
    if body.model not in (None, IMAGE_MODEL):
        raise InvalidRequest(
            f"Images are embedded by {IMAGE_MODEL!r}; name it or leave 'model' out"
        )
    if len(inputs) > MAX_IMAGES:
        raise InvalidRequest(f"'input' has {len(inputs)} images; at most {MAX_IMAGES} a request.")
    if body.dimensions not in (None, IMAGE_DIMENSIONS):
        raise InvalidRequest(f"Image embeddings have {IMAGE_DIMENSIONS} dimensions.")
    vision: Vision = request.app.state.vision
    rows = []
    for index, uri in enumerate(inputs):
        data = await asyncio.to_thread(bytes_of_data_uri, uri)
        async with vision.image(data, f"input[{index}]") as image:
            rows.append(await unless_disconnected(request, vision.embedding(image)))
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(row, body.encoding_format)}
        for i, row in enumerate(rows)
    ]
    usage = {"prompt_tokens": 0, "total_tokens": 0}
    return JSONResponse({"object": "list", "data": data, "model": IMAGE_MODEL, "usage": usage})


async def _aligned_embeddings(
    body: EmbeddingRequest, inputs: list[str], request: Request
) -> JSONResponse:
    """A space you trained (``llmos train``, LiT): texts and pictures (data URIs) into one
    space, so they may come mixed in one request and be compared with each other."""
    assert body.model is not None
    aligned: Aligned = request.app.state.aligned
    pictures = [i for i, item in enumerate(inputs) if item.startswith("data:image/")]
    if len(pictures) > MAX_IMAGES:
        raise InvalidRequest(f"'input' has {len(pictures)} images; at most {MAX_IMAGES} a request.")
    check_texts([("a picture" if i in pictures else t) for i, t in enumerate(inputs)])
    encoded = {i: await asyncio.to_thread(bytes_of_data_uri, inputs[i]) for i in pictures}
    words = [i for i in range(len(inputs)) if i not in encoded]
    rows: list = [None] * len(inputs)
    if words:
        vectors = await unless_disconnected(
            request, aligned.texts(body.model, [inputs[i] for i in words])
        )
        for i, vector in zip(words, vectors, strict=True):
            rows[i] = vector
    vision: Vision = request.app.state.vision
    for i, data in encoded.items():
        async with vision.image(data, f"input[{i}]") as image:
            rows[i] = await unless_disconnected(request, aligned.image(body.model, image))
    if body.dimensions not in (None, len(rows[0])):
        raise InvalidRequest(f"Model {body.model!r} returns {len(rows[0])} dimensions.")
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(row, body.encoding_format)}
        for i, row in enumerate(rows)
    ]
    usage = {"prompt_tokens": 0, "total_tokens": 0}
    return JSONResponse({"object": "list", "data": data, "model": body.model, "usage": usage})


def _encode(row, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":  # little-endian float32, as OpenAI sends it
        return base64.b64encode(row.astype("<f4").tobytes()).decode("ascii")
    return row.tolist()
