"""Hug timer and six-second kiss: exact quiet, a chime, a closing line, recorded."""

from __future__ import annotations

import pytest

from skill.engine.ssml import CHIME
from tests.alexa import Conversation
from tests.test_feature_support import CONTENT, said_one_of


def quiet_ms(reply) -> float:  # type: ignore[no-untyped-def]
    return reply.measured.quiet_ms


@pytest.mark.parametrize(
    ("slot", "seconds", "note"),
    [
        (None, 20, None),
        ("PT5S", 5, None),
        ("PT20S", 20, None),
        ("PT30S", 30, None),
        ("PT1M30S", 90, None),
        ("PT3M", 180, None),
        ("PT2S", 5, "over before it started"),
        ("PT10M", 180, "three minutes at most"),
        ("PT1H", 180, "three minutes at most"),
        ("banana", 20, "didn't catch the length"),
    ],
)
def test_hug_quiet_is_exactly_the_duration(talk: Conversation, slot, seconds, note) -> None:
    reply = talk.say("HugTimerIntent", duration=slot)
    assert quiet_ms(reply) == seconds * 1000
    assert all(b <= 10_000 for b in reply.measured.breaks_ms)
    assert reply.measured.sounds == [CHIME]
    # The cue comes before the quiet, the chime and closing line after it.
    before, _, after = reply.ssml.partition("<break")
    assert "quiet" in before or "hold" in before or "hug" in before.lower()
    assert after.rfind("<audio") > after.rfind("<break")
    closing = reply.ssml.removesuffix("</speak>").split("/>")[-1].strip()
    assert any(line in closing for line in CONTENT.variants("hug.end")), closing
    if note:
        assert note in reply.text
    assert reply.ended


def test_hug_speaks_the_length_in_words(talk: Conversation) -> None:
    assert "thirty seconds" in talk.say("HugTimerIntent", duration="PT30S").text
    assert "one minute and thirty seconds" in talk.say("HugTimerIntent", duration="PT90S").text


def test_kiss_is_six_seconds(talk: Conversation) -> None:
    reply = talk.say("KissIntent")
    assert quiet_ms(reply) == 6000
    assert reply.measured.sounds == [CHIME]
    assert reply.ended


def test_each_practice_is_recorded(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("HugTimerIntent", duration="PT30S")
    talk.say("KissIntent")
    log = store.load(talk.user)["practice_log"]
    assert [(e["kind"], e["seconds"]) for e in log] == [("hug", 30), ("kiss", 6)]


def test_one_shot_from_the_invocation_needs_no_launch(client) -> None:  # type: ignore[no-untyped-def]
    from tests.alexa import Reply, fixture

    reply = Reply(client.post("/", json=fixture("hug_timer")).get_json())
    assert reply.measured.quiet_ms == 30_000
    assert reply.ended


# -- a hug or a kiss in the middle of a ritual ------------------------------------------
def test_a_hug_mid_ritual_comes_back_to_the_ritual(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.NextIntent")  # the first low point
    hug = talk.say("HugTimerIntent")
    assert quiet_ms(hug) == 20_000 and hug.measured.sounds == [CHIME]
    assert not hug.ended, "the ritual is not over"
    assert said_one_of(hug, "back_to_ritual.talk", ritual_name="highs and lows")
    assert "next" in hug.reprompt
    carried_on = talk.say("ContinueIntent")
    assert "low point" in carried_on.text or "toughest" in carried_on.text, "the same step"
    assert not carried_on.ended
    saved = store.load(talk.user)
    assert saved["progress"]["ritual"] == "highs_lows"
    assert [e["kind"] for e in saved["practice_log"]] == ["hug"]


def test_a_hug_at_the_pain_question_waits_for_the_number(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    hug = talk.say("HugTimerIntent", duration="PT30S")
    assert quiet_ms(hug) == 30_000 and not hug.ended
    assert said_one_of(hug, "back_to_ritual.pain", ritual_name="the evening check-in")
    answered = talk.say("PainLevelIntent", level="4")
    assert "four" in answered.text and "partner" in answered.text


def test_a_kiss_between_parts_of_breathing_then_the_rest(talk: Conversation) -> None:
    first = talk.say("BreathingIntent", duration="PT4M")
    assert not first.ended
    kiss = talk.say("KissIntent")
    assert quiet_ms(kiss) == 6000 and not kiss.ended
    assert said_one_of(kiss, "back_to_ritual.timed", ritual_name="breathing together")
    assert "continue" in kiss.reprompt
    rest = talk.say("ContinueIntent")
    assert quiet_ms(first) + quiet_ms(rest) == 240_000
    assert rest.ended and said_one_of(rest, "breathing.close")


def test_a_kiss_at_the_hug_offer_is_not_a_yes(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    reach_the_hug_offer(talk)
    kiss = talk.say("KissIntent")
    assert not kiss.ended
    assert said_one_of(kiss, "back_to_ritual.offer_hug", ritual_name="the evening check-in")
    hug = talk.say("AMAZON.YesIntent")
    assert quiet_ms(hug) == 20_000 and hug.ended
    kinds = [e["kind"] for e in store.load(talk.user)["practice_log"]]
    assert kinds == ["kiss", "checkin", "hug"]


def reach_the_hug_offer(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    talk.say("SkipIntent")
    talk.say("SkipIntent")
    for _ in range(3):
        talk.say("AMAZON.NextIntent")
    assert said_one_of(talk.say("AMAZON.NextIntent"), "checkin.offer_hug")


def test_a_hug_timer_at_the_offer_is_yes_with_their_length(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    reach_the_hug_offer(talk)
    hug = talk.say("HugTimerIntent", duration="PT40S")
    assert quiet_ms(hug) == 40_000 and hug.ended
    assert said_one_of(hug, "checkin.close_after_hug")
    saved = store.load(talk.user)
    assert "progress" not in saved
    assert [(e["kind"], e.get("seconds")) for e in saved["practice_log"]] == [
        ("checkin", None),
        ("hug", 40),
    ]


def test_last_nights_hug_offer_is_not_answered_next_morning(
    talk: Conversation, store, clock
) -> None:  # type: ignore[no-untyped-def]
    reach_the_hug_offer(talk)
    talk.end()
    clock.advance(9 * 3600)  # still within the twelve hours a ritual can be picked up
    talk.new_session()
    hug = talk.say("HugTimerIntent")
    assert quiet_ms(hug) == 20_000 and hug.ended, "a one-shot hug, nothing more"
    assert not said_one_of(hug, "checkin.close_after_hug")
    saved = store.load(talk.user)
    assert [e["kind"] for e in saved["practice_log"]] == ["hug"], "no check-in was finished"
    assert saved["progress"]["ritual"] == "checkin", "the check-in can still be picked up"
