"""Thousands of mutated request envelopes: never a 500, every 200 a valid Alexa response."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.alexa import check_response, envelope, fixture

MODEL = Path(__file__).resolve().parents[1] / "interaction_models" / "en-US.json"
INTENTS = [
    intent["name"]
    for intent in json.loads(MODEL.read_text())["interactionModel"]["languageModel"]["intents"]
] + ["NoSuchIntent", ""]
BASES = [
    fixture("launch"),
    fixture("hug_timer"),
    fixture("session_ended"),
    *[envelope("IntentRequest", name, {"level": "7", "duration": "PT20S"}) for name in INTENTS],
]
PATHS: list[tuple[str, ...]] = [
    ("version",),
    ("session",),
    ("session", "new"),
    ("session", "attributes"),
    ("session", "user"),
    ("session", "user", "userId"),
    ("context",),
    ("context", "System"),
    ("context", "System", "user"),
    ("context", "System", "user", "userId"),
    ("request",),
    ("request", "type"),
    ("request", "locale"),
    ("request", "timestamp"),
    ("request", "intent"),
    ("request", "intent", "name"),
    ("request", "intent", "slots"),
    ("session", "attributes", "awaiting"),
    ("session", "attributes", "last_ssml"),
]
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.text(min_size=5000, max_size=20000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(
        [
            "xx-XX",
            "en-US",
            "de-DE",
            "",
            "en_us",
            "LaunchRequest",
            "IntentRequest",
            "SessionEndedRequest",
            "AlexaSkillEvent.SkillDisabled",
            "PT5S",
            "?",
        ]
    ),
)
SLOT_VALUE = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(-100, 100).map(str),
    st.sampled_from(["PT0S", "PT999H", "P1Y", "PTXS", "-5", "7.5", "ten", "\u2603"]),
)
counted = {"examples": 0}


def set_path(env: dict[str, Any], path: tuple[str, ...], value: Any, delete: bool) -> None:
    node: Any = env
    for key in path[:-1]:
        if not isinstance(node, dict):
            return
        node = node.setdefault(key, {}) if key in node or not delete else None
        if node is None:
            return
    if isinstance(node, dict):
        if delete:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    env = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        set_path(env, path, draw(ODD), delete=draw(st.booleans()))
    if draw(st.booleans()) and isinstance(env.get("request"), dict):
        intent = env["request"].get("intent")
        if isinstance(intent, dict):
            names = draw(st.lists(st.sampled_from(["level", "duration", "bogus", ""]), max_size=3))
            intent["slots"] = {
                n: {"name": n, **({"value": v} if (v := draw(SLOT_VALUE)) is not None else {})}
                for n in names
            }
    return env


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):  # type: ignore[no-untyped-def]
    import random

    from skill.builder import build_skill
    from skill.config import Config
    from skill.frontends.web import create_app
    from skill.stores.sqlite import SQLiteAdapter

    cfg = Config(db_path=tmp_path_factory.mktemp("fuzz") / "db.sqlite3", verify=False)
    skill = build_skill(cfg, store=SQLiteAdapter(cfg.db_path), rng=random.Random(3))
    return create_app(cfg, skill=skill).test_client()


def assert_sane(resp: Any, sent: Any) -> None:
    assert resp.status_code != 500, resp.get_data(as_text=True)[:300]
    assert resp.status_code in (200, 400, 413, 415), resp.status_code
    body = resp.get_json()
    if resp.status_code != 200:
        assert isinstance(body["error"], str) and 0 < len(body["error"]) < 120
        return
    kind = sent["request"]["type"] if isinstance(sent, dict) else ""
    check_response(body, kind if isinstance(kind, str) else "")


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(env=mutated())
def test_mutated_envelopes_never_break_the_service(fuzz_client, env) -> None:  # type: ignore[no-untyped-def]
    counted["examples"] += 1
    resp = fuzz_client.post("/", data=json.dumps(env), content_type="application/json")
    assert_sane(resp, env)


@settings(max_examples=500, deadline=None)
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_arbitrary_bytes_get_a_4xx_or_a_valid_answer(fuzz_client, body: bytes) -> None:  # type: ignore[no-untyped-def]
    counted["examples"] += 1
    resp = fuzz_client.post("/", data=body, content_type="application/json")
    assert resp.status_code in (200, 400, 413, 415)
    assert_sane(resp, {})


def test_report_example_count() -> None:
    """Runs last in this module: the number of fuzz examples goes into the test log."""
    print(f"\nhypothesis examples sent through the Flask app: {counted['examples']}")
