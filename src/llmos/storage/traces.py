"""The assistant's traces: what each answer perceived, planned and called, kept in SQLite.

A trace is written once, whole, in one transaction; the newest ``KEEP`` are kept.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from llmos.storage.database import Database

KEEP = 10_000


@dataclass(frozen=True)
class Trace:
    id: str
    created_at: float
    model: str
    planner: str
    steps: list[dict[str, Any]]


class TraceStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, model: str, planner: str, steps: Iterable[Any], *, user: str = "local") -> str:
        """Keep ``user``'s trace (``steps``: dataclasses or dicts); returns its id."""
        trace_id = f"trace_{uuid.uuid4().hex[:24]}"
        rows = [asdict(s) if hasattr(s, "__dataclass_fields__") else dict(s) for s in steps]
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT INTO assistant_traces (id, created_at, model, planner, steps, user) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    trace_id,
                    time.time(),
                    model,
                    planner,
                    json.dumps(rows, ensure_ascii=False),
                    user,
                ),
            )
            conn.execute(
                "DELETE FROM assistant_traces WHERE id IN (SELECT id FROM assistant_traces "
                "ORDER BY created_at DESC LIMIT -1 OFFSET ?)",
                (KEEP,),
            )
        return trace_id

    def get(self, trace_id: str, user: str | None = None) -> Trace | None:
        """The trace; with ``user``, only if it is theirs."""
        with self.database.transaction() as conn:
            row = conn.execute(
                "SELECT id, created_at, model, planner, steps FROM assistant_traces "
                "WHERE id = ? AND (? IS NULL OR user = ?)",
                (trace_id, user, user),
            ).fetchone()
        if row is None:
            return None
        return Trace(row[0], row[1], row[2], row[3], json.loads(row[4]))
