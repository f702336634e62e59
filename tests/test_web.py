"""The Flask front end: bad input gets a short 4xx, odd requests still get valid answers."""

from __future__ import annotations

import json

import pytest

from tests.alexa import Conversation, check_response, fixture
from tests.test_feature_support import said_one_of


def test_healthz_answers_without_touching_the_skill(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["verification"] is False and "off" in body["warning"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "reason"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"\xff\xfe", "application/json", 400, "not valid JSON"),
        (b"[1, 2]", "application/json", 400, "JSON object"),
        (b'"hello"', "application/json", 400, "JSON object"),
        (b"{}", "application/json", 400, "request.type"),
        (b'{"request": {"type": 5}}', "application/json", 400, "request.type"),
        (json.dumps(fixture("launch")).encode(), "text/plain", 415, "application/json"),
        (
            json.dumps(fixture("launch")).encode(),
            "application/x-www-form-urlencoded",
            415,
            "application/json",
        ),
        (b"{}", None, 415, "application/json"),
    ],
)
def test_malformed_requests_get_a_short_reason(client, data, content_type, status, reason) -> None:  # type: ignore[no-untyped-def]
    headers = {"Content-Type": content_type} if content_type else {}
    resp = client.post("/", data=data, headers=headers)
    assert resp.status_code == status
    assert reason in resp.get_json()["error"]
    assert "Traceback" not in resp.get_data(as_text=True)


def test_body_over_64_kib_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    env = fixture("launch")
    env["padding"] = "x" * (64 * 1024)
    resp = client.post("/", data=json.dumps(env), content_type="application/json")
    assert resp.status_code == 413
    assert "too large" in resp.get_json()["error"]


def test_wrong_field_types_are_a_400_not_a_500(client) -> None:  # type: ignore[no-untyped-def]
    env = fixture("hug_timer")
    env["request"]["intent"] = "not an object"
    resp = client.post("/", json=env)
    assert resp.status_code == 400
    assert "wrong type" in resp.get_json()["error"]


def test_unknown_request_type_gets_a_valid_empty_answer(client) -> None:  # type: ignore[no-untyped-def]
    env = fixture("launch")
    env["request"]["type"] = "Alexa.Something.Brand.New"
    resp = client.post("/", json=env)
    assert resp.status_code == 200
    assert resp.get_json() == {"version": "1.0", "response": {}}


def test_wrong_method_and_path(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/").status_code == 405
    assert client.post("/nope", json={}).status_code == 404
    assert "error" in client.get("/").get_json()


def test_every_fixture_gets_a_valid_response(client) -> None:  # type: ignore[no-untyped-def]
    for name in ("launch", "hug_timer", "session_ended"):
        env = fixture(name)
        resp = client.post("/", json=env)
        assert resp.status_code == 200
        check_response(resp.get_json(), env["request"]["type"])


def test_progress_survives_an_app_restart_on_the_same_file(make_app, config, clock) -> None:  # type: ignore[no-untyped-def]
    from skill.stores.sqlite import SQLiteAdapter

    first = Conversation(make_app(adapter=SQLiteAdapter(config.db_path)).test_client(), clock)
    first.launch()
    first.say("HighsAndLowsIntent")
    first.say("AMAZON.NextIntent")
    first.say("AMAZON.StopIntent")

    restarted = make_app(adapter=SQLiteAdapter(config.db_path))  # a new process, same file
    again = Conversation(restarted.test_client(), clock)
    reply = again.say("ContinueIntent")
    assert "low point" in reply.text or "toughest" in reply.text
    assert "I guide" not in again.launch().text  # still a returning couple


def test_couples_are_kept_apart(talk: Conversation, client, clock, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("HighsAndLowsIntent")
    other = Conversation(client, clock, user="amzn1.ask.account.OTHERCOUPLE")
    assert said_one_of(other.say("ContinueIntent"), "continue.nothing")
    assert store.load("amzn1.ask.account.OTHERCOUPLE").get("progress") is None


def test_intent_request_without_an_intent_is_a_400(client) -> None:  # type: ignore[no-untyped-def]
    env = fixture("hug_timer")
    del env["request"]["intent"]
    resp = client.post("/", json=env)
    assert resp.status_code == 400 and "intent name" in resp.get_json()["error"]


def test_dialogue_request_without_a_session_is_a_400(client) -> None:  # type: ignore[no-untyped-def]
    env = fixture("hug_timer")
    del env["session"]
    resp = client.post("/", json=env)
    assert resp.status_code == 400 and "session" in resp.get_json()["error"]
