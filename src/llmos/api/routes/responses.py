"""OpenAI's Responses API, ``POST /v1/responses``, on the chat service: ``input`` (text, or
messages with ``input_text``, ``input_image`` and ``input_file`` parts, function calls and
their outputs), ``instructions``, function ``tools``, ``text.format`` (a JSON schema),
``stream`` (the Responses events), and ``previous_response_id``, which continues a stored
response (each user's own). A thin translation onto the chat request the OpenAI chat route
checks and runs; pictures and files are read as in chat.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmos.api.chat_requests import ChatRequest
from llmos.api.deps import get_kernel, keep_alive_of, read_attachments, user_of
from llmos.api.disconnect import unless_disconnected
from llmos.api.errors import describe_validation_errors
from llmos.api.streaming import stream_job
from llmos.capabilities.chat import ChatModel, ChatResult, chat_completion, chunk_text
from llmos.capabilities.chat.custom import custom_model
from llmos.errors import InvalidRequest, NotFound
from llmos.fusion.attachments import has_attachments
from llmos.kernel import Kernel

router = APIRouter(tags=["openai"])
Json = dict[str, Any]
PARTS = {"input_text": "text", "output_text": "text"}


class TextFormat(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: Literal["text", "json_object", "json_schema"] = "text"
    name: str | None = None
    schema_: Json | None = Field(None, alias="schema")
    strict: bool | None = None


class TextOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: TextFormat | None = None


class ResponsesRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # store, metadata, reasoning...: accepted

    model: str | None = None
    input: str | list[Json] = Field(description="Text, or a list of messages and items.")
    instructions: str | None = None
    tools: list[Json] | None = None
    tool_choice: Literal["none", "auto", "required"] | Json | None = None
    text: TextOptions | None = None
    stream: bool = False
    previous_response_id: str | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    max_output_tokens: int | None = Field(None, ge=1)
    keep_alive: str | float | None = None


@router.post("/v1/responses")
async def create_response(
    body: ResponsesRequest, request: Request, kernel: Kernel = Depends(get_kernel)
):
    user, store = user_of(request), request.app.state.responses
    before: list[Json] = []
    if body.previous_response_id:
        found = await asyncio.to_thread(store.messages, user, body.previous_response_id)
        if found is None:
            raise NotFound(f"No response {body.previous_response_id!r} to continue.")
        before = found
    asked = _chat_request(body, before)
    messages = asked["messages"]
    spec = kernel.registry.resolve("chat", body.model)
    custom = custom_model(spec)
    # the earlier turns were read when they came, except pictures kept for a model that sees
    read_from = 0 if not (custom and custom.sees) else len(messages) - len(_new(body))
    fresh = messages[read_from:]
    if has_attachments(m.get("content") for m in fresh):  # pictures and files -> text
        read = await read_attachments(request, spec, fresh)
        notes = read[: len(read) - len(fresh)]  # the note on pictures, first of all
        asked["messages"] = [*notes, *messages[:read_from], *read[len(notes) :]]
    response_id, started = f"resp_{uuid.uuid4().hex}", int(time.time())

    def job(on_chunk):
        def run(model: ChatModel, stop: threading.Event) -> ChatResult:
            return chat_completion(model, asked, on_chunk=on_chunk, stop=stop)

        return run

    async def keep(answer: Json) -> None:
        kept = [*asked["messages"], answer]  # attachments kept as what was read in them
        await asyncio.to_thread(store.add, user, response_id, _without_system(kept))

    def response(result: ChatResult) -> Json:
        return _response(response_id, started, spec.name, body, result.response)

    keep_alive = keep_alive_of(body.keep_alive)
    if not body.stream:
        result = await unless_disconnected(
            request, kernel.run(spec, job(None), keep_alive=keep_alive)
        )
        await keep(result.response["choices"][0]["message"])
        return JSONResponse(response(result))
    return await _stream(request, kernel, spec, job, keep_alive, response_id, started, body, keep)


def _new(body: ResponsesRequest) -> list[Json]:
    """This request's own input, as chat messages."""
    items = [{"role": "user", "content": body.input}] if isinstance(body.input, str) else body.input
    return _messages(items)


def _chat_request(body: ResponsesRequest, before: list[Json]) -> Json:
    """The chat request the Responses request means, checked as the chat route checks it."""
    system = [{"role": "system", "content": body.instructions}] if body.instructions else []
    asked: Json = {
        "model": body.model, "messages": [*system, *before, *_new(body)],
        "temperature": body.temperature, "top_p": body.top_p,
        "max_tokens": body.max_output_tokens,
    }  # fmt: skip
    if body.tools:
        asked["tools"] = [_tool(t) for t in body.tools if t.get("type") == "function"]
        asked["tool_choice"] = body.tool_choice if isinstance(body.tool_choice, str) else None
    if body.text and body.text.format and body.text.format.type != "text":
        shape = body.text.format
        asked["response_format"] = (
            {"type": "json_object"} if shape.type == "json_object" else
            {"type": "json_schema", "json_schema": {"name": shape.name or "output",
                                                    "schema": shape.schema_}}
        )  # fmt: skip
    present = {k: v for k, v in asked.items() if v is not None}
    try:
        checked = ChatRequest.model_validate(present)
    except ValidationError as error:  # worded as the routes' own request errors
        raise InvalidRequest(describe_validation_errors(list(error.errors()))) from None
    return {**present, "messages": [m.model_dump(exclude_none=True) for m in checked.messages]}


def _messages(items: list[Json]) -> list[Json]:
    """Responses input items as chat messages."""
    out: list[Json] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidRequest(f"input[{index}] must be an object (a message or an item).")
        kind = item.get("type", "message")
        if kind == "function_call":
            function = {"name": str(item.get("name", "")),
                        "arguments": str(item.get("arguments", "{}"))}  # fmt: skip
            call = {"id": str(item.get("call_id", "")), "type": "function", "function": function}
            out.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            out.append({"role": "tool", "tool_call_id": str(item.get("call_id", "")),
                        "content": str(item.get("output", ""))})  # fmt: skip
        elif kind == "message":
            out.append({"role": item.get("role", "user"), "content": _content(item, index)})
        else:
            raise InvalidRequest(f"input[{index}].type {kind!r} is not supported here.")
    return out


def _content(item: Json, index: int) -> str | list[Json]:
    content = item.get("content", "")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequest(f"input[{index}].content must be text or a list of parts.")
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in PARTS:
            parts.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind == "input_image":
            url = part.get("image_url") or part.get("file_id")
            if not isinstance(url, str):
                raise InvalidRequest(f"input[{index}]: an input_image needs an image_url.")
            parts.append({"type": "image_url", "image_url": {"url": url}} if "image_url" in part
                         else {"type": "file", "file": {"file_id": url}})  # fmt: skip
        elif kind == "input_file":
            file = {k: part[k] for k in ("file_id", "file_data", "filename") if k in part}
            parts.append({"type": "file", "file": file})
        else:
            raise InvalidRequest(f"input[{index}] has a part of type {kind!r}; use input_text, "
                                 "input_image or input_file.")  # fmt: skip
    if item.get("role") != "user":  # only users attach: others' parts as plain text
        return "".join(p.get("text", "") for p in parts)
    return parts


def _tool(tool: Json) -> Json:
    """A Responses function tool (flat) as a chat tool (nested)."""
    function = {k: tool[k] for k in ("name", "description", "parameters") if k in tool}
    return {"type": "function", "function": function}


def _without_system(messages: list[Json]) -> list[Json]:
    return [m for m in messages if m.get("role") not in ("system", "developer")]


def _output(message: Json, response_id: str) -> list[Json]:
    if message.get("tool_calls"):
        return [{"type": "function_call", "id": f"fc_{response_id[5:17]}_{n}",
                 "call_id": c["id"], "name": c["function"]["name"],
                 "arguments": c["function"]["arguments"], "status": "completed"}
                for n, c in enumerate(message["tool_calls"])]  # fmt: skip
    text = {"type": "output_text", "text": message.get("content") or "", "annotations": []}
    return [{"type": "message", "id": f"msg_{response_id[5:29]}", "status": "completed",
             "role": "assistant", "content": [text]}]  # fmt: skip


def _response(
    response_id: str, created: int, model: str, body: ResponsesRequest, chat: Json | None,
    *, status: str = "completed",
) -> Json:  # fmt: skip
    """The Response object (OpenAI's fields, so the official client reads it)."""
    usage = (chat or {}).get("usage") or {}
    output = _output(chat["choices"][0]["message"], response_id) if chat else []
    return {
        "id": response_id, "object": "response", "created_at": created, "status": status,
        "model": model, "output": output, "instructions": body.instructions,
        "previous_response_id": body.previous_response_id, "tools": body.tools or [],
        "tool_choice": body.tool_choice or "auto", "parallel_tool_calls": False,
        "temperature": body.temperature, "top_p": body.top_p,
        "max_output_tokens": body.max_output_tokens, "error": None,
        "incomplete_details": None, "metadata": {},
        "text": {"format": {"type": "text"}} if body.text is None
        else body.text.model_dump(by_alias=True, exclude_none=True),
        "usage": {
            "input_tokens": usage.get("prompt_tokens", 0),
            "output_tokens": usage.get("completion_tokens", 0),
            "total_tokens": usage.get("total_tokens", 0),
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }  # fmt: skip


async def _stream(request, kernel, spec, job, keep_alive, response_id, started, body, keep):
    """The Responses stream: created, the text as deltas, then the item and the response
    completed (a function call comes whole, as its item)."""
    item_id = f"msg_{response_id[5:29]}"
    sequence = iter(range(1_000_000))
    said: list[str] = []

    def event(kind: str, **fields: Any) -> Json:
        return {"type": kind, "sequence_number": next(sequence), **fields}

    def opening() -> list[Json]:
        shell = _response(response_id, started, spec.name, body, None, status="in_progress")
        item = {"type": "message", "id": item_id, "status": "in_progress", "role": "assistant",
                "content": []}  # fmt: skip
        part = {"type": "output_text", "text": "", "annotations": []}
        return [event("response.created", response=shell),
                event("response.in_progress", response=shell),
                event("response.output_item.added", output_index=0, item=item),
                event("response.content_part.added", item_id=item_id, output_index=0,
                      content_index=0, part=part)]  # fmt: skip

    first = [True]

    def chunks(chunk: Json):
        if first[0]:
            first[0] = False
            yield from opening()
        piece = chunk_text(chunk)
        if piece:
            said.append(piece)
            yield event("response.output_text.delta", item_id=item_id, output_index=0,
                        content_index=0, delta=piece, logprobs=[])  # fmt: skip

    def whole(result: ChatResult) -> Json:
        """The answer as one chat response: a streamed one's last chunk holds only usage."""
        if not result.streamed:
            return result.response
        message = {"role": "assistant", "content": "".join(said)}
        return {"choices": [{"message": message}], "usage": result.response.get("usage")}

    def finish(result: ChatResult):
        if first[0]:
            yield from opening()
        answer = whole(result)
        message = answer["choices"][0]["message"]
        done = _response(response_id, started, spec.name, body, answer)
        text = message.get("content") or ""
        yield event("response.output_text.done", item_id=item_id, output_index=0,
                    content_index=0, text=text, logprobs=[])  # fmt: skip
        part = {"type": "output_text", "text": text, "annotations": []}
        yield event("response.content_part.done", item_id=item_id, output_index=0,
                    content_index=0, part=part)  # fmt: skip
        for index, item in enumerate(done["output"]):
            yield event("response.output_item.done", output_index=index, item=item)
        yield event("response.completed", response=done)

    async def store(result: ChatResult) -> list[Json]:
        await keep(whole(result)["choices"][0]["message"])
        return []

    return await stream_job(
        request, lambda on_chunk: kernel.run(spec, job(on_chunk), keep_alive=keep_alive),
        chunks=chunks, finish=finish, after=store,
    )  # fmt: skip
