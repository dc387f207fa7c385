"""OpenAI ``POST /v1/embeddings``."""

from __future__ import annotations

import base64
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.deps import get_kernel, keep_alive_of
from llmos.api.disconnect import unless_disconnected
from llmos.capabilities.embed import EmbeddingResult, EmbedOptions, TextEmbedder, embed
from llmos.capabilities.embed.service import check_texts
from llmos.errors import InvalidRequest
from llmos.kernel import Kernel

router = APIRouter(tags=["openai"])


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    input: str | list[str] | list[int] | list[list[int]] = Field(
        description="A string or a list of strings to embed."
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
    spec = kernel.registry.resolve("embed", body.model)
    texts = body.texts()
    check_texts(texts)  # before the kernel: bad input must not wait for a model to load
    keep_alive = keep_alive_of(body.keep_alive)

    def job(model: TextEmbedder, _stop: object) -> EmbeddingResult:
        if body.dimensions is not None and body.dimensions != model.dimensions:
            raise InvalidRequest(
                f"Model {spec.name!r} returns {model.dimensions} dimensions; "
                f"'dimensions'={body.dimensions} is not supported."
            )
        return embed(model, texts, options=EmbedOptions())

    result = await unless_disconnected(request, kernel.run(spec, job, keep_alive=keep_alive))
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


def _encode(row, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":  # little-endian float32, as OpenAI sends it
        return base64.b64encode(row.astype("<f4").tobytes()).decode("ascii")
    return row.tolist()
