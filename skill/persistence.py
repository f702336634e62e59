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
        conn = self._conn()

        def read() -> dict[str, Any]:
            row = conn.execute("SELECT data FROM couples WHERE id = ?", (key,)).fetchone()
            return json.loads(row[0]) if row else {}

        try:
            return self._wrap(read)  # type: ignore[no-any-return]
        except json.JSONDecodeError as exc:
            raise StorageError("stored record is unreadable") from exc

    def save(self, key: str, attributes: dict[str, Any]) -> None:
        conn = self._conn()
        payload_in = dict(attributes)

        def write() -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT data FROM couples WHERE id = ?", (key,)).fetchone()
                stored = json.loads(row[0]) if row else {}
                for name in self.append_only_keys:
                    if name in payload_in or name in stored:
                        payload_in[name] = merge_append_only(
                            stored.get(name) or [],
                            payload_in.get(name) or [],
                            self.append_only_limit,
                        )
                conn.execute(
                    "INSERT INTO couples (id, data, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET data = excluded.data, "
                    "updated_at = excluded.updated_at",
                    (key, json.dumps(payload_in, separators=(",", ":")), self.clock()),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        try:
            self._wrap(write)
        except json.JSONDecodeError as exc:
            raise StorageError("stored record is unreadable") from exc

    def delete(self, key: str) -> None:
        """Delete a couple's row, then fold the WAL into the file and empty it, so no copy
        of the deleted record is left behind in the write-ahead log."""
        conn = self._conn()

        def delete_and_truncate() -> None:
            conn.execute("DELETE FROM couples WHERE id = ?", (key,))
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        self._wrap(delete_and_truncate)

    def count(self) -> int:
        conn = self._conn()
        return int(self._wrap(lambda: conn.execute("SELECT COUNT(*) FROM couples").fetchone()[0]))
