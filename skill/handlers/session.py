"""Help, fallback, stopping, session end, forgetting the couple, and the catch-alls."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response

from skill.engine import rituals
from skill.engine.ssml import Speech
from skill.engine.state import TIMED
from skill.errors import StorageError
from skill.handlers import MORE, Handler
from skill.handlers.menu import read_menu
from skill.handlers.turn import COUPLE, DIRTY, SESSION_PROGRESS, Deps, Turn, pending

FORGET_OFFER = "forget"
# Requests whose answer someone hears (Connections.Response returns from Alexa's own
# permission prompt into the conversation).
DIALOGUE = ("LaunchRequest", "IntentRequest", "Connections.Response")

log = logging.getLogger("close_together")

# What to say, by situation, read a few at a time ("more" reads on).
HELP_PAGES = (
    ("help.general", "help.section.calm", "help.section.pain"),
    ("help.section.talk", "help.section.menu", "help.section.us"),
)


def read_help(turn: Turn, page: int = 0) -> Response:
    page = min(max(page, 0), len(HELP_PAGES) - 1)
    speech = Speech().say(*(turn.say(key) for key in HELP_PAGES[page]))
    turn.session.pop(MORE, None)
    if page + 1 < len(HELP_PAGES):
        turn.session[MORE] = f"help:{page + 1}"
        speech.say(turn.say("help.say_more"))
    else:
        speech.say(turn.say("help.end"))
    return turn.ask(speech, turn.say("help.reprompt"))


class HelpHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AMAZON.HelpIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        progress = rituals.current(turn)
        if progress is not None:
            key = "help.in_timed" if progress.ritual in TIMED else "help.in_ritual"
            text = turn.say(key, ritual_name=rituals.ritual_name(turn, progress.ritual))
            return turn.ask(Speech().say(text), turn.say("talk.reprompt"))
        return read_help(turn)


class MoreHandler(Handler):
    """'more': read on through whatever was being read in pieces (the menu, help)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("MoreIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        more = turn.session.get(MORE)
        what, _, offset = more.partition(":") if isinstance(more, str) else ("", "", "")
        if what == "menu" and offset.isdigit():
            return read_menu(turn, int(offset))
        if what == "help" and offset.isdigit():
            return read_help(turn, int(offset))
        return turn.ask(Speech().say(turn.say("more.nothing")), turn.say("launch.reprompt"))


class AboutHandler(Handler):
    """'what is this': educational, not medical advice, and who can help."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AboutIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        speech = Speech().say(turn.say("about.what"), turn.say("about.care"))
        return turn.ask(speech, turn.say("launch.reprompt"))


class FallbackHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AMAZON.FallbackIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        if rituals.current(turn) is not None:
            return turn.ask(Speech().say(turn.say("fallback.in_ritual")), turn.say("talk.reprompt"))
        return turn.ask(Speech().say(turn.say("fallback.general")), turn.say("help.reprompt"))


class StopHandler(Handler):
    """Stop, Cancel, Pause ('I need a break') and NavigateHome all end warmly."""

    INTENTS = (
        "AMAZON.StopIntent",
        "AMAZON.CancelIntent",
        "AMAZON.PauseIntent",
        "AMAZON.NavigateHomeIntent",
    )

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.INTENTS)

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        if rituals.current(turn) is not None:
            return turn.tell(Speech().say(turn.say("pause.in_ritual")))
        return turn.tell(Speech().say(turn.say("goodbye")))


class SessionEndedHandler(Handler):
    """Alexa closed the session: nothing may be spoken; progress is already stored."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def respond(self, turn: Turn) -> Response:
        return turn.hi.response_builder.response


class ForgetUsHandler(Handler):
    """'forget everything about us': ask first, never delete on one word."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("ForgetUsIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.expect(FORGET_OFFER)
        return turn.ask(
            Speech().say(turn.say("forget.confirm")), turn.say("forget.confirm_reprompt")
        )


class ForgetConfirmHandler(Handler):
    """The yes or no that answers the forget question."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return pending(handler_input) == FORGET_OFFER and bool(
            is_intent_name("AMAZON.YesIntent")(handler_input)
            or is_intent_name("AMAZON.NoIntent")(handler_input)
        )

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        if is_intent_name("AMAZON.NoIntent")(turn.hi):
            return turn.tell(Speech().say(turn.say("forget.kept")))
        try:
            forget(turn)
        except StorageError:
            log.warning("forget failed: storage unavailable")
            return turn.tell(Speech().say(turn.say("forget.failed")))
        return turn.tell(Speech().say(turn.say("forget.done")))


def forget(turn: Turn) -> None:
    """Delete every stored record of this couple, and nothing is saved after it."""
    turn.hi.attributes_manager.delete_persistent_attributes()
    turn.hi.attributes_manager.request_attributes.pop(COUPLE, None)
    turn.hi.attributes_manager.request_attributes[DIRTY] = False
    turn.session.pop(SESSION_PROGRESS, None)


class SkillDisabledHandler(Handler):
    """Disabling the skill deletes the couple's data (no speech on events).

    If the store is down the StorageError is left to fail the request (the web layer
    answers 503), so Alexa delivers the event again rather than the data staying.
    """

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("AlexaSkillEvent.SkillDisabled")(handler_input))

    def respond(self, turn: Turn) -> Response:
        forget(turn)
        return turn.hi.response_builder.response


class UnknownRequestHandler(Handler):
    """Last in line: any other request or intent still gets a helpful, valid answer."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def respond(self, turn: Turn) -> Response:
        if not is_dialogue(turn.hi):
            return turn.hi.response_builder.response  # events take no speech
        return turn.ask(Speech().say(turn.say("fallback.general")), turn.say("help.reprompt"))


def is_dialogue(handler_input: HandlerInput) -> bool:
    """Requests someone is listening to the answer of (others, like events, get no speech)."""
    return any(is_request_type(kind)(handler_input) for kind in DIALOGUE)


class CatchAllExceptionHandler(AbstractExceptionHandler):  # type: ignore[misc]
    """One place for anything unexpected: log its type, speak kindly, keep going."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        # An undelivered deletion must fail loudly so that Alexa sends it again.
        return not (
            isinstance(exception, StorageError)
            and is_request_type("AlexaSkillEvent.SkillDisabled")(handler_input)
        )

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # The type and where it happened, never the message: it may quote what was said.
        tb = exception.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
        log.error("handler error: %s at %s", type(exception).__name__, where)
        if not is_dialogue(handler_input):
            return handler_input.response_builder.response
        turn = Turn(handler_input, self.deps)
        return turn.ask(Speech().say(turn.say("error.general")), turn.say("error.reprompt"))
