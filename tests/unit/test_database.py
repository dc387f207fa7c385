from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from llmos.storage import CallRecord, ConversationStore, Database


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
    assert database.schema_version == 8
    mode = sqlite3.connect(tmp_path / "sub" / "llmos.db").execute("PRAGMA journal_mode")
    assert mode.fetchone()[0] == "wal"
    database.close()
    again = Database(tmp_path / "sub" / "llmos.db")  # reopening does not migrate twice
    assert again.schema_version == 8


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


def test_conversations_store_turns_fold_them_and_delete_with_their_messages(tmp_path: Path):
    database = Database(tmp_path / "llmos.db")
    store = ConversationStore(database)
    conversation = store.create(title="t", model="m", system="be brief")
    for turn in range(3):
        store.add_turn(
            conversation.id,
            question=f"q{turn}",
            question_tokens=3,
            answer=f"a{turn}",
            answer_tokens=2,
            context_tokens=5 * (turn + 1),
        )
    messages = store.messages(conversation.id)
    assert [m.content for m in messages] == ["q0", "a0", "q1", "a1", "q2", "a2"]
    assert all(m.details == {} for m in messages)
    store.add_turn(
        conversation.id,
        question="q3 with what the file said",
        question_tokens=3,
        answer="a3",
        answer_tokens=2,
        context_tokens=20,
        question_details={"typed": "q3", "attachments": [{"id": "file-1", "filename": "a.txt"}]},
        answer_details={"trace_id": "trace-1"},
    )
    asked, answered = store.messages(conversation.id)[-2:]
    assert asked.details["typed"] == "q3" and answered.details == {"trace_id": "trace-1"}
    assert store.get(conversation.id).context_tokens == 20
    store.fold(conversation.id, through_message=messages[1].id, summary="they said q0")
    assert [m.summarized for m in store.messages(conversation.id)] == [True, True] + [False] * 6
    assert store.get(conversation.id).summary == "they said q0"
    assert store.delete(conversation.id) is True
    assert store.get(conversation.id) is None
    with database.transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM conversation_messages").fetchone()[0] == 0


def test_a_failed_turn_writes_nothing(tmp_path: Path):
    store = ConversationStore(Database(tmp_path / "llmos.db"))
    with pytest.raises(sqlite3.IntegrityError):  # no such conversation: the foreign key refuses
        store.add_turn(
            "conv_missing",
            question="q",
            question_tokens=1,
            answer="a",
            answer_tokens=1,
            context_tokens=2,
        )
    database = Database(tmp_path / "llmos.db")
    with database.transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM conversation_messages").fetchone()[0] == 0
