"""Breathing together: paced cues whose quiet adds up to exactly the asked-for length,
split into parts (with "continue") when one response could not hold it all."""

from __future__ import annotations

import re

import pytest

from skill.engine.ssml import MAX_RESPONSE_AUDIO_MS
from tests.alexa import Conversation, Reply
from tests.test_feature_support import chimes, said_one_of, variants


def breathe(talk: Conversation, duration: str | None = None) -> list[Reply]:
    """Start breathing and say "continue" until it closes; every reply, in order."""
    replies = [talk.say("BreathingIntent", duration=duration)]
    while not replies[-1].ended:
        assert len(replies) < 10, "breathing never finished"
        replies.append(talk.say("ContinueIntent"))
    return replies


def total_quiet(replies: list[Reply]) -> float:
    return sum(r.measured.quiet_ms for r in replies)


@pytest.mark.parametrize(
    ("duration", "seconds", "parts", "note"),
    [
        (None, 120, 1, None),
        ("PT1M", 60, 1, None),
        ("PT90S", 90, 1, None),
        ("PT3M", 180, 1, None),
        ("PT4M", 240, 2, None),
        ("PT5M", 300, 2, None),
        ("PT20S", 60, 1, "so your breathing has time to settle"),
        ("PT10M", 300, 2, "five minutes at most"),
        ("banana", 120, 1, "didn't catch how long"),
    ],
)
def test_breaks_add_up_exactly_to_the_duration(
    talk: Conversation, duration: str | None, seconds: int, parts: int, note: str | None
) -> None:
    replies = breathe(talk, duration)
    assert len(replies) == parts
    assert total_quiet(replies) == seconds * 1000
    for reply in replies:
        # Quiet, chime and the cues themselves (at a slow 150 words a minute) fit in 240 s.
        speaking_ms = len(reply.text.split()) * 400
        assert reply.measured.audio_ms + speaking_ms <= MAX_RESPONSE_AUDIO_MS
    if note:
        assert note in replies[0].text
    # One chime, at the very end, then a closing line.
    assert [chimes(r) for r in replies] == [0] * (parts - 1) + [1]
    assert said_one_of(replies[-1], "breathing.close")


def test_cues_pace_in_for_four_and_out_for_six(talk: Conversation) -> None:
    reply = talk.say("BreathingIntent")
    assert reply.measured.breaks_ms == [4000.0, 6000.0] * 12
    # The words just before each quiet: an "in" cue before four seconds, "out" before six.
    spoken = re.split(r"<break [^>]*/>", reply.ssml)
    cues_in = set(variants("breathing.in") + variants("breathing.in_first"))
    cues_out = set(variants("breathing.out") + variants("breathing.out_first"))
    assert any(spoken[0].strip().endswith(cue) for cue in cues_in)  # after the opening
    for n, cue in enumerate(spoken[1:-1], start=1):
        assert cue.strip() in (cues_in if n % 2 == 0 else cues_out), (n, cue)


def test_opening_says_the_length_and_how_it_works(talk: Conversation) -> None:
    reply = talk.say("BreathingIntent", duration="PT3M")
    before = reply.text.split("Breathe in slowly")[0].split("Gently, breathe in")[0]
    assert "three minutes" in before
    assert " in " in before and "out" in before


def test_a_long_breath_waits_for_continue_between_parts(talk: Conversation) -> None:
    first = talk.say("BreathingIntent", duration="PT5M")
    assert not first.ended and "continue" in first.text.lower()
    assert "continue" in first.reprompt.lower()
    assert first.measured.quiet_ms == 150_000


def test_breathing_is_recorded_once_with_its_length(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    breathe(talk, "PT5M")
    log = store.load(talk.user)["practice_log"]
    assert [(e["kind"], e["seconds"]) for e in log] == [("breathing", 300)]
    assert "progress" not in store.load(talk.user)


def test_the_rest_resumes_in_a_later_session(talk: Conversation, clock, store) -> None:  # type: ignore[no-untyped-def]
    first = talk.say("BreathingIntent", duration="PT4M")
    talk.end()  # Alexa closed the session while they breathed on their own
    clock.advance(15 * 60)
    talk.new_session()
    rest = talk.say("ContinueIntent")
    assert "breathing together" in rest.text
    assert first.measured.quiet_ms + rest.measured.quiet_ms == 240_000
    assert rest.ended
    assert [e["kind"] for e in store.load(talk.user)["practice_log"]] == ["breathing"]


@pytest.mark.parametrize("intent", ["MoreTimeIntent", "AMAZON.RepeatIntent", "AMAZON.NoIntent"])
def test_between_parts_nothing_starts_until_they_are_ready(talk: Conversation, intent: str) -> None:
    talk.say("BreathingIntent", duration="PT5M")
    wait = talk.say(intent)
    assert wait.measured.quiet_ms == 0 and not wait.ended
    assert "continue" in wait.text.lower()
    rest = talk.say("AMAZON.NextIntent")  # 'next' plays the waiting part, never skips it
    assert rest.measured.quiet_ms == 150_000 and rest.ended


def test_stopping_between_parts_can_be_picked_up_from_launch(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.launch()
    talk.say("BreathingIntent", duration="PT5M")
    stop = talk.say("AMAZON.PauseIntent")
    assert stop.ended
    clock.advance(600)
    offer = talk.launch()
    assert "breathing together" in offer.text and "carry on" in offer.text
    rest = talk.say("AMAZON.YesIntent")
    assert rest.measured.quiet_ms == 150_000


def test_start_over_keeps_the_length(talk: Conversation) -> None:
    talk.say("BreathingIntent", duration="PT5M")
    again = talk.say("AMAZON.StartOverIntent")
    assert "five minutes" in again.text
    assert again.measured.quiet_ms == 150_000
