"""Measured fix proposals for files this benchmark does not own (see docs/benchmarks.md).

`ShortLockSQLiteAdapter` is `skill.persistence.SQLiteAdapter` with one change to `save`: the
read, JSON decoding, practice-log merge and JSON encoding happen *outside* the write lock, and
the write is a single compare-and-swap statement (``UPDATE ... WHERE data = <what we read>``,
or ``INSERT ... ON CONFLICT DO NOTHING`` for a new couple), retried if another writer got there
first. The SQLite write lock is then held for one statement instead of a Python-level
read-merge-write transaction, which is what serialises gunicorn's workers and threads today
(a thread holding the lock can lose the GIL mid-transaction for a whole switch interval while
the other process's writers sleep in SQLite's busy handler).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from skill.builder import build_skill
from skill.config import Config
from skill.errors import StorageError
from skill.persistence import SQLiteAdapter, merge_append_only
from skill.web import create_app


class ShortLockSQLiteAdapter(SQLiteAdapter):
    """SQLiteAdapter whose saves hold the write lock for one statement."""

    max_attempts = 20

    def save(self, key: str, attributes: dict[str, Any]) -> None:
        conn = self._conn()

        def attempt() -> bool:
            row = conn.execute("SELECT data FROM couples WHERE id = ?", (key,)).fetchone()
            old = row[0] if row else None
            try:
                stored = json.loads(old) if old else {}
            except json.JSONDecodeError as exc:
                raise StorageError("stored record is unreadable") from exc
            payload = dict(attributes)
            for name in self.append_only_keys:
                if name in payload or name in stored:
                    payload[name] = merge_append_only(
                        stored.get(name) or [], payload.get(name) or [], self.append_only_limit
                    )
            data = json.dumps(payload, separators=(",", ":"))
            if old is None:
                cur = conn.execute(
                    "INSERT INTO couples (id, data, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO NOTHING",
                    (key, data, self.clock()),
                )
            else:
                cur = conn.execute(
                    "UPDATE couples SET data = ?, updated_at = ? WHERE id = ? AND data = ?",
                    (data, self.clock(), key, old),
                )
            return cur.rowcount == 1

        for _ in range(self.max_attempts):
            if self._wrap(attempt):
                return
        raise StorageError("too many concurrent writes")


def full_app_short_lock_sqlite() -> Flask:
    """The full service (verification off) on ShortLockSQLiteAdapter, for gunicorn."""
    import logging.config

    from skill.logs import logging_config

    config = Config.from_env(verify=False)
    logging.config.dictConfig(logging_config(config.log_level))
    skill = build_skill(config, store=ShortLockSQLiteAdapter(config.db_path))
    return create_app(config, skill=skill)
