"""The conversation rules, one behaviour per test, as a couple would meet them (issue 9)."""

from __future__ import annotations

import json

import pytest

from skill.engine.ssml import BREATH_MS
from tests.alexa import Conversation
from tests.test_feature_decks import SITUATIONS
from tests.test_feature_support import CONTENT, said_one_of, variants

PHYSICAL_QUESTIONS = CONTENT.variants("deck.physical")


def to_question(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    talk.say("SkipIntent")
    talk.say("SkipIntent")


# -- pain awareness -------------------------------------------------------------------
def test_the_pain_scale_says_which_end_is_which(talk: Conversation) -> None:
    asked = talk.say("EveningCheckInIntent")
    assert "zero" in asked.text and "no pain" in asked.text and "the worst" in asked.text
    heard = talk.say("PainLevelIntent", level="7")
    assert said_one_of(heard, "checkin.pain_heard.high", level="seven")


def test_a_great_night_is_not_read_as_a_hard_one(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="0")
    talk.say("PainLevelIntent", level="1")  # answered with the question to talk about
    idea = talk.say("AMAZON.NextIntent")
    assert said_one_of(idea, "idea.low"), idea.text


def test_when_touch_hurts_nothing_suggests_touch(talk: Conversation) -> None:
    talk.say("TouchHurtsIntent")
    talk.say("AMAZON.NoIntent")  # no menu idea just now
    talk.new_session()
    talk.say("TouchHurtsIntent")
    start = talk.say("EveningCheckInIntent")
    assert said_one_of(start, "checkin.short_offer")
    full = talk.say("AMAZON.NoIntent")
    assert "pain" in full.text
    talk.say("SkipIntent")
    talk.say("SkipIntent")
    idea = talk.say("AMAZON.NextIntent")
    assert said_one_of(idea, "idea.touch"), idea.text
    talk.say("AMAZON.NextIntent")
    talk.say("AMAZON.NextIntent")
    offer = talk.say("AMAZON.NextIntent")
    assert said_one_of(offer, "checkin.offer_close") and "hug" not in offer.text
    close = talk.say("AMAZON.YesIntent")
    assert said_one_of(close, "close.start", duration="twenty seconds")
    assert close.measured.quiet_ms == 20_000


def test_questions_leave_out_touch_while_it_hurts(talk: Conversation) -> None:
    talk.say("TouchHurtsIntent")
    for _ in range(8):
        reply = talk.say("QuestionIntent", deck="physical affection")
        assert not any(q in reply.text for q in PHYSICAL_QUESTIONS), reply.text
    assert said_one_of(reply, "question.not_touch_tonight")
    # "Another one" goes on touch-free without saying why every time.
    for _ in range(4):
        another = talk.say("AnotherOneIntent")
        assert not any(q in another.text for q in PHYSICAL_QUESTIONS), another.text
        assert not said_one_of(another, "question.not_touch_tonight"), another.text


def test_the_newest_report_wins_within_one_conversation(talk: Conversation) -> None:
    talk.say("PainLevelIntent", level="2")
    talk.say("AMAZON.NoIntent")
    talk.new_session()
    hurt = talk.say("PainLevelIntent", level="2")
    assert said_one_of(hurt, "pain.ideas.low")
    worse = talk.say("TouchHurtsIntent")
    assert said_one_of(worse, "comfort.changed.touch") and said_one_of(worse, "pain.ideas.touch")


def test_health_data_is_never_stored(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="9")
    talk.say("PainLevelIntent", level="6")
    talk.say("HighPainDayIntent")
    talk.say("TouchHurtsIntent")
    talk.say("AMAZON.PauseIntent")
    raw = json.dumps(store.load(talk.user))
    for word in ('"pain"', '"level"', "touch", "high_day", "comfort"):
        assert word not in raw, word


# -- no pressure, no cut-off ------------------------------------------------------------
def test_no_at_a_talk_step_never_replays_the_question(talk: Conversation) -> None:
    to_question(talk)
    first = talk.say("AMAZON.RepeatIntent")
    declined = talk.say("AMAZON.NoIntent")
    assert declined.text != first.text
    assert said_one_of(declined, "talk.different_question")
    again = talk.say("AMAZON.NoIntent")
    assert said_one_of(again, "talk.moving_on") and said_one_of(again, "checkin.idea_intro")


def test_the_couple_still_talking_gets_more_quiet(talk: Conversation) -> None:
    to_question(talk)
    for _ in range(3):
        reply = talk.say("AMAZON.FallbackIntent")
        assert not reply.ended
        assert reply.measured.quiet_ms >= 30_000
        assert "catch" not in reply.text.lower()


def test_no_at_the_pain_step_skips_it(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    reply = talk.say("AMAZON.NoIntent")
    assert said_one_of(reply, "checkin.pain_skipped") and "your partner" in reply.text


def test_a_low_point_is_acknowledged(talk: Conversation) -> None:
    talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.NextIntent")
    after_low = talk.say("AMAZON.NextIntent")
    assert said_one_of(after_low, "ack.low")


def test_unclear_answers_escalate_and_never_repeat_word_for_word(talk: Conversation) -> None:
    talk.launch()
    replies = [talk.say("AMAZON.FallbackIntent") for _ in range(4)]
    assert said_one_of(replies[1], "fallback.fewer")
    assert said_one_of(replies[2], "fallback.help_or_stop")
    assert all(a.text != b.text for a, b in zip(replies, replies[1:], strict=False))


# -- one pending question -------------------------------------------------------------------
def test_an_unclear_answer_keeps_the_forget_question(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("CallMeIntent", name="Sam")
    talk.say("ForgetUsIntent")
    unclear = talk.say("AMAZON.FallbackIntent")
    assert said_one_of(unclear, "forget.confirm_reprompt")
    done = talk.say("AMAZON.YesIntent")
    assert said_one_of(done, "forget.done")
    assert store.load(talk.user) in (None, {})


@pytest.mark.parametrize("said", ["AMAZON.NextIntent", "SkipIntent"])
def test_next_or_skip_is_not_an_answer_and_the_question_stays(
    talk: Conversation, said: str
) -> None:
    """The short check-in offered on a hard day: 'skip' or 'next' asks it once more (it
    used to say nothing was waiting, and the check-in they had asked for was gone)."""
    talk.say("HighPainDayIntent")
    offer = talk.say("EveningCheckInIntent")
    assert said_one_of(offer, "checkin.short_offer")
    again = talk.say(said)
    assert said_one_of(again, "checkin.short_reprompt") and not again.ended, again.text
    assert not said_one_of(again, "next.nothing")
    short = talk.say("AMAZON.YesIntent")
    assert said_one_of(short, "checkin.short_opening")


@pytest.mark.parametrize("report", ["HighPainDayIntent", "TouchHurtsIntent"])
def test_a_number_for_the_short_check_in_offer_starts_the_full_one(
    talk: Conversation, report: str
) -> None:
    """'The short check-in, or say no for the full one?' answered with a pain number: the
    full check-in, the number its first answer (it used to be a report on its own, and
    the check-in they had asked for was gone)."""
    talk.say(report)
    offer = talk.say("EveningCheckInIntent")
    assert said_one_of(offer, "checkin.short_offer")
    answered = talk.say("PainLevelIntent", level="2")
    assert "two" in answered.text and not answered.ended, answered.text
    assert talk.attributes["expects"] == ["number"], answered.text  # the second partner's
    assert not said_one_of(answered, "pain.offer_next"), answered.text
    question = talk.say("PainLevelIntent", level="3")
    assert question.measured.quiet_ms == 45_000, question.text  # on to the question


def test_mid_ritual_next_keeps_the_forget_question_once(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("CallMeIntent", name="Sam")
    talk.say("HighsAndLowsIntent")
    talk.say("ForgetUsIntent")
    again = talk.say("AMAZON.NextIntent")
    assert said_one_of(again, "forget.confirm_reprompt")
    moved = talk.say("AMAZON.NextIntent")  # asked once more, then left behind: next is next
    assert not said_one_of(moved, "forget.confirm_reprompt") and not moved.ended
    assert not said_one_of(talk.say("AMAZON.YesIntent"), "forget.done")
    assert store.load(talk.user)["names"] == ["Sam"]


def test_a_question_left_behind_never_answers_a_later_yes(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("CallMeIntent", name="Sam")
    talk.say("ForgetUsIntent")
    talk.say("AMAZON.FallbackIntent")
    talk.say("AMAZON.FallbackIntent")  # asked once more, then left behind
    reply = talk.say("AMAZON.YesIntent")
    assert not said_one_of(reply, "forget.done")
    assert store.load(talk.user)["names"] == ["Sam"]


def test_no_to_forgetting_mid_ritual_returns_to_the_ritual(talk: Conversation) -> None:
    talk.say("HighsAndLowsIntent")
    talk.say("ForgetUsIntent")
    kept = talk.say("AMAZON.NoIntent")
    assert said_one_of(kept, "forget.kept") and not kept.ended
    assert said_one_of(kept, "back_to_ritual.talk", ritual_name="highs and lows")


@pytest.mark.parametrize("answer", ["AMAZON.YesIntent", "AMAZON.NoIntent"])
def test_every_launch_offer_has_a_working_yes_and_no(talk: Conversation, clock, answer) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    talk.say("AMAZON.PauseIntent")
    clock.advance(3600)
    offer = talk.launch()
    assert offer.text.count("?") == 1, "one question at a time"
    assert "carry on" in offer.reprompt
    reply = talk.say(answer)
    if answer == "AMAZON.YesIntent":
        assert "pain" in reply.text
    else:
        assert said_one_of(reply, "no.resume") and not reply.ended


def test_no_to_picking_up_a_paused_ritual_is_not_asked_again_at_every_launch(
    talk: Conversation, clock, store
) -> None:  # type: ignore[no-untyped-def]
    talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.PauseIntent")
    clock.advance(600)
    talk.launch()
    declined = talk.say("AMAZON.NoIntent")
    assert said_one_of(declined, "no.resume") and "say continue" in declined.text.lower()
    for _ in range(2):
        talk.new_session()
        clock.advance(600)
        again = talk.launch()
        assert "carry on" not in again.text and said_one_of(again, "launch.choices"), again.text
    back = talk.say("ContinueIntent")
    assert "high" in back.text.lower(), "the paused ritual still keeps"
    talk.say("AMAZON.PauseIntent")  # a new pause: offered again
    talk.new_session()
    clock.advance(600)
    assert "carry on" in talk.launch().reprompt
    talk.say("AMAZON.YesIntent")
    for _ in range(8):
        if talk.say("AMAZON.NextIntent").ended:
            break
    assert "progress" not in store.load(talk.user), "finished"
    assert "resume_declined_at" not in store.load(talk.user), "nothing kept that is not needed"


# -- paused rituals wait ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("intent", "slots"), [("HugTimerIntent", {}), ("PainLevelIntent", {"level": "2"})]
)
def test_a_one_shot_the_next_day_does_not_mention_the_paused_ritual(
    talk: Conversation,
    clock,
    intent: str,
    slots: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    talk.say("EveningCheckInIntent")
    talk.say("AMAZON.PauseIntent")
    clock.advance(8 * 3600)
    talk.new_session()
    reply = talk.say(intent, **slots)
    assert "check-in" not in reply.text and "say next" not in reply.text.lower()


# -- one breath per turn ------------------------------------------------------------------------
def test_help_fits_in_one_breath_and_more_reads_on(talk: Conversation) -> None:
    first = talk.say("AMAZON.HelpIntent")
    more = talk.say("MoreIntent")
    for reply in (first, more):
        assert len(reply.text.split()) <= 70
    assert more.text != first.text


def test_long_answers_pause_for_breath(talk: Conversation) -> None:
    reply = talk.say("TouchHurtsIntent")
    assert BREATH_MS in reply.measured.breaks_ms
    assert "physiotherapist" not in reply.text, "care information waits behind tell me more"
    assert said_one_of(talk.say("MoreIntent"), "pain.professional_help")


def test_turn_taking_without_names_is_natural(talk: Conversation) -> None:
    talk.say("HighsAndLowsIntent")
    talk.say("AMAZON.NextIntent")
    second = talk.say("AMAZON.NextIntent")
    assert "other one of you" not in second.text
    assert any(v in second.text for v in variants("partner.second_default"))


def test_words_that_match_nothing_after_a_question_are_the_couple_talking(
    talk: Conversation,
) -> None:
    """'Give us a question' gives them time to talk; what they say to each other then is
    not a failed command ('I'm not sure I followed'), and each suggestion works."""
    asked = talk.say("QuestionIntent")
    assert asked.measured.quiet_ms >= 30_000
    for _ in range(3):
        still = talk.say("AMAZON.FallbackIntent")
        assert said_one_of(still, "question.still_talking"), still.text
        assert still.measured.quiet_ms >= 30_000 and not still.ended
        assert not any(said_one_of(still, k) for k in ("fallback.general", "fallback.fewer"))
    another = talk.say("AnotherOneIntent")
    assert another.measured.quiet_ms >= 30_000 and not said_one_of(another, "fallback.general")
    talk.say("HugTimerIntent")  # anything understood ends the talk time
    talk.say("AMAZON.NoIntent")
    after = talk.say("AMAZON.FallbackIntent")
    assert not said_one_of(after, "question.still_talking")


@pytest.mark.parametrize("said", ["AMAZON.NextIntent", "SkipIntent", "AMAZON.NoIntent"])
def test_after_a_question_next_or_skip_gives_another_and_no_is_not_goodbye(
    talk: Conversation, said: str
) -> None:
    """As at a talk step: 'next' and 'skip' move on (here, to a different question), and
    a 'no' in the middle of their talk neither ends the conversation nor asks anything."""
    first = talk.say("QuestionIntent")
    reply = talk.say(said)
    assert not reply.ended and not said_one_of(reply, "next.nothing")
    assert reply.measured.quiet_ms >= 30_000
    if said == "AMAZON.NoIntent":
        assert said_one_of(reply, "question.still_talking")
    else:
        assert reply.text != first.text and not said_one_of(reply, "question.still_talking")


@pytest.mark.parametrize("said", ["MoreTimeIntent", "AMAZON.YesIntent", "MoreIntent"])
def test_after_a_question_still_talking_gets_more_quiet(talk: Conversation, said: str) -> None:
    """'We're still talking', a 'yeah' to each other, 'tell me more': more quiet, not a
    menu of rituals over their talk."""
    talk.say("QuestionIntent")
    reply = talk.say(said)
    assert said_one_of(reply, "question.still_talking"), reply.text
    assert reply.measured.quiet_ms >= 30_000 and not reply.ended
    assert not said_one_of(reply, "launch.choices"), reply.text


@pytest.mark.parametrize("said", ["MoreIntent", "AnotherOneIntent"])
def test_at_a_partners_turn_tell_me_more_or_one_more_is_said_to_each_other(
    talk: Conversation, said: str
) -> None:
    """The listening reminder suggests 'tell me more' to the partner: at a talk step it
    and 'one more' mean they are still talking, never a random question or 'nothing to
    read'."""
    talk.say("HighsAndLowsIntent")
    reply = talk.say(said)
    assert said_one_of(reply, "talk.still_talking"), reply.text
    assert not said_one_of(reply, "more.nothing") and not reply.ended
    assert reply.measured.quiet_ms >= 20_000


@pytest.mark.parametrize("start", ["HighsAndLowsIntent", "QuestionIntent"])
def test_help_me_with_something_else_said_to_each_other_is_talk(
    talk: Conversation, start: str
) -> None:
    """'Help me with the laundry tomorrow' while they talk: no situation the words are
    for, so more quiet, not words for a hard moment spoken over them."""
    first = talk.say(start)
    reply = talk.say("WordsIntent", situation="the laundry tomorrow")
    assert reply.measured.quiet_ms >= 30_000 and not reply.ended, reply.text
    assert not any(said_one_of(reply, f"words_intro.{s}") for s in SITUATIONS), reply.text
    assert first.text != reply.text
    # A situation the words are for is still asked for by name, even mid-talk.
    named = talk.say("WordsIntent", situation="taking a break")
    assert said_one_of(named, "words_intro.pausing")
