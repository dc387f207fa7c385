"""The llmos SQLite database: schema migrations and the per-call accounting table.

One connection per process, shared by threads behind a lock; WAL lets the CLI read while the
server writes. Every write is one transaction, so a crash never leaves half a row.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

# Append only: each entry upgrades the schema by one version (PRAGMA user_version).
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,       -- unix time the request was admitted
        capability TEXT NOT NULL,
        model TEXT NOT NULL,
        status TEXT NOT NULL,           -- ok | error | cancelled | rejected
        queue_wait_s REAL NOT NULL,     -- waiting for CPU
        load_s REAL NOT NULL,           -- making the model resident (0 when it was loaded)
        run_s REAL NOT NULL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        media_seconds REAL NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE INDEX calls_started_at ON calls (started_at);
    """,
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        model TEXT,                     -- NULL: the chat default
        system TEXT,
        summary TEXT NOT NULL DEFAULT '',  -- what the folded-away old turns said
        context_tokens INTEGER NOT NULL DEFAULT 0  -- the last turn's prompt + answer
    );
    CREATE TABLE conversation_messages (
        id INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        tokens INTEGER NOT NULL DEFAULT 0,
        summarized INTEGER NOT NULL DEFAULT 0  -- 1: folded into the summary, no longer sent
    );
    CREATE INDEX conversation_messages_by_conversation
        ON conversation_messages (conversation_id, id);
    """,
    """
    CREATE TABLE files (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        filename TEXT NOT NULL,
        purpose TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL
    );
    CREATE INDEX files_by_created_at ON files (created_at);
    """,
    """
    CREATE TABLE assistant_traces (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        model TEXT NOT NULL,
        planner TEXT NOT NULL,
        steps TEXT NOT NULL
    );
    CREATE INDEX assistant_traces_by_created_at ON assistant_traces (created_at);
    """,
    """
    CREATE TABLE profile_facts (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,             -- 'local', or 'key:' + a hash of the API key
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX profile_facts_by_user ON profile_facts (user, created_at);
    CREATE TABLE assistant_actions (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        created_at REAL NOT NULL,
        model TEXT NOT NULL,            -- llmos-assistant or app:NAME: whose tool it is
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,        -- JSON
        state TEXT NOT NULL,            -- pending, running, done, failed, rejected
        output TEXT NOT NULL DEFAULT '',
        trace_id TEXT
    );
    CREATE INDEX assistant_actions_by_user ON assistant_actions (user, created_at);
    ALTER TABLE conversations ADD COLUMN user TEXT NOT NULL DEFAULT 'local';
    ALTER TABLE assistant_traces ADD COLUMN user TEXT NOT NULL DEFAULT 'local';
    """,
    """
    CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        created_at REAL NOT NULL,
        messages TEXT NOT NULL          -- JSON: the chat messages through this response's output
    );
    CREATE INDEX responses_by_created_at ON responses (created_at);
    """,
    """
    CREATE TABLE custom_models (
        name TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        definition TEXT NOT NULL        -- JSON: the file, its facts, template, system, context
    );
    """,
    """
    -- JSON: what a page shows of a message besides its content (a question's typed words and
    -- attached files, an answer's trace)
    ALTER TABLE conversation_messages ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
    """,
)


@dataclass(frozen=True)
class CallRecord:
    """One model call as the scheduler saw it."""

    started_at: float
    capability: str
    model: str
    status: str
    queue_wait_s: float
    load_s: float
    run_s: float
    input_tokens: int = 0
    output_tokens: int = 0
    media_seconds: float = 0.0
    error: str | None = None


_CALL_COLUMNS = tuple(f.name for f in fields(CallRecord))


@dataclass(frozen=True)
class Usage:
    """The calls of one capability since a moment, from the accounting table."""

    capability: str
    requests: int
    errors: int  # every status but ok
    mean_seconds: float  # waiting, loading and running, per call
    max_seconds: float
    mean_queue_seconds: float
    mean_load_seconds: float
    input_tokens: int
    output_tokens: int
    media_seconds: float


class Database:
    """A thread-safe handle on ``llmos.db``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
                # executescript commits on its own; the version bump rides in the same script.
                self._conn.executescript(
                    f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;"
                )

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def add_call(self, record: CallRecord) -> None:
        placeholders = ", ".join("?" for _ in _CALL_COLUMNS)
        values = tuple(asdict(record).values())
        with self._lock, self._conn:
            self._conn.execute(
                f"INSERT INTO calls ({', '.join(_CALL_COLUMNS)}) VALUES ({placeholders})", values
            )

    def recent_calls(self, limit: int = 100) -> list[CallRecord]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(_CALL_COLUMNS)} FROM calls ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [CallRecord(*row) for row in rows]

    def usage(self, since: float) -> list[Usage]:
        """Per capability, the calls admitted at or after ``since`` (unix time)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT capability, COUNT(*), SUM(status != 'ok'), "
                "AVG(queue_wait_s + load_s + run_s), MAX(queue_wait_s + load_s + run_s), "
                "AVG(queue_wait_s), AVG(load_s), SUM(input_tokens), SUM(output_tokens), "
                "SUM(media_seconds) FROM calls WHERE started_at >= ? "
                "GROUP BY capability ORDER BY capability",
                (since,),
            ).fetchall()
        return [Usage(*row) for row in rows]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, inside one transaction that commits at the end or rolls back."""
        with self._lock, self._conn:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()
