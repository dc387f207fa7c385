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

# The system notes llmos itself adds to a conversation; a default system message of a model you
# created is still due when these are the only ones (custom.WithSystem)
SEEING_NOTE = (
    "You cannot see images. Each image the user sent is given to you as the facts image "
    "experts found in it. Use only those facts; if they do not answer something, say that you "
    "cannot tell from the image."
)
SEEN_NOTE = (
    "Each image the user sent is followed by the facts llmos's image experts found in it; use "
    "them as evidence next to what you see."
)
SUMMARY_NOTE = "Summary of the earlier conversation:"
LLMOS_NOTES = (SEEING_NOTE, SEEN_NOTE, SUMMARY_NOTE)


def chunk_text(chunk: Json) -> str:
    """The text a streamed chunk carries: its chat deltas' content, or a completion's text."""
    return "".join(choice.get("text") or (choice.get("delta") or {}).get("content") or ""
                   for choice in chunk.get("choices", []))  # fmt: skip


def reply_text(response: Json) -> str:
    """A whole answer's text ("" for a tool call, or a stream's last chunk, which has none)."""
    choices = response.get("choices") or [{}]
    return (choices[0].get("message") or {}).get("content") or choices[0].get("text") or ""


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
