"""Request size limit, answered in the OpenAI error shape.

A body whose ``Content-Length`` declares too much is refused before a byte is read. A chunked
body is counted as it arrives; past the limit, reading it raises a 413 ``HTTPException``, which
FastAPI passes to our handlers. (FastAPI's own ``max_body_size`` answers in plain text.)
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llmos.api.errors import from_llmos_error, too_large_message
from llmos.errors import PayloadTooLarge


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_upload_mb: float) -> None:
        self.app = app
        self.max_upload_mb = max_upload_mb
        self.max_bytes = int(max_upload_mb * 1_000_000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = PayloadTooLarge(too_large_message(self.max_upload_mb))
            await from_llmos_error(error)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413)
            return message

        await self.app(scope, counting_receive, send)
