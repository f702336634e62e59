"""The hug timer and the six-second kiss: a cue, exact quiet, a chime, a closing line.

Asked for on their own ("Alexa, ask Close Together for a hug timer") they close the
session. Asked for in the middle of this conversation's ritual, the ritual waits: the hug
or kiss plays, then the couple is told how to carry on. A hug asked for at the check-in's
hug offer answers it, even where tonight's offer was a touch-free close: they chose.
"""

from __future__ import annotations

from skill.engine import rituals
from skill.engine.context import Reply
from skill.engine.ssml import Speech
from skill.engine.state import Progress
from skill.handlers import Handler, Turn, screens
from skill.handlers.timed import asked_seconds


def close_or_carry_on(turn: Turn, progress: Progress | None, speech: Speech) -> Reply:
    if progress is None:
        return turn.tell(speech)
    return rituals.carry_on_later(turn, progress, speech)


class HugTimerHandler(Handler):
    INTENTS = ("HugTimerIntent",)

    def respond(self, turn: Turn) -> Reply:
        speech = Speech()
        seconds = asked_seconds(turn, speech, rituals.HUG_LENGTH)
        progress = turn.ritual
        step = rituals.step_of(progress) if progress is not None else None
        if progress is not None and step is not None and step.kind == "offer_hug":
            # "hug timer" when the check-in offers a hug means yes, with their length.
            return rituals.finish(turn, progress, speech, hug_seconds=seconds, asked=True)
        rituals.hug_speech(turn, seconds, speech)
        screens.countdown(turn, speech, seconds, "screen.hug")  # Echo Show: a dim countdown
        turn.record_practice("hug", seconds)
        return close_or_carry_on(turn, progress, speech)


class KissHandler(Handler):
    INTENTS = ("KissIntent",)

    def respond(self, turn: Turn) -> Reply:
        turn.record_practice("kiss", rituals.KISS_SECONDS)
        speech = rituals.kiss_speech(turn)
        screens.countdown(turn, speech, rituals.KISS_SECONDS, "screen.kiss")  # Echo Show
        return close_or_carry_on(turn, turn.ritual, speech)
