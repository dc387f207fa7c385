from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from llmos.storage import CallRecord, Database


def record(status: str = "ok", **changes) -> CallRecord:
    fields = dict(
        started_at=1.0,
        capability="embed",
        model="m",
        status=status,
        queue_wait_s=0.1,
        load_s=0.2,
        run_s=0.3,
        input_tokens=5,
    )
    return CallRecord(**{**fields, **changes})


def test_the_database_uses_wal_and_is_migrated(tmp_path: Path):
    database = Database(tmp_path / "sub" / "llmos.db")
    assert database.schema_version == 1
    mode = sqlite3.connect(tmp_path / "sub" / "llmos.db").execute("PRAGMA journal_mode")
    assert mode.fetchone()[0] == "wal"
    database.close()
    again = Database(tmp_path / "sub" / "llmos.db")  # reopening does not migrate twice
    assert again.schema_version == 1


def test_call_records_round_trip_newest_first(tmp_path: Path):
    database = Database(tmp_path / "llmos.db")
    database.add_call(record("ok"))
    database.add_call(record("cancelled", error="client went away"))
    calls = database.recent_calls()
    assert [c.status for c in calls] == ["cancelled", "ok"]
    assert calls[1] == record("ok")


def test_writes_from_many_threads_are_all_kept(tmp_path: Path):
    database = Database(tmp_path / "llmos.db")

    def write() -> None:
        for _ in range(50):
            database.add_call(record())

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(database.recent_calls(limit=1000)) == 200
