"""Stored conversations through the SDK: start one, ask in it (streamed), list them, read one
back — for :class:`~llmos.sdk.LlmosClient` and :class:`~llmos.LocalClient` alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from llmos.sdk.results import parse

Json = dict[str, Any]


@dataclass(frozen=True)
class StoredMessage:
    role: str
    content: str
    # a question's "typed" words and "attachments" (id, filename); an answer's "trace_id"
    details: Json = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    id: str
    created_at: float
    updated_at: float
    title: str
    model: str | None
    system: str | None
    messages: list[StoredMessage] = field(default_factory=list)  # only when read one by one


class ConversationMethods:
    """Mixed into the client: needs ``_call``, ``_http`` and ``_texts`` (a stream's text)."""

    _http: httpx.Client

    def _call(self, method: str, path: str, **kwargs: Any) -> Json:
        raise NotImplementedError

    def _texts(self, request: httpx.Request) -> Iterator[str]:
        raise NotImplementedError

    def new_conversation(
        self, *, model: str | None = None, system: str | None = None, title: str = ""
    ) -> str:
        """Start a stored conversation; returns its id. The server keeps its turns and folds
        the oldest into a summary when the model's context fills."""
        body = {"model": model, "system": system, "title": title[:200]}
        return self._call("POST", "/v1/conversations", json={k: v for k, v in body.items() if v})[
            "id"
        ]

    def say(
        self,
        conversation_id: str,
        content: str,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        """Ask in a stored conversation; streams the answer as text pieces. Closing the
        iterator early (e.g. on Ctrl-C) stops the answer on the server."""
        body = {"content": content, "stream": True, "temperature": temperature,
                "max_tokens": max_tokens}  # fmt: skip
        request = self._http.build_request(
            "POST",
            f"/v1/conversations/{conversation_id}/messages",
            json={k: v for k, v in body.items() if v is not None},
        )
        yield from self._texts(request)

    def conversations(self) -> list[Conversation]:
        """Your stored conversations, the most recent first."""
        found = self._call("GET", "/v1/conversations")["data"]
        return [parse(Conversation, c) for c in found]

    def conversation(self, conversation_id: str) -> Conversation:
        """One conversation with its messages."""
        return parse(Conversation, self._call("GET", f"/v1/conversations/{conversation_id}"))
