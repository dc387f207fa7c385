"""Request-scoped access to the objects the app factory put on ``app.state``."""

from __future__ import annotations

from fastapi import Request

from llmos.errors import InvalidRequest
from llmos.fusion.attachments import Attachments
from llmos.kernel import Kernel
from llmos.kernel.models import UNSET, KeepAlive
from llmos.storage import ConversationStore, FileStore
from llmos.units import parse_keep_alive


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


def attachments_of(request: Request) -> Attachments:
    """The reader of a request's pictures and documents, bounded by the server's settings."""
    settings = request.app.state.settings
    return Attachments(
        request.app.state.vision,
        request.app.state.files,
        allowed_hosts=settings.image_url_hosts,
        max_bytes=int(settings.max_upload_mb * 1_000_000),
    )
