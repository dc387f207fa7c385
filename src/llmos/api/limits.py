"""Request limits: body size, answered in the OpenAI error shape, and what a JSON body holds.

A body whose ``Content-Length`` declares too much is refused before a byte is read. A chunked
body is counted as it arrives; past the limit, reading it raises a 413 ``HTTPException``, which
FastAPI passes to our handlers. (FastAPI's own ``max_body_size`` answers in plain text.)
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llmos.api.errors import from_llmos_error, too_large_message
from llmos.errors import InvalidRequest, PayloadTooLarge, ServerBusy
from llmos.kernel.work_memory import MemoryPool


class BodySizeLimit:
    """Refuses bodies over the limit, and admits each request's body against the kernel's work
    memory (``bodies`` pool) for as long as the request runs: a body is held as bytes, parsed,
    and maybe base64-decoded, about BODY_COPIES times its size at the peak."""

    BODY_COPIES = 3
    SMALL_BODY = 1_000_000  # bytes: smaller bodies are not admitted against the pool

    def __init__(self, app: ASGIApp, *, max_upload_mb: float, memory: MemoryPool) -> None:
        self.app = app
        self.max_upload_mb = max_upload_mb
        self.max_bytes = int(max_upload_mb * 1_000_000)
        self.memory = memory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = PayloadTooLarge(too_large_message(self.max_upload_mb))
            await from_llmos_error(error)(scope, receive, send)
            return
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        size = self.max_bytes if chunked else int(declared or 0)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413)
            return message

        if size < self.SMALL_BODY:  # a chat message, a form: not worth queueing for
            await self.app(scope, counting_receive, send)
            return
        try:
            held = await self.memory.acquire(self.BODY_COPIES * size)
        except ServerBusy as error:
            await from_llmos_error(error)(scope, receive, send)
            return
        try:
            await self.app(scope, counting_receive, send)
        finally:
            self.memory.release(held)


MAX_NESTING = 64  # levels of JSON objects and arrays in a request body
_SURROGATE = re.compile("[\ud800-\udfff]")


async def check_json_body(request: Request) -> None:
    """Every JSON body, before a route sees it: nested at most MAX_NESTING deep, and no lone
    UTF-16 surrogate (``"\\ud800"`` parses in Python, then fails wherever the text is encoded).
    """
    if request.method not in ("POST", "PUT", "PATCH") or not _is_json(request):
        return
    try:
        body = await request.json()  # parsed once: FastAPI reuses it
    except (ValueError, RecursionError):
        return  # not JSON: the route's own validation says so
    big = len(await request.body()) > 2**16  # walking a big body must not hold the event loop
    compute = request.app.state.kernel.compute
    problem = await compute(_problem_in, body) if big else _problem_in(body)
    if problem:
        raise InvalidRequest(problem)


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().endswith("json")


def _problem_in(body: Any) -> str | None:
    """What is wrong with a parsed JSON body, if anything (iterative: any depth is safe)."""
    # each entry: (value, depth, where) with where = (parent's where, key), spelled out only
    # for the message, so a big body costs no string per node
    stack: list[tuple[Any, int, tuple | None]] = [(body, 0, None)]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return (
                    f"{_spelled(where)} holds a lone UTF-16 surrogate (such as \\ud800), which is "
                    "not text. Send valid Unicode."
                )
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_NESTING:
            return f"The request body is nested more than {MAX_NESTING} levels deep."
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and _SURROGATE.search(key):
                return (
                    f"{_spelled(where)} has a key with a lone UTF-16 surrogate. Send valid Unicode."
                )
            stack.append((item, depth + 1, (where, key)))
    return None


def _spelled(where: tuple | None) -> str:
    """``body.messages.0.content`` for a chain of (parent, key) pairs."""
    keys = []
    while where is not None:
        where, key = where
        keys.append(str(key))
    return ".".join(["body", *reversed(keys)])
