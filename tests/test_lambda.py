"""The Lambda entry point: invoked with a request envelope dict, as AWS Lambda does."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.engine.ssml import CHIME, measure
from skill.frontends import lambda_function
from skill.stores.sqlite import SQLiteAdapter
from tests.alexa import SKILL_ID, check_response, envelope

USER = "amzn1.ask.account.LAMBDACOUPLE"


class FakeContext:
    """The bits of a Lambda context object a handler may look at."""

    function_name = "close-together"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 7000


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The function's environment: SQLite in a temp file; a fresh cold start per test."""
    path = tmp_path / "lambda.sqlite3"
    for name in ("CLOSE_TOGETHER_STORE", "CLOSE_TOGETHER_SKILL_ID", "CLOSE_TOGETHER_VERIFY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOSE_TOGETHER_DB", str(path))
    lambda_function.reset()
    yield path
    lambda_function.reset()


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    # Lambda hands the handler the parsed JSON event; round-trip it to be sure it is plain JSON.
    result = lambda_function.handler(json.loads(json.dumps(event)), FakeContext())
    return json.loads(json.dumps(result))


def test_a_hug_through_lambda_is_answered_and_recorded(db: Path) -> None:
    body = invoke(envelope("IntentRequest", "HugTimerIntent", {"duration": "PT30S"}, user=USER))
    check_response(body, "IntentRequest")
    spoken = measure(body["response"]["outputSpeech"]["ssml"])
    assert spoken.total_break_ms == 30_000
    assert spoken.sounds == [CHIME]
    log = SQLiteAdapter(db).load(USER)["practice_log"]
    assert [(e["kind"], e["seconds"]) for e in log] == [("hug", 30)]


def test_the_skill_is_built_once_per_cold_start(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[object] = []
    real = lambda_function.build_skill

    def counting(config):  # type: ignore[no-untyped-def]
        builds.append(config)
        return real(config)

    monkeypatch.setattr(lambda_function, "build_skill", counting)
    invoke(envelope("LaunchRequest", user=USER))
    invoke(envelope("IntentRequest", "KissIntent", user=USER))
    assert len(builds) == 1
    lambda_function.reset()  # a new instance of the function
    invoke(envelope("LaunchRequest", user=USER))
    assert len(builds) == 2


def test_session_attributes_carry_a_ritual_between_invocations(db: Path) -> None:
    first = invoke(envelope("IntentRequest", "EveningCheckInIntent", user=USER))
    assert first["response"]["shouldEndSession"] is False
    second = invoke(
        envelope(
            "IntentRequest",
            "PainLevelIntent",
            {"level": "4"},
            user=USER,
            new=False,
            attributes=first.get("sessionAttributes"),
        )
    )
    check_response(second, "IntentRequest")
    assert "four" in measure(second["response"]["outputSpeech"]["ssml"]).text
    saved = SQLiteAdapter(db).load(USER)
    assert saved["progress"]["step"] == 1, "the ritual moved on and is stored"
    assert "pain" not in saved["progress"], "the level itself stays in the conversation"


def test_unknown_request_types_get_an_empty_valid_answer(db: Path) -> None:
    event = envelope("LaunchRequest", user=USER)
    event["request"]["type"] = "Alexa.Presentation.APL.SomethingNew"
    assert invoke(event) == {"version": "1.0", "response": {}}


def test_skill_disabled_event_deletes_the_couple(db: Path) -> None:
    invoke(envelope("IntentRequest", "HugTimerIntent", user=USER))
    assert SQLiteAdapter(db).load(USER) != {}
    body = invoke(envelope("AlexaSkillEvent.SkillDisabled", user=USER))
    check_response(body, "AlexaSkillEvent.SkillDisabled")
    assert SQLiteAdapter(db).load(USER) == {}


def test_a_skill_event_without_a_user_is_refused_and_touches_nothing(db: Path) -> None:
    invoke(envelope("IntentRequest", "HugTimerIntent", user=USER))
    event = envelope("AlexaSkillEvent.SkillDisabled", user=USER)
    for holder in (event.get("context", {}).get("System", {}), event.get("session") or {}):
        holder.pop("user", None)
    with pytest.raises(lambda_function.BadEventError, match="user id is missing"):
        invoke(event)
    assert SQLiteAdapter(db).load(USER) != {}, "the couple who did not disable it is kept"


def test_a_configured_skill_id_is_enforced(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOSE_TOGETHER_SKILL_ID", SKILL_ID)
    check_response(invoke(envelope("LaunchRequest", user=USER)), "LaunchRequest")
    lambda_function.reset()
    monkeypatch.setenv("CLOSE_TOGETHER_SKILL_ID", "amzn1.ask.skill.someone-else")
    stranger = "amzn1.ask.account.STRANGER"
    with pytest.raises(lambda_function.WrongSkillError):
        invoke(envelope("LaunchRequest", user=stranger))
    assert SQLiteAdapter(db).load(stranger) == {}, "a refused request touches nothing"


def test_importing_the_module_builds_and_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOSE_TOGETHER_STORE", "no-such-store")  # would fail if built
    monkeypatch.setenv("CLOSE_TOGETHER_TALK_SECONDS", "not a number")  # would fail if read
    module = importlib.reload(lambda_function)
    assert module._service is None
    with pytest.raises(ValueError):
        module.handler(envelope("LaunchRequest", user=USER), FakeContext())
    module.reset()
