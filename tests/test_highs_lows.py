"""Bedtime highs and lows: paced turns for each partner, appreciations, goodnight."""

from __future__ import annotations

from tests.alexa import Conversation
from tests.test_feature_support import said_one_of


def test_whole_flow_with_talk_time_and_goodnight(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    replies = [talk.say("HighsAndLowsIntent")]
    for _ in range(5):
        replies.append(talk.say("AMAZON.NextIntent"))
    texts = [r.text.lower() for r in replies]
    assert "high point" in texts[0] or "best part" in texts[0]
    assert "low point" in texts[1] or "toughest" in texts[1]
    assert ("high point" in texts[2] or "best part" in texts[2]) and "partner" in texts[2]
    assert "low point" in texts[3] or "toughest" in texts[3]
    assert "appreciate" in texts[4] or "thankful" in texts[4]
    assert "appreciate" in texts[5] or "thankful" in texts[5]
    for reply in replies:
        assert reply.measured.quiet_ms == 45_000
        assert not reply.ended
    goodnight = talk.say("AMAZON.NextIntent")
    assert "goodnight" in goodnight.text.lower()
    assert goodnight.ended and goodnight.measured.quiet_ms == 0
    assert [e["kind"] for e in store.load(talk.user)["practice_log"]] == ["highs_lows"]


def test_names_take_turns(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": ["Sam", "Alex"]})
    first = talk.say("HighsAndLowsIntent")
    assert first.text.split("? ")[0].split(". ")[-1].startswith("Sam")
    talk.say("AMAZON.NextIntent")
    third = talk.say("AMAZON.NextIntent")
    assert said_one_of(third, "ack.low") and "Alex, what" in third.text


def test_help_inside_the_ritual_explains_its_controls(talk: Conversation) -> None:
    talk.say("HighsAndLowsIntent")
    reply = talk.say("AMAZON.HelpIntent")
    assert "next" in reply.text and "more time" in reply.text and not reply.ended
