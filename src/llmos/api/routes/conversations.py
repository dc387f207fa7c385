"""Stored conversations: ``/v1/conversations`` for the web UI, the SDK and the CLI.

Each user's own (per API key when keys are set). A conversation with ``llmos-assistant`` or
``app:NAME`` takes its turns through the assistant: the stored context is the history it
plans and answers with, and each answer carries the ``llmos`` field (trace, pending actions,
citations) as in ``/v1/chat/completions``."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.chat_requests import MAX_TOKENS
from llmos.api.deps import (
    Json,
    attachments_of,
    get_conversations,
    get_kernel,
    keep_alive_of,
    user_of,
)
from llmos.api.disconnect import unless_disconnected
from llmos.api.routes.assistant import assist, assisted
from llmos.api.routes.chat import Job, answer
from llmos.assistant.apps import app_of
from llmos.assistant.loop import MODEL_ID as ASSISTANT
from llmos.capabilities.chat import ChatModel, ChatResult
from llmos.capabilities.chat.conversation import context_messages, take_turn
from llmos.capabilities.chat.service import OnChunk
from llmos.errors import NotFound
from llmos.kernel import Kernel
from llmos.storage import Conversation, ConversationStore

router = APIRouter(tags=["conversations"])
MAX_ATTACHMENTS = 8  # files on one message


class NewConversation(BaseModel):
    title: str = Field("", max_length=200)
    model: str | None = Field(None, description="Chat model; the default when absent.")
    system: str | None = Field(None, description="A system message for every turn.")


class Turn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    content: str = Field(min_length=1, description="The user's message.")
    attachments: list[str] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description="Ids of files uploaded to /v1/files (pictures, PDFs, text) the message is "
        "about; stored in the message as the text llmos read from them.",
    )
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
    request: Request,
    kernel: Kernel = Depends(get_kernel),
    store: ConversationStore = Depends(get_conversations),
) -> dict[str, Any]:
    if assisted(body.model):
        if body.model != ASSISTANT:
            app_of(body.model, request.app.state.settings.apps_dir)  # 404 for no such app
    elif body.model is not None:
        kernel.registry.resolve("chat", body.model)  # 404 now rather than at the first turn
    conversation = store.create(
        title=body.title, model=body.model, system=body.system, user=user_of(request)
    )
    return _view(conversation)


@router.get("/v1/conversations")
def list_conversations(
    request: Request, store: ConversationStore = Depends(get_conversations)
) -> dict[str, Any]:
    return {"object": "list", "data": [_view(c) for c in store.list(user=user_of(request))]}


@router.get("/v1/conversations/{conversation_id}")
def get_conversation(
    conversation_id: str, request: Request, store: ConversationStore = Depends(get_conversations)
) -> dict[str, Any]:
    conversation = _find(store, conversation_id, user_of(request))
    messages = [asdict(m) for m in store.messages(conversation_id)]
    return {**_view(conversation), "messages": messages}


@router.delete("/v1/conversations/{conversation_id}")
def delete_conversation(
    conversation_id: str, request: Request, store: ConversationStore = Depends(get_conversations)
) -> dict[str, Any]:
    _find(store, conversation_id, user_of(request))
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
    conversation = await asyncio.to_thread(_find, store, conversation_id, user_of(request))
    options = body.model_dump(
        exclude_none=True, exclude={"content", "keep_alive", "stream", "attachments"}
    )
    content, attached = await _with_attachments(request, body.content, body.attachments)
    prompt, extra = None, {"conversation_id": conversation_id}
    asked = {"typed": body.content, "attachments": attached} if attached else {}
    answered: Json = {}
    if assisted(conversation.model):
        spec = kernel.registry.resolve("chat", None)
        history = await asyncio.to_thread(store.messages, conversation_id)
        messages = [*context_messages(conversation, history),
                    {"role": "user", "content": content}]  # fmt: skip
        prepared, extra["llmos"] = await assist(request, kernel, conversation.model, messages)
        prompt = prepared.request["messages"]
        answered = {"trace_id": extra["llmos"]["trace"]["id"]}
    else:
        spec = kernel.registry.resolve("chat", conversation.model)

    def job(on_chunk: OnChunk | None) -> Job:
        def run(model: ChatModel, stop: threading.Event) -> ChatResult:
            return take_turn(
                model,
                store,
                conversation_id,
                content,
                options=options,
                stop=stop,
                on_chunk=on_chunk,
                prompt=prompt,
                details=(asked, answered),
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
        extra=extra,
        extra_on_last=prompt is not None,  # the trace once, with the end of the answer
    )


async def _with_attachments(
    request: Request, content: str, file_ids: list[str]
) -> tuple[str, list[Json]]:
    """The user's message followed by what llmos read from its attached files, and the files
    (id and name) for pages to show."""
    if not file_ids:
        return content, []
    parts = [{"type": "text", "text": content}]
    parts += [{"type": "file", "file": {"file_id": file_id}} for file_id in file_ids]
    reading = attachments_of(request).as_text([{"role": "user", "content": parts}])
    read = await unless_disconnected(request, reading)  # a missing file: 400 here
    stored = await asyncio.to_thread(lambda: [request.app.state.files.get(i) for i in file_ids])
    attached = [{"id": f.id, "filename": f.filename} for f in stored if f is not None]
    return read[-1]["content"], attached  # flattened: pictures as facts, documents as text


def _find(store: ConversationStore, conversation_id: str, user: str) -> Conversation:
    conversation = store.get(conversation_id, user=user)
    if conversation is None:
        raise NotFound(f"No conversation {conversation_id!r}. See GET /v1/conversations.")
    return conversation
