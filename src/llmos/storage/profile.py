"""The facts a user asked the assistant to remember: listed, edited and deleted by the user
(``/v1/assistant/profile``), given to every later answer of theirs. Each user (an API key, or
``local`` without keys) sees only their own."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from llmos.storage.database import Database

MAX_FACTS = 200  # per user; the oldest go first


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
        now = time.time()
        fact = Fact(f"fact_{uuid.uuid4().hex[:16]}", now, now, text)
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT INTO profile_facts (id, user, created_at, updated_at, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (fact.id, user, now, now, text),
            )
            conn.execute(
                "DELETE FROM profile_facts WHERE user = ? AND id IN (SELECT id FROM "
                "profile_facts WHERE user = ? ORDER BY created_at DESC LIMIT -1 OFFSET ?)",
                (user, user, MAX_FACTS),
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
