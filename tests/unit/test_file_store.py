"""Uploaded files in real SQLite and a real folder: listed only when all their bytes are there."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

from llmos.storage import Database, FileStore


@pytest.fixture
def store(tmp_path):
    database = Database(tmp_path / "llmos.db")
    yield FileStore(database, tmp_path / "files")
    database.close()


def test_a_file_is_kept_listed_read_and_deleted(store):
    kept = store.add(b"hello", filename="note.txt", purpose="user_data")
    assert kept.id.startswith("file-") and kept.bytes == 5
    assert store.get(kept.id) == kept
    assert store.content(kept) == b"hello"
    other = store.add(b"\x89PNG...", filename="a.png", purpose="vision")
    assert [f.id for f in store.list()] == [other.id, kept.id]  # newest first
    assert [f.id for f in store.list(purpose="vision")] == [other.id]
    assert store.delete(kept.id) and not store.delete(kept.id)
    assert store.get(kept.id) is None and store.content(kept) is None
    assert not (store.folder / kept.id).exists()


def test_no_row_is_left_without_its_bytes_and_strays_are_removed(store, monkeypatch):
    def broken_insert(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    kept = store.add(b"keep me", filename="keep.txt", purpose="user_data")
    with monkeypatch.context() as patch:
        patch.setattr(store._db, "transaction", broken_insert)
        with pytest.raises(sqlite3.OperationalError):
            store.add(b"lost", filename="lost.txt", purpose="user_data")
    assert sorted(p.name for p in store.folder.iterdir()) == [kept.id]  # its bytes went too
    (store.folder / "file-0123abcd").write_bytes(b"left by a crash")
    (store.folder / ".file-x.tmp").write_bytes(b"half written")
    assert store.remove_strays() == 0  # maybe another server's upload in progress
    hour_ago = time.time() - 3601
    for name in ("file-0123abcd", ".file-x.tmp", kept.id):
        os.utime(store.folder / name, (hour_ago, hour_ago))
    assert store.remove_strays() == 2
    assert [p.name for p in store.folder.iterdir()] == [kept.id]
    assert store.content(kept) == b"keep me"


def test_ids_that_are_not_file_ids_never_become_paths(store):
    for bad in ("../llmos.db", "file-../../x", "file-a/b"):
        assert store.get(bad) is None
        with pytest.raises(ValueError, match="not a file id"):
            store.path_of(bad)


def test_listings_continue_after_a_file_in_either_order(store):
    ids = [store.add(b"x", filename=f"{n}.txt", purpose="user_data").id for n in range(5)]
    newest = [f.id for f in store.list()]
    assert newest == ids[::-1]
    assert [f.id for f in store.list(limit=2, after=newest[1])] == newest[2:4]
    assert [f.id for f in store.list(newest_first=False, after=ids[2])] == ids[3:]
