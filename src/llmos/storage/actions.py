"""Actions waiting for the user: a dangerous tool's call the assistant planned but did not
run. The user approves (it runs then, once) or rejects it. Taking an action to ``running`` is
one conditional update, so two approvals cannot both run it."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from llmos.storage.database import Database

State = Literal["pending", "running", "done", "failed", "rejected"]
KEEP = 1000  # decided actions per user
_COLUMNS = "id, created_at, model, tool, arguments, state, output, trace_id"


@dataclass(frozen=True)
class Action:
    id: str
    created_at: float
    model: str
    tool: str
    arguments: dict[str, Any]
    state: State
    output: str = ""
    trace_id: str | None = None


def _action(row: tuple) -> Action:
    return Action(row[0], row[1], row[2], row[3], json.loads(row[4]), *row[5:])


class ActionStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(
        self, user: str, model: str, calls: list[tuple[str, dict[str, Any]]], trace_id: str
    ) -> list[Action]:
        now = time.time()
        actions = [
            Action(f"act_{uuid.uuid4().hex[:16]}", now, model, tool, arguments, "pending",
                   "", trace_id)
            for tool, arguments in calls
        ]  # fmt: skip
        with self.database.transaction() as conn:
            conn.executemany(
                f"INSERT INTO assistant_actions (user, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, "
                "?, ?, ?)",
                [(user, a.id, a.created_at, a.model, a.tool,
                  json.dumps(a.arguments, ensure_ascii=False), a.state, a.output, a.trace_id)
                 for a in actions],
            )  # fmt: skip
            conn.execute(  # the user's oldest decided ones; what waits or runs is kept
                "DELETE FROM assistant_actions WHERE id IN (SELECT id FROM assistant_actions "
                "WHERE user = ? AND state IN ('done', 'failed', 'rejected') "
                "ORDER BY created_at DESC LIMIT -1 OFFSET ?)",
                (user, KEEP),
            )
        return actions

    def get(self, user: str, action_id: str) -> Action | None:
        with self.database.transaction() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM assistant_actions WHERE user = ? AND id = ?",
                (user, action_id),
            ).fetchone()
        return _action(row) if row else None

    def list(self, user: str, *, state: State | None = None, limit: int = 100) -> list[Action]:
        where, values = "user = ?", [user]
        if state is not None:
            where, values = where + " AND state = ?", [user, state]
        with self.database.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM assistant_actions WHERE {where} "
                "ORDER BY created_at DESC LIMIT ?",
                (*values, limit),
            ).fetchall()
        return [_action(row) for row in rows]

    def take(self, user: str, action_id: str, state: Literal["running", "rejected"]) -> bool:
        """Move a pending action to ``state``; False when it is not pending (any more)."""
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "UPDATE assistant_actions SET state = ? WHERE user = ? AND id = ? "
                "AND state = 'pending'",
                (state, user, action_id),
            )
        return cursor.rowcount > 0

    def finish(self, action_id: str, *, ok: bool, output: str) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                "UPDATE assistant_actions SET state = ?, output = ? WHERE id = ?",
                ("done" if ok else "failed", output, action_id),
            )
