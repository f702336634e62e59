"""Bedside screens: every APL document the skill can send passes Amazon's apl-suggester,
and only devices that support APL get one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.config import Config
from skill.engine import rituals, tracks
from skill.engine.ssml import measure
from skill.handlers import screens
from tests.alexa import envelope, post

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ROOT / "scripts" / "validate_apl.js"
SUGGESTER = ROOT / ".cache" / "apl-suggester" / "node_modules" / "apl-suggester"
APL = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.1"}}}


def with_screen(env: dict[str, Any], *, audio: bool = False) -> dict[str, Any]:
    supported: dict[str, Any] = dict(APL)
    if audio:
        supported["AudioPlayer"] = {}
    env["context"]["System"]["device"]["supportedInterfaces"] = supported
    return env


def renders(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        d
        for d in body["response"].get("directives", [])
        if d["type"] == "Alexa.Presentation.APL.RenderDocument"
    ]


@pytest.fixture
def screen_app(make_app, config: Config, tmp_path: Path) -> Flask:  # type: ignore[no-untyped-def]
    cfg = config.with_(audio_url="https://close-together.test/audio/", audio_dir=tmp_path)
    return make_app(cfg)  # type: ignore[no-any-return]


@pytest.fixture
def screen_client(screen_app: Flask) -> FlaskClient:
    return screen_app.test_client()


# -- sent only where supported --------------------------------------------------------------
@pytest.mark.parametrize(
    ("intent", "slots", "seconds", "label"),
    [
        ("HugTimerIntent", {}, rituals.HUG_SECONDS, "Hug"),
        ("HugTimerIntent", {"duration": "PT30S"}, 30, "Hug"),
        ("KissIntent", {}, rituals.KISS_SECONDS, "Kiss"),
    ],
)
def test_hug_and_kiss_show_a_countdown_on_a_screen(
    screen_client: FlaskClient, intent: str, slots: dict[str, str], seconds: int, label: str
) -> None:
    body = post(screen_client, with_screen(envelope("IntentRequest", intent, slots)))
    (render,) = renders(body)
    assert render["token"] == "close-together:screen:countdown"
    data = render["datasources"]["screen"]
    assert data["seconds"] == seconds and data["label"] == label
    # The count waits for the spoken cue: a few seconds, not the whole hug.
    assert 1_000 < data["leadInMs"] < 10_000
    assert render["document"] == screens.document("countdown")


@pytest.mark.parametrize("intent", ["HugTimerIntent", "KissIntent", "MassageTimerIntent"])
def test_no_screen_without_apl(screen_client: FlaskClient, intent: str) -> None:
    env = envelope("IntentRequest", intent)
    env["context"]["System"]["device"]["supportedInterfaces"] = {"AudioPlayer": {}}
    assert renders(post(screen_client, env)) == []


def test_talk_time_shows_the_question_in_large_type(screen_client: FlaskClient) -> None:
    opened = post(screen_client, with_screen(envelope("IntentRequest", "HighsAndLowsIntent")))
    (render,) = renders(opened)
    text = render["datasources"]["screen"]["text"]
    assert text and text in measure(opened["response"]["outputSpeech"]["ssml"]).text
    assert render["document"] == screens.document("talk")
    plain = post(screen_client, envelope("IntentRequest", "HighsAndLowsIntent"))
    assert renders(plain) == [], "no screen, no directive"


def test_audio_rituals_show_their_screen(screen_client: FlaskClient) -> None:
    massage = post(
        screen_client,
        with_screen(
            envelope("IntentRequest", "MassageTimerIntent", {"duration": "PT6M"}), audio=True
        ),
    )
    (render,) = renders(massage)
    assert render["datasources"]["screen"]["halfMs"] == 180_000
    breathing = post(
        screen_client,
        with_screen(envelope("IntentRequest", "BreathingIntent", {"duration": "PT4M"}), audio=True),
    )
    (render,) = renders(breathing)
    data = render["datasources"]["screen"]
    assert (data["inMs"], data["outMs"]) == (rituals.BREATH_IN_MS, rituals.BREATH_OUT_MS)
    assert data["cycles"] * (data["inMs"] + data["outMs"]) == 240_000
    # The circle's cycle and the track's tones keep the same time.
    track_ins = [c.at_ms for c in tracks.breathing(240).cues if c.sound == tracks.IN]
    assert len(track_ins) == data["cycles"]


def test_directive_for_the_lead_to_call() -> None:
    assert screens.directive("talk", None, text="x") is None
    assert screens.directive("talk", {"AudioPlayer": {}}, text="x") is None
    found = screens.directive("talk", APL, title="Talk time", text="What made you laugh?", hint="")
    assert found is not None
    assert found.to_dict()["datasources"]["screen"]["text"] == "What made you laugh?"
    with pytest.raises(ValueError):
        screens.directive("nope", APL)


def test_lead_in_counts_the_words_before_the_first_pause() -> None:
    ssml = '<speak>One two three four five.<break time="10s"/>Later words here.</speak>'
    assert screens.lead_in_ms(ssml) == 5 * screens.MS_PER_WORD


# -- Amazon's validator -------------------------------------------------------------------------
def validate(documents: dict[str, Any], datasources: dict[str, Any] | None = None) -> Any:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run Amazon's apl-suggester")
    assert SUGGESTER.is_dir(), "apl-suggester missing: run scripts/install_apl_suggester.sh"
    done = subprocess.run(
        ["node", str(VALIDATOR)],
        input=json.dumps({"documents": documents, "datasources": datasources or {}}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def component_commands(node: Any) -> list[Any]:
    """Every command list on a component (apl-suggester checks only document-level ones)."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "onMount" and isinstance(value, list):
                found += value
            found += component_commands(value)
    elif isinstance(node, list):
        for item in node:
            found += component_commands(item)
    return found


def test_every_screen_the_skill_sends_is_valid(screen_client: FlaskClient) -> None:
    requests = [
        with_screen(envelope("IntentRequest", "HugTimerIntent")),
        with_screen(envelope("IntentRequest", "KissIntent")),
        with_screen(envelope("IntentRequest", "MassageTimerIntent"), audio=True),
        with_screen(envelope("IntentRequest", "BreathingIntent", {"duration": "PT5M"}), audio=True),
    ]
    documents: dict[str, Any] = {}
    datasources: dict[str, Any] = {}
    for env in requests:
        for render in renders(post(screen_client, env)):
            kind = render["token"].rsplit(":", 1)[1]
            documents[kind] = render["document"]
            datasources[kind] = render["datasources"]
    talk = screens.directive("talk", APL, title="Talk time", text="What?", hint="Say next")
    assert talk is not None
    documents["talk"], datasources["talk"] = talk.document, talk.datasources
    assert set(documents) == set(screens.KINDS), "a screen kind is never sent"
    for kind in screens.KINDS:
        commands = component_commands(documents[kind]["mainTemplate"])
        if commands:
            probe = {**documents[kind], "onMount": commands}
            documents[f"{kind} (commands)"] = probe
    results = validate(documents, datasources)
    assert results == {name: [] for name in results}
    assert len(results) >= 2 * len(screens.KINDS)


def test_the_validator_catches_a_broken_document() -> None:
    broken = screens.document("breathing")
    broken["mainTemplate"]["items"][0]["width"] = "wide"
    broken["onMount"] = [{"type": "AnimateItem", "componentId": "breathCircle"}]
    results = validate({"broken": broken})
    assert len(results["broken"]) >= 2, results


def test_screens_are_dim() -> None:
    """A bedroom screen: every background near black, no text brighter than soft grey."""
    for kind in screens.KINDS:
        text = json.dumps(screens.document(kind))
        for colour in set(re.findall(r"#[0-9A-Fa-f]{6}", text)):
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            assert 0.2126 * r + 0.7152 * g + 0.0722 * b < 190, f"{kind}: {colour} is bright"
        assert '"backgroundColor": "#05070D"' in text
