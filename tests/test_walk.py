"""The walk-everything test (issue 9): every ritual from every step with every intent the
interaction model has, through the Flask app, and the conversation rules on every response.

The walk runs once per test session (about ten seconds of CPU) and every rule test reads
its findings. Each rule test fails with a count and up to five examples: where the couple
was, what they said, and what they heard. `bench/walk_report.py` prints the same counts.
Set CLOSE_TOGETHER_WALK_REPORT to a file path to have the findings written there as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.engine.content import Content
from tests import walk

REPORT_ENV = "CLOSE_TOGETHER_WALK_REPORT"
_DONE: dict[str, Any] = {}  # the one walk of this test session, and its findings


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    """The walk writes thousands of small records: keep its SQLite file in memory-backed
    storage when the machine has it (the conftest fixture of the same name is overridden
    for this module only)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="close-together-walk-", dir=shm))
        yield folder / "couples.sqlite3"
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path / "couples.sqlite3"


@pytest.fixture
def walked(make_app, clock, db_path: Path) -> tuple[walk.Walk, dict[str, walk.Finding]]:  # type: ignore[no-untyped-def]
    if not _DONE:
        client = make_app().test_client()
        result = walk.Walker(client, clock, db_path).run()
        findings = walk.check(result)
        _DONE.update(walk=result, findings=findings)
        if target := os.environ.get(REPORT_ENV):
            Path(target).write_text(json.dumps(walk.as_json(result, findings), indent=2))
    return _DONE["walk"], _DONE["findings"]


def explain(finding: walk.Finding) -> str:
    return f"{finding.count} {finding.rule}, for example:\n" + "\n".join(
        f"  - {e}" for e in finding.examples
    )


def assert_none(walked: tuple[walk.Walk, dict[str, walk.Finding]], rule: str) -> None:
    finding = walked[1][rule]
    assert finding.count == 0, explain(finding)


# -- the walk itself ------------------------------------------------------------------
def test_the_walk_sends_every_intent_from_every_step(walked) -> None:  # type: ignore[no-untyped-def]
    result, _ = walked
    model = walk.Model.load()
    assert result.intents == len(model.intents)
    sent = {r.turn.intent for r in result.records if r.kind == "intent"}
    assert sent == {i.name for i in model.intents}
    paths = walk.ritual_paths()
    trunk = [r for r in result.records if r.kind == "trunk"]
    spoken_turns = sum(1 for path in paths.values() for _, turn in path if not turn.new_session)
    assert len(trunk) == spoken_turns, "every step of every ritual was reached"
    for ritual in paths:
        assert any(r.state.startswith(f"{ritual}:") for r in result.records), ritual
    assert result.states >= len(paths) + 20
    # The walk only works if suggestions are found and tried: "say next" at a talk step.
    assert any(r.suggested and r.suggested[1].intent == "AMAZON.NextIntent" for r in result.records)


def test_a_fork_carries_on_like_the_couple_it_was_copied_from(make_app, clock, db_path) -> None:  # type: ignore[no-untyped-def]
    """The walk forks couples instead of replaying paths: a fork must keep the session
    and the stored progress (a paused ritual resumes in a new session for both)."""
    model = walk.Model.load()
    drive = walk.Driver(make_app().test_client(), clock, walk.Store(db_path), model)
    drive.fresh()
    drive.send(walk.say("EveningCheckInIntent"), "test", "trunk")
    asked = drive.send(walk.say("PainLevelIntent", level="3"), "test", "trunk")
    at_step = drive.snapshot()
    original = drive.send(walk.say("AMAZON.RepeatIntent"), "test", "trunk")
    drive.fork(at_step)
    forked = drive.send(walk.say("AMAZON.RepeatIntent"), "test", "trunk")
    assert asked and original and forked and forked.spoken.text == original.spoken.text

    drive.send(walk.say("AMAZON.PauseIntent"), "test", "trunk")
    paused = drive.snapshot()
    resumed = [drive.send(walk.say("ContinueIntent"), "test", "trunk")]
    drive.fork(paused)
    resumed.append(drive.send(walk.say("ContinueIntent"), "test", "trunk"))
    heard = [r.spoken for r in resumed if r]
    assert len(heard) == 2 and heard[0].stretches == heard[1].stretches
    non_answers = [p for _, p in walk.non_answer_patterns()]
    assert not any(p.search(h.text) for h in heard for p in non_answers)


def test_non_answer_keys_exist_in_the_content() -> None:
    content = Content.load()
    known = content.keys()
    missing = [k for k in walk.NON_ANSWER_KEYS if k not in known]
    assert not missing, f"rename these in tests/walk.py NON_ANSWER_KEYS: {missing}"
    assert len(walk.non_answer_patterns(content)) >= len(walk.NON_ANSWER_KEYS)


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("When you're ready, say next. If you need longer, say more time.", ["next", "more time"]),
        (
            "Say next to move on, more time if you're still talking, or I need a break to stop.",
            ["next to move on", "more time if you're still talking", "I need a break to stop"],
        ),
        (
            "Whenever you want, say, ask close together to continue, and we'll pick up.",
            ["ask close together to continue"],
        ),
        ("Would you like a twenty second hug? Yes or no.", ["yes", "no"]),
        ("To finish, would you like a twenty second hug?", ["yes", "no"]),
        ("You might say, my pain is at six today, I'd love a hug.", []),
        ("I'll say in and out, and you follow together.", []),
    ],
)
def test_suggested_phrases_are_found(text: str, phrases: list[str]) -> None:
    assert [s.phrase for s in walk.suggestions(text)] == phrases


@pytest.mark.parametrize(
    ("phrase", "intent", "slots"),
    [
        ("next to move on", "AMAZON.NextIntent", ()),
        ("more time if you're still talking", "MoreTimeIntent", ()),
        ("ask close together to continue", "ContinueIntent", ()),
        ("my pain is at six", "PainLevelIntent", (("level", "6"),)),
        ("a thirty second hug", "HugTimerIntent", (("duration", "PT30S"),)),
        ("I need a break to stop here", "AMAZON.PauseIntent", ()),
    ],
)
def test_phrases_resolve_through_the_model(phrase: str, intent: str, slots: tuple) -> None:  # type: ignore[type-arg]
    match = walk.resolve(walk.Model.load(), walk.Suggestion(phrase, soft=False))
    assert match == walk.Match(intent, slots)


def test_pauses_and_words_are_counted_from_the_ssml() -> None:
    said = walk.spoken(
        '<speak>One two three. <break time="500ms"/> four <break time="600ms"/> five'
        ' <break time="1s"/> In. <break time="4s"/> Out. <break time="6s"/>'
        ' <audio src="soundbank://x"/> done now</speak>'
    )
    assert said.stretches == (5, 1, 1, 2)
    assert said.cue_words == 2


# -- the rules, on every response -----------------------------------------------------
def test_every_open_turn_has_a_reprompt(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "reprompt")


def test_one_breath_per_turn_no_more_than_40_words_between_pauses(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "stretch")


def test_no_response_over_70_words_outside_timed_cues(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "long")


def test_no_identical_consecutive_responses_outside_repeat(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "identical")


def test_no_sentence_said_in_two_consecutive_responses_outside_repeat(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "sentence")


def test_every_suggested_phrase_acts_where_it_is_suggested(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "dead_end")


def test_every_suggested_phrase_resolves_to_an_intent(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "unresolved")


def test_health_data_is_never_stored(walked) -> None:  # type: ignore[no-untyped-def]
    assert_none(walked, "health")


def test_nothing_suggests_touch_while_touch_hurts(walked) -> None:  # type: ignore[no-untyped-def]
    """From every step reached after "touch hurts", every intent and every phrase a
    response suggests: no hug, kiss, massage or cuddle unless the couple asked for it by
    name (the idea, the close, the words for hard moments, help and reprompts alike)."""
    result, _ = walked
    assert any(walk.touch_hurts_after(r) for r in result.records), "the walk reached it"
    assert_none(walked, "touch")
