"""Stored responses of ``/v1/responses``: each keeps the whole conversation through its
output, so a later request with ``previous_response_id`` continues it. Per user; the newest
``KEEP`` are kept."""

from __future__ import annotations

import json
import time
from typing import Any

from llmos.storage.database import Database

KEEP = 10_000
Json = dict[str, Any]


class ResponseStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, user: str, response_id: str, messages: list[Json]) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT INTO responses (id, user, created_at, messages) VALUES (?, ?, ?, ?)",
                (response_id, user, time.time(), json.dumps(messages, ensure_ascii=False)),
            )
            conn.execute(
                "DELETE FROM responses WHERE id IN (SELECT id FROM responses "
                "ORDER BY created_at DESC LIMIT -1 OFFSET ?)",
                (KEEP,),
            )

    def messages(self, user: str, response_id: str) -> list[Json] | None:
        """The conversation through ``response_id``'s output, if it is ``user``'s."""
        with self.database.transaction() as conn:
            row = conn.execute(
                "SELECT messages FROM responses WHERE id = ? AND user = ?", (response_id, user)
            ).fetchone()
        return json.loads(row[0]) if row else None
