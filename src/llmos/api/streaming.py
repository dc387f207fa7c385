"""Server-sent events for jobs that produce chunks on a worker thread.

Errors that happen before the first chunk (queue full, unknown model, context too long) are
raised, so the client gets a proper HTTP status. Once streaming, an error becomes an ``error``
event. When the client goes away, Starlette cancels the event generator, which cancels the
kernel job: the model is told to stop generating and its slot is free for the next request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from llmos.api.disconnect import unless_disconnected
from llmos.api.errors import error_body
from llmos.errors import LlmosError

log = logging.getLogger(__name__)
Json = dict[str, Any]
_END = object()
MAX_PENDING = 64  # chunks (tokens, audio pieces) waiting for a slow client
STALL_SECONDS = 60  # a client that reads nothing for this long loses the rest of its stream


def sse(data: Json | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"


@dataclass(frozen=True)
class Framing:
    """How a stream's items are written: server-sent events (OpenAI) or one JSON object a line
    (Ollama), what ends the stream, and an error's shape."""

    encode: Callable[[Json], str]
    end: str
    media_type: str
    error: Callable[[str, str, str], Json]  # (message, type, code) -> the error item


def _line(item: Json) -> str:
    return json.dumps(item, ensure_ascii=False) + "\n"


def _openai_error(message: str, type_: str, code: str) -> Json:
    return error_body(message, type_=type_, code=code)


def _ollama_error(message: str, _type: str, _code: str) -> Json:
    return {"error": message}


SSE = Framing(sse, sse("[DONE]"), "text/event-stream", _openai_error)
NDJSON = Framing(_line, "", "application/x-ndjson", _ollama_error)


async def stream_job(
    request: Request,
    start: Callable[[Callable[[Json], None]], Coroutine[Any, Any, Any]],
    *,
    chunks: Callable[[Json], Iterable[Json]],
    finish: Callable[[Any], Iterable[Json]],
    after: Callable[[Any], Awaitable[Iterable[Json]]] | None = None,
    framing: Framing = SSE,
) -> StreamingResponse:
    """Run ``start(on_chunk)`` and stream what it emits (as SSE, or as ``framing`` says), then
    ``finish(result)``, then what ``after(result)`` makes (work that waits, such as speaking
    the answer).

    ``chunks`` rewrites each engine chunk into what the client should see (maybe nothing).
    """
    task, items, first = await _started(request, start)
    encode = framing.encode

    async def events() -> AsyncIterator[str]:
        batch = first
        try:
            while True:  # what waited is sent in one write: a slow client gets tokens in batches
                done = _END in batch
                text = "".join(encode(c) for item in _until_end(batch) for c in chunks(item))
                if text:
                    yield text
                if done:
                    break
                batch = await items.get_all()
            yield "".join(encode(chunk) for chunk in finish(task.result()))
            if after is not None:
                yield "".join(encode(chunk) for chunk in await after(task.result()))
            if framing.end:
                yield framing.end
        except LlmosError as error:
            yield encode(framing.error(error.message, error.type, error.code))
        except Exception:
            log.exception("a stream failed")
            message = "Internal error; the server log has the details."
            yield encode(framing.error(message, "server_error", "internal_error"))
        finally:
            items.close()
            if not task.done():
                task.cancel()

    return StreamingResponse(events(), media_type=framing.media_type, headers=_NO_BUFFERING)


async def stream_bytes(
    request: Request,
    start: Callable[[Callable[[bytes], None]], Coroutine[Any, Any, Any]],
    *,
    media_type: str,
    header: bytes = b"",
) -> StreamingResponse:
    """Run ``start(on_bytes)`` and send the bytes it emits as they come (chunked transfer).

    An error after the first bytes is logged and drops the connection, so the client cannot take
    a cut-off body for a whole one."""
    task, items, first = await _started(request, start)

    async def body() -> AsyncIterator[bytes]:
        batch = first
        try:
            yield header
            while True:
                done = _END in batch
                yield b"".join(_until_end(batch))
                if done:
                    break
                batch = await items.get_all()
            task.result()
        except Exception:
            log.exception("a byte stream failed after it started")
            raise  # the connection drops: the client must not take a cut-off body as whole
        finally:
            items.close()
            if not task.done():
                task.cancel()

    return StreamingResponse(body(), media_type=media_type, headers=_NO_BUFFERING)


_NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class _BoundedChunks:
    """What the worker thread hands to the event loop, at most MAX_PENDING at a time: a job that
    outpaces its client waits for it, so a slow reader never makes the server hold a whole
    answer. The loop is woken once for whatever arrived meanwhile, not once per token, and takes
    it all at once. Once the reader is gone (``close``), items are dropped, never waited on."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: deque[Any] = deque()
        self._lock = threading.Lock()
        self._woken = False  # a wake-up is on its way to the loop
        self._ready = asyncio.Event()
        self._space = threading.Semaphore(MAX_PENDING)
        self._closed = threading.Event()
        self._stalled = False
        self.on_stall: Callable[[], object] = lambda: None

    def put(self, item: Any) -> None:  # on the worker thread
        waited = 0.0
        while not self._closed.is_set():
            if self._space.acquire(timeout=0.1):
                self._append(item)
                return
            waited += 0.1
            if waited > STALL_SECONDS:  # a client that stops reading must not hold the model:
                self._stalled = True  # the job is cancelled (its stop event set) at once
                self._closed.set()
                self._loop.call_soon_threadsafe(self.on_stall)

    def _append(self, item: Any) -> None:
        with self._lock:
            self._pending.append(item)
            if self._woken:
                return
            self._woken = True
        self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:  # on the event loop
        with self._lock:
            self._woken = False
        self._ready.set()

    def end(self) -> None:  # on the event loop
        with self._lock:
            self._pending.append(_END)
        self._ready.set()

    async def get_all(self) -> list[Any]:
        """Every item waiting (at least one), in order; the last may be the end."""
        while True:
            with self._lock:
                if self._pending:
                    items = list(self._pending)
                    self._pending.clear()
                    break
                self._ready.clear()
            await self._ready.wait()
        if self._stalled:
            raise LlmosError(
                f"The client read nothing for {STALL_SECONDS} s; the rest of the answer was "
                "dropped so the model could serve others."
            )
        if taken := sum(item is not _END for item in items):
            self._space.release(taken)
        return items

    def close(self) -> None:
        self._closed.set()


def _until_end(items: list[Any]) -> Iterator[Any]:
    for item in items:
        if item is _END:
            return
        yield item


async def _started(
    request: Request, start
) -> tuple[asyncio.Future[Any], _BoundedChunks, list[Any]]:
    """Start the job; wait for its first item (or its end, raising its error) while watching
    for the client to leave."""
    items = _BoundedChunks(asyncio.get_running_loop())
    task = asyncio.ensure_future(start(items.put))
    items.on_stall = task.cancel
    task.add_done_callback(lambda _task: items.end())
    try:
        first = await unless_disconnected(request, items.get_all())
    except BaseException:
        items.close()
        task.cancel()
        raise
    if first[0] is _END:
        task.result()  # raises the job's error as a normal HTTP error
    return task, items, first
