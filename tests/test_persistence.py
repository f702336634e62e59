"""The SQLite store: owner-only file, WAL, atomic saves, merges, faults become StorageError."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from skill.errors import StorageError
from skill.stores.sqlite import SQLiteAdapter


def entry(i: int, at: float = 1.0) -> dict:
    return {"id": f"e{i}", "kind": "hug", "at": at, "seconds": 20}


def test_file_is_owner_only_and_in_wal_mode(store: SQLiteAdapter, db_path) -> None:  # type: ignore[no-untyped-def]
    store.save("u", {"names": ["Sam"]})
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    mode = sqlite3.connect(db_path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_round_trip_and_delete(store: SQLiteAdapter) -> None:
    store.save("u", {"names": ["Sam", "Alex"], "practice_log": [entry(1)]})
    assert store.load("u")["names"] == ["Sam", "Alex"]
    store.delete("u")
    assert store.load("u") == {}


def test_two_writers_keep_each_others_practice_entries(db_path) -> None:  # type: ignore[no-untyped-def]
    """Two devices loaded the same record, each adds an entry, both save: both survive."""
    a, b = SQLiteAdapter(db_path), SQLiteAdapter(db_path)
    a.save("u", {"practice_log": [entry(0)]})
    seen_by_a = a.load("u")
    seen_by_b = b.load("u")
    seen_by_a["practice_log"].append(entry(1, 2.0))
    seen_by_b["practice_log"].append(entry(2, 3.0))
    a.save("u", seen_by_a)
    b.save("u", seen_by_b)
    assert [e["id"] for e in a.load("u")["practice_log"]] == ["e0", "e1", "e2"]


def test_many_threads_saving_lose_nothing(db_path) -> None:  # type: ignore[no-untyped-def]
    adapter = SQLiteAdapter(db_path)

    def device(n: int) -> None:
        for i in range(20):
            record = adapter.load("u")
            record.setdefault("practice_log", []).append(entry(n * 100 + i, float(i)))
            adapter.save("u", record)

    threads = [threading.Thread(target=device, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(adapter.load("u")["practice_log"]) == 80


def test_unreadable_record_is_a_storage_error(store: SQLiteAdapter, db_path) -> None:  # type: ignore[no-untyped-def]
    store.save("u", {})
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE couples SET data = '{broken'")
    with pytest.raises(StorageError):
        store.load("u")


def test_locked_database_is_a_storage_error_and_recovers(db_path) -> None:  # type: ignore[no-untyped-def]
    adapter = SQLiteAdapter(db_path, busy_timeout=0.05)
    adapter.save("u", {"names": ["Sam"]})
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError):
            adapter.save("u", {"names": ["Alex"]})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert adapter.load("u")["names"] == ["Sam"], "nothing half-written"
    adapter.save("u", {"names": ["Alex"]})
    assert adapter.load("u")["names"] == ["Alex"]


def test_directory_that_cannot_be_created_is_a_storage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(StorageError):
        SQLiteAdapter(blocker / "db.sqlite3").load("u")


def test_save_retries_when_another_device_wrote_in_between(db_path) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = SQLiteAdapter(db_path), SQLiteAdapter(db_path)
    mine.save("u", {"practice_log": [entry(0)]})
    record = mine.load("u")  # this device saw version one
    theirs.save(
        "u", {**theirs.load("u"), "names": ["Sam"], "practice_log": [entry(0), entry(1, 2.0)]}
    )
    record["practice_log"].append(entry(2, 3.0))
    mine.save("u", record)  # its compare-and-swap fails once, then merges their entry
    saved = SQLiteAdapter(db_path).load("u")
    assert [e["id"] for e in saved["practice_log"]] == ["e0", "e1", "e2"]


def _open_and_load(path: str, barrier: Any, results: Any) -> None:
    from skill.stores.sqlite import SQLiteAdapter

    store = SQLiteAdapter(path)
    barrier.wait()
    try:
        store.load("amzn1.ask.account.FIRST")
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - what failed is what the test reports
        results.put(repr(exc.__cause__ or exc))


def test_servers_opening_a_new_file_at_once_all_read_it(tmp_path: Path) -> None:
    """A new deployment's workers start together: each opening the new SQLite file (and
    turning on WAL) used to answer the others 'database is locked', so the first
    requests heard 'I couldn't open your saved progress'."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for round_ in range(12):
        barrier, results = ctx.Barrier(3), ctx.Queue()
        path = str(tmp_path / f"new{round_}.sqlite3")
        procs = [
            ctx.Process(target=_open_and_load, args=(path, barrier, results)) for _ in range(3)
        ]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(timeout=30)
        assert outcomes == ["ok"] * 3, (round_, outcomes)
