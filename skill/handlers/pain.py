"""Pain-aware ideas and scripts: 'my pain is at seven', 'a high pain day', 'touch hurts'.

Each answer fits the day: the least painful kinds of touch first, emotional closeness and
shared experiences when pain is high, a sentence the couple can say to each other, and,
when touch itself hurts, a gentle word about the professionals who help with that.
The day's pain is remembered so the menu and the evening check-in can fit it too.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.engine import rituals
from skill.engine.spoken import number_words
from skill.engine.ssml import Speech
from skill.handlers import Handler
from skill.handlers.turn import Turn


def pain_reply(turn: Turn, bucket: str, level: int | None = None) -> Speech:
    """Ideas for the day, a sentence to say to each other, and care where touch hurts."""
    rituals.note_pain(turn, bucket, level)
    speech = Speech()
    if level is not None:
        words = number_words(level)
        speech.say(turn.say("pain.heard_level", level=words))
        speech.say(turn.say(f"pain.ideas.{bucket}"))
        speech.say(turn.say(f"pain.script.{bucket}", level=words))
    else:
        speech.say(turn.say(f"pain.heard_{bucket}"))
        speech.say(turn.say(f"pain.ideas.{bucket}"))
        speech.say(turn.say(f"pain.script.{bucket}_day"))
    if bucket in ("high", "touch"):
        speech.say(turn.say("pain.still_counts"))
    if bucket == "touch":
        speech.say(turn.say("pain.professional_help"))
    return speech


def pain_next(turn: Turn, speech: Speech) -> Response:
    """After a pain answer outside a ritual: offer a next step and keep listening."""
    turn.expect(None)
    speech.say(turn.say("pain.offer_next"))
    return turn.ask(speech, turn.say("pain.offer_reprompt"))


class HighPainDayHandler(Handler):
    """'it's a high pain day'."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("HighPainDayIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        return answer(turn, "high")


class TouchHurtsHandler(Handler):
    """'touch hurts today'."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("TouchHurtsIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        return answer(turn, "touch")


def answer(turn: Turn, bucket: str) -> Response:
    speech = pain_reply(turn, bucket)
    progress = rituals.current(turn)
    if progress is not None:
        return turn.ask(speech.say(turn.say("pain.in_ritual")), turn.say("talk.reprompt"))
    return pain_next(turn, speech)
