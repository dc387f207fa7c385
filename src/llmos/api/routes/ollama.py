"""Ollama's API on llmos's models, so Ollama clients and Open WebUI's Ollama connection work
unchanged: ``/api/tags``, ``/api/show``, ``/api/chat``, ``/api/generate``, ``/api/embed``,
``/api/embeddings`` and ``/api/version`` (``/api/ps`` is in ``system.py``, Ollama's shape with
llmos's fields added). A thin translation of Ollama's shapes onto the chat and embedding
services the OpenAI routes use; no logic of its own. Streams are one JSON object a line, as
Ollama's are, and on by default.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmos import __version__
from llmos.api.chat_requests import ChatRequest, CompletionRequest
from llmos.api.deps import get_kernel, keep_alive_of, read_attachments
from llmos.api.disconnect import unless_disconnected
from llmos.api.errors import ERROR_RESPONSES, ErrorResponse, describe_validation_errors
from llmos.api.routes.embeddings import EmbeddingRequest, embed_texts
from llmos.api.streaming import NDJSON, stream_job
from llmos.capabilities.base import ModelSpec
from llmos.capabilities.chat import (
    ChatModel,
    ChatResult,
    chat_completion,
    chunk_text,
    text_completion,
)
from llmos.capabilities.chat.custom import custom_model
from llmos.errors import InvalidRequest
from llmos.fusion.attachments import has_attachments
from llmos.kernel import Kernel

router = APIRouter(tags=["ollama"])


class OllamaError(BaseModel):
    error: str = Field(description="What went wrong, in Ollama's shape.")


# errors found in the body answer in Ollama's shape (``api/errors.py``: OLLAMA_PATHS); those
# found before it (API key, body size) in llmos's usual one
OLLAMA_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {**ERROR_RESPONSES[code], "model": OllamaError | ErrorResponse}
    for code in ERROR_RESPONSES
    if code in (400, 404, 413, 500, 501, 503)
}
Json = dict[str, Any]
OLLAMA_VERSION = "0.12.0"  # the Ollama API this follows (clients check it for features)
LISTED = ("chat", "embed")  # what Ollama's model list holds: language and embedding models
OPTIONS = {  # Ollama's options -> the chat request's fields; others (num_ctx, ...) are ignored
    "temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "seed": "seed",
    "stop": "stop", "num_predict": "max_tokens", "repeat_penalty": "repeat_penalty",
    "presence_penalty": "presence_penalty", "frequency_penalty": "frequency_penalty",
}  # fmt: skip


class OllamaMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    images: list[str] | None = Field(None, max_length=8, description="Base64 pictures.")
    tool_calls: list[Json] | None = None


class Common(BaseModel):
    model_config = ConfigDict(extra="ignore")  # think, truncate, ...: accepted, no effect

    model: str = Field(min_length=1)
    format: Literal["", "json"] | Json | None = None  # "": none, as the ollama client sends
    options: Json | None = None
    stream: bool = True
    keep_alive: str | float | None = None


class ChatBody(Common):
    messages: list[OllamaMessage] = Field(default_factory=list)
    tools: list[Json] | None = None


class GenerateBody(Common):
    prompt: str = ""
    system: str | None = None
    images: list[str] | None = Field(None, max_length=8)
    raw: bool = False


class EmbedBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    input: str | list[str]
    keep_alive: str | float | None = None
    dimensions: int | None = None


class EmbeddingsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    prompt: str
    keep_alive: str | float | None = None


class ShowBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    name: str | None = None  # older clients


@router.get("/api/version", responses=OLLAMA_ERRORS)
async def version() -> Json:
    return {"version": OLLAMA_VERSION, "llmos": __version__}


@router.get("/api/tags", responses=OLLAMA_ERRORS)
async def tags(kernel: Kernel = Depends(get_kernel)) -> Json:
    """The chat and embedding models, as Ollama lists what it has pulled."""
    listed = [spec for spec in kernel.registry.models if spec.capability in LISTED]
    return {"models": [card(spec) for spec in listed]}


@router.post("/api/show", responses=OLLAMA_ERRORS)
async def show(body: ShowBody, kernel: Kernel = Depends(get_kernel)) -> Json:
    name = body.model or body.name
    if not name:
        raise InvalidRequest("'model' is missing: name the model to show.")
    spec = kernel.registry.model(name)
    capabilities = {"chat": ["completion", "tools"], "embed": ["embedding"]}
    shown = {
        "modelfile": f"# {spec.name}: served by llmos\nFROM {spec.name}\n",
        "parameters": "", "template": "", "details": _details(spec),
        "model_info": {"general.architecture": spec.capability},
        "capabilities": capabilities.get(spec.capability, [spec.capability]),
        "modified_at": timestamp(_STARTED),
    }  # fmt: skip
    custom = custom_model(spec)
    if custom is None:
        return shown
    facts = custom.facts
    return shown | {
        "modelfile": f"# {spec.name}: your model\nFROM {custom.gguf}\n"
        + (f"FROM {custom.mmproj}\n" if custom.mmproj else ""),  # as Ollama writes a projector
        "parameters": f"num_ctx {custom.context_length}", "template": custom.template or "",
        "system": custom.system or "", "modified_at": timestamp(custom.created_at),
        "model_info": {"general.architecture": facts.architecture, "general.name": facts.name,
                       "general.parameter_count": facts.parameters,
                       f"{facts.architecture}.context_length": facts.context_length},
        "capabilities": ["completion", "tools", *(["vision"] if custom.sees else [])],
    }  # fmt: skip


@router.post("/api/chat", responses=OLLAMA_ERRORS)
async def chat(body: ChatBody, request: Request, kernel: Kernel = Depends(get_kernel)):
    """A chat, as Ollama's; no messages loads the model (``keep_alive: 0`` unloads it)."""
    spec = kernel.registry.resolve("chat", body.model)  # a wrong name: 404 before any work
    if not body.messages:
        return await _load_or_unload(spec, body, request, kernel, {"message": {
            "role": "assistant", "content": ""}})  # fmt: skip
    messages = _openai_messages(body.messages)
    return await _answer(spec, body, {"messages": messages, "tools": body.tools}, request, kernel)


@router.post("/api/generate", responses=OLLAMA_ERRORS)
async def generate(body: GenerateBody, request: Request, kernel: Kernel = Depends(get_kernel)):
    """A prompt answered by the model's chat template, or as raw text with ``raw``. An empty
    prompt loads the model (Ollama's way to preload; ``keep_alive: 0`` unloads it)."""
    spec = kernel.registry.resolve("chat", body.model)
    if not body.prompt and not body.images:
        return await _load_or_unload(spec, body, request, kernel, {"response": ""})
    if body.raw:
        return await _answer(spec, body, {"prompt": body.prompt}, request, kernel, completion=True)
    user = OllamaMessage(role="user", content=body.prompt, images=body.images)
    system = [{"role": "system", "content": body.system}] if body.system else []
    asked = {"messages": [*system, *_openai_messages([user])]}
    return await _answer(spec, body, asked, request, kernel)


async def _load_or_unload(
    spec: ModelSpec, body: Common, request: Request, kernel: Kernel, empty: Json
) -> Json:
    """Ollama's preload (an empty request) and unload (the same with ``keep_alive: 0``)."""
    keep_alive = keep_alive_of(body.keep_alive)
    if keep_alive == 0:
        await kernel.unload(spec.name)
        reason = "unload"
    else:
        await unless_disconnected(request, kernel.load(spec, keep_alive=keep_alive))
        reason = "load"
    return {"model": spec.name, "created_at": timestamp(time.time()), **empty, "done": True,
            "done_reason": reason}  # fmt: skip


@router.post("/api/embed", responses=OLLAMA_ERRORS)
async def embed(body: EmbedBody, request: Request, kernel: Kernel = Depends(get_kernel)):
    started = time.perf_counter()
    asked = EmbeddingRequest(model=body.model, input=body.input, dimensions=body.dimensions,
                             keep_alive=body.keep_alive)  # fmt: skip
    result = await embed_texts(asked, request, kernel)
    return JSONResponse({  # built by hand, as /v1/embeddings: big batches stay cheap
        "model": result.model, "embeddings": [row.tolist() for row in result.vectors],
        "total_duration": int((time.perf_counter() - started) * 1e9), "load_duration": 0,
        "prompt_eval_count": result.usage.input_tokens,
    })  # fmt: skip


@router.post("/api/embeddings", responses=OLLAMA_ERRORS)
async def embeddings(body: EmbeddingsBody, request: Request, kernel: Kernel = Depends(get_kernel)):
    """Ollama's older embedding route: one prompt, one vector."""
    asked = EmbeddingRequest(model=body.model, input=body.prompt, keep_alive=body.keep_alive)
    result = await embed_texts(asked, request, kernel)
    return JSONResponse({"embedding": result.vectors[0].tolist()})


async def _answer(
    spec: ModelSpec, body: Common, fields: Json, request: Request, kernel: Kernel, *,
    completion: bool = False,
):  # fmt: skip
    """Run a chat (or raw completion) request built from Ollama's fields on ``spec`` (the
    route resolved it before any other work); answer in Ollama's
    shape, streamed as NDJSON or whole."""
    asked = {**fields, **_sampling(body), "model": body.model}
    present = {k: v for k, v in asked.items() if v is not None}
    try:  # the OpenAI routes' checks: roles, sampling, tool and JSON schemas llama.cpp can use
        checked = (CompletionRequest if completion else ChatRequest).model_validate(present)
    except ValidationError as error:  # worded as the routes' own request errors
        raise InvalidRequest(describe_validation_errors(list(error.errors()))) from None
    if isinstance(checked, ChatRequest):
        messages = [m.model_dump(exclude_none=True) for m in checked.messages]
        if has_attachments(m.get("content") for m in messages):  # pictures -> the experts' facts
            messages = await read_attachments(request, spec, messages)
        asked["messages"] = messages
    payload = {k: v for k, v in asked.items() if v is not None and k != "model"}
    service = text_completion if completion else chat_completion
    keep_alive = keep_alive_of(body.keep_alive)
    shape = _generated if isinstance(body, GenerateBody) else _chatted
    started = time.perf_counter()

    def job(on_chunk):
        def run(model: ChatModel, stop: threading.Event) -> ChatResult:
            return service(model, payload, on_chunk=on_chunk, stop=stop)

        return run

    if not body.stream:
        result = await unless_disconnected(
            request, kernel.run(spec, job(None), keep_alive=keep_alive)
        )
        return JSONResponse(shape(spec, _whole(result.response), True, result, started))

    ended: list[str] = []  # the finish reason, from the chunk that carried it

    def chunks(chunk: Json):
        ended.extend(c["finish_reason"] for c in chunk.get("choices", []) if c.get("finish_reason"))
        piece = chunk_text(chunk)
        if piece:
            yield shape(spec, {"content": piece}, False, None, started)

    def finish(result: ChatResult):
        if not result.streamed:  # answered whole (a tool call): the message, then the end
            yield shape(spec, _whole(result.response), False, None, started)
        last = shape(spec, {"content": ""}, True, result, started)
        yield {**last, "done_reason": _reason(ended[-1])} if ended else last

    return await stream_job(
        request, lambda on_chunk: kernel.run(spec, job(on_chunk), keep_alive=keep_alive),
        chunks=chunks, finish=finish, framing=NDJSON,
    )  # fmt: skip


def _sampling(body: Common) -> Json:
    options = body.options or {}
    fields = {OPTIONS[key]: value for key, value in options.items() if key in OPTIONS}
    if isinstance(fields.get("max_tokens"), int) and fields["max_tokens"] <= 0:
        del fields["max_tokens"]  # num_predict -1 (no limit) or -2 (fill the context)
    if body.format == "json":
        fields["response_format"] = {"type": "json_object"}
    elif isinstance(body.format, dict):
        schema = {"name": "format", "schema": body.format}
        fields["response_format"] = {"type": "json_schema", "json_schema": schema}
    return fields


def _openai_messages(messages: list[OllamaMessage]) -> list[Json]:
    """Ollama's messages as OpenAI's: pictures as image parts, tool calls given ids, and each
    tool result answering the oldest call still open (Ollama names no ids)."""
    out, open_calls = [], []
    for index, message in enumerate(messages):
        converted: Json = {"role": message.role, "content": message.content}
        if message.images:
            parts = [{"type": "image_url", "image_url": {"url": _data_uri(image)}}
                     for image in message.images]  # fmt: skip
            converted["content"] = [{"type": "text", "text": message.content}, *parts]
        if message.tool_calls:
            functions = [c.get("function") if isinstance(c.get("function"), dict) else {}
                         for c in message.tool_calls]  # fmt: skip
            converted["tool_calls"] = [
                {"id": f"call_{index}_{n}", "type": "function", "function": {
                    "name": str(function.get("name", "")),
                    "arguments": json.dumps(function.get("arguments", {})),
                }}
                for n, function in enumerate(functions)
            ]  # fmt: skip
            open_calls += [call["id"] for call in converted["tool_calls"]]
        if message.role == "tool":
            converted["tool_call_id"] = open_calls.pop(0) if open_calls else f"call_{index}"
        out.append(converted)
    return out


def _data_uri(image: str) -> str:
    """Ollama's raw base64 as a data URI; the decoder reads the format from the bytes."""
    return image if image.startswith("data:") else f"data:image/png;base64,{image}"


def _whole(response: Json) -> Json:
    """A whole OpenAI answer as Ollama's message: text, or tool calls with their arguments as
    objects."""
    choice = response["choices"][0]
    if "message" not in choice:  # a text completion
        return {"content": choice.get("text") or ""}
    message = choice["message"]
    out: Json = {"content": message.get("content") or ""}
    if message.get("tool_calls"):
        out["tool_calls"] = [
            {"function": {"name": c["function"]["name"],
                          "arguments": _arguments(c["function"].get("arguments"))}}
            for c in message["tool_calls"]
        ]  # fmt: skip
    return out


def _arguments(text: str | None) -> Json:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _chatted(spec: ModelSpec, message: Json, done: bool, result, started: float) -> Json:
    return {"model": spec.name, "created_at": timestamp(time.time()),
            "message": {"role": "assistant", **message}, "done": done,
            **(_stats(result, started) if done else {})}  # fmt: skip


def _generated(spec: ModelSpec, message: Json, done: bool, result, started: float) -> Json:
    return {"model": spec.name, "created_at": timestamp(time.time()),
            "response": message.get("content", ""), "done": done,
            **(_stats(result, started) | {"context": []} if done else {})}  # fmt: skip


def _stats(result: ChatResult | None, started: float) -> Json:
    """The end of an answer: why it stopped and Ollama's counts (durations in nanoseconds)."""
    response = result.response if result is not None else {}
    choice = (response.get("choices") or [{}])[0]
    usage = response.get("usage") or {}
    total = int((time.perf_counter() - started) * 1e9)
    return {"done_reason": _reason(choice.get("finish_reason")), "total_duration": total,
            "load_duration": 0, "prompt_eval_count": usage.get("prompt_tokens", 0),
            "eval_count": usage.get("completion_tokens", 0), "eval_duration": total}  # fmt: skip


def _reason(finish_reason: str | None) -> str:
    """OpenAI's finish reason as Ollama's done reason (a tool call ends in "stop" there)."""
    return "length" if finish_reason == "length" else "stop"


_STARTED = time.time()


def timestamp(seconds: float) -> str:
    """Ollama's times: ISO 8601 in UTC."""
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _details(spec: ModelSpec) -> Json:
    custom = custom_model(spec)
    if custom is not None:
        facts = custom.facts
        return {"parent_model": "", "format": "gguf", "family": facts.architecture,
                "families": [facts.architecture], "quantization_level": facts.file_type,
                "parameter_size": f"{facts.parameters / 1e9:.1f}B" if facts.parameters >= 1e9
                else f"{facts.parameters / 1e6:.0f}M"}  # fmt: skip
    return {"parent_model": "", "format": "gguf" if spec.capability == "chat" else "llmos",
            "family": spec.capability, "families": [spec.capability], "parameter_size": "",
            "quantization_level": ""}  # fmt: skip


def card(spec: ModelSpec) -> Json:
    """A model as Ollama lists it: size is llmos's memory estimate, the digest a hash of the
    name (llmos's models come from packages, not blobs)."""
    return {"name": spec.name, "model": spec.name, "modified_at": timestamp(_STARTED),
            "size": spec.memory_bytes, "digest": hashlib.sha256(spec.name.encode()).hexdigest(),
            "details": _details(spec)}  # fmt: skip
