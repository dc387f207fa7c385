"""The Python SDK for llmos's own routes, with typed results (``llmos.sdk.results``). For OpenAI
routes, use the official ``openai`` client with ``base_url="http://127.0.0.1:8000/v1"``."""

from llmos.sdk.assistant import Action, Fact, Reply, Step
from llmos.sdk.attachments import file_part
from llmos.sdk.client import (
    ApiError,
    LlmosClient,
    ResidentModel,
    ServerStatus,
    ServerUnreachable,
)
from llmos.sdk.conversations import Conversation
from llmos.sdk.models import ModelInfo

__all__ = [
    "Action",
    "ApiError",
    "Conversation",
    "Fact",
    "LlmosClient",
    "ModelInfo",
    "Reply",
    "ResidentModel",
    "ServerStatus",
    "ServerUnreachable",
    "Step",
    "file_part",
]
