"""Records written before practice entries became rows (the whole log inside the record) keep
working on both stores: read as they are, rewritten in today's layout on the next save."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from skill.builder import build_skill, make_store
from skill.config import Config
from skill.engine.state import PRACTICE_RECENT_LIMIT
from skill.frontends.web import create_app
from tests.alexa import Conversation
from tests.certs import Clock
from tests.conftest import START

if TYPE_CHECKING:
    from tests.dynalite import Dynalite

pytest_plugins = ("tests.dynalite",)

USER = "amzn1.ask.account.OLDCOUPLE"
DAY = 24 * 3600
OLD_SCHEMA = (
    "CREATE TABLE couples (id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at REAL NOT NULL)"
)


def old_record() -> dict[str, Any]:
    """A record as the previous release wrote it: 150 entries over 30 days, in the record."""
    log = [
        {
            "id": f"old{i:03d}",
            "kind": "hug" if i % 3 else "checkin",
            "at": START - 30 * DAY + i * 4 * 3600,
            "seconds": 20,
        }
        for i in range(150)
    ]
    return {
        "first_seen": START - 40 * DAY,
        "names": ["Sam", "Alex"],
        "recent_questions": [2],
        "practice_log": log,
    }


def hug_and_ask(config: Config, clock: Clock) -> tuple[str, str]:
    store = make_store(config)
    app = create_app(
        config, skill=build_skill(config, store=store, clock=clock, rng=random.Random(2))
    )
    talk = Conversation(app.test_client(), clock, user=USER)
    before = talk.say("HowAreWeDoingIntent").text
    talk.new_session()
    talk.say("HugTimerIntent")
    talk.new_session()
    return before, talk.say("HowAreWeDoingIntent").text


def check_rewritten(stored: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    assert "Sam" in stored["names"]
    assert stored["practice_counts"] == {"hug": 101, "checkin": 50}
    assert len(stored["practice_log"]) <= PRACTICE_RECENT_LIMIT
    assert stored["practice_log"][-1]["kind"] == "hug"
    assert len(rows) == 151 and len({r["id"] for r in rows}) == 151
    assert rows[0]["id"] == "old000" and rows[0]["seconds"] == 20


def test_an_old_sqlite_file_is_read_then_rewritten_in_todays_layout(
    tmp_path: Path, clock: Clock
) -> None:
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(OLD_SCHEMA)
        conn.execute(
            "INSERT INTO couples VALUES (?, ?, ?)", (USER, json.dumps(old_record()), START)
        )
    config = Config(db_path=db, verify=False)
    before, after = hug_and_ask(config, clock)
    assert "days" in before and before != after
    store = make_store(config)
    check_rewritten(store.load(USER), store.practice_rows(USER))  # type: ignore[attr-defined]


@pytest.mark.usefixtures("dynamo_env")
def test_an_old_dynamodb_item_is_read_then_rewritten_in_todays_layout(
    dynalite: Dynalite, table_name: str, dynamo_config: Config, clock: Clock
) -> None:
    config = dynamo_config
    store = make_store(config)
    store.load("nobody")  # creates the table
    client = boto3.client("dynamodb", endpoint_url=dynalite.endpoint, region_name="us-east-1")
    client.put_item(
        TableName=table_name,
        Item={
            "id": {"S": USER},
            "attributes": {"S": json.dumps(old_record())},
            "version": {"S": "v1"},
        },
    )
    before, after = hug_and_ask(config, clock)
    assert "days" in before and before != after
    check_rewritten(store.load(USER), store.practice_rows(USER))  # type: ignore[attr-defined]
