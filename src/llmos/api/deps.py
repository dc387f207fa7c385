"""Request-scoped access to the objects the app factory put on ``app.state``."""

from __future__ import annotations

import hashlib

from fastapi import Request

from llmos.errors import InvalidRequest
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
    if not request.app.state.settings.api_keys:
        return "local"
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
