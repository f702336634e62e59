"""Storage faults still get a spoken answer, save nothing half-way, and recover."""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import sqlite3
import threading
from collections.abc import Iterator

import pytest

from skill.errors import StorageError
from skill.stores.sqlite import SQLiteAdapter
from tests.alexa import Conversation, Reply, envelope

NOT_SAVED = "couldn't save"
NOT_LOADED = "couldn't open your saved progress"


@contextlib.contextmanager
def disk_full() -> Iterator[None]:
    """Every write past the first KiB of any file fails with EFBIG, as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_disk_full_still_speaks_and_keeps_the_old_record(make_app, db_path, clock) -> None:  # type: ignore[no-untyped-def]
    adapter = SQLiteAdapter(db_path)
    talk = Conversation(make_app(adapter=adapter).test_client(), clock)
    talk.launch()
    talk.say("AMAZON.StopIntent")
    before = adapter.load(talk.user)
    with disk_full():
        reply = talk.say("HugTimerIntent", duration="PT30S")
    assert reply.measured.quiet_ms == 30_000, "the hug still happens"
    assert NOT_SAVED in reply.text
    assert SQLiteAdapter(db_path).load(talk.user) == before, "nothing half-written"
    after = talk.say("HugTimerIntent", duration="PT30S")
    assert NOT_SAVED not in after.text
    assert len(SQLiteAdapter(db_path).load(talk.user)["practice_log"]) == 1


def test_locked_database_speaks_then_recovers(make_app, db_path, clock) -> None:  # type: ignore[no-untyped-def]
    adapter = SQLiteAdapter(db_path, busy_timeout=0.05)
    talk = Conversation(make_app(adapter=adapter).test_client(), clock)
    talk.launch()
    talk.say("AMAZON.StopIntent")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        reply = talk.say("HighsAndLowsIntent")
        assert NOT_LOADED in reply.text or NOT_SAVED in reply.text
        assert reply.measured.quiet_ms == 45_000, "the ritual still starts"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    talk.new_session()
    reply = talk.say("HighsAndLowsIntent")
    assert NOT_SAVED not in reply.text and NOT_LOADED not in reply.text
    assert adapter.load(talk.user)["progress"]["ritual"] == "highs_lows"


def test_unreadable_file_is_never_overwritten(make_app, db_path, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    db_path.write_bytes(b"this is not a database" * 100)
    adapter = SQLiteAdapter(db_path)
    talk = Conversation(make_app(adapter=adapter).test_client(), clock)
    with caplog.at_level(logging.WARNING):
        reply = talk.say("KissIntent")
    assert reply.measured.quiet_ms == 6000 and NOT_LOADED in reply.text
    assert db_path.read_bytes().startswith(b"this is not a database")
    help_reply = talk.say("AMAZON.HelpIntent")
    assert help_reply.text and not help_reply.ended


def test_unreadable_record_keeps_the_ritual_going_without_saving(make_app, store, clock) -> None:  # type: ignore[no-untyped-def]
    store.save("amzn1.ask.account.TESTCOUPLE", {"first_seen": 1.0})
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE couples SET data = 'not json'")
    talk = Conversation(make_app().test_client(), clock)
    reply = talk.say("EveningCheckInIntent")
    assert "ten" in reply.text and NOT_LOADED in reply.text
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT data FROM couples").fetchone()[0] == "not json"


def test_two_devices_at_once_lose_no_practice(make_app, db_path, clock) -> None:  # type: ignore[no-untyped-def]
    """Two servers (apps) on one file, each with a device doing hugs at the same time."""
    apps = [make_app(adapter=SQLiteAdapter(db_path), seed=n) for n in range(2)]
    errors: list[BaseException] = []

    def device(app) -> None:  # type: ignore[no-untyped-def]
        client = app.test_client()
        try:
            for _ in range(15):
                resp = client.post("/", json=envelope("IntentRequest", "HugTimerIntent"))
                assert NOT_SAVED not in Reply(resp.get_json()).text
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=device, args=(app,)) for app in apps for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    log = SQLiteAdapter(db_path).load("amzn1.ask.account.TESTCOUPLE")["practice_log"]
    assert len(log) == 60 and len({e["id"] for e in log}) == 60


def test_a_crashing_store_gets_a_kind_answer_not_a_500(make_app, caplog) -> None:  # type: ignore[no-untyped-def]
    class Broken(SQLiteAdapter):
        def get_attributes(self, request_envelope):  # type: ignore[no-untyped-def]
            raise RuntimeError("Zephyrine said something private")

    app = make_app(adapter=Broken("/nonexistent/never-used.sqlite3"))
    with caplog.at_level(logging.DEBUG):
        resp = app.test_client().post("/", json=envelope("LaunchRequest"))
    assert resp.status_code == 200
    reply = Reply(resp.get_json())
    assert "went wrong" in reply.text and not reply.ended
    assert "RuntimeError" in caplog.text and "Zephyrine" not in caplog.text


def nested_dict(depth: int) -> dict:
    nested: dict = {}
    node = nested
    for _ in range(depth):
        node["x"] = {}
        node = node["x"]
    return nested


SESSIONLESS_EVENTS = [
    "AlexaSkillEvent.SkillEnabled",
    "AlexaSkillEvent.SkillPermissionChanged",
    "AlexaSkillEvent.SkillAccountLinked",
    "Messaging.MessageReceived",
]


@pytest.mark.parametrize("kind", SESSIONLESS_EVENTS)
def test_events_without_a_session_get_a_silent_valid_answer(client, kind) -> None:  # type: ignore[no-untyped-def]
    env = envelope("LaunchRequest")
    del env["session"]
    env["request"] = {
        "type": kind,
        "requestId": "amzn1.echo-api.request.event",
        "timestamp": "2026-11-22T20:00:00Z",
        "locale": "en-US",
        "name": "AskFor",
        "status": {"code": "200", "message": "OK"},
        "payload": {},
    }
    resp = client.post("/", json=env)
    assert resp.status_code == 200
    assert "outputSpeech" not in resp.get_json()["response"]


def test_skill_disabled_with_storage_down_asks_alexa_to_retry(make_app, db_path) -> None:  # type: ignore[no-untyped-def]
    class Down(SQLiteAdapter):
        def delete_attributes(self, request_envelope):  # type: ignore[no-untyped-def]
            raise StorageError("storage unavailable")

    env = envelope("LaunchRequest")
    del env["session"]
    env["request"] = {
        "type": "AlexaSkillEvent.SkillDisabled",
        "requestId": "amzn1.echo-api.request.disabled",
        "timestamp": "2026-11-22T20:00:00Z",
        "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
    }
    resp = make_app(adapter=Down(db_path)).test_client().post("/", json=env)
    assert resp.status_code == 503 and "try again" in resp.get_json()["error"]


def test_a_ritual_keeps_going_while_the_store_cannot_be_written(make_app, db_path, clock) -> None:  # type: ignore[no-untyped-def]
    class ReadOnly(SQLiteAdapter):
        def save_attributes(self, request_envelope, attributes):  # type: ignore[no-untyped-def]
            raise StorageError("disk full")

    talk = Conversation(make_app(adapter=ReadOnly(db_path)).test_client(), clock)
    first = talk.say("HighsAndLowsIntent")
    assert NOT_SAVED in first.text
    second = talk.say("AMAZON.NextIntent")
    assert "low point" in second.text or "toughest" in second.text
    assert NOT_SAVED in second.text, "every turn stays honest about saving"
    third = talk.say("AMAZON.NextIntent")
    assert "partner" in third.text


@pytest.mark.parametrize(
    "body",
    [b"[" * 30_000 + b"]" * 30_000, b'{"a":' * 20_000 + b"1" + b"}" * 20_000],
)
def test_absurdly_nested_json_is_a_400(client, body) -> None:  # type: ignore[no-untyped-def]
    resp = client.post("/", data=body, content_type="application/json")
    assert resp.status_code in (400, 413)
    assert resp.get_json()["error"]


def test_deeply_nested_session_attributes_are_a_400_not_a_500(client) -> None:  # type: ignore[no-untyped-def]
    env = envelope("IntentRequest", "KissIntent")
    nested = nested_dict(900)
    env["session"]["attributes"] = {"deep": nested}
    resp = client.post("/", data=json.dumps(env), content_type="application/json")
    assert resp.status_code in (200, 400)


def test_unicode_digits_are_not_pain_levels(talk) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    reply = talk.say("PainLevelIntent", level="\u00b2")
    assert "zero" in reply.text and "went wrong" not in reply.text


def test_deep_nesting_inside_the_request_is_not_a_500(client) -> None:  # type: ignore[no-untyped-def]
    env = envelope("IntentRequest", "KissIntent")
    nested = nested_dict(900)
    env["request"]["intent"]["slots"] = {"level": {"name": "level", "value": "3", "x": nested}}
    resp = client.post("/", data=json.dumps(env), content_type="application/json")
    assert resp.status_code in (200, 400)


def test_skill_event_without_a_user_id_is_a_400_not_a_retry(client) -> None:  # type: ignore[no-untyped-def]
    env = envelope("LaunchRequest")
    del env["session"]
    del env["context"]["System"]["user"]
    env["request"] = {
        "type": "AlexaSkillEvent.SkillDisabled",
        "requestId": "amzn1.echo-api.request.disabled",
        "timestamp": "2026-11-22T20:00:00Z",
        "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
    }
    resp = client.post("/", json=env)
    assert resp.status_code == 400 and "user id" in resp.get_json()["error"]
