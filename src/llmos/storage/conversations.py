"""Conversations and their messages, stored in the llmos database.

Every change is one transaction: a turn's question and answer are written together or not at
all, and folding old turns into the summary marks them and stores the summary atomically.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import astuple, dataclass, field
from typing import Any

from llmos.storage.database import Database


@dataclass(frozen=True)
class Conversation:
    id: str
    created_at: float
    updated_at: float
    title: str
    model: str | None
    system: str | None
    summary: str
    context_tokens: int


@dataclass(frozen=True)
class StoredMessage:
    id: int
    created_at: float
    role: str
    content: str
    tokens: int
    summarized: bool
    # what a page shows besides the content: a question's "typed" words and "attachments"
    # ({"id", "filename"}: the content has what llmos read from them), an answer's "trace_id"
    details: dict[str, Any] = field(default_factory=dict)


_CONVERSATION = "id, created_at, updated_at, title, model, system, summary, context_tokens"
_MESSAGE = "id, created_at, role, content, tokens, summarized, details"


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(
        self,
        *,
        title: str = "",
        model: str | None = None,
        system: str | None = None,
        user: str = "local",
    ) -> Conversation:
        now = time.time()
        conversation = Conversation(
            id=f"conv_{uuid.uuid4().hex}",
            created_at=now,
            updated_at=now,
            title=title,
            model=model,
            system=system,
            summary="",
            context_tokens=0,
        )
        with self._db.transaction() as db:
            db.execute(
                f"INSERT INTO conversations ({_CONVERSATION}, user) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*astuple(conversation), user),
            )
        return conversation

    def get(self, conversation_id: str, *, user: str | None = None) -> Conversation | None:
        """The conversation; with ``user``, only if it is theirs."""
        with self._db.transaction() as db:
            row = db.execute(
                f"SELECT {_CONVERSATION} FROM conversations WHERE id = ? "
                "AND (? IS NULL OR user = ?)",
                (conversation_id, user, user),
            ).fetchone()
        return Conversation(*row) if row else None

    def list(self, *, user: str | None = None, limit: int = 100) -> list[Conversation]:
        """The newest conversations (``user``'s only, when given)."""
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT {_CONVERSATION} FROM conversations WHERE (? IS NULL OR user = ?) "
                "ORDER BY updated_at DESC LIMIT ?",
                (user, user, limit),
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def messages(self, conversation_id: str) -> list[StoredMessage]:
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT {_MESSAGE} FROM conversation_messages WHERE conversation_id = ? "
                "ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return [
            StoredMessage(*row[:5], summarized=bool(row[5]), details=json.loads(row[6]))
            for row in rows
        ]

    def add_turn(
        self,
        conversation_id: str,
        *,
        question: str,
        question_tokens: int,
        answer: str,
        answer_tokens: int,
        context_tokens: int,
        question_details: dict[str, Any] | None = None,
        answer_details: dict[str, Any] | None = None,
    ) -> None:
        """Store a question and its answer together, and the context size they reached."""
        now = time.time()
        asked, answered = (json.dumps(d or {}) for d in (question_details, answer_details))
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO conversation_messages "
                "(conversation_id, created_at, role, content, tokens, details) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (conversation_id, now, "user", question, question_tokens, asked),
                    (conversation_id, now, "assistant", answer, answer_tokens, answered),
                ],
            )
            db.execute(
                "UPDATE conversations SET updated_at = ?, context_tokens = ? WHERE id = ?",
                (now, context_tokens, conversation_id),
            )

    def fold(self, conversation_id: str, *, through_message: int, summary: str) -> None:
        """Replace every message up to ``through_message`` by ``summary``."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE conversation_messages SET summarized = 1 "
                "WHERE conversation_id = ? AND id <= ?",
                (conversation_id, through_message),
            )
            db.execute(
                "UPDATE conversations SET summary = ?, updated_at = ? WHERE id = ?",
                (summary, time.time(), conversation_id),
            )

    def delete(self, conversation_id: str) -> bool:
        with self._db.transaction() as db:
            cursor = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cursor.rowcount > 0
