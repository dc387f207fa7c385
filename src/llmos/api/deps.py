"""Request-scoped access to the objects the app factory put on ``app.state``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from llmos.api.disconnect import unless_disconnected
from llmos.capabilities.base import ModelSpec
from llmos.capabilities.chat.custom import custom_model
from llmos.errors import InvalidRequest
from llmos.fusion.attachments import Attachments
from llmos.kernel import Kernel
from llmos.kernel.models import UNSET, KeepAlive
from llmos.storage import ConversationStore, FileStore
from llmos.units import parse_keep_alive

Json = dict[str, Any]


def get_kernel(request: Request) -> Kernel:
    return request.app.state.kernel


def get_conversations(request: Request) -> ConversationStore:
    return request.app.state.conversations


def get_files(request: Request) -> FileStore:
    return request.app.state.files


def keep_alive_of(value: str | float | None) -> KeepAlive:
    """A request's ``keep_alive`` field; absent leaves the model's current keep-alive alone."""
    if value is None:
        return UNSET
    try:
        return parse_keep_alive(value)
    except ValueError as error:
        raise InvalidRequest(str(error)) from None


def user_of(request: Request) -> str:
    """Whose memory, actions and conversations a request reaches: ``local`` without API keys;
    with keys, ``key:`` and a hash of the key (the middleware has checked it)."""
    return getattr(request.state, "user", "local")  # set by the API key middleware


async def read_attachments(request: Request, spec: ModelSpec, messages: list[Json]) -> list[Json]:
    """``messages`` with their pictures and documents read for the chat model ``spec``: as
    text, or, for a model with a vision projector, pictures kept (with the experts' facts when
    the settings say so). Stops when the client goes away."""
    custom = custom_model(spec)
    reading = attachments_of(request).as_text(
        messages,
        sees=bool(custom and custom.sees),
        facts=request.app.state.settings.vision_model_facts,
    )
    return await unless_disconnected(request, reading)


def attachments_of(request: Request) -> Attachments:
    """The reader of a request's pictures and documents, bounded by the server's settings."""
    settings = request.app.state.settings
    return Attachments(
        request.app.state.vision,
        request.app.state.files,
        allowed_hosts=settings.image_url_hosts,
        max_bytes=int(settings.max_upload_mb * 1_000_000),
    )
