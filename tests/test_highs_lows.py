"""Bedtime highs and lows: paced turns for each partner, appreciations, goodnight."""

from __future__ import annotations

import re

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


def test_a_skipped_turn_is_not_thanked_for_what_was_shared(talk: Conversation) -> None:
    """'Skip' at the low is not 'thank you for letting your partner in on it': it moves
    on plainly, as 'no' does."""
    talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.NextIntent")  # the first low
    skipped = talk.say("SkipIntent")
    assert said_one_of(skipped, "talk.moving_on"), skipped.text
    assert "thank" not in skipped.text.lower(), skipped.text


def test_a_skipped_feeling_in_the_weekly_check_in_is_not_praised_as_honest(
    talk: Conversation,
) -> None:
    talk.say("WeeklyCheckInIntent")
    talk.say("AMAZON.NextIntent")
    talk.say("AMAZON.NextIntent")
    first = talk.say("SkipIntent")
    last = talk.say("SkipIntent")  # the last turn: the close follows at once
    assert said_one_of(first, "talk.moving_on"), first.text
    assert not said_one_of(last, "talk.moving_on"), last.text
    for reply in (first, last):
        assert not said_one_of(reply, "ack.hard"), reply.text


def test_repeat_after_help_says_the_step_again(talk: Conversation) -> None:
    """Help says 'say repeat to hear this step again': repeat then gives the step (whose
    turn, and what to talk about), not the help once more."""
    step = talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.HelpIntent")
    again = talk.say("AMAZON.RepeatIntent")
    assert not said_one_of(again, "help.in_ritual", ritual_name="highs and lows"), again.text
    assert again.text and step.text.endswith(again.text), (step.text, again.text)


def test_goodnight_at_the_last_turn_ends_highs_and_lows_rather_than_pausing_it(
    talk: Conversation, store, clock
) -> None:  # type: ignore[no-untyped-def]
    talk.say("HighsAndLowsIntent")
    for _ in range(5):  # to the second appreciation, the last turn
        talk.say("AMAZON.NextIntent")
    night = talk.say("AMAZON.StopIntent")  # "goodnight"
    assert night.ended and not said_one_of(night, "pause.in_ritual"), night.text
    stored = store.load(talk.user)
    assert [e["kind"] for e in stored["practice_log"]] == ["highs_lows"]
    assert not stored.get("progress"), "nothing left to pick up tomorrow"
    clock.advance(3600)
    talk.new_session()
    assert "partway" not in talk.launch().text


def test_stop_at_the_weekly_check_in_s_last_step_ends_without_another_question(
    talk: Conversation,
) -> None:
    """Stop is stop: it ends the session, with no reminder offer after it."""
    talk.say("WeeklyCheckInIntent")
    for _ in range(3):
        talk.say("AMAZON.NextIntent")
    stopped = talk.say("AMAZON.StopIntent")
    assert stopped.ended and "?" not in stopped.text, stopped.text


def test_it_s_painful_at_a_partner_s_turn_is_them_talking_not_a_name(talk: Conversation) -> None:
    """Without voice profiles 'it's painful' (heard as 'it's {name}') at a talk step is the
    couple talking: more quiet, not a lesson about Alexa voice profiles."""
    talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.NextIntent")  # the first low
    reply = talk.say("ThisIsIntent", name="painful")
    assert said_one_of(reply, "talk.still_talking"), reply.text
    assert not said_one_of(reply, "voices.no_profile"), reply.text


def test_repeat_after_a_hug_or_help_beside_the_step_says_the_step(talk: Conversation) -> None:
    """A hug asked for at a partner's turn, then help, then 'repeat': the turn again, not a
    second hug nobody asked for (and no hug logged twice)."""
    step = talk.say("HighsAndLowsIntent")
    talk.say("HugTimerIntent")
    talk.say("AMAZON.HelpIntent")
    again = talk.say("AMAZON.RepeatIntent")
    assert not said_one_of(again, "hug.start", duration="twenty seconds"), again.text
    question = re.search(r"[^.?!]*\?", step.text)
    assert question is not None and question.group(0).strip() in again.text, again.text
