"""Practices for the morning, the day and the evening, and 'how are we doing'.

Progress is counted as days they showed up this week, never as a streak that breaks:
a quiet week is a fresh start, not a failure.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from skill.engine import rituals
from skill.engine.context import Reply
from skill.engine.spoken import join_words, number_words
from skill.engine.ssml import Speech
from skill.engine.synonyms import slot_synonyms
from skill.engine.timeutil import WEEK, days_ago, zone
from skill.handlers import Handler, Turn, slot_id

WEEK_DAYS = 7


def couple_zone(turn: Turn) -> dt.tzinfo:
    """The time zone the couple's days are counted in (the service's configured one)."""
    return zone(getattr(turn.deps.config, "timezone", "UTC"))


def days_showed_up(turn: Turn, tz: dt.tzinfo, days: int = WEEK_DAYS) -> tuple[int, list[str]]:
    """Distinct calendar days in `tz` (today and the `days - 1` before it) with any
    practice, and the kinds of practice done, most frequent first."""
    recent: list[tuple[int, str]] = []  # (days ago, kind)
    for entry in turn.couple.practice_log:
        at = float(entry.get("at") or 0)
        back = days_ago(at, turn.now, tz)
        if at <= turn.now and back < days:
            recent.append((back, entry["kind"]))
    kinds = [kind for kind, _ in Counter(kind for _, kind in recent).most_common()]
    return len({back for back, _ in recent}), kinds


def week_summary(turn: Turn) -> Speech:
    days, kinds = days_showed_up(turn, couple_zone(turn))
    speech = Speech()
    if days == 0:
        return speech.say(turn.say("progress.fresh_week"))
    if days == 1:
        speech.say(turn.say("progress.one_day"))
    else:
        speech.say(turn.say("progress.days", count=number_words(days)))
    names = [rituals.ritual_name(turn, kind) for kind in kinds]
    speech.say(turn.say("progress.what", idea=join_words(names)))
    return speech.say(turn.say("progress.kind_words"))


class HowAreWeDoingHandler(Handler):
    """'how are we doing': days they showed up this week and what they made time for."""

    INTENTS = ("HowAreWeDoingIntent",)

    def respond(self, turn: Turn) -> Reply:
        speech = week_summary(turn)
        challenge = turn.couple.challenge
        if challenge is not None and challenge.done and 0 <= turn.now - challenge.started_at < WEEK:
            speech.say(turn.say("challenge.status", count=number_words(challenge.done)))
        return turn.ask(speech, turn.say("launch.reprompt"))


class PracticeIdeaHandler(Handler):
    """'what can we do this morning' / 'give us an evening practice' / any time."""

    INTENTS = ("PracticeIdeaIntent",)

    def respond(self, turn: Turn) -> Reply:
        return practice_idea(turn, slot_id(turn.hi, "time", "TimeOfDay"))


def practice_idea(turn: Turn, when: str | None) -> Reply:
    """A practice for that part of the day, or one for each; 'another one' gives others."""
    turn.session.another = f"practice:{when or ''}"
    speech = Speech()
    if when is None:
        speech.say(turn.say("practice.any_intro"))
        for part in slot_synonyms("en-US", "TimeOfDay"):
            speech.say(turn.say(f"practice.{part}"))
    else:
        speech.say(turn.say(f"practice.{when}"))
    speech.say(turn.say("practice.after"))
    return turn.ask(speech, turn.say("launch.reprompt"))
