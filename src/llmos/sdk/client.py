"""A small typed client for the model manager routes (/api/ps, /api/load, /api/unload)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from llmos.kernel.models import ResidentModel


class ApiError(Exception):
    """The server answered with an error; ``message`` is the server's own explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class ServerUnreachable(Exception):
    pass


@dataclass(frozen=True)
class ServerStatus:
    models: list[ResidentModel]
    memory_budget_bytes: int
    memory_used_bytes: int


class LlmosClient:
    def __init__(
        self, base_url: str = "http://127.0.0.1:8000", *, api_key: str | None = None
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # loading a model can take a while on two cores: no read timeout
        timeout = httpx.Timeout(10.0, read=None)
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def ps(self) -> ServerStatus:
        body = self._call("GET", "/api/ps")
        return ServerStatus(
            models=[ResidentModel(**model) for model in body["models"]],
            memory_budget_bytes=body["memory_budget_bytes"],
            memory_used_bytes=body["memory_used_bytes"],
        )

    def load(self, model: str, *, keep_alive: str | None = None) -> ServerStatus:
        self._call("POST", "/api/load", json={"model": model, "keep_alive": keep_alive})
        return self.ps()

    def unload(self, model: str) -> bool:
        return self._call("POST", "/api/unload", json={"model": model})["unloaded"]

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LlmosClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise ServerUnreachable(
                f"No llmos server answers at {self.base_url} ({error}). "
                "Start one with `llmos serve`."
            ) from error
        if response.is_error:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text or response.reason_phrase
            raise ApiError(response.status_code, message)
        return response.json()
