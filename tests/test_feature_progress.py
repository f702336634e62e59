"""Practices, 'how are we doing' (days they showed up, never a broken streak), a warm
welcome back after a gap, and the weekly check-in (offered when a week has passed)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from skill.config import Config
from skill.engine import timeutil
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
                entry(5, "hug", 6.4),  # six calendar days ago (START is late morning)
                entry(6, "massage", 6.9),  # a week ago today: not this week
                entry(7, "massage", 9.0),  # last week: not counted
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


MIDNIGHT = START - START % DAY  # the start of START's day, in UTC
HOUR = 3600


def at(day: int, hour: float) -> float:
    """A moment on the `day`-th day from START's (negative: before it), at `hour` UTC."""
    return MIDNIGHT + day * DAY + hour * HOUR


@pytest.mark.parametrize(
    ("practised", "asked", "days"),
    [
        # Morning and evening of the same day are one day, asked the next afternoon...
        ([at(-1, 8), at(-1, 20)], at(0, 14), "one day"),
        # ...and a practice on another day adds exactly one more.
        ([at(-1, 8), at(-1, 20), at(0, 9)], at(0, 14), "two days"),
        ([at(-3, 8), at(-1, 8), at(-1, 20)], at(0, 14), "two days"),
        # Late one night and the next evening are two days, however close together.
        ([at(-1, 23.5), at(0, 21)], at(0, 22), "two days"),
    ],
)
def test_days_they_showed_up_are_calendar_days(
    talk: Conversation, store, clock, practised: list[float], asked: float, days: str
) -> None:  # type: ignore[no-untyped-def]
    log = [{"id": f"e{n}", "kind": "hug", "at": t} for n, t in enumerate(practised)]
    store.save(talk.user, {"first_seen": START - 30 * DAY, "practice_log": log})
    clock.now = asked
    reply = talk.say("HowAreWeDoingIntent")
    assert f"showed up for each other on {days}." in reply.text


@pytest.mark.parametrize(("zone", "days"), [("UTC", "one day"), ("America/New_York", "two days")])
def test_days_are_counted_in_the_configured_time_zone(
    make_app, db_path, store, clock, zone: str, days: str
) -> None:  # type: ignore[no-untyped-def]
    # 03:00 and 14:00 UTC are one day in London, but late evening and then the next
    # morning in New York.
    log = [{"id": "a", "kind": "hug", "at": at(0, 3)}, {"id": "b", "kind": "kiss", "at": at(0, 14)}]
    clock.now = at(0, 16)
    app = make_app(cfg=Config(db_path=db_path, verify=False, timezone=zone))
    talk = Conversation(app.test_client(), clock)
    store.save(talk.user, {"first_seen": START - 30 * DAY, "practice_log": log})
    assert f"showed up for each other on {days}." in talk.say("HowAreWeDoingIntent").text


def test_calendar_days_in_a_time_zone() -> None:
    new_york = timeutil.zone("America/New_York")
    # 04:30 UTC is still the evening before in New York, 05:30 UTC is after midnight there.
    assert timeutil.days_ago(at(0, 4.5), at(0, 12), new_york) == 1
    assert timeutil.days_ago(at(0, 5.5), at(0, 12), new_york) == 0
    assert timeutil.days_ago(at(0, 4.5), at(0, 12), timeutil.zone("UTC")) == 0
    assert timeutil.days_ago(at(1, 6), at(0, 12), new_york) == -1  # tomorrow there


@pytest.mark.parametrize("name", ["", None, "Nowhere/Special", "America", "../etc/passwd"])
def test_an_unknown_time_zone_counts_in_utc(name: str | None) -> None:
    assert timeutil.zone(name) == dt.UTC


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


@pytest.mark.parametrize("slot", ["morning", None])
def test_another_one_after_a_practice_is_another_practice(
    talk: Conversation, slot: str | None
) -> None:
    """'Another one' after 'give us a morning practice': another practice for that part
    of the day, not a conversation question with talk time."""
    first = talk.say("PracticeIdeaIntent", time=slot)
    second = talk.say("AnotherOneIntent")
    for each in ("morning", "daytime", "evening"):
        assert said_one_of(second, f"practice.{each}") == (slot is None or each == "morning")
    assert second.text != first.text and second.measured.quiet_ms == 0
    assert not second.ended


# -- the weekly check-in ---------------------------------------------------------------
def test_weekly_checkin_turn_by_turn(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": START, "names": ["Sam", "Alex"]})
    first = talk.say("WeeklyCheckInIntent")
    assert said_one_of(first, "weekly.opening") and said_one_of(first, "weekly.working")
    assert first.measured.quiet_ms == 45_000
    helps = talk.say("AMAZON.NextIntent")
    assert said_one_of(helps, "weekly.would_help") and helps.measured.quiet_ms == 45_000
    sam = talk.say("AMAZON.NextIntent")
    assert sam.text.startswith("Sam,") and said_one_of(sam, "weekly.feel", partner="Sam")
    more = talk.say("MoreTimeIntent")
    assert more.measured.quiet_ms == 90_000
    alex = talk.say("AMAZON.NextIntent")
    assert said_one_of(alex, "weekly.feel", partner="Alex")
    done = talk.say("AMAZON.NextIntent")
    # On an Echo the close is followed by the weekly reminder's offer (test_feature_reminder).
    assert said_one_of(done, "weekly.close") and said_one_of(done, "reminder.offer")
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


def test_a_declined_offer_waits_a_week(talk: Conversation, store, clock) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": START - 10 * DAY, "last_seen": START - DAY})
    assert said_one_of(talk.launch(), "weekly.offer")
    declined = talk.say("AMAZON.NoIntent")
    assert said_one_of(declined, "weekly.declined") and not declined.ended
    talk.say("AMAZON.StopIntent")
    for _ in range(6):
        clock.advance(DAY)
        assert not said_one_of(talk.launch(), "weekly.offer")
        talk.say("AMAZON.StopIntent")
    clock.advance(DAY)
    assert said_one_of(talk.launch(), "weekly.offer")


def test_a_new_couple_is_not_offered_a_weekly_checkin(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.launch()
    talk.say("AMAZON.StopIntent")
    clock.advance(2 * DAY)
    assert not said_one_of(talk.launch(), "weekly.offer")
