"""Stored conversations: one turn at a time, folding old turns into a summary as the context
fills, so a conversation can go on past the model's context."""

from __future__ import annotations

import logging
import threading

from llmos.capabilities.chat.service import ChatModel, OnChunk, chat_completion
from llmos.capabilities.chat.types import (
    SUMMARY_NOTE,
    ChatResult,
    ContextTooLong,
    Json,
    chunk_text,
    reply_text,
)
from llmos.errors import LlmosError
from llmos.storage import Conversation, ConversationStore, StoredMessage

log = logging.getLogger(__name__)

FOLD_AT = 0.9  # fold old turns once a turn's prompt + answer reach this share of the context
KEEP_MESSAGES = 2  # the latest question and answer are never folded
SUMMARY_TOKENS = 200


def context_messages(conversation: Conversation, history: list[StoredMessage]) -> list[Json]:
    """What the model sees: the system message, the summary so far, and the unfolded turns."""
    system = conversation.system or ""
    if conversation.summary:
        note = f"{SUMMARY_NOTE} {conversation.summary}"
        system = f"{system}\n\n{note}" if system else note
    messages = [{"role": "system", "content": system}] if system else []
    return messages + [{"role": m.role, "content": m.content} for m in history if not m.summarized]


def take_turn(
    model: ChatModel,
    store: ConversationStore,
    conversation_id: str,
    question: str,
    *,
    options: Json,
    stop: threading.Event,
    on_chunk: OnChunk | None = None,
    prompt: list[Json] | None = None,
    details: tuple[Json, Json] = ({}, {}),
) -> ChatResult:
    """Answer ``question`` in the stored context and store the turn; fold when nearly full.

    With ``on_chunk`` the answer streams; the turn is stored once it is complete. ``prompt``
    (the assistant's, made from the same context) is sent instead of the context and the
    question; the question is stored as asked. ``details`` go with the question and the answer,
    for pages that show them (``StoredMessage.details``)."""
    pieces: list[str] = []

    def relay(chunk: Json) -> None:
        pieces.append(chunk_text(chunk))
        on_chunk(chunk)

    sink = relay if on_chunk is not None else None
    try:
        result = _answer(model, store, conversation_id, question, options, stop, sink, prompt)
    except ContextTooLong:  # raised before any chunk went out; the question is not stored yet,
        # so every stored message may be folded, even a last answer that filled the context
        if not fold_old_turns(model, store, conversation_id, stop=stop, keep=0) or prompt:
            raise  # nothing left to fold (the question alone is too long), or a prompt made
            # from the old context: the next turn is made from the folded one
        result = _answer(model, store, conversation_id, question, options, stop, sink)
    answer = "".join(pieces) if sink is not None else reply_text(result.response)
    usage = result.response.get("usage", {})
    prompt_tokens = usage.get("prompt_tokens", 0)
    answer_tokens = usage.get("completion_tokens", 0)
    before = store.get(conversation_id)
    store.add_turn(
        conversation_id,
        question=question,
        question_tokens=max(0, prompt_tokens - (before.context_tokens if before else 0)),
        answer=answer,
        answer_tokens=answer_tokens,
        context_tokens=prompt_tokens + answer_tokens,
        question_details=details[0],
        answer_details=details[1],
    )
    if prompt_tokens + answer_tokens >= FOLD_AT * model.n_ctx:
        try:  # the turn is stored; a failed fold is retried when the context overflows
            fold_old_turns(model, store, conversation_id, stop=stop)
        except LlmosError:
            log.exception("folding old turns of %s failed", conversation_id)
    return result


def fold_old_turns(
    model: ChatModel,
    store: ConversationStore,
    conversation_id: str,
    *,
    stop: threading.Event,
    keep: int = KEEP_MESSAGES,
) -> bool:
    """Summarise the older half of the unfolded messages (all but the last ``keep``) into the
    conversation's summary. Messages too long to summarise at once are cut, keeping their start.

    Returns False when there is nothing to fold."""
    conversation = store.get(conversation_id)
    live = [m for m in store.messages(conversation_id) if not m.summarized]
    older = live[: max(0, len(live) - keep)]
    foldable = older[: max(2, len(older) // 4 * 2)]  # the older half, in whole turns (pairs)
    if conversation is None or not foldable:
        return False
    longest = max(len(m.content) for m in foldable)
    while True:
        try:
            text = _summarise(model, conversation.summary, foldable, longest, stop)
            break
        except ContextTooLong:
            if longest < 64:
                raise
            longest //= 2
    store.fold(conversation_id, through_message=foldable[-1].id, summary=text.strip())
    return True


def _summarise(
    model: ChatModel,
    summary: str,
    messages: list[StoredMessage],
    longest: int,
    stop: threading.Event,
) -> str:
    transcript = "\n".join(f"{m.role}: {_clip(m.content, longest)}" for m in messages)
    request = {
        "messages": [
            {"role": "system", "content": "You summarise conversations briefly and factually."},
            {
                "role": "user",
                "content": f"Earlier summary: {summary or '(none)'}\n\n"
                f"Conversation:\n{transcript}\n\n"
                "Write one short paragraph that keeps every name, number and decision.",
            },
        ],
        "max_tokens": SUMMARY_TOKENS,
        "temperature": 0,
    }
    result = chat_completion(model, request, on_chunk=None, stop=stop)
    return result.response["choices"][0]["message"].get("content") or ""


def _clip(text: str, longest: int) -> str:
    return text if len(text) <= longest else text[:longest] + " …"


def _answer(
    model, store, conversation_id, question, options, stop, on_chunk, prompt=None
) -> ChatResult:
    if prompt is None:
        conversation = store.get(conversation_id)
        messages = context_messages(conversation, store.messages(conversation_id))
        prompt = [*messages, {"role": "user", "content": question}]
    return chat_completion(model, {**options, "messages": prompt}, on_chunk=on_chunk, stop=stop)
