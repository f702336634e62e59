"""The evening check-in, turn by turn, including resume, pain answers and talk time."""

from __future__ import annotations

import pytest

from skill.engine.content import Content
from skill.engine.ssml import CHIME
from tests.alexa import Conversation
from tests.test_feature_support import said_one_of

HOURS = 3600


def walk_to_question(talk: Conversation, first: str | None = "3", second: str | None = "2") -> None:
    talk.say("EveningCheckInIntent")
    for level in (first, second):
        if level is None:
            talk.say("SkipIntent")
        else:
            talk.say("PainLevelIntent", level=level)


def test_whole_checkin_turn_by_turn(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    opening = talk.say("EveningCheckInIntent")
    assert "check-in" in opening.text and "ten" in opening.text
    assert opening.measured.quiet_ms == 0, "only breath pauses"

    second = talk.say("PainLevelIntent", level="3")
    assert "three" in second.text and "partner" in second.text

    question = talk.say("PainLevelIntent", level="8")
    assert "eight" in question.text
    assert "listen" in question.text and (
        "ideas" in question.text or "suggestions" in question.text
    )
    assert question.measured.quiet_ms == 45_000
    assert "say next" in question.text.lower()

    idea = talk.say("AMAZON.NextIntent")
    assert idea.measured.quiet_ms == 0
    # Highest level 8: words, music or reading, not touch.
    assert any(w in idea.text for w in ("words", "song", "read aloud", "grateful"))

    first_thanks = talk.say("AMAZON.NextIntent")
    assert "appreciat" in first_thanks.text or "grateful" in first_thanks.text
    assert first_thanks.measured.quiet_ms == 45_000
    second_thanks = talk.say("AMAZON.NextIntent")
    assert second_thanks.measured.quiet_ms == 45_000

    offer = talk.say("AMAZON.NextIntent")
    assert "twenty second hug" in offer.text and not offer.ended

    hug = talk.say("AMAZON.YesIntent")
    assert hug.measured.quiet_ms == 20_000
    assert hug.measured.sounds == [CHIME]
    assert hug.ended

    saved = store.load(talk.user)
    assert "progress" not in saved, "a finished ritual leaves nothing to resume"
    assert [e["kind"] for e in saved["practice_log"]] == ["checkin", "hug"]


def test_declining_the_hug_closes_warmly(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    walk_to_question(talk)
    for _ in range(3):
        talk.say("AMAZON.NextIntent")
    assert "hug" in talk.say("AMAZON.NextIntent").text
    done = talk.say("AMAZON.NoIntent")
    assert done.ended and done.measured.quiet_ms == 0
    assert said_one_of(done, "checkin.close_no_hug")
    assert [e["kind"] for e in store.load(talk.user)["practice_log"]] == ["checkin"]


@pytest.mark.parametrize(
    ("levels", "words"),
    [
        (("1", "2"), ("cuddle", "hug", "foot", "spoon")),
        (("5", "2"), ("hand massage", "hair", "hold hands")),
        (("2", "9"), ("words", "song", "read aloud", "grateful")),
        ((None, None), ("kind to your bodies",)),
    ],
)
def test_idea_fits_the_highest_level(talk: Conversation, levels, words) -> None:  # type: ignore[no-untyped-def]
    walk_to_question(talk, *levels)
    idea = talk.say("AMAZON.NextIntent")
    assert any(w in idea.text.lower() for w in words), idea.text


@pytest.mark.parametrize("bad", ["-1", "?", "seven", None])  # eleven: a ten (test_feature_pain)
def test_bad_pain_level_reasks_once_then_moves_on(talk: Conversation, bad) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    reask = talk.say("PainLevelIntent", level=bad)
    assert "zero" in reask.text and not reask.ended
    moved_on = talk.say("PainLevelIntent", level=bad)
    assert "leave the number" in moved_on.text
    assert "partner" in moved_on.text


@pytest.mark.parametrize("odd", ["?", "-1"])
def test_reask_then_good_answer_counts(talk: Conversation, odd: str) -> None:
    talk.say("EveningCheckInIntent")
    again = talk.say("PainLevelIntent", level=odd)
    assert said_one_of(again, "checkin.pain_reask") and "one" not in again.text.split()
    reply = talk.say("PainLevelIntent", level="6")
    assert "six" in reply.text and "partner" in reply.text


def test_skip_is_always_fine(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    skipped = talk.say("SkipIntent")
    # The acknowledgement itself (the next pain question also mentions skip).
    assert said_one_of(skipped, "checkin.pain_skipped")
    assert "your partner" in skipped.text and "pain" in skipped.text
    talk.say("SkipIntent")
    # Skipping the question step gives a different question once, then moves on.
    different = talk.say("SkipIntent")
    assert said_one_of(different, "talk.different_question")
    idea = talk.say("SkipIntent")
    assert said_one_of(idea, "checkin.idea_intro") and not said_one_of(idea, "checkin.pain_skipped")


def test_more_time_gives_ninety_seconds_from_then_on(talk: Conversation) -> None:
    walk_to_question(talk)
    more = talk.say("MoreTimeIntent")
    assert more.measured.quiet_ms == 90_000
    talk.say("AMAZON.NextIntent")  # idea
    appreciation = talk.say("AMAZON.NextIntent")
    assert appreciation.measured.quiet_ms == 90_000


QUESTIONS = Content.load().variants("checkin.questions")


def asked(text: str) -> list[str]:
    return [q for q in QUESTIONS if q in text]


def test_repeat_repeats_the_same_question(talk: Conversation) -> None:
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="3")
    question = talk.say("PainLevelIntent", level="2")
    again = talk.say("AMAZON.RepeatIntent")
    assert len(asked(question.text)) == 1
    assert asked(again.text) == asked(question.text)
    assert question.text.endswith(again.text), "the same words around it too"
    assert again.measured.quiet_ms == 45_000


MENU = [f"idea number {n}" for n in range(1, 13)]


@pytest.mark.parametrize("own_menu", [False, True])
def test_repeat_at_the_idea_step_says_the_same_idea(talk: Conversation, store, own_menu) -> None:  # type: ignore[no-untyped-def]
    if own_menu:
        menu = [{"text": text, "kind": "physical"} for text in MENU]
        store.save(talk.user, {"first_seen": 1.0, "menu": menu})
    walk_to_question(talk, "1", "2")
    idea = talk.say("AMAZON.NextIntent")
    if own_menu:
        assert len([m for m in MENU if f"{m}." in idea.text or f"{m}?" in idea.text]) == 1
    for _ in range(4):
        assert talk.say("AMAZON.RepeatIntent").text == idea.text


def test_a_checkin_picked_up_later_does_not_know_tonights_pain(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    """Pain levels are never stored: after a pause the idea assumes nothing about touch."""
    walk_to_question(talk, "8", "9")
    idea = talk.say("AMAZON.NextIntent")
    assert said_one_of(idea, "idea.high")
    talk.say("AMAZON.PauseIntent")
    clock.advance(6 * HOURS)
    talk.new_session()
    resumed = talk.say("ContinueIntent")
    assert said_one_of(resumed, "idea.unsure"), resumed.text


def test_repeat_says_each_step_in_the_same_words(talk: Conversation) -> None:
    step = talk.say("HighsAndLowsIntent")
    for _ in range(6):  # a high and a low each, then an appreciation each
        for _ in range(3):
            again = talk.say("AMAZON.RepeatIntent")
            assert again.text and step.text.endswith(again.text), (step.text, again.text)
        step = talk.say("AMAZON.NextIntent")
    assert step.ended


def test_start_over_restarts_the_ritual(talk: Conversation) -> None:
    walk_to_question(talk)
    reply = talk.say("AMAZON.StartOverIntent")
    assert "again from the beginning" in reply.text
    assert "ten" in reply.text


@pytest.mark.parametrize(
    "intent", ["AMAZON.PauseIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent"]
)
def test_break_ends_warmly_and_keeps_progress(talk: Conversation, store, intent) -> None:  # type: ignore[no-untyped-def]
    walk_to_question(talk)
    reply = talk.say(intent)
    assert reply.ended and "continue" in reply.text
    assert store.load(talk.user)["progress"]["step"] == 2


def test_continue_in_a_new_session_resumes_the_same_step(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    walk_to_question(talk)
    question = talk.say("AMAZON.RepeatIntent")
    talk.say("AMAZON.PauseIntent")
    clock.advance(11 * HOURS)
    talk.new_session()
    resumed = talk.say("ContinueIntent")
    assert "pick up" in resumed.text
    # The very same question, not a new one.
    assert asked(resumed.text) == asked(question.text) != []


def test_resume_intent_also_resumes(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="4")
    talk.new_session()
    clock.advance(60)
    resumed = talk.say("AMAZON.ResumeIntent")
    assert "partner" in resumed.text


def test_progress_older_than_twelve_hours_starts_fresh(talk: Conversation, clock, store) -> None:  # type: ignore[no-untyped-def]
    walk_to_question(talk)
    talk.say("AMAZON.PauseIntent")
    clock.advance(12 * HOURS + 60)
    talk.new_session()
    reply = talk.say("ContinueIntent")
    assert "afresh" in reply.text
    assert "ten" in reply.text
    assert store.load(talk.user)["progress"]["step"] == 0


def test_continue_with_nothing_to_resume_offers_rituals(talk: Conversation) -> None:
    reply = talk.say("ContinueIntent")
    assert said_one_of(reply, "continue.nothing") and not reply.ended


def test_questions_do_not_repeat_back_to_back(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    seen = []
    for _ in range(len(QUESTIONS) // 2):
        walk_to_question(talk, None, None)
        seen += asked(talk.say("AMAZON.RepeatIntent").text)
        talk.say("AMAZON.StopIntent")
        clock.advance(HOURS)
    assert len(seen) == len(set(seen)) == len(QUESTIONS) // 2


@pytest.mark.parametrize(
    "steps",
    [
        [("EveningCheckInIntent", {})],  # a pain number
        [("HighsAndLowsIntent", {})],  # the couple's talk
        [("EveningCheckInIntent", {}), ("PainLevelIntent", {"level": "2"})],
    ],
)
def test_repeat_listens_for_what_the_step_listens_for(
    talk: Conversation, steps: list[tuple[str, dict[str, str]]]
) -> None:
    """Said again, a step still hears a bare number or the couple's talk (the bedside
    builds what it may hear from this)."""
    for intent, slots in steps:
        talk.say(intent, **slots)
    before = talk.attributes["expects"]
    assert before
    talk.say("AMAZON.RepeatIntent")
    assert talk.attributes["expects"] == before
    talk.say("AMAZON.RepeatIntent")
    assert talk.attributes["expects"] == before


@pytest.mark.parametrize("own_menu", [False, True])
def test_another_idea_at_the_idea_step_is_another_idea(talk: Conversation, store, own_menu) -> None:  # type: ignore[no-untyped-def]
    """'Another one' at tonight's closeness idea: a different idea that fits as well, and
    the check-in goes on (not a conversation question with its own talk time)."""
    if own_menu:
        menu = [{"text": text, "kind": "physical"} for text in MENU]
        store.save(talk.user, {"first_seen": 1.0, "menu": menu})
    walk_to_question(talk, "1", "2")
    first = talk.say("AMAZON.NextIntent")
    second = talk.say("AnotherOneIntent")
    third = talk.say("AnotherOneIntent")
    assert len({first.text, second.text, third.text}) == 3
    for idea in (second, third):
        assert said_one_of(idea, "checkin.idea_after") and idea.measured.quiet_ms == 0
        if own_menu:
            assert len([m for m in MENU if f"{m}." in idea.text or f"{m}?" in idea.text]) == 1
        else:
            assert said_one_of(idea, "idea.low"), idea.text
    assert talk.say("AMAZON.RepeatIntent").text == third.text
    after = talk.say("AMAZON.NextIntent")  # the check-in goes on from the idea
    assert not said_one_of(after, "checkin.idea_after") and not after.ended
