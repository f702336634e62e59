"""Practices, 'how are we doing' (days they showed up, never a broken streak), a warm
welcome back after a gap, and the weekly check-in (offered when a week has passed)."""

from __future__ import annotations

import re

import pytest

from tests.alexa import Conversation
from tests.conftest import START
from tests.test_feature_support import said_one_of

DAY = 24 * 3600
GUILT = re.compile(r"\b(streak|missed|broke|broken|behind|only|failed|should)\b", re.I)


def entry(n: int, kind: str, days_ago: float) -> dict:
    return {"id": f"e{n}", "kind": kind, "at": START - days_ago * DAY}


@pytest.mark.parametrize(
    ("log", "days", "kinds"),
    [
        ([], None, []),
        ([entry(1, "hug", 0.1)], "one day", ["hugs"]),
        (
            [
                entry(1, "hug", 0.2),
                entry(2, "hug", 0.3),
                entry(3, "checkin", 2.5),
                entry(4, "breathing", 4.1),
                entry(5, "hug", 6.9),
                entry(6, "massage", 9.0),  # last week: not counted
            ],
            "four days",
            ["hugs", "the evening check-in", "breathing together"],
        ),
    ],
)
def test_how_are_we_doing_counts_days_they_showed_up(
    talk: Conversation, store, log: list[dict], days: str | None, kinds: list[str]
) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": START - 30 * DAY, "practice_log": log})
    reply = talk.say("HowAreWeDoingIntent")
    if days is None:
        assert said_one_of(reply, "progress.fresh_week")
    else:
        assert f"showed up for each other on {days}." in reply.text
        for kind in kinds:
            assert kind in reply.text
        assert "massage" not in reply.text
    assert not GUILT.search(reply.text), reply.text
    assert not reply.ended


def test_how_are_we_doing_after_real_practices(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.say("HugTimerIntent")
    clock.advance(DAY + 60)
    talk.say("KissIntent")
    talk.say("BreathingIntent", duration="PT1M")
    reply = talk.say("HowAreWeDoingIntent")
    assert "on two days" in reply.text
    assert "hugs" in reply.text and "six second kisses" in reply.text


def test_a_warm_welcome_back_after_a_gap(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(
        talk.user,
        {
            "first_seen": START - 60 * DAY,
            "last_seen": START - 12 * DAY,
            "weekly_at": START - 3 * DAY,
            "names": ["Sam", "Alex"],
        },
    )
    reply = talk.launch()
    assert said_one_of(reply, "launch.welcome_back_gap", names_suffix=", Sam and Alex")
    assert not GUILT.search(reply.text)
    again = talk.launch()  # straight after: an ordinary hello
    assert said_one_of(again, "launch.return", names_suffix=", Sam and Alex")


@pytest.mark.parametrize(
    ("slot", "part"),
    [("morning", "morning"), ("tonight", "evening"), ("lunchtime", "daytime"), (None, None)],
)
def test_practices_for_each_part_of_the_day(
    talk: Conversation, slot: str | None, part: str | None
) -> None:
    reply = talk.say("PracticeIdeaIntent", time=slot)
    for each in ("morning", "daytime", "evening"):
        assert said_one_of(reply, f"practice.{each}") == (part is None or part == each)
    assert not reply.ended


# -- the weekly check-in ---------------------------------------------------------------
def test_weekly_checkin_turn_by_turn(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": START, "names": ["Sam", "Alex"]})
    first = talk.say("WeeklyCheckInIntent")
    assert said_one_of(first, "weekly.opening") and said_one_of(first, "weekly.working")
    assert first.measured.total_break_ms == 45_000
    helps = talk.say("AMAZON.NextIntent")
    assert said_one_of(helps, "weekly.would_help") and helps.measured.total_break_ms == 45_000
    sam = talk.say("AMAZON.NextIntent")
    assert sam.text.startswith("Sam,") and said_one_of(sam, "weekly.feel", partner="Sam")
    more = talk.say("MoreTimeIntent")
    assert more.measured.total_break_ms == 90_000
    alex = talk.say("AMAZON.NextIntent")
    assert said_one_of(alex, "weekly.feel", partner="Alex")
    done = talk.say("AMAZON.NextIntent")
    assert done.ended and said_one_of(done, "weekly.close")
    saved = store.load(talk.user)
    assert saved["weekly_at"] == START and "progress" not in saved
    assert [e["kind"] for e in saved["practice_log"]] == ["weekly"]


def test_weekly_checkin_can_pause_and_resume(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.say("WeeklyCheckInIntent")
    talk.say("AMAZON.NextIntent")
    talk.say("AMAZON.PauseIntent")
    clock.advance(3600)
    talk.new_session()
    resumed = talk.say("ContinueIntent")
    assert "weekly check-in" in resumed.text and said_one_of(resumed, "weekly.would_help")


def test_launch_offers_the_weekly_checkin_once_a_week_has_passed(
    talk: Conversation, store, clock
) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": START - 8 * DAY, "last_seen": START - DAY})
    offer = talk.launch()
    assert said_one_of(offer, "weekly.offer")
    started = talk.say("AMAZON.YesIntent")
    assert said_one_of(started, "weekly.opening")
    for _ in range(4):
        talk.say("AMAZON.NextIntent")
    clock.advance(2 * DAY)
    assert not said_one_of(talk.launch(), "weekly.offer"), "done this week: not offered"
    clock.advance(6 * DAY)
    assert said_one_of(talk.launch(), "weekly.offer")


def test_a_declined_offer_is_not_repeated_the_same_day(talk: Conversation, store, clock) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": START - 10 * DAY, "last_seen": START - DAY})
    assert said_one_of(talk.launch(), "weekly.offer")
    declined = talk.say("AMAZON.NoIntent")
    assert said_one_of(declined, "weekly.declined") and not declined.ended
    talk.say("AMAZON.StopIntent")
    clock.advance(3600)
    assert not said_one_of(talk.launch(), "weekly.offer")
    talk.say("AMAZON.StopIntent")
    clock.advance(DAY)
    assert said_one_of(talk.launch(), "weekly.offer")


def test_a_new_couple_is_not_offered_a_weekly_checkin(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.launch()
    talk.say("AMAZON.StopIntent")
    clock.advance(2 * DAY)
    assert not said_one_of(talk.launch(), "weekly.offer")
