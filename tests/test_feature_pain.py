"""Pain-aware ideas and scripts: fitted to the level, remembered for the day, and shaping
the menu pick and the evening check-in (the short version on hard days)."""

from __future__ import annotations

from typing import Any

import pytest

from skill.engine.spoken import number_words
from tests.alexa import Conversation, Reply
from tests.test_feature_support import CONTENT, said_one_of, send

HOURS = 3600
STARTER = {
    kind: {v[:1].lower() + v[1:] for v in CONTENT.variants(f"menu.starter.{kind}")}
    for kind in ("physical", "emotional", "shared")
}


@pytest.mark.parametrize(
    ("level", "bucket"),
    [(0, "low"), (2, "low"), (3, "low"), (4, "middle"), (6, "middle"), (7, "high"), (10, "high")],
)
def test_ideas_and_script_fit_the_level(talk: Conversation, level: int, bucket: str) -> None:
    reply = talk.say("PainLevelIntent", level=str(level))
    words = number_words(level)
    assert said_one_of(reply, f"pain.ideas.{bucket}")
    assert said_one_of(reply, f"pain.script.{bucket}", level=words)
    assert f"my pain is at {words}" in reply.text
    # Emotional closeness is named as real closeness on high days; care is for touch pain.
    assert said_one_of(reply, "pain.still_counts") == (bucket == "high")
    assert "physiotherapist" not in reply.text
    assert not reply.ended and reply.reprompt


def test_gentlest_touch_comes_first_on_middle_days() -> None:
    for line in CONTENT.variants("pain.ideas.middle"):
        lower = line.lower()
        assert "hand" in lower, line
        assert "massage" not in lower or lower.index("hand") < lower.index("massage"), line


def test_high_days_lead_with_closeness_beyond_touch() -> None:
    for line in CONTENT.variants("pain.ideas.high") + CONTENT.variants("pain.ideas.touch"):
        assert not any(w in line.lower() for w in ("hug", "massage", "rub", "cuddle")), line


def test_a_high_pain_day(talk: Conversation) -> None:
    reply = talk.say("HighPainDayIntent")
    assert said_one_of(reply, "pain.ideas.high")
    assert said_one_of(reply, "pain.script.high_day")
    assert said_one_of(reply, "pain.still_counts")
    assert "physiotherapist" not in reply.text


def test_when_touch_hurts_it_gently_names_professional_help(talk: Conversation) -> None:
    reply = talk.say("TouchHurtsIntent")
    assert said_one_of(reply, "pain.ideas.touch")
    assert said_one_of(reply, "pain.script.touch_day")
    assert "tell me more" in reply.text, "care information waits to be asked for"
    assert not reply.ended
    more = talk.say("MoreIntent")
    assert "pelvic health physiotherapist" in more.text and "pain psychologist" in more.text


def test_a_number_after_touch_hurts_leaves_touch_out_and_nothing_is_stored(
    talk: Conversation, store
) -> None:  # type: ignore[no-untyped-def]
    """A number says how a body feels, not that touch is welcome again: after 'touch
    hurts', a two is heard as a two and the ideas, the menu and the close stay touch-free
    for the rest of the conversation."""
    talk.say("TouchHurtsIntent")
    two = talk.say("PainLevelIntent", level="2")
    assert said_one_of(two, "pain.heard_level.low", level="two"), two.text
    assert said_one_of(two, "pain.ideas.touch") and no_hug(two), two.text
    pick = talk.say("AMAZON.YesIntent")  # an idea from the menu
    assert not any(item in pick.text for item in STARTER["physical"]), pick.text
    eight = talk.say("PainLevelIntent", level="8")
    assert not any(said_one_of(eight, key) for key in CHANGED) and no_hug(eight), eight.text
    talk.say("AMAZON.NoIntent")
    talk.new_session()  # a new conversation starts afresh: nothing was kept
    fresh = talk.say("PainLevelIntent", level="2")
    assert said_one_of(fresh, "pain.ideas.low"), fresh.text
    assert "pain" not in store.load(talk.user) and "touch" not in str(store.load(talk.user))


def test_on_a_hard_day_the_checkin_offers_its_short_version(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("HighPainDayIntent")
    offer = talk.say("EveningCheckInIntent")
    assert said_one_of(offer, "checkin.short_offer") and not offer.ended
    first = talk.say("AMAZON.YesIntent")
    assert said_one_of(first, "checkin.short_opening")
    assert "zero to ten" not in first.text  # no pain questions today
    assert first.measured.quiet_ms == 45_000
    second = talk.say("AMAZON.NextIntent")
    assert second.measured.quiet_ms == 45_000
    hug_offer = talk.say("AMAZON.NextIntent")
    assert "hug" in hug_offer.text
    hug = talk.say("AMAZON.YesIntent")
    assert hug.ended and hug.measured.quiet_ms == 20_000
    log = store.load(talk.user)["practice_log"]
    assert [e["kind"] for e in log] == ["checkin", "hug"]


def test_saying_no_to_the_short_version_gives_the_full_checkin(talk: Conversation) -> None:
    talk.say("TouchHurtsIntent")
    talk.say("EveningCheckInIntent")
    full = talk.say("AMAZON.NoIntent")
    assert said_one_of(full, "checkin.opening") and "ten" in full.text


def test_the_next_day_starts_fresh(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.say("HighPainDayIntent")
    talk.say("AMAZON.StopIntent")
    clock.advance(20 * HOURS)
    reply = talk.say("EveningCheckInIntent")
    assert said_one_of(reply, "checkin.opening")


def test_menu_pick_fits_a_high_pain_day(talk: Conversation) -> None:
    talk.say("PainLevelIntent", level="9")
    for _ in range(8):
        reply = talk.say("PickFromMenuIntent")
        assert said_one_of(reply, "menu.pick_fit.high")
        picked = [item for kind in STARTER for item in STARTER[kind] if item in reply.text]
        assert picked and all(item not in STARTER["physical"] for item in picked), reply.text


def test_menu_pick_on_a_low_day_is_touch(talk: Conversation) -> None:
    talk.say("PainLevelIntent", level="1")
    reply = talk.say("PickFromMenuIntent")
    assert any(item in reply.text for item in STARTER["physical"])


def test_checkin_idea_uses_the_days_pain_when_levels_are_skipped(talk: Conversation) -> None:
    talk.say("TouchHurtsIntent")
    talk.say("EveningCheckInIntent")
    talk.say("AMAZON.NoIntent")  # the full check-in
    talk.say("SkipIntent")
    talk.say("SkipIntent")
    idea = talk.say("AMAZON.NextIntent")
    assert said_one_of(idea, "idea.touch")


# -- what the check-in's two numbers do to tonight's comfort ----------------------------
CHANGED = [
    f"{lines}.{b}"
    for lines in ("comfort.changed", "checkin.comfort_changed")
    for b in ("low", "middle", "high", "touch")
]


def picked_up_later(talk: Conversation, clock: Any) -> Reply:
    """A break, then 'continue' ten minutes later in a new conversation."""
    talk.say("AMAZON.PauseIntent")
    talk.new_session()
    clock.advance(600)
    return talk.say("ContinueIntent")


def to_the_close(talk: Conversation) -> tuple[Reply, Reply]:
    """From the check-in's question to its closing offer: the idea is returned too."""
    idea = talk.say("AMAZON.NextIntent")
    talk.say("AMAZON.NextIntent")  # first appreciation
    talk.say("AMAZON.NextIntent")  # second appreciation
    return idea, talk.say("AMAZON.NextIntent")


def test_touch_hurts_said_between_the_two_numbers_still_holds_after_the_second(
    talk: Conversation,
) -> None:
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="3")
    aside = talk.say("TouchHurtsIntent")
    assert said_one_of(aside, "comfort.changed.touch")
    second = talk.say("PainLevelIntent", level="2")
    assert not any(said_one_of(second, key) for key in CHANGED), "nothing changed"
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.touch"), idea.text
    assert said_one_of(close, "checkin.offer_close") and "hug" not in close.text.lower()


def test_the_second_partner_s_higher_number_changes_tonight_and_says_so(
    talk: Conversation,
) -> None:
    talk.say("EveningCheckInIntent")
    first = talk.say("PainLevelIntent", level="2")
    assert not any(said_one_of(first, key) for key in CHANGED), "nothing was said before"
    second = talk.say("PainLevelIntent", level="8")
    assert said_one_of(second, "checkin.comfort_changed.high")
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.high"), idea.text


def test_the_first_number_given_replaces_an_earlier_report_and_says_so_whoever_gives_it(
    talk: Conversation,
) -> None:
    talk.say("PainLevelIntent", level="8")
    offer = talk.say("EveningCheckInIntent")
    assert said_one_of(offer, "checkin.short_offer")
    talk.say("AMAZON.NoIntent")  # the full check-in
    talk.say("SkipIntent")  # the first partner leaves theirs unsaid
    second = talk.say("PainLevelIntent", level="1")
    assert said_one_of(second, "checkin.comfort_changed.low"), "the change is said, never silent"
    idea, _ = to_the_close(talk)
    assert said_one_of(idea, "idea.low")


# -- when touch hurts, nothing offers a hug -----------------------------------------------
def no_hug(reply: Reply) -> bool:
    return "hug" not in reply.text.lower() and "hug" not in reply.reprompt.lower()


def test_touch_hurts_at_the_closing_offer_turns_it_into_the_close_without_touch(
    talk: Conversation,
) -> None:
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="2")
    talk.say("PainLevelIntent", level="1")
    _, offer = to_the_close(talk)
    assert said_one_of(offer, "checkin.offer_hug")
    hurts = talk.say("TouchHurtsIntent")
    back = said_one_of(hurts, "back_to_ritual.offer_close", ritual_name="the evening check-in")
    assert back and no_hug(hurts), hurts.text
    yes = talk.say("AMAZON.YesIntent")
    assert said_one_of(yes, "close.start", duration="twenty seconds") and yes.ended, yes.text


@pytest.mark.parametrize("then", ["AMAZON.HelpIntent", "AMAZON.FallbackIntent"])
def test_help_or_an_unclear_answer_at_the_touch_free_close_never_asks_about_a_hug(
    talk: Conversation, then: str
) -> None:
    talk.say("TouchHurtsIntent")
    talk.say("EveningCheckInIntent")
    talk.say("AMAZON.NoIntent")  # the full check-in
    talk.say("SkipIntent")
    talk.say("SkipIntent")
    _, offer = to_the_close(talk)
    assert said_one_of(offer, "checkin.offer_close") and no_hug(offer)
    again = talk.say(then)
    assert no_hug(again) and not again.ended, again.text
    assert said_one_of(again, "checkin.offer_close_reprompt") or then == "AMAZON.FallbackIntent"


def test_the_short_check_in_while_touch_hurts_never_promises_a_hug(talk: Conversation) -> None:
    talk.say("TouchHurtsIntent")
    offer = talk.say("EveningCheckInIntent")
    assert said_one_of(offer, "checkin.short_offer") and no_hug(offer), offer.text
    opening = talk.say("AMAZON.YesIntent")
    assert said_one_of(opening, "checkin.short_opening") and no_hug(opening), opening.text
    talk.say("AMAZON.NextIntent")
    close = talk.say("AMAZON.NextIntent")
    assert said_one_of(close, "checkin.offer_close") and no_hug(close)


def test_touch_hurts_said_in_the_check_in_before_any_number_holds_through_the_first(
    talk: Conversation,
) -> None:
    """The first partner says touch hurts and skips their number; the other's number is
    the first given, but it is no report from before the check-in to replace."""
    talk.say("EveningCheckInIntent")
    talk.say("TouchHurtsIntent")
    talk.say("SkipIntent")
    number = talk.say("PainLevelIntent", level="2")
    assert not any(said_one_of(number, key) for key in CHANGED), number.text
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.touch"), idea.text
    assert said_one_of(close, "checkin.offer_close") and no_hug(close)


def test_a_check_in_picked_up_past_touch_hurts_offers_no_touch(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    """Touch hurts was said before the pause and is not kept; in the new conversation
    the idea and the close assume nothing, and a hug still comes when asked for."""
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="3")
    talk.say("TouchHurtsIntent")
    talk.say("PainLevelIntent", level="2")
    picked_up_later(talk, clock)  # the question again
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.unsure") and no_hug(idea), idea.text
    assert said_one_of(close, "checkin.offer_gentle_close") and no_hug(close), close.text
    assert no_hug(talk.say("AMAZON.HelpIntent"))
    hug = talk.say("HugTimerIntent")
    assert said_one_of(hug, "hug.start", duration="twenty seconds"), hug.text


def test_a_check_in_picked_up_before_its_pain_questions_asks_them_again(
    talk: Conversation, clock
) -> None:  # type: ignore[no-untyped-def]
    """Paused at the first number: nothing was said, so the numbers given after the pause
    decide tonight, and a low night still ends with the offer of a hug."""
    talk.say("EveningCheckInIntent")
    picked_up_later(talk, clock)
    talk.say("PainLevelIntent", level="1")
    talk.say("PainLevelIntent", level="2")
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.low"), idea.text
    assert said_one_of(close, "checkin.offer_hug"), close.text


def test_the_gentle_check_in_picked_up_in_a_new_conversation_closes_without_touch(
    talk: Conversation, clock
) -> None:  # type: ignore[no-untyped-def]
    """What was said about pain is never kept, so after a pause the skill no longer knows
    it; the gentle check-in (offered only on a hard day) then closes without touch."""
    talk.say("TouchHurtsIntent")
    talk.say("EveningCheckInIntent")
    talk.say("AMAZON.YesIntent")  # the gentle check-in
    picked_up_later(talk, clock)
    talk.say("AMAZON.NextIntent")
    close = talk.say("AMAZON.NextIntent")
    assert said_one_of(close, "checkin.offer_gentle_close") and no_hug(close), close.text
    yes = talk.say("AMAZON.YesIntent")
    assert said_one_of(yes, "close.start", duration="twenty seconds") and yes.ended


def test_a_check_in_picked_up_at_the_second_number_does_not_let_it_decide_alone(
    talk: Conversation, clock
) -> None:  # type: ignore[no-untyped-def]
    """The first partner's nine was said before the pause and is not kept: the second
    partner's one, heard after it, cannot make the night a low one."""
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="9")
    talk.new_session()  # the session ran out while the second partner was thinking
    clock.advance(120)
    talk.say("ContinueIntent")
    talk.say("PainLevelIntent", level="1")
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.unsure") and no_hug(idea), idea.text
    assert said_one_of(close, "checkin.offer_gentle_close") and no_hug(close), close.text


def test_touch_hurts_said_before_the_check_in_holds_through_its_numbers(
    talk: Conversation,
) -> None:
    """A number says how one body feels, not whether touch hurts: the partner who said it
    is not overruled by the other's one."""
    talk.say("TouchHurtsIntent")
    talk.say("EveningCheckInIntent")
    talk.say("AMAZON.NoIntent")  # the full check-in, not the gentle one
    first = talk.say("PainLevelIntent", level="1")
    assert not any(said_one_of(first, key) for key in CHANGED), first.text
    talk.say("PainLevelIntent", level="2")
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.touch"), idea.text
    assert said_one_of(close, "checkin.offer_close") and no_hug(close), close.text


def test_touch_hurts_during_a_massage_stops_it(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    """A massage is touch: it is not carried on later, and touch-free ideas follow."""
    send(talk, "MassageTimerIntent", offline=True)  # timed here, in parts
    hurts = send(talk, "TouchHurtsIntent", offline=True)
    assert said_one_of(hurts, "massage.stopped_touch_hurts"), hurts.text
    assert said_one_of(hurts, "pain.ideas.touch"), hurts.text
    assert "continue" not in hurts.text.lower()
    assert not (store.load(talk.user) or {}).get("progress"), "nothing left to pick up"
    again = talk.say("ContinueIntent")
    assert "massage" not in again.text.lower(), again.text


def test_a_high_pain_day_said_after_touch_hurts_leaves_touch_out(talk: Conversation) -> None:
    """A hard day does not make touch welcome again: the ideas stay touch-free."""
    talk.say("TouchHurtsIntent")
    hard = talk.say("HighPainDayIntent")
    assert not any(said_one_of(hard, key) for key in CHANGED), hard.text
    assert said_one_of(hard, "pain.ideas.touch") and no_hug(hard), hard.text


@pytest.mark.parametrize("said", ["11", "100"])
def test_pain_past_the_top_of_the_scale_counts_as_ten(talk: Conversation, said: str) -> None:
    """'Eleven' is worse than the worst: a ten, said so, never a skipped number."""
    talk.say("EveningCheckInIntent")
    heard = talk.say("PainLevelIntent", level=said)
    assert said_one_of(heard, "pain.off_scale"), heard.text
    assert said_one_of(heard, "checkin.pain_heard.high", level="ten"), heard.text
    talk.say("PainLevelIntent", level="1")
    idea = talk.say("AMAZON.NextIntent")
    assert said_one_of(idea, "idea.high"), idea.text
    talk.new_session()
    outside = talk.say("PainLevelIntent", level=said)
    assert said_one_of(outside, "pain.off_scale") and said_one_of(outside, "pain.ideas.high")


@pytest.mark.parametrize("level", ["5", "6"])
def test_a_middling_day_picks_only_the_lightest_touch_from_the_menu(
    talk: Conversation, level: str
) -> None:
    """A middling day is for hands and hair, not long hugs or foot rubs, which the menu
    keeps for easier days (the lightest touch first, as the pain ideas say)."""
    talk.say("PainLevelIntent", level=level)
    heard = [talk.say("PickFromMenuIntent").text]
    heard += [talk.say("AnotherOneIntent").text for _ in range(12)]
    picked = {item for text in heard for item in STARTER["physical"] if item in text}
    assert picked, "touch still fits a middling day"
    assert not picked & {"long hugs", "foot rubs"}, picked


def test_a_check_in_started_afresh_after_one_picked_up_asks_its_own_questions(
    talk: Conversation, clock
) -> None:  # type: ignore[no-untyped-def]
    """What was lost belongs to the run that was paused: 'start over' (or a new check-in)
    hears its own numbers, and a low night gets its hug offer."""
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="8")
    talk.say("PainLevelIntent", level="7")
    picked_up_later(talk, clock)
    talk.say("AMAZON.StartOverIntent")
    talk.say("PainLevelIntent", level="1")
    talk.say("PainLevelIntent", level="2")
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.low"), idea.text
    assert said_one_of(close, "checkin.offer_hug"), close.text


def test_a_low_number_said_before_picking_up_does_not_outweigh_what_was_lost(
    talk: Conversation, clock
) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="9")
    talk.say("PainLevelIntent", level="8")
    talk.say("AMAZON.PauseIntent")
    talk.new_session()
    clock.advance(600)
    talk.say("PainLevelIntent", level="2")
    talk.say("ContinueIntent")
    idea, close = to_the_close(talk)
    assert said_one_of(idea, "idea.unsure") and no_hug(close), (idea.text, close.text)


def test_two_numbers_run_together_are_asked_again_not_taken_as_ten(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    again = talk.say("PainLevelIntent", level="56")  # "a five, six"
    assert not said_one_of(again, "pain.off_scale") and said_one_of(again, "checkin.pain_reask")


def test_tell_me_more_at_a_pain_step_never_skips_the_number(talk: Conversation) -> None:
    """'Tell me more' at a pain number is not the couple talking over a question: it does
    not count towards leaving the number out."""
    talk.say("EveningCheckInIntent")
    for _ in range(3):
        more = talk.say("MoreIntent")
        assert not said_one_of(more, "checkin.pain_skipped"), more.text
    heard = talk.say("PainLevelIntent", level="3")
    assert said_one_of(heard, "checkin.pain_heard.low", level="three"), heard.text


def test_a_harder_report_in_a_picked_up_check_in_still_closes_without_touch(
    talk: Conversation, clock
) -> None:  # type: ignore[no-untyped-def]
    """What was lost may have been 'touch hurts': an eight said since does not bring the
    hug back (only 'touch hurts' is surer)."""
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="1")
    talk.say("PainLevelIntent", level="1")
    picked_up_later(talk, clock)
    talk.say("PainLevelIntent", level="8")
    _, close = to_the_close(talk)
    assert said_one_of(close, "checkin.offer_gentle_close") and no_hug(close), close.text
