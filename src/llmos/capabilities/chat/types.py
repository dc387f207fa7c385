"""Typed results and errors of the chat capability.

Requests and responses keep the OpenAI JSON shape end to end, because llama.cpp's engine speaks
it natively; what llmos adds is typed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmos.capabilities.base import Usage
from llmos.errors import InvalidRequest

Json = dict[str, Any]


@dataclass(frozen=True)
class ChatResult:
    response: Json  # an OpenAI chat.completion / text_completion, or the last stream chunk
    usage: Usage
    streamed: bool = False  # True when every chunk already went to the caller's on_chunk


class ContextTooLong(InvalidRequest):
    code = "context_length_exceeded"

    def __init__(self, *, prompt_tokens: int, n_ctx: int, model: str) -> None:
        super().__init__(
            f"This model's maximum context length is {n_ctx} tokens, but the request has "
            f"{prompt_tokens} tokens. Shorten the messages (or start a new conversation) and "
            f"try again. Model: {model}."
        )
        self.prompt_tokens = prompt_tokens
        self.n_ctx = n_ctx
