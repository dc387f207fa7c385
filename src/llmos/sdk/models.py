"""Your own GGUF models through the SDK: create, describe and delete them (``llmos create``,
``llmos show``, ``llmos rm``), for :class:`~llmos.sdk.LlmosClient` and
:class:`~llmos.LocalClient` alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from llmos.sdk.results import parse

Json = dict[str, Any]


@dataclass(frozen=True)
class ModelInfo:
    """A model as ``GET /v1/models/{id}`` describes it."""

    id: str
    capability: str
    description: str
    loaded: bool
    owned_by: str = "llmos"  # "you" for a model you created
    memory_bytes: int | None = None  # llmos's estimate once loaded
    licence: str = ""
    package: str | None = None  # the pip package that carries a shipped model
    custom: Json | None = None  # a model you created: file, mmproj, context_length, system...


class ModelMethods:
    """Mixed into the client: needs ``_call(method, path, **httpx_kwargs) -> dict``."""

    def _call(self, method: str, path: str, **kwargs: Any) -> Json:
        raise NotImplementedError

    def models(self) -> list[ModelInfo]:
        """Every model the server has, each capability's default first."""
        return [parse(ModelInfo, m) for m in self._call("GET", "/v1/models")["data"]]

    def default_model(self, capability: str) -> ModelInfo:
        """The model the server uses for ``capability`` when a request names none."""
        for info in self.models():
            if info.capability == capability:
                return info
        from llmos.sdk.client import ApiError

        raise ApiError(404, f"The server has no {capability} model.")

    def model_info(self, name: str) -> ModelInfo:
        return parse(ModelInfo, self._call("GET", f"/v1/models/{quote(name, safe='')}"))

    def create_model(
        self,
        name: str,
        gguf: str | Path,
        *,
        mmproj: str | Path | None = None,
        template: str | None = None,
        system: str | None = None,
        context_length: int | None = None,
    ) -> ModelInfo:
        """Register a GGUF file as the chat model ``name``. Paths are the server's: this
        process's relative paths are made absolute, so they hold when the server runs here."""
        body = {
            "name": name,
            "from": str(Path(gguf).expanduser().absolute()),
            "mmproj": str(Path(mmproj).expanduser().absolute()) if mmproj else None,
            "template": template,
            "system": system,
            "context_length": context_length,
        }
        created = self._call(
            "POST", "/v1/models", json={k: v for k, v in body.items() if v is not None}
        )
        return parse(ModelInfo, created)

    def delete_model(self, name: str) -> None:
        """Forget a model you created (its file stays)."""
        self._call("DELETE", f"/v1/models/{quote(name, safe='')}")
