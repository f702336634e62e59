"""SQLite persistence behind ask-sdk's AbstractPersistenceAdapter interface.

One row per couple (keyed by the Alexa user id) holding a JSON object of named fields.
Each save is a single IMMEDIATE transaction; keys listed as append-only (the practice
log) are merged with what is already stored, so two devices of the same couple saving
at once never lose each other's entries.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.errors import StorageError

SAVE_ATTEMPTS = 20  # compare-and-swap retries when another device keeps writing

SCHEMA = """
CREATE TABLE IF NOT EXISTS couples (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at REAL NOT NULL
)
"""


def user_id_of(request_envelope: RequestEnvelope) -> str:
    """The Alexa user id a couple's data is keyed by."""
    try:
        user_id = request_envelope.context.system.user.user_id  # type: ignore[union-attr]
    except AttributeError:
        user_id = None
    if not user_id and request_envelope.session and request_envelope.session.user:
        user_id = request_envelope.session.user.user_id
    if not user_id:
        raise StorageError("request carries no user id")
    return str(user_id)


def merge_append_only(stored: list[Any], new: list[Any], limit: int) -> list[Any]:
    """Union of two logs of {'id': ...} entries, oldest first, capped at `limit`."""
    stored_ids = {str(e["id"]) for e in stored if isinstance(e, dict) and "id" in e}
    if len(stored_ids) == len(stored):
        extra = [
            e for e in new if isinstance(e, dict) and "id" in e and str(e["id"]) not in stored_ids
        ]
        last = float(stored[-1].get("at") or 0) if stored else float("-inf")
        ats = [last] + [float(e.get("at") or 0) for e in extra]
        in_order = all(a <= b for a, b in zip(ats, ats[1:], strict=False))
        if in_order and len({str(e["id"]) for e in extra}) == len(extra):
            # The usual case: nothing new, or entries appended after the stored ones.
            return (list(stored) + extra)[-limit:]
    seen: dict[str, Any] = {}
    for entry in list(stored) + list(new):
        if isinstance(entry, dict) and "id" in entry:
            seen.setdefault(str(entry["id"]), entry)
    ordered = sorted(seen.values(), key=lambda e: float(e.get("at") or 0))  # stable
    return ordered[-limit:]


class SQLiteAdapter(AbstractPersistenceAdapter):  # type: ignore[misc]
    """Stores each couple's named fields as one JSON row in a WAL-mode SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        append_only_keys: Iterable[str] = ("practice_log",),
        append_only_limit: int = 1000,
        busy_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.append_only_keys = tuple(append_only_keys)
        self.append_only_limit = append_only_limit
        self.busy_timeout = busy_timeout
        self.clock = clock
        self._local = threading.local()
        self._prepared = False
        self._prepare_lock = threading.Lock()

    # -- connection handling -------------------------------------------------
    def _prepare_file(self) -> None:
        """Create the directory and file owner-only, and the table, once per process."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        conn = self._connect()
        with conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(SCHEMA)
        self._local.conn = conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=True
        )
        conn.execute("PRAGMA synchronous=NORMAL")
        # Deleted records are overwritten, not just unlinked: "forget us" means gone.
        conn.execute("PRAGMA secure_delete=ON")
        return conn

    def _conn(self) -> sqlite3.Connection:
        if not self._prepared:
            with self._prepare_lock:
                if not self._prepared:
                    self._wrap(self._prepare_file)
                    self._prepared = True
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._wrap(self._connect)
            self._local.conn = conn
        return conn

    def _wrap(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (sqlite3.Error, OSError) as exc:
            self._drop_connection()
            raise StorageError(f"storage unavailable: {type(exc).__name__}") from exc

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def close(self) -> None:
        self._drop_connection()

    # -- the ask-sdk interface ------------------------------------------------
    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        key = user_id_of(request_envelope)
        return self.load(key)

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        self.save(user_id_of(request_envelope), attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.delete(user_id_of(request_envelope))

    # -- by key (also used by tools and tests) -------------------------------
    def load(self, key: str) -> dict[str, Any]:
        text, data = self._read(key)
        self._remember(key, text, data)
        return data

    def save(self, key: str, attributes: dict[str, Any]) -> None:
        """Merge and write without holding SQLite's write lock while we compute.

        The new record is built from the version this thread last saw, then written with
        one compare-and-swap statement (atomic on its own); if another device wrote in
        between, nothing changes and we read again and retry.
        """
        conn = self._conn()
        for _ in range(SAVE_ATTEMPTS):
            seen = self._recall(key)
            text, logs = seen if seen is not None else self._read_logs(key)
            payload = dict(attributes)
            for name in self.append_only_keys:
                if name in payload or name in logs:
                    payload[name] = merge_append_only(
                        logs.get(name) or [], payload.get(name) or [], self.append_only_limit
                    )
            new_text = json.dumps(payload, separators=(",", ":"))
            if text is None:
                sql = (
                    "INSERT INTO couples (id, data, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO NOTHING"
                )
                args: tuple[Any, ...] = (key, new_text, self.clock())
            else:
                sql = "UPDATE couples SET data = ?, updated_at = ? WHERE id = ? AND data = ?"
                args = (new_text, self.clock(), key, text)
            written = self._wrap(lambda: conn.execute(sql, args).rowcount)  # noqa: B023
            if written == 1:
                self._remember(key, new_text, payload)
                return
            self._forget_seen()  # someone else wrote first: start from their version
        raise StorageError("record kept changing while saving")

    # -- reading, and the last version this thread saw --------------------------------
    def _read(self, key: str) -> tuple[str | None, dict[str, Any]]:
        conn = self._conn()
        row = self._wrap(
            lambda: conn.execute("SELECT data FROM couples WHERE id = ?", (key,)).fetchone()
        )
        if row is None:
            return None, {}
        try:
            data = json.loads(row[0])
        except json.JSONDecodeError as exc:
            raise StorageError("stored record is unreadable") from exc
        if not isinstance(data, dict):
            raise StorageError("stored record is unreadable")
        return row[0], data

    def _read_logs(self, key: str) -> tuple[str | None, dict[str, list[Any]]]:
        text, data = self._read(key)
        return text, self._logs_of(data)

    def _logs_of(self, data: dict[str, Any]) -> dict[str, list[Any]]:
        return {
            name: list(data[name])
            for name in self.append_only_keys
            if isinstance(data.get(name), list)
        }

    def _remember(self, key: str, text: str | None, data: dict[str, Any]) -> None:
        self._local.seen = (key, text, self._logs_of(data))

    def _recall(self, key: str) -> tuple[str | None, dict[str, list[Any]]] | None:
        seen = getattr(self._local, "seen", None)
        return (seen[1], seen[2]) if seen is not None and seen[0] == key else None

    def _forget_seen(self) -> None:
        self._local.seen = None

    def delete(self, key: str) -> None:
        """Delete a couple's row, then fold the WAL into the file and empty it, so no copy
        of the deleted record is left behind in the write-ahead log."""
        conn = self._conn()

        def delete_and_truncate() -> None:
            conn.execute("DELETE FROM couples WHERE id = ?", (key,))
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        self._forget_seen()
        self._wrap(delete_and_truncate)

    def count(self) -> int:
        conn = self._conn()
        return int(self._wrap(lambda: conn.execute("SELECT COUNT(*) FROM couples").fetchone()[0]))
