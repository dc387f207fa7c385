"""The user's own models (``llmos create``), as JSON definitions by name."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from llmos.errors import Conflict
from llmos.storage.database import Database

Json = dict[str, Any]


class CustomModelStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, name: str, definition: Json) -> None:
        """Keep ``definition``; :class:`Conflict` when a model of that name exists."""
        try:
            with self.database.transaction() as conn:
                conn.execute(
                    "INSERT INTO custom_models (name, created_at, definition) VALUES (?, ?, ?)",
                    (name, time.time(), json.dumps(definition, ensure_ascii=False)),
                )
        except sqlite3.IntegrityError:
            raise Conflict(f"A model called {name!r} exists; `llmos rm {name}` first.") from None

    def remove(self, name: str) -> bool:
        with self.database.transaction() as conn:
            return conn.execute("DELETE FROM custom_models WHERE name = ?", (name,)).rowcount > 0

    def all(self) -> list[Json]:
        with self.database.transaction() as conn:
            rows = conn.execute("SELECT definition FROM custom_models ORDER BY created_at")
            definitions = [row[0] for row in rows.fetchall()]
        return [json.loads(definition) for definition in definitions]
