"""OpenAI ``POST /v1/chat/completions`` and ``POST /v1/completions``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from llmos.api.chat_requests import ChatRequest, CompletionRequest, Message, Sampling
from llmos.api.deps import get_kernel, keep_alive_of, user_of
from llmos.api.disconnect import unless_disconnected
from llmos.api.routes.assistant import toolbox
from llmos.api.streaming import stream_job
from llmos.assistant.apps import PREFIX as APP_PREFIX
from llmos.assistant.loop import MODEL_ID as ASSISTANT
from llmos.capabilities.base import ModelSpec
from llmos.capabilities.chat import ChatModel, ChatResult, chat_completion, text_completion
from llmos.capabilities.chat.service import OnChunk
from llmos.errors import InvalidRequest
from llmos.fusion.attachments import Attachments, has_attachments
from llmos.kernel import Kernel
from llmos.kernel.models import KeepAlive

Job = Callable[[ChatModel, threading.Event], ChatResult]

router = APIRouter(tags=["openai"])
Json = dict[str, Any]


@router.post("/v1/chat/completions")
async def create_chat_completion(
    body: ChatRequest, request: Request, kernel: Kernel = Depends(get_kernel)
):
    """OpenAI chat. ``image_url`` parts (data URIs) and ``file`` parts (a ``file_id`` from
    ``/v1/files`` or inline ``file_data``) are given to the model as text: an image as the facts
    llmos's image experts found, a PDF as its pages' text, a text file as it is. The model
    ``llmos-assistant`` also takes ``input_audio`` parts, plans, uses tools, and returns its
    trace in ``llmos``."""
    if body.model == ASSISTANT or (body.model or "").startswith(APP_PREFIX):
        return await _assist(body, request, kernel)
    if any(_has_audio(m.content) for m in body.messages):
        raise InvalidRequest(
            f"'input_audio' parts are understood by the model {ASSISTANT!r}; for another model, "
            "transcribe the audio first (POST /v1/audio/transcriptions)."
        )
    if has_attachments(m.content for m in body.messages):
        attachments = _attachments(request)
        described = await unless_disconnected(
            request, attachments.as_text([m.model_dump(exclude_none=True) for m in body.messages])
        )
        body = body.model_copy(update={"messages": [Message(**m) for m in described]})
    return await _serve(body, request, kernel, chat_completion)


def _attachments(request: Request) -> Attachments:
    settings = request.app.state.settings
    return Attachments(
        request.app.state.vision,
        request.app.state.files,
        allowed_hosts=settings.image_url_hosts,
        max_bytes=int(settings.max_upload_mb * 1_000_000),
    )


def _has_audio(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") == "input_audio" for p in content
    )


async def _assist(body: ChatRequest, request: Request, kernel: Kernel):
    """The assistant: perceive, plan, act (before the first token), then the chat model words
    the answer, streamed or whole, with the trace in the ``llmos`` field."""
    if body.tools or (body.response_format and body.response_format.type != "text"):
        raise InvalidRequest(
            f"{ASSISTANT!r} uses its own tools and answers in text; send 'tools' and "
            "'response_format' to a chat model instead."
        )
    state, model, user = request.app.state, body.model or ASSISTANT, user_of(request)
    tools, system = await toolbox(request, kernel, model)
    profile = [fact.text for fact in await asyncio.to_thread(state.profile.list, user)]
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    preparing = state.assistant.prepare(
        messages, _attachments(request), tools=tools, system=system, profile=tuple(profile)
    )
    prepared = await unless_disconnected(request, preparing)
    trace_id = await asyncio.to_thread(state.traces.add, model, prepared.planner, prepared.steps)
    if prepared.remember:
        await asyncio.to_thread(state.profile.add, user, prepared.remember)
    calls = [(call.name, call.arguments) for call in prepared.pending]
    pending = await asyncio.to_thread(state.actions.add, user, model, calls, trace_id)
    payload = (
        body.model_dump(
            exclude_none=True, by_alias=True, exclude={"model", "stream", "keep_alive", "messages"}
        )
        | prepared.request
    )
    spec = kernel.registry.resolve("chat", None)

    def job(on_chunk: OnChunk | None) -> Job:
        def run(model: ChatModel, stop: threading.Event) -> ChatResult:
            return chat_completion(model, payload, on_chunk=on_chunk, stop=stop)

        return run

    trace = {"id": trace_id, "planner": prepared.planner,
             "steps": [asdict(step) for step in prepared.steps]}  # fmt: skip
    extra: Json = {"trace": trace}
    if pending:
        extra["pending_actions"] = [asdict(action) for action in pending]
    if prepared.sources:
        extra["citations"] = [
            {"number": n, "source": source} for n, source in enumerate(prepared.sources, 1)
        ]
    return await answer(
        request, kernel, spec, job, stream=body.stream,
        wants_usage=bool(body.stream_options and body.stream_options.include_usage),
        keep_alive=keep_alive_of(body.keep_alive), extra={"llmos": extra},
        extra_on_last=True,
    )  # fmt: skip


@router.post("/v1/completions")
async def create_completion(
    body: CompletionRequest, request: Request, kernel: Kernel = Depends(get_kernel)
):
    return await _serve(body, request, kernel, text_completion)


async def _serve(body: Sampling, request: Request, kernel: Kernel, service):
    spec = kernel.registry.resolve("chat", body.model)
    payload = body.model_dump(
        exclude_none=True, by_alias=True, exclude={"model", "stream", "keep_alive"}
    )

    def job(on_chunk: OnChunk | None) -> Job:
        def run(model: ChatModel, stop: threading.Event) -> ChatResult:
            return service(model, payload, on_chunk=on_chunk, stop=stop)

        return run

    wants_usage = bool(body.stream_options and body.stream_options.include_usage)
    return await answer(
        request,
        kernel,
        spec,
        job,
        stream=body.stream,
        wants_usage=wants_usage,
        keep_alive=keep_alive_of(body.keep_alive),
    )


async def answer(
    request: Request,
    kernel: Kernel,
    spec: ModelSpec,
    job: Callable[[OnChunk | None], Job],
    *,
    stream: bool,
    wants_usage: bool,
    keep_alive: KeepAlive,
    extra: Json | None = None,
    extra_on_last: bool = False,
):
    """Run a chat job through the kernel and answer with JSON or server-sent events.

    ``job(on_chunk)`` makes the kernel job; ``extra`` fields are added to the answer, and to
    every chunk (with ``extra_on_last``, to the chunks that end a choice only)."""
    extra = extra or {}

    def with_extra(chunk: Json) -> Json:
        ends = any(c.get("finish_reason") for c in chunk.get("choices", []))
        return {**chunk, **extra} if ends or not extra_on_last else chunk

    if not stream:
        running = kernel.run(spec, job(None), keep_alive=keep_alive)
        result = await unless_disconnected(request, running)
        return JSONResponse({**result.response, **extra})

    def chunks(chunk: Json) -> Iterable[Json]:
        chunk["model"] = spec.name
        chunk.pop("timings", None)
        if chunk.get("choices") or wants_usage:
            yield with_extra(chunk)

    def finish(result: ChatResult) -> Iterable[Json]:
        if not result.streamed:  # it answered whole (a tool call): replay that as chunks
            for chunk in _as_chunks(result.response, include_usage=wants_usage):
                yield with_extra(chunk)

    return await stream_job(
        request,
        lambda on_chunk: kernel.run(spec, job(on_chunk), keep_alive=keep_alive),
        chunks=chunks,
        finish=finish,
    )


def _as_chunks(response: Json, *, include_usage: bool) -> Iterable[Json]:
    base = {key: response[key] for key in ("id", "created", "model") if key in response}
    base["object"] = "chat.completion.chunk"
    choice = response["choices"][0]
    message = dict(choice.get("message", {}))
    if "tool_calls" in message:
        message["tool_calls"] = [
            {"index": i, **call} for i, call in enumerate(message["tool_calls"])
        ]
    yield {**base, "choices": [{"index": 0, "delta": message, "finish_reason": None}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]}
    if include_usage:
        yield {**base, "choices": [], "usage": response.get("usage")}
