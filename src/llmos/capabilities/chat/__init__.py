"""Chat and text completion (OpenAI ``/v1/chat/completions`` and ``/v1/completions``)."""

from llmos.capabilities.chat.service import (
    CAPABILITY,
    QWEN_CODER,
    SMOLLM2,
    ChatModel,
    chat_completion,
    text_completion,
)
from llmos.capabilities.chat.types import ChatResult, ContextTooLong, chunk_text, reply_text

__all__ = [
    "CAPABILITY",
    "QWEN_CODER",
    "SMOLLM2",
    "ChatModel",
    "ChatResult",
    "ContextTooLong",
    "chat_completion",
    "chunk_text",
    "reply_text",
    "text_completion",
]
