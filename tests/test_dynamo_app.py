"""The whole skill, through the Flask app and through Lambda, with its state in dynalite."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from flask import Flask

from skill.config import Config
from skill.engine.ssml import CHIME
from skill.frontends import lambda_function
from skill.stores.dynamo import CoupleDynamoDbAdapter, make_dynamodb_adapter
from tests.alexa import Conversation, envelope

if TYPE_CHECKING:
    from tests.dynalite import Dynalite

pytest_plugins = ("tests.dynalite",)
pytestmark = pytest.mark.usefixtures("dynamo_env")

USER = "amzn1.ask.account.DYNAMOAPPCOUPLE"


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    return boto3.session.Session(region_name="us-east-1")


@pytest.fixture
def server(make_app, dynamo_config: Config, session: boto3.session.Session):  # type: ignore[no-untyped-def]
    """A new web server (its own app, skill and DynamoDB client) on the shared table."""

    def make(config: Config | None = None) -> Flask:
        adapter = make_dynamodb_adapter(config or dynamo_config, session=session)
        return make_app(cfg=config or dynamo_config, adapter=adapter)  # type: ignore[no-any-return]

    return make


@pytest.fixture
def table(dynamo_config: Config, session: boto3.session.Session) -> CoupleDynamoDbAdapter:
    """Direct access to what is stored, the way an operator would look."""
    return make_dynamodb_adapter(dynamo_config, session=session)


def no_decimals(value: Any) -> bool:
    if isinstance(value, dict):
        return all(no_decimals(v) for v in value.values())
    if isinstance(value, list):
        return all(no_decimals(v) for v in value)
    return not isinstance(value, Decimal)


def test_checkin_paused_on_one_server_resumes_on_another_then_hug_and_forget(  # type: ignore[no-untyped-def]
    server, table: CoupleDynamoDbAdapter, clock
) -> None:
    first = Conversation(server().test_client(), clock, user=USER)
    opening = first.say("EveningCheckInIntent")
    assert "ten" in opening.text
    first.say("PainLevelIntent", level="3")
    assert first.say("AMAZON.StopIntent").ended

    clock.advance(600)
    second = Conversation(server().test_client(), clock, user=USER)  # another server
    resumed = second.say("ContinueIntent")
    assert "partner" in resumed.text, "picked up at the second partner's level"
    question = second.say("PainLevelIntent", level="6")
    assert "six" in question.text and question.measured.quiet_ms == 45_000
    for _ in range(4):  # idea, two appreciations, then the closing offer
        offer = second.say("AMAZON.NextIntent")
    # The first partner's level was not kept: the close assumes nothing about touch,
    # and a hug asked for by name is still a hug.
    assert "twenty quiet seconds" in offer.text and "hug" not in offer.text
    hug = second.say("HugTimerIntent")
    assert hug.measured.quiet_ms == 20_000 and hug.measured.sounds == [CHIME]

    stored = table.load(USER)
    assert no_decimals(stored) and json.loads(json.dumps(stored)) == stored
    assert [e["kind"] for e in stored["practice_log"]] == ["checkin", "hug"]
    assert "progress" not in stored, "a finished ritual leaves nothing to resume"
    assert type(stored["practice_log"][1]["seconds"]) is int

    third = Conversation(server().test_client(), clock, user=USER)
    assert not third.say("ForgetUsIntent").ended
    done = third.say("AMAZON.YesIntent")
    assert "erased" in done.text
    assert table.load(USER) == {}
    assert "I guide" in third.launch().text, "a forgotten couple is welcomed as new"


def test_one_shot_hugs_from_two_servers_are_both_recorded(server, table, clock) -> None:  # type: ignore[no-untyped-def]
    a = Conversation(server().test_client(), clock, user=USER)
    b = Conversation(server().test_client(), clock, user=USER)
    assert a.say("HugTimerIntent", duration="PT30S").measured.quiet_ms == 30_000
    assert b.say("KissIntent").measured.quiet_ms == 6_000
    kinds = sorted(e["kind"] for e in table.load(USER)["practice_log"])
    assert kinds == ["hug", "kiss"]


def test_a_dead_store_still_gets_a_spoken_answer(  # type: ignore[no-untyped-def]
    make_app, dynamo_config: Config, dead_endpoint: str, clock
) -> None:
    config = dynamo_config.with_(dynamodb_endpoint=dead_endpoint)
    app = make_app(cfg=config, adapter=make_dynamodb_adapter(config))
    talk = Conversation(app.test_client(), clock, user=USER)
    hug = talk.say("HugTimerIntent")
    assert hug.measured.quiet_ms == 20_000, "the hug itself still works"
    assert "couldn't open your saved progress" in hug.text
    talk.say("ForgetUsIntent")
    assert "couldn't finish erasing" in talk.say("AMAZON.YesIntent").text


def test_dynalite_stopping_mid_conversation_is_survived(  # type: ignore[no-untyped-def]
    make_app, dynamo_config: Config, clock
) -> None:
    from tests.dynalite import start_dynalite

    own = start_dynalite()  # a private server this test may stop
    try:
        config = dynamo_config.with_(dynamodb_endpoint=own.endpoint)
        app = make_app(cfg=config, adapter=make_dynamodb_adapter(config))
        talk = Conversation(app.test_client(), clock, user=USER)
        assert "ten" in talk.say("EveningCheckInIntent").text
        own.stop()
        reply = talk.say("PainLevelIntent", level="2")
        assert reply.text and not reply.ended, "still talking, still listening"
        assert "couldn't open your saved progress" in reply.text
    finally:
        own.stop()


def test_lambda_with_dynamodb_from_the_environment(  # type: ignore[no-untyped-def]
    dynalite: Dynalite, table_name: str, table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOSE_TOGETHER_STORE", "dynamodb")
    monkeypatch.setenv("CLOSE_TOGETHER_DYNAMODB_TABLE", table_name)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite.endpoint)
    lambda_function.reset()
    try:
        event = envelope("IntentRequest", "HugTimerIntent", user=USER)
        body = lambda_function.handler(json.loads(json.dumps(event)), None)
        assert "<audio" in body["response"]["outputSpeech"]["ssml"]
        assert [e["kind"] for e in table.load(USER)["practice_log"]] == ["hug"]
    finally:
        lambda_function.reset()
