"""The facts a user asked the assistant to remember: listed, edited and deleted by the user
(``/v1/assistant/profile``), given to every later answer of theirs. Each user (an API key, or
``local`` without keys) sees only their own."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from llmos.errors import Conflict
from llmos.storage.database import Database

MAX_FACTS = 200  # per user: more is refused, never evicted


@dataclass(frozen=True)
class Fact:
    id: str
    created_at: float
    updated_at: float
    text: str


class ProfileStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, user: str, text: str) -> Fact:
        """Keep a fact; :class:`Conflict` when the user has ``MAX_FACTS`` already."""
        now = time.time()
        fact = Fact(f"fact_{uuid.uuid4().hex[:16]}", now, now, text)
        with self.database.transaction() as conn:
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM profile_facts WHERE user = ?", (user,)
            ).fetchone()
            if count >= MAX_FACTS:
                raise Conflict(
                    f"Your profile holds {MAX_FACTS} facts, as many as it keeps; delete some "
                    "first (DELETE /v1/assistant/profile/{id})."
                )
            conn.execute(
                "INSERT INTO profile_facts (id, user, created_at, updated_at, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (fact.id, user, now, now, text),
            )
        return fact

    def list(self, user: str) -> list[Fact]:
        with self.database.transaction() as conn:
            rows = conn.execute(
                "SELECT id, created_at, updated_at, text FROM profile_facts WHERE user = ? "
                "ORDER BY created_at",
                (user,),
            ).fetchall()
        return [Fact(*row) for row in rows]

    def update(self, user: str, fact_id: str, text: str) -> Fact | None:
        with self.database.transaction() as conn:
            conn.execute(
                "UPDATE profile_facts SET text = ?, updated_at = ? WHERE user = ? AND id = ?",
                (text, time.time(), user, fact_id),
            )
            row = conn.execute(
                "SELECT id, created_at, updated_at, text FROM profile_facts "
                "WHERE user = ? AND id = ?",
                (user, fact_id),
            ).fetchone()
        return Fact(*row) if row else None

    def delete(self, user: str, fact_id: str) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM profile_facts WHERE user = ? AND id = ?", (user, fact_id)
            )
        return cursor.rowcount > 0
