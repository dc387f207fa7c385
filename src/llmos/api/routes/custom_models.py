"""Your own GGUF models: create and delete them (llmos's ``POST /v1/models`` and OpenAI's
``DELETE /v1/models/{id}``, and Ollama's ``/api/create`` and ``/api/delete``).

The server reads the file where it lies (it is not copied): give a path on the server's disk.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.deps import get_kernel
from llmos.api.errors import MODEL_ERRORS
from llmos.api.routes.ollama import OLLAMA_ERRORS, OllamaError
from llmos.api.routes.system import ModelCard
from llmos.capabilities.chat.custom import CustomModel, define
from llmos.errors import InvalidRequest
from llmos.kernel import Kernel

router = APIRouter()
Json = dict[str, Any]
OLLAMA_MODEL_ERRORS = OLLAMA_ERRORS | {
    code: {**answer, "model": OllamaError} for code, answer in MODEL_ERRORS.items()
}
MAX_TEXT = 20_000  # characters of a template or a system message (templates are ~1-8k)


class CreateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=100)
    gguf: str = Field(
        alias="from", min_length=1, max_length=4096,
        description="The absolute path of a GGUF file on the server's disk; it is not copied.",
    )  # fmt: skip
    mmproj: str | None = Field(
        None, max_length=4096,
        description="A vision projector's GGUF: pictures then go to the model itself.",
    )  # fmt: skip
    template: str | None = Field(None, max_length=MAX_TEXT, description="A Jinja chat template.")
    system: str | None = Field(None, max_length=MAX_TEXT, description="The default system message.")
    context_length: int | None = Field(None, ge=256, le=1_048_576, description="In tokens.")


class DeletedModel(BaseModel):
    id: str
    object: Literal["model"] = "model"
    deleted: bool = True


@router.post(
    "/v1/models", response_model=ModelCard, status_code=201, tags=["models"], responses=MODEL_ERRORS
)
async def create_model(body: CreateModel, kernel: Kernel = Depends(get_kernel)) -> ModelCard:
    """Register a GGUF file as a chat model. The file is read whole and refused now if it is
    not a GGUF language model; its memory estimate comes from its size and context."""
    return ModelCard.of(await _create(body, kernel), kernel)


@router.delete(
    "/v1/models/{model_id}", response_model=DeletedModel, tags=["openai"], responses=MODEL_ERRORS
)
async def delete_model(model_id: str, kernel: Kernel = Depends(get_kernel)) -> DeletedModel:
    """Forget a model you created (its file stays); a loaded one unloads. llmos's own models
    cannot be deleted (403)."""
    return DeletedModel(id=await kernel.remove_model(model_id))


class OllamaCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1, max_length=100)
    gguf: str | None = Field(None, alias="from", max_length=4096)
    files: dict[str, str] | None = None
    adapters: dict[str, str] | None = None
    template: str | None = Field(None, max_length=MAX_TEXT)
    system: str | None = Field(None, max_length=MAX_TEXT)
    parameters: Json | None = None
    stream: bool = True


class OllamaDelete(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    name: str | None = None  # older clients


@router.post("/api/create", responses=OLLAMA_MODEL_ERRORS, tags=["ollama"])
async def ollama_create(body: OllamaCreate, kernel: Kernel = Depends(get_kernel)):
    """Ollama's create, where ``from`` is the GGUF file's path on the server (Ollama's uploaded
    blobs and adapters are not supported); ``parameters.num_ctx`` sets the context."""
    if body.files or body.adapters:
        raise InvalidRequest(
            "llmos reads GGUF files where they lie: send 'from' with the file's absolute path "
            "on the server instead of uploaded 'files' or 'adapters'."
        )
    if not body.gguf:
        raise InvalidRequest("'from' is missing: the absolute path of a GGUF file on the server.")
    context = (body.parameters or {}).get("num_ctx")
    if context is not None and (
        not isinstance(context, int) or isinstance(context, bool) or not 256 <= context <= 2**20
    ):
        raise InvalidRequest("'parameters.num_ctx' must be a whole number of tokens, 256 or more.")
    await _create(
        CreateModel(
            name=body.model, gguf=body.gguf, template=body.template, system=body.system,
            context_length=context,
        ),
        kernel,
    )  # fmt: skip
    if not body.stream:
        return {"status": "success"}
    lines = [{"status": "reading model metadata"}, {"status": "success"}]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    return StreamingResponse(iter([text]), media_type="application/x-ndjson")


@router.delete("/api/delete", responses=OLLAMA_MODEL_ERRORS, tags=["ollama"])
async def ollama_delete(body: OllamaDelete, kernel: Kernel = Depends(get_kernel)) -> Response:
    name = body.model or body.name
    if not name:
        raise InvalidRequest("'model' is missing: name the model to delete.")
    await kernel.remove_model(name)
    return Response(status_code=200)


async def _create(body: CreateModel, kernel: Kernel):
    kernel.registry.check_new_name(body.name)  # before reading a big file for nothing
    read = partial(
        define, body.name, Path(body.gguf), mmproj=Path(body.mmproj) if body.mmproj else None,
        template=body.template, system=body.system, context_length=body.context_length,
    )  # fmt: skip
    model: CustomModel = await kernel.compute(read)
    return await kernel.create_model(model)
