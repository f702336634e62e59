"""A weekly reminder the couple chose: offered after a weekly check-in, set through Alexa.

The offer follows the weekly check-in's closing line, and only where a reminder can be set
(an Alexa device) and none is set yet, and not for four weeks after a no. A yes sets it for
the same day and time as the check-in began (to the quarter hour, in the couple's time zone),
once Alexa's reminders permission is given; the couple hears the day, the time and that it
repeats weekly. Only the reminder's id is stored, so "cancel our reminder" can remove it;
"forget everything" removes it too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill.engine.context import Reply, Turn
from skill.engine.services import WeeklyTime
from skill.engine.session import Offer
from skill.engine.spoken import number_words
from skill.engine.ssml import Speech
from skill.engine.state import Progress

REMINDER_OFFER = "reminder"
PERMISSION = "reminders"  # the permission asked for (skill.handlers maps it to Alexa's scope)
TOKEN_PREFIX = "reminder:"
ASK_AGAIN_SECONDS = 28 * 24 * 3600
QUARTER_HOUR = 15


# -- the offer ----------------------------------------------------------------------------
def offer_after_weekly(turn: Turn, progress: Progress, speech: Speech) -> Reply | None:
    """After the weekly check-in's closing line: offer the reminder, or None (no offer)."""
    couple = turn.couple
    if not turn.reminders.available or couple.reminder_id is not None:
        return None
    declined = couple.reminder_declined_at
    if declined is not None and turn.now - declined < ASK_AGAIN_SECONDS:
        return None
    return turn.offer(
        REMINDER_OFFER,
        speech,
        turn.say("reminder.offer"),
        turn.say("reminder.offer_reprompt"),
        value=str(int(progress.started_at)),
    )


def on_yes(turn: Turn, offer: Offer) -> Reply:
    started = _started(offer.value, turn.now)
    granted = turn.reminders.permission()
    if granted is None:
        # Alexa asks by voice; its answer comes back as a request (see on_permission).
        reply = turn.tell(Speech().say(turn.say("reminder.ask_permission")))
        reply.ask_permission = PERMISSION
        reply.permission_token = f"{TOKEN_PREFIX}{int(started)}"
        return reply
    if not granted:
        return card(turn)
    return create(turn, started)


def on_no(turn: Turn, offer: Offer) -> Reply:
    turn.couple.reminder_declined_at = turn.now
    turn.changed()
    return turn.tell(Speech().say(turn.say("reminder.declined")))


def on_permission(turn: Turn, token: str | None, accepted: bool, by_voice: bool) -> Reply:
    """Alexa's answer to its permission prompt (`by_voice` False: the device could not ask)."""
    started = _started((token or "")[len(TOKEN_PREFIX) :], turn.now)
    if accepted:
        return create(turn, started)
    if not by_voice:
        return card(turn)
    return turn.tell(Speech().say(turn.say("reminder.not_allowed")))


def card(turn: Turn) -> Reply:
    reply = turn.tell(Speech().say(turn.say("reminder.permission_card")))
    reply.permission_card = PERMISSION
    return reply


# -- setting and cancelling ------------------------------------------------------------------
def weekly_time(turn: Turn, started: float) -> WeeklyTime:
    """The check-in's start in the couple's time zone (the device's, else the configured
    one), down to the quarter hour so the reminder sounds like a time people choose."""
    zone_name = turn.reminders.time_zone() or turn.deps.config.timezone
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone_name, zone = turn.deps.config.timezone, ZoneInfo(turn.deps.config.timezone)
    local = dt.datetime.fromtimestamp(started, zone).replace(second=0, microsecond=0, tzinfo=None)
    local = local.replace(minute=local.minute - local.minute % QUARTER_HOUR)
    # The first one a week on, so it never rings in the middle of tonight's check-in.
    return WeeklyTime(first=local + dt.timedelta(days=7), time_zone=zone_name)


def create(turn: Turn, started: float) -> Reply:
    when = weekly_time(turn, started)
    reminder_id = turn.reminders.create(when, turn.say("reminder.text"))
    if reminder_id is None:
        return turn.tell(Speech().say(turn.say("reminder.failed")))
    turn.couple.reminder_id = reminder_id
    turn.couple.reminder_declined_at = None
    turn.changed()
    day = turn.content.line("reminder.days", when.first.weekday())
    speech = Speech().say(turn.say("reminder.set", day=day, time=clock_words(turn, when.first)))
    return turn.tell(speech)


def cancel(turn: Turn) -> Speech:
    """'cancel our reminder': removed at Alexa first; the id is forgotten only once it is."""
    reminder_id = turn.couple.reminder_id
    if reminder_id is None:
        return Speech().say(turn.say("reminder.none"))
    if not turn.reminders.available:
        return Speech().say(turn.say("reminder.cancel_elsewhere"))
    if not turn.reminders.delete(reminder_id):
        return Speech().say(turn.say("reminder.cancel_failed"))
    turn.couple.reminder_id = None
    turn.changed()
    return Speech().say(turn.say("reminder.cancelled"))


def forget(turn: Turn) -> bool:
    """Before the couple's record is erased: their reminder goes too, where it can. False
    when one may still be set (no way to reach Alexa's reminders here, or it failed):
    the couple is then told where to remove it, since its id is erased with the rest."""
    reminder_id = turn.couple.reminder_id
    if reminder_id is None:
        return True
    return turn.reminders.available and turn.reminders.delete(reminder_id)


# -- words ---------------------------------------------------------------------------
def clock_words(turn: Turn, at: dt.datetime) -> str:
    """'eight p.m.', 'seven thirty a.m.': a time in words, as the locale says it."""
    hour = number_words(at.hour % 12 or 12)
    time = f"{hour} {number_words(at.minute)}" if at.minute else hour
    key = "reminder.clock_am" if at.hour < 12 else "reminder.clock_pm"
    return turn.content.line(key, 0, time=time)


def _started(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default
