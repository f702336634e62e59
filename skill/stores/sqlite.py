"""SQLite persistence behind ask-sdk's AbstractPersistenceAdapter interface.

One row per couple (keyed by the Alexa user id) holds a JSON object of named fields: what a
request needs, including the practice log's recent entries and counts. Every practice entry
is also its own row in ``practice``, written once (by its id) in the same transaction.

**Saves lose nothing.** A save writes with a compare-and-swap on the record as this request
loaded it. If another device wrote in between, the turn's changes (``skill.engine.changes``:
a menu item added, one more challenge way, a practice…) are replayed on the latest record
and the write is tried again.

**Forget is final.** An erase deletes the couple's rows and leaves a tombstone (a hash of
the user id and the time, nothing else) for a day; a save that loaded before the erase finds
the record gone, or a tombstone newer than the one its load saw, and writes nothing (the
record and the tombstone are read in one transaction, so no clock decides). The erase is
acknowledged only once the write-ahead log has been checkpointed and truncated, so no copy is
left in the WAL; ``secure_delete`` zeroes the freed space in the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.engine import changes
from skill.errors import StorageError

log = logging.getLogger("close_together")

SAVE_ATTEMPTS = 20  # compare-and-swap retries when another device keeps writing
TOMBSTONE_SECONDS = 24 * 3600  # far longer than any request can be in flight
ERASE_WAIT_SECONDS = 3.0  # how long an erase waits for readers to let the WAL go
CHECKPOINT_BUSY_MS = 200
JOURNAL_SIZE_LIMIT = 1024 * 1024  # the WAL shrinks back to this after a checkpoint
POOL_SIZE = 16  # idle connections kept open
# A write's guard: the couple was not erased after the request loaded: no tombstone newer
# than the one the load saw (hash, that tombstone's time or -1). No clock is compared with
# another: a request that loaded just after an erase, on any server, saves as usual.
NOT_ERASED = "NOT EXISTS (SELECT 1 FROM erased WHERE hash = ? AND at > ?)"
NO_TOMBSTONE = -1.0
T = TypeVar("T")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS couples (
        id TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        updated_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS practice (
        couple TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        at REAL NOT NULL,
        seconds REAL,
        PRIMARY KEY (couple, id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS erased (
        hash TEXT PRIMARY KEY,
        at REAL NOT NULL
    ) WITHOUT ROWID""",
)


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


def erased_marker(key: str) -> str:
    """What a tombstone is keyed by: a hash of the user id, not the id itself."""
    return hashlib.sha256(b"close-together erased\0" + key.encode()).hexdigest()


@dataclass(frozen=True)
class Loaded:
    """A record as one request loaded it: its text (None: no record), and the couple's
    tombstone as that load saw it (its time, or NO_TOMBSTONE): a later one means erased."""

    key: str
    text: str | None
    attributes: dict[str, Any]
    tombstone: float


class SQLiteAdapter(AbstractPersistenceAdapter):  # type: ignore[misc]
    """Stores each couple's named fields as one JSON row in a WAL-mode SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        erase_wait: float = ERASE_WAIT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.erase_wait = erase_wait
        self.clock = clock
        self._local = threading.local()  # what this thread (or greenlet) last loaded
        self._idle: list[sqlite3.Connection] = []  # list.pop/append are atomic
        # The menu a couple starts from (set by build_skill): see changes.diff.
        self.starter_menu: list[dict[str, Any]] | None = None
        self._prepared = False
        self._prepare_lock = threading.Lock()

    # -- connection handling -------------------------------------------------
    # Connections are pooled rather than kept per thread: under gevent workers a "thread"
    # is one request's greenlet, and a connection per request would cost a connect each time.
    def check(self) -> None:
        """Open (or create) the file and its tables now; StorageError says why not."""
        self._run(lambda conn: None)

    def _prepare_file(self) -> None:
        """Create the directory and file owner-only, and the tables, once per process."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        conn = self._connect()
        # Two processes opening a new file at once: turning on WAL takes the file for itself
        # and SQLite answers the other "database is locked" at once, without waiting on
        # busy_timeout. Try again within that bound (a new deployment's workers start
        # together; the first requests must not fail).
        deadline = time.monotonic() + self.busy_timeout
        try:
            while True:
                try:
                    with conn:
                        conn.execute("PRAGMA journal_mode=WAL")
                        for statement in SCHEMA:
                            conn.execute(statement)
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        raise
                    time.sleep(0.01)
        except BaseException:
            conn.close()
            raise
        self._idle.append(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA synchronous=NORMAL")
        # Deleted records are overwritten, not just unlinked: "forget us" means gone.
        conn.execute("PRAGMA secure_delete=ON")
        # Without a limit the WAL keeps its largest size, and old copies of records in it.
        conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        return conn

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on a connection of its own; SQLite and OS failures become StorageError
        (and that connection is closed, so a broken one is never reused)."""
        try:
            if not self._prepared:
                with self._prepare_lock:
                    if not self._prepared:
                        self._prepare_file()
                        self._prepared = True
            try:
                conn = self._idle.pop()
            except IndexError:
                conn = self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"storage unavailable: {type(exc).__name__}") from exc
        try:
            result = fn(conn)
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            raise StorageError(f"storage unavailable: {type(exc).__name__}") from exc
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            raise
        if len(self._idle) < POOL_SIZE:
            self._idle.append(conn)
        else:
            conn.close()
        return result

    def close(self) -> None:
        while self._idle:
            with contextlib.suppress(sqlite3.Error, IndexError):
                self._idle.pop().close()

    # -- the ask-sdk interface ------------------------------------------------
    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        return self.load(user_id_of(request_envelope))

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        self.save(user_id_of(request_envelope), attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.delete(user_id_of(request_envelope))

    # -- by key (also used by tools and tests) -------------------------------
    def load(self, key: str) -> dict[str, Any]:
        loaded = self._read(key)
        self._local.loaded = loaded  # the base this thread's next save of `key` starts from
        return changes.copy_record(loaded.attributes)

    def save(self, key: str, attributes: dict[str, Any]) -> None:
        """Write this turn's changes without losing anyone else's.

        The first attempt writes `attributes` if the record is still what this thread
        loaded. Otherwise the turn's operations are replayed on the latest record and the
        write is tried again; a record erased since the load is left erased.
        """
        loaded = getattr(self._local, "loaded", None)
        self._local.loaded = None
        if loaded is None or loaded.key != key:
            loaded = self._read(key)
        ops = changes.diff(loaded.attributes, attributes, self.starter_menu)
        payload = changes.current_layout(attributes)
        rows = changes.new_entries(ops) + changes.old_log_entries(loaded.attributes)
        for _ in range(SAVE_ATTEMPTS):
            outcome = self._write(loaded, payload, rows)
            if outcome != "conflict":
                if outcome == "erased":
                    log.info("save dropped: the couple's data was erased meanwhile")
                return
            latest = self._read(key)
            if loaded.text is not None and latest.text is None:
                log.info("save dropped: the couple's data was erased meanwhile")
                return
            payload = changes.apply(ops, latest.attributes)
            rows = changes.new_entries(ops) + changes.old_log_entries(latest.attributes)
            loaded = Loaded(key, latest.text, latest.attributes, loaded.tombstone)
        raise StorageError("record kept changing while saving")

    def _write(self, loaded: Loaded, payload: dict[str, Any], rows: list[dict[str, Any]]) -> str:
        """Write the record if it is unchanged since `loaded` and the couple was not erased
        after that load, with the new practice rows in the same transaction: 'written',
        'conflict' (someone else wrote) or 'erased'. Without rows (most turns) it is one
        statement, atomic on its own."""
        text = json.dumps(payload, separators=(",", ":"))
        now = self.clock()
        key = loaded.key
        not_erased = (erased_marker(key), loaded.tombstone)
        if loaded.text is None:
            sql = (
                "INSERT INTO couples (id, data, updated_at) SELECT ?, ?, ? "
                f"WHERE {NOT_ERASED} ON CONFLICT(id) DO NOTHING"
            )
            args: tuple[Any, ...] = (key, text, now, *not_erased)
        else:
            sql = (
                "UPDATE couples SET data = ?, updated_at = ? "
                f"WHERE id = ? AND data = ? AND {NOT_ERASED}"
            )
            args = (text, now, key, loaded.text, *not_erased)

        def transaction(conn: sqlite3.Connection) -> str:
            if not rows:
                written = conn.execute(sql, args).rowcount
            else:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    written = conn.execute(sql, args).rowcount
                    if written == 1:
                        conn.executemany(
                            "INSERT OR IGNORE INTO practice (couple, id, kind, at, seconds) "
                            "VALUES (?, ?, ?, ?, ?)",
                            [(key, e["id"], e["kind"], e["at"], e.get("seconds")) for e in rows],
                        )
                        conn.execute("COMMIT")
                finally:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
            if written == 1:
                return "written"
            # Rare: tell an erase since our load from an ordinary concurrent write.
            return "erased" if self._erased_since(conn, key, loaded.tombstone) else "conflict"

        outcome = self._run(transaction)
        if outcome == "written":
            self._local.loaded = Loaded(key, text, payload, loaded.tombstone)
        return outcome

    def erased_at(self, key: str) -> float | None:
        """When this couple last asked to be forgotten (while the tombstone lasts), or None."""
        return self._run(lambda conn: self._tombstone(conn, key))

    @staticmethod
    def _tombstone(conn: sqlite3.Connection, key: str) -> float | None:
        row = conn.execute("SELECT at FROM erased WHERE hash = ?", (erased_marker(key),)).fetchone()
        return float(row[0]) if row is not None else None

    @classmethod
    def _erased_since(cls, conn: sqlite3.Connection, key: str, since: float) -> bool:
        at = cls._tombstone(conn, key)
        return at is not None and at > since

    def _read(self, key: str) -> Loaded:
        def snapshot(conn: sqlite3.Connection) -> tuple[Any, float | None]:
            # One read transaction: the record and the tombstone as of the same moment.
            conn.execute("BEGIN")
            try:
                row = conn.execute("SELECT data FROM couples WHERE id = ?", (key,)).fetchone()
                grave = self._tombstone(conn, key)
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
            return row, grave

        row, grave = self._run(snapshot)
        tombstone = grave if grave is not None else NO_TOMBSTONE
        if row is None:
            return Loaded(key, None, {}, tombstone)
        try:
            data = json.loads(row[0])
        except json.JSONDecodeError as exc:
            raise StorageError("stored record is unreadable") from exc
        if not isinstance(data, dict):
            raise StorageError("stored record is unreadable")
        return Loaded(key, row[0], data, tombstone)

    def practice_rows(self, key: str) -> list[dict[str, Any]]:
        """Every practice-log entry of a couple, oldest first."""
        rows = self._run(
            lambda conn: conn.execute(
                "SELECT id, kind, at, seconds FROM practice WHERE couple = ? ORDER BY at, id",
                (key,),
            ).fetchall()
        )
        out = []
        for entry_id, kind, at, seconds in rows:
            entry: dict[str, Any] = {"id": entry_id, "kind": kind, "at": at}
            if seconds is not None:
                entry["seconds"] = int(seconds) if float(seconds).is_integer() else seconds
            out.append(entry)
        return out

    # -- forgetting -------------------------------------------------------------
    def delete(self, key: str) -> None:
        """Erase a couple: their record and practice rows, leaving only a tombstone; then
        fold the WAL into the file and empty it. Returns only when no copy is left there."""
        self._local.loaded = None
        now = self.clock()

        def erase(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM couples WHERE id = ?", (key,))
                conn.execute("DELETE FROM practice WHERE couple = ?", (key,))
                # Later than any tombstone of this couple a load may have seen, whatever
                # this server's clock says.
                conn.execute(
                    "INSERT OR REPLACE INTO erased (hash, at) VALUES (?1, MAX(?2, "
                    "COALESCE((SELECT at FROM erased WHERE hash = ?1), ?2) + 0.001))",
                    (erased_marker(key), now),
                )
                conn.execute("DELETE FROM erased WHERE at < ?", (now - TOMBSTONE_SECONDS,))
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

        self._run(erase)
        self._run(self._truncate_wal)

    def _truncate_wal(self, conn: sqlite3.Connection) -> None:
        """Checkpoint and truncate the WAL. SQLite reports a reader in the way as 'busy' in
        the result row (it does not raise), so check it, and retry within a bound."""
        deadline = time.monotonic() + self.erase_wait
        conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
        try:
            while True:
                busy, wal_frames, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy == 0 and wal_frames <= 0:
                    return
                if time.monotonic() >= deadline:
                    log.warning("erase: the write-ahead log is still held by a reader")
                    raise StorageError("erase not complete: a reader holds the write-ahead log")
                time.sleep(0.02)
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")

    def count(self) -> int:
        return int(
            self._run(lambda conn: conn.execute("SELECT COUNT(*) FROM couples").fetchone()[0])
        )
