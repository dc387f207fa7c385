"""OpenAI ``POST /v1/chat/completions`` and ``POST /v1/completions``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from llmos.api.chat_requests import (
    AudioOutput,
    ChatRequest,
    CompletionRequest,
    Message,
    Sampling,
)
from llmos.api.deps import get_kernel, keep_alive_of, read_attachments
from llmos.api.disconnect import unless_disconnected
from llmos.api.routes.assistant import assist, assisted
from llmos.api.spoken import check_voice, spoken
from llmos.api.streaming import stream_job
from llmos.assistant.loop import MODEL_ID as ASSISTANT
from llmos.capabilities.base import ModelSpec
from llmos.capabilities.chat import (
    ChatModel,
    ChatResult,
    chat_completion,
    chunk_text,
    reply_text,
    text_completion,
)
from llmos.capabilities.chat.service import OnChunk
from llmos.errors import InvalidRequest
from llmos.fusion.attachments import has_attachments
from llmos.kernel import Kernel
from llmos.kernel.models import KeepAlive

Job = Callable[[ChatModel, threading.Event], ChatResult]
NOT_FOR_THE_MODEL = {"model", "stream", "keep_alive", "modalities", "audio"}  # llmos's to do

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
    if body.spoken is not None:
        await check_voice(kernel, body.spoken)  # a bad voice: a 400 before any model runs
    if assisted(body.model):
        return await _assist(body, request, kernel)
    if any(_has_audio(m.content) for m in body.messages):
        raise InvalidRequest(
            f"'input_audio' parts are understood by the model {ASSISTANT!r}; for another model, "
            "transcribe the audio first (POST /v1/audio/transcriptions)."
        )
    if has_attachments(m.content for m in body.messages):
        described = await read_attachments(
            request,
            kernel.registry.resolve("chat", body.model),
            [m.model_dump(exclude_none=True) for m in body.messages],
        )
        body = body.model_copy(update={"messages": [Message(**m) for m in described]})
    return await _serve(body, request, kernel, chat_completion, speech=body.spoken)


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
    messages = [m.model_dump(exclude_none=True) for m in body.messages]
    prepared, extra = await assist(request, kernel, body.model or ASSISTANT, messages)
    payload = (
        body.model_dump(exclude_none=True, by_alias=True, exclude={"messages", *NOT_FOR_THE_MODEL})
        | prepared.request
    )
    spec = kernel.registry.resolve("chat", None)

    def job(on_chunk: OnChunk | None) -> Job:
        def run(model: ChatModel, stop: threading.Event) -> ChatResult:
            return chat_completion(model, payload, on_chunk=on_chunk, stop=stop)

        return run

    return await answer(
        request, kernel, spec, job, stream=body.stream,
        wants_usage=bool(body.stream_options and body.stream_options.include_usage),
        keep_alive=keep_alive_of(body.keep_alive), extra={"llmos": extra},
        extra_on_last=True, speech=body.spoken,
    )  # fmt: skip


@router.post("/v1/completions")
async def create_completion(
    body: CompletionRequest, request: Request, kernel: Kernel = Depends(get_kernel)
):
    return await _serve(body, request, kernel, text_completion)


async def _serve(
    body: Sampling, request: Request, kernel: Kernel, service, *, speech: AudioOutput | None = None
):
    spec = kernel.registry.resolve("chat", body.model)
    payload = body.model_dump(exclude_none=True, by_alias=True, exclude=NOT_FOR_THE_MODEL)

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
        speech=speech,
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
    speech: AudioOutput | None = None,
):
    """Run a chat job through the kernel and answer with JSON or server-sent events.

    ``job(on_chunk)`` makes the kernel job; ``extra`` fields are added to the answer, and to
    every chunk (with ``extra_on_last``, to the chunks that end a choice only); with ``speech``,
    the answer is spoken too (``api/spoken.py``)."""
    extra = extra or {}
    said: list[str] = []  # a streamed answer's text, to speak at the end

    def with_extra(chunk: Json) -> Json:
        ends = any(c.get("finish_reason") for c in chunk.get("choices", []))
        return {**chunk, **extra} if ends or not extra_on_last else chunk

    if not stream:
        running = kernel.run(spec, job(None), keep_alive=keep_alive)
        result = await unless_disconnected(request, running)
        response = result.response
        if speech is not None:
            message = response["choices"][0]["message"]
            audio = await unless_disconnected(
                request, spoken(kernel, message.get("content") or "", speech)
            )
            response["choices"][0]["message"] = {**message, **({"audio": audio} if audio else {})}
        return JSONResponse({**response, **extra})

    def chunks(chunk: Json) -> Iterable[Json]:
        chunk["model"] = spec.name
        chunk.pop("timings", None)
        said.append(chunk_text(chunk))
        if chunk.get("choices") or wants_usage:
            yield with_extra(chunk)

    async def speak_it(result: ChatResult) -> list[Json]:
        text = "".join(said) or reply_text(result.response)  # replayed whole: not in `said`
        audio = await spoken(kernel, text, speech) if speech is not None else None
        if audio is None:
            return []
        base = {key: result.response[key] for key in ("id", "created") if key in result.response}
        delta = {"index": 0, "delta": {"audio": audio}, "finish_reason": None}
        return [{**base, "object": "chat.completion.chunk", "model": spec.name,
                 "choices": [delta]}]  # fmt: skip

    def finish(result: ChatResult) -> Iterable[Json]:
        if not result.streamed:  # it answered whole (a tool call): replay that as chunks
            for chunk in _as_chunks(result.response, include_usage=wants_usage):
                yield with_extra(chunk)

    return await stream_job(
        request,
        lambda on_chunk: kernel.run(spec, job(on_chunk), keep_alive=keep_alive),
        chunks=chunks,
        finish=finish,
        after=speak_it if speech is not None else None,
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
