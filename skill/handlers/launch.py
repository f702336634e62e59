"""Opening the skill: a short welcome that explains itself once, then offers the rituals.

A return after a quiet stretch gets a warm welcome back (never a tally of missed days);
once a week has passed since the last weekly check-in, launch offers one.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.engine import rituals
from skill.engine.ssml import Speech
from skill.engine.timeutil import DAY, WEEK
from skill.handlers import Handler
from skill.handlers.guided import RESUME_OFFER, WEEKLY_OFFER
from skill.handlers.turn import Turn

GAP = 5 * DAY  # away this long, and launch says welcome back rather than hello again


def last_active(turn: Turn) -> float | None:
    couple = turn.couple
    times = [t for t in (couple.last_seen, couple.first_seen) if t is not None]
    times += [float(e.get("at") or 0) for e in couple.practice_log[-1:]]
    return max(times) if times else None


def weekly_due(turn: Turn) -> bool:
    """A week since the last weekly check-in (or, if none yet, since they first came),
    and not already offered in the last day."""
    couple = turn.couple
    since = couple.weekly_at if couple.weekly_at is not None else couple.first_seen
    if since is None or turn.now - since < WEEK:
        return False
    return couple.weekly_offered_at is None or turn.now - couple.weekly_offered_at >= DAY


class LaunchHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def respond(self, turn: Turn) -> Response:
        couple = turn.couple
        progress = rituals.current(turn)
        if turn.is_new_couple and progress is None:
            couple.last_seen = turn.now
            turn.changed()
            return turn.ask(Speech().say(turn.say("launch.first")), turn.say("launch.reprompt"))
        suffix = rituals.names_suffix(turn)
        active = last_active(turn)
        away = active is not None and turn.now - active >= GAP
        speech = Speech().say(
            turn.say("launch.welcome_back_gap" if away else "launch.return", names_suffix=suffix)
        )
        if progress is not None:
            turn.expect(RESUME_OFFER)
            speech.say(
                turn.say(
                    "launch.resume_offer", ritual_name=rituals.ritual_name(turn, progress.ritual)
                )
            )
        elif weekly_due(turn):
            turn.expect(WEEKLY_OFFER)
            couple.weekly_offered_at = turn.now
            speech.say(turn.say("weekly.offer"))
        couple.last_seen = turn.now
        turn.changed()
        return turn.ask(speech, turn.say("launch.reprompt"))
