"""Opening the skill: a short welcome that explains itself once, then offers the rituals."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill import rituals
from skill.handlers import Handler
from skill.ssml import Speech
from skill.turn import Turn


class LaunchHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def respond(self, turn: Turn) -> Response:
        couple = turn.couple
        if couple.first_seen is None:
            couple.first_seen = turn.now
            turn.changed()
            return turn.ask(Speech().say(turn.say("launch.first")), turn.say("launch.reprompt"))
        speech = Speech().say(turn.say("launch.return", names_suffix=rituals.names_suffix(turn)))
        progress = rituals.current(turn)
        if progress is not None:
            turn.expect("resume")
            speech.say(
                turn.say(
                    "launch.resume_offer", ritual_name=rituals.ritual_name(turn, progress.ritual)
                )
            )
        return turn.ask(speech, turn.say("launch.reprompt"))
