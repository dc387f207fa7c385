"""``LocalClient``: the SDK's methods answered in this process by the app ``llmos serve`` runs,
with no socket and no second process (``llmos mcp`` uses it; so can a script).

Same methods, same answers, same errors as :class:`~llmos.sdk.LlmosClient` against a server:
the requests go through the whole app (validation, kernel, scheduler) in memory. Models load
in this process, on first use, within its memory budget. Use it in a ``with`` block (or call
``close``): it owns a kernel and the thread the app runs in.
"""

from __future__ import annotations

from llmos.sdk import LlmosClient
from llmos.settings import Settings


class LocalClient(LlmosClient):
    def __init__(self, settings: Settings | None = None, *, api_key: str | None = None) -> None:
        from starlette.testclient import TestClient

        from llmos.api.app import create_app

        self.base_url = "http://llmos.local"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._app = TestClient(
            create_app(settings or Settings()), base_url=self.base_url, headers=headers,
            raise_server_exceptions=False,  # a server error is a 500, as over HTTP
        )  # fmt: skip
        self._app.__enter__()  # the app's start: its kernel and stores
        self._http = self._app

    def close(self) -> None:
        self._app.__exit__(None, None, None)
