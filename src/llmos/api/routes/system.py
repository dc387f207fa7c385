"""Health, model listing, metrics and the model manager's /api routes."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from llmos import __version__
from llmos.api.deps import get_kernel, keep_alive_of
from llmos.api.disconnect import unless_disconnected
from llmos.api.routes.ollama import card, timestamp
from llmos.assistant.apps import PREFIX as APP_PREFIX
from llmos.assistant.apps import installed
from llmos.assistant.loop import MODEL_ID as ASSISTANT
from llmos.capabilities.base import ModelSpec
from llmos.capabilities.chat.custom import custom_model
from llmos.kernel import Kernel, ResidentModel

router = APIRouter()
_STARTED = int(time.time())
PINNED_SECONDS = 300 * 365 * 86400  # Ollama shows a pinned model's expiry centuries ahead


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str = __version__


class ModelCard(BaseModel):
    """OpenAI's model object, plus what llmos knows about it."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "llmos"
    capability: str
    description: str
    loaded: bool
    memory_bytes: int | None = Field(None, description="llmos's estimate once loaded.")
    licence: str = ""
    package: str | None = Field(None, description="The pip package that carries it.")
    custom: dict[str, Any] | None = Field(
        None, description="A model you created: its file, projector, context, system message, "
        "template, and what the file says of itself.",
    )  # fmt: skip

    @classmethod
    def of(cls, spec: ModelSpec, kernel: Kernel) -> ModelCard:
        custom = custom_model(spec)
        return cls(
            id=spec.name,
            created=int(custom.created_at) if custom else _STARTED,
            owned_by="you" if custom else "llmos",
            capability=spec.capability,
            description=spec.description,
            loaded=kernel.models.is_loaded(spec.name),
            memory_bytes=spec.memory_bytes,
            licence=spec.licence,
            package=spec.package,
            custom=custom.to_json() if custom else None,
        )


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class LoadedModel(BaseModel):
    """A loaded model: Ollama's fields (``GET /api/ps`` as Ollama answers it), then llmos's."""

    name: str
    model: str
    size: int = Field(description="Bytes: llmos's memory estimate.")
    digest: str
    details: dict[str, Any]
    expires_at: str = Field(description="When it unloads if left idle (ISO 8601, UTC).")
    size_vram: int = 0
    capability: str
    memory_bytes: int
    rss_bytes: int
    in_use: int
    idle_seconds: float
    expires_in: float | None = Field(description="Seconds; null when pinned or busy.")
    pinned: bool

    @classmethod
    def of(cls, resident: ResidentModel, kernel: Kernel) -> LoadedModel:
        left = min(resident.expires_in or PINNED_SECONDS, PINNED_SECONDS)  # None: pinned/busy
        spec = kernel.models.loaded_spec(resident.name) or kernel.registry.model(resident.name)
        shown = card(spec)  # a model deleted while busy stays listed until it unloads
        ollama = {k: shown[k] for k in ("model", "size", "digest", "details")}
        return cls(**asdict(resident), **ollama, expires_at=timestamp(time.time() + left))


class ProcessStatus(BaseModel):
    models: list[LoadedModel]
    memory_budget_bytes: int
    memory_used_bytes: int


class LoadRequest(BaseModel):
    model: str
    keep_alive: str | float | None = Field(
        None, description="Seconds or '5m'; -1 pins the model; absent keeps its current keep-alive."
    )


class UnloadRequest(BaseModel):
    model: str


class UnloadResult(BaseModel):
    model: str
    was_loaded: bool
    unloaded: bool = Field(description="False when busy: it unloads when its last call ends.")


@router.get("/health", response_model=Health, tags=["system"])
async def health() -> Health:
    return Health()


ASSISTANT_CARD = ModelCard(
    id=ASSISTANT, created=_STARTED, capability="assistant", loaded=False,
    description="llmos's assistant: pictures, documents and speech in; tools planned and run "
    "(translate, search); answers in your language with its trace (uses the default chat "
    "model).",
)  # fmt: skip


async def _app_cards(request: Request, kernel: Kernel) -> list[ModelCard]:
    apps = await kernel.compute(installed, request.app.state.settings.apps_dir)
    return [
        ModelCard(id=app.model_id, created=_STARTED, capability="app", loaded=False,
                  description=app.manifest.description or f"the app {app.manifest.name}")
        for app in apps
    ]  # fmt: skip


@router.get("/v1/models", response_model=ModelList, tags=["openai"])
async def list_models(request: Request, kernel: Kernel = Depends(get_kernel)) -> ModelList:
    cards = [ModelCard.of(spec, kernel) for spec in kernel.registry.models]
    return ModelList(data=[*cards, ASSISTANT_CARD, *await _app_cards(request, kernel)])


@router.get("/v1/models/{model_id}", response_model=ModelCard, tags=["openai"])
async def get_model(
    model_id: str, request: Request, kernel: Kernel = Depends(get_kernel)
) -> ModelCard:
    if model_id == ASSISTANT:
        return ASSISTANT_CARD
    if model_id.startswith(APP_PREFIX):
        found = [c for c in await _app_cards(request, kernel) if c.id == model_id]
        if found:
            return found[0]
    return ModelCard.of(kernel.registry.model(model_id), kernel)


@router.get("/metrics", tags=["system"], response_class=Response)
async def metrics(kernel: Kernel = Depends(get_kernel)) -> Response:
    return Response(kernel.metrics.render(), media_type="text/plain; version=0.0.4")


@router.get("/api/ps", response_model=ProcessStatus, tags=["models"])
async def ps(kernel: Kernel = Depends(get_kernel)) -> ProcessStatus:
    return _status(kernel)


@router.post("/api/load", response_model=ProcessStatus, tags=["models"])
async def load(
    body: LoadRequest, request: Request, kernel: Kernel = Depends(get_kernel)
) -> ProcessStatus:
    spec = kernel.registry.model(body.model)
    keep_alive = keep_alive_of(body.keep_alive)
    await unless_disconnected(request, kernel.load(spec, keep_alive=keep_alive))
    return _status(kernel)


@router.post("/api/unload", response_model=UnloadResult, tags=["models"])
async def unload(body: UnloadRequest, kernel: Kernel = Depends(get_kernel)) -> UnloadResult:
    name = kernel.registry.model(body.model).name  # 404 for names llmos does not know
    was_loaded = kernel.models.is_loaded(name)
    unloaded = await kernel.unload(name)
    return UnloadResult(model=name, was_loaded=was_loaded, unloaded=unloaded)


class UsageOut(BaseModel):
    capability: str
    requests: int
    errors: int = Field(description="Calls that failed, were cancelled or were refused.")
    mean_seconds: float = Field(description="Per call: waiting for a CPU, loading and running.")
    max_seconds: float
    mean_queue_seconds: float
    mean_load_seconds: float
    input_tokens: int
    output_tokens: int
    media_seconds: float = Field(description="Of audio and video heard or spoken.")


class UsageReport(BaseModel):
    object: Literal["usage"] = "usage"
    since: int = Field(description="Unix time: the calls counted were admitted since.")
    capabilities: list[UsageOut]


@router.get("/api/usage", response_model=UsageReport, tags=["models"])
def usage(
    hours: float = Query(24, gt=0, le=24 * 366, description="How far back to count."),
    kernel: Kernel = Depends(get_kernel),
) -> UsageReport:  # a plain function: SQLite runs on FastAPI's thread pool, off the loop
    """Requests and latencies per capability, from the kernel's accounting table."""
    since = time.time() - hours * 3600
    rows = kernel.database.usage(since)
    return UsageReport(since=int(since), capabilities=[UsageOut(**asdict(u)) for u in rows])


def _status(kernel: Kernel) -> ProcessStatus:
    return ProcessStatus(
        models=[LoadedModel.of(resident, kernel) for resident in kernel.ps()],
        memory_budget_bytes=kernel.models.budget_bytes,
        memory_used_bytes=kernel.models.used_bytes,
    )
