"""Cancel the work behind a request when its client goes away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

from starlette.requests import Request

from llmos.errors import LlmosError

T = TypeVar("T")

POLL_SECONDS = 0.1


class ClientDisconnected(LlmosError):
    status, type, code = 499, "invalid_request_error", "client_closed_request"


async def unless_disconnected(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """Await ``work``; if the client disconnects first, cancel it and raise ClientDisconnected.

    Cancelling a queued kernel job removes it from the queue before it runs.
    """
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_SECONDS)
            if done:
                return task.result()
            if await request.is_disconnected():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise ClientDisconnected("The client closed the connection; the job was cancelled.")
    finally:
        if not task.done():
            task.cancel()
