"""Opening the skill: a short welcome that explains itself once, then one question.

A paused ritual is offered first; otherwise, once a week has passed since the last weekly
check-in (and it was not declined this week), launch offers one. A return after a quiet
stretch gets a warm welcome back (never a tally of missed days).
"""

from __future__ import annotations

from skill.engine import offers, rituals
from skill.engine.context import Reply
from skill.engine.ssml import Speech
from skill.engine.timeutil import DAY, WEEK
from skill.handlers import Handler, Turn

GAP = 5 * DAY  # away this long, and launch says welcome back rather than hello again


def last_active(turn: Turn) -> float | None:
    couple = turn.couple
    times = [t for t in (couple.last_seen, couple.first_seen) if t is not None]
    times += [float(e.get("at") or 0) for e in couple.practice_log[-1:]]
    return max(times) if times else None


def weekly_due(turn: Turn) -> bool:
    """A week since the last weekly check-in (or, if none yet, since they first came), not
    declined in the last week, and not already offered in the last day."""
    couple = turn.couple
    since = couple.weekly_at if couple.weekly_at is not None else couple.first_seen
    if since is None or turn.now - since < WEEK:
        return False
    if couple.weekly_declined_at is not None and turn.now - couple.weekly_declined_at < WEEK:
        return False
    return couple.weekly_offered_at is None or turn.now - couple.weekly_offered_at >= DAY


class LaunchHandler(Handler):
    REQUESTS = ("LaunchRequest",)

    def respond(self, turn: Turn) -> Reply:
        couple = turn.couple
        progress = rituals.resumable(turn)
        previous = last_active(turn)
        couple.last_seen = turn.now
        turn.changed()
        if turn.is_new_couple and progress is None:
            return turn.ask(Speech().say(turn.say("launch.first")), turn.say("launch.reprompt"))
        suffix = rituals.names_suffix(turn)
        away = previous is not None and turn.now - previous >= GAP
        greeting = turn.say(
            "launch.welcome_back_gap" if away else "launch.return", names_suffix=suffix
        )
        speech = Speech().say(greeting)
        declined = couple.resume_declined_at
        if progress is not None and (declined is None or declined < progress.updated_at):
            name = rituals.ritual_name(turn, progress.ritual)
            return turn.offer(
                offers.RESUME,
                speech,
                turn.say("launch.resume_offer", ritual_name=name),
                turn.say("launch.resume_reprompt", ritual_name=name),
            )
        if weekly_due(turn):
            couple.weekly_offered_at = turn.now
            return turn.offer(
                offers.WEEKLY_OFFER, speech, turn.say("weekly.offer"), turn.say("weekly.reprompt")
            )
        return offers.choices(turn, speech)
