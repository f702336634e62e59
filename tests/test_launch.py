"""Opening the skill, and one-shot starts straight from the invocation."""

from __future__ import annotations

import re

import pytest

from tests.alexa import Conversation

RITUALS = ("evening check-in", "hug timer", "highs and lows")


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text) if s]


def test_first_visit_explains_itself_then_offers_the_three_rituals(talk: Conversation) -> None:
    reply = talk.launch()
    said = sentences(reply.text)
    explanation = [
        s
        for s in said
        if not s.endswith("?") and not any(r in s for r in ("hug timer", "check-in"))
    ]
    assert len(explanation) == 2, said
    for ritual in RITUALS:
        assert ritual in reply.text
    assert not reply.ended and reply.reprompt


def test_return_visit_greets_without_explaining_again(talk: Conversation) -> None:
    first = talk.launch()
    talk.say("AMAZON.StopIntent")
    again = talk.launch()
    assert again.text != first.text
    assert "I guide" not in again.text
    for ritual in ("check-in", "hug timer", "highs and lows"):
        assert ritual in again.text


def test_return_visit_uses_names_when_known(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": ["Sam", "Alex"]})
    reply = talk.launch()
    assert "Sam and Alex" in reply.text


def test_names_are_escaped_in_ssml(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": ["Sam & <Jo>", "Alex"]})
    reply = talk.launch()
    assert "Sam & <Jo> and Alex" in reply.text


@pytest.mark.parametrize(
    ("intent", "expect"),
    [
        ("EveningCheckInIntent", "check-in"),
        ("HighsAndLowsIntent", "high"),
        ("HugTimerIntent", "hug"),
        ("KissIntent", "kiss"),
    ],
)
def test_headline_phrases_work_one_shot(talk: Conversation, intent: str, expect: str) -> None:
    reply = talk.say(intent)  # a brand-new session, no launch first
    assert expect in reply.text.lower()


def test_launch_offers_to_continue_unfinished_ritual(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.launch()
    talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.PauseIntent")
    clock.advance(600)
    reply = talk.launch()
    assert "carry on" in reply.text and "highs and lows" in reply.text
    resumed = talk.say("AMAZON.YesIntent")
    assert "high point" in resumed.text or "best part" in resumed.text


def test_one_shot_couples_are_not_welcomed_as_new(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.say("HugTimerIntent")
    clock.advance(3 * 24 * 3600)
    talk.say("EveningCheckInIntent")
    talk.say("AMAZON.StopIntent")
    reply = talk.launch()
    assert "I guide" not in reply.text
    assert "carry on" in reply.text, "their unfinished check-in is offered"


def test_first_ever_launch_with_nothing_to_resume_explains_itself(talk: Conversation) -> None:
    assert "I guide" in talk.launch().text
