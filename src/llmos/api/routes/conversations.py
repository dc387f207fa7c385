"""Stored conversations: ``/v1/conversations`` for the web UI, the SDK and the CLI."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.chat_requests import MAX_TOKENS
from llmos.api.deps import get_conversations, get_kernel, keep_alive_of
from llmos.api.routes.chat import Job, answer
from llmos.capabilities.chat import ChatModel, ChatResult
from llmos.capabilities.chat.conversation import take_turn
from llmos.capabilities.chat.service import OnChunk
from llmos.errors import NotFound
from llmos.kernel import Kernel
from llmos.storage import Conversation, ConversationStore

router = APIRouter(tags=["conversations"])


class NewConversation(BaseModel):
    title: str = Field("", max_length=200)
    model: str | None = Field(None, description="Chat model; the default when absent.")
    system: str | None = Field(None, description="A system message for every turn.")


class Turn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    content: str = Field(min_length=1, description="The user's message.")
    stream: bool = False
    max_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)
    temperature: float | None = Field(None, ge=0, le=2)
    keep_alive: str | float | None = None


def _view(conversation: Conversation) -> dict[str, Any]:
    return {"object": "conversation", **asdict(conversation)}


# Handlers that only touch SQLite are plain functions: FastAPI runs them on its thread pool,
# off the event loop.
@router.post("/v1/conversations")
def create_conversation(
    body: NewConversation,
    kernel: Kernel = Depends(get_kernel),
    store: ConversationStore = Depends(get_conversations),
) -> dict[str, Any]:
    if body.model is not None:
        kernel.registry.resolve("chat", body.model)  # 404 now rather than at the first turn
    return _view(store.create(title=body.title, model=body.model, system=body.system))


@router.get("/v1/conversations")
def list_conversations(
    store: ConversationStore = Depends(get_conversations),
) -> dict[str, Any]:
    return {"object": "list", "data": [_view(c) for c in store.list()]}


@router.get("/v1/conversations/{conversation_id}")
def get_conversation(
    conversation_id: str, store: ConversationStore = Depends(get_conversations)
) -> dict[str, Any]:
    conversation = _find(store, conversation_id)
    messages = [asdict(m) for m in store.messages(conversation_id)]
    return {**_view(conversation), "messages": messages}


@router.delete("/v1/conversations/{conversation_id}")
def delete_conversation(
    conversation_id: str, store: ConversationStore = Depends(get_conversations)
) -> dict[str, Any]:
    _find(store, conversation_id)
    store.delete(conversation_id)
    return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}


@router.post("/v1/conversations/{conversation_id}/messages")
async def add_message(
    conversation_id: str,
    body: Turn,
    request: Request,
    kernel: Kernel = Depends(get_kernel),
    store: ConversationStore = Depends(get_conversations),
) -> JSONResponse:
    """Ask in the conversation: the answer is an OpenAI chat completion; both are stored."""
    conversation = await asyncio.to_thread(_find, store, conversation_id)
    spec = kernel.registry.resolve("chat", conversation.model)
    options = body.model_dump(exclude_none=True, exclude={"content", "keep_alive", "stream"})

    def job(on_chunk: OnChunk | None) -> Job:
        def run(model: ChatModel, stop: threading.Event) -> ChatResult:
            return take_turn(
                model,
                store,
                conversation_id,
                body.content,
                options=options,
                stop=stop,
                on_chunk=on_chunk,
            )

        return run

    return await answer(
        request,
        kernel,
        spec,
        job,
        stream=body.stream,
        wants_usage=True,
        keep_alive=keep_alive_of(body.keep_alive),
        extra={"conversation_id": conversation_id},
    )


def _find(store: ConversationStore, conversation_id: str) -> Conversation:
    conversation = store.get(conversation_id)
    if conversation is None:
        raise NotFound(f"No conversation {conversation_id!r}. See GET /v1/conversations.")
    return conversation
