"""The hug timer and the six-second kiss: a cue, exact quiet, a chime, a closing line.

Asked for on their own ("Alexa, ask Close Together for a hug timer") they close the
session. Asked for in the middle of a ritual in the same conversation, the ritual waits:
the hug or kiss plays, then the couple is invited back to where they were. Only a hug
asked for right at the check-in's hug offer, in the same conversation, answers it.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.engine import rituals, screens
from skill.engine.ssml import Speech
from skill.engine.state import Progress
from skill.handlers import Handler
from skill.handlers.timed import asked_seconds
from skill.handlers.turn import Turn


def ritual_in_this_session(turn: Turn) -> Progress | None:
    """The ritual this conversation is in the middle of. None in a new session: a ritual
    left unfinished last night waits for 'continue', and is not what a one-shot hug means."""
    session = turn.hi.request_envelope.session
    if session is None or session.new:
        return None
    return rituals.current(turn)


def close_or_carry_on(turn: Turn, progress: Progress | None, speech: Speech) -> Response:
    if progress is None:
        return turn.tell(speech)
    return rituals.carry_on_later(turn, progress, speech)


class HugTimerHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("HugTimerIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        speech = Speech()
        seconds = asked_seconds(turn, speech, rituals.HUG_LENGTH)
        progress = ritual_in_this_session(turn)
        if progress is not None and rituals.step_of(progress).kind == rituals.OFFER_HUG:
            # "hug timer" when the check-in offers a hug means yes, with their length.
            return rituals.finish(turn, progress, speech, hug_seconds=seconds)
        rituals.hug_speech(turn, seconds, speech)
        screens.countdown(turn, speech, seconds, "screen.hug")  # Echo Show: a dim countdown
        turn.record_practice("hug", seconds)
        return close_or_carry_on(turn, progress, speech)


class KissHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("KissIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.record_practice("kiss", rituals.KISS_SECONDS)
        progress = ritual_in_this_session(turn)
        speech = rituals.kiss_speech(turn)
        screens.countdown(turn, speech, rituals.KISS_SECONDS, "screen.kiss")  # Echo Show
        return close_or_carry_on(turn, progress, speech)
