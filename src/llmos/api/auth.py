"""Optional API keys: when configured, every route but /health needs ``Authorization: Bearer``."""

from __future__ import annotations

import hashlib
import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from llmos.api.errors import from_llmos_error
from llmos.errors import Unauthorized

OPEN_PATHS = frozenset({"/health", "/"})  # "/": the web UI's page, which holds no data
OPEN_PREFIXES = ("/ui/",)  # the web UI's static files


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, *, keys: list[str]) -> None:
        self.app = app
        self._keys = [key.encode() for key in keys]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._keys or _open(scope["path"]):
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization")
        problem = self._check(header)
        if problem is None:
            assert header is not None
            # whose memory and actions the request reaches: the key that was checked
            token = header.partition(b" ")[2].strip()
            scope.setdefault("state", {})["user"] = "key:" + hashlib.sha256(token).hexdigest()[:16]
            await self.app(scope, receive, send)
            return
        await from_llmos_error(Unauthorized(problem))(scope, receive, send)

    def _check(self, header: bytes | None) -> str | None:
        """None when the key is right, else what is wrong with it."""
        if not header:
            return "Missing API key. Send it as 'Authorization: Bearer <key>'."
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            return "Malformed Authorization header. Send 'Authorization: Bearer <key>'."
        token = token.strip()
        # compare with every key, always, so timing does not tell which prefix matched
        matches = [hmac.compare_digest(token, key) for key in self._keys]
        return None if any(matches) else "Incorrect API key provided."


def _open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)
