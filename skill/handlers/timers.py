"""The hug timer and the six-second kiss: a cue, exact quiet, a chime, a closing line."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill import rituals
from skill.handlers import Handler, slot_value
from skill.spoken import duration_words, parse_duration
from skill.ssml import Speech
from skill.turn import Turn

MIN_HUG_SECONDS = 5
MAX_HUG_SECONDS = 180


class HugTimerHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("HugTimerIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        raw = slot_value(turn.hi, "duration")
        speech = Speech()
        seconds = rituals.HUG_SECONDS
        if raw is not None:
            asked = parse_duration(raw)
            if asked is None or asked <= 0:
                speech.say(turn.say("hug.unclear", duration=duration_words(seconds)))
            else:
                seconds = min(max(round(asked), MIN_HUG_SECONDS), MAX_HUG_SECONDS)
                if asked < MIN_HUG_SECONDS:
                    speech.say(turn.say("hug.clamped_short", duration=duration_words(seconds)))
                elif asked > MAX_HUG_SECONDS:
                    speech.say(turn.say("hug.clamped_long", duration=duration_words(seconds)))
        progress = rituals.current(turn)
        if progress is not None and rituals.step_of(progress).kind == rituals.OFFER_HUG:
            # "hug timer" when the check-in offers a hug means yes, with their length.
            return rituals.finish(turn, progress, speech, hug_seconds=seconds)
        rituals.hug_speech(turn, seconds, speech)
        turn.record_practice("hug", seconds)
        return turn.tell(speech)


class KissHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("KissIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.record_practice("kiss", rituals.KISS_SECONDS)
        return turn.tell(rituals.kiss_speech(turn))
