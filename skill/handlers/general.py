"""Help, fallback, repeat, stopping, session end, forgetting the couple, and the catch-alls."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.engine import offers, rituals
from skill.engine.context import Deps, Reply
from skill.engine.session import EXPECTS_KEY
from skill.engine.ssml import Speech
from skill.errors import StorageError
from skill.handlers import Handler, Turn, intent_name, talk, to_response
from skill.handlers.guided import nothing_here
from skill.handlers.menu import read_menu
from skill.handlers.turn import forget, session_of

# Requests whose answer someone hears (Connections.Response returns from Alexa's own
# permission prompt into the conversation).
DIALOGUE = ("LaunchRequest", "IntentRequest", "Connections.Response")

log = logging.getLogger("close_together")

# What to say, by situation, read a few at a time ("more" reads on).
HELP_PAGES = (
    ("help.general", "help.section.calm", "help.section.pain"),
    ("help.section.talk", "help.section.menu", "help.section.us"),
)


def read_help(turn: Turn, page: int = 0) -> Reply:
    page = min(max(page, 0), len(HELP_PAGES) - 1)
    speech = Speech().say(*(turn.say(key) for key in HELP_PAGES[page]))
    turn.session.more = None
    if page + 1 < len(HELP_PAGES):
        turn.session.more = f"help:{page + 1}"
        speech.say(turn.say("help.say_more"))
    else:
        speech.say(turn.say("help.end"))
    return turn.ask(speech, turn.say("help.reprompt"))


def unclear(turn: Turn, lead: str) -> Reply | None:
    """An answer that didn't get through: the pending question asked once more, the
    ritual's own meaning of it, or after a question, the couple still talking; None when
    none of these applies."""
    if turn.pending is not None:
        reply = offers.reask(turn, turn.pending, lead)
        if reply is not None:
            return reply
    progress = turn.ritual
    if progress is not None:
        return rituals.on_unclear(turn, progress)
    if turn.after_question:
        return talk.still_talking(turn)
    return None


class HelpHandler(Handler):
    INTENTS = ("AMAZON.HelpIntent",)
    UNCLEAR = True

    def respond(self, turn: Turn) -> Reply:
        if turn.pending is not None:
            reply = offers.reask(turn, turn.pending, "offer.help")
            if reply is not None:
                return reply
        progress = turn.ritual
        if progress is not None:
            step = rituals.step_of(progress)
            name = rituals.ritual_name(turn, progress.ritual)
            if step is None:
                text = turn.say("help.in_timed", ritual_name=name)
                return turn.ask(Speech().say(text), turn.say("timed.reprompt"))
            # What works at this very step: its own reprompt says it, and where the other
            # partner's voice could take their turn now, "I'll go first".
            speech = Speech().say(turn.say("help.in_ritual", ritual_name=name))
            speech.say(rituals.reprompt(turn, step))
            first = rituals.who_can_go_first(turn, progress)
            if first is not None:
                partner = rituals.spoken_name(turn, first)
                speech.say(turn.say("help.go_first", partner=partner))
            # Help is beside the step: "say repeat to hear this step again" gives the step.
            turn.session.aside = True
            return turn.ask(speech, rituals.reprompt(turn, step), *step.expects)
        what, _, page = (turn.session.more or "").partition(":")
        if what == "help" and page.isdigit():
            return read_help(turn, int(page))  # asked again: read on
        return read_help(turn)


class RepeatHandler(Handler):
    """'repeat': exactly what was last said (a pending question stays pending)."""

    INTENTS = ("AMAZON.RepeatIntent",)
    UNCLEAR = True

    def respond(self, turn: Turn) -> Reply:
        last = turn.session.last
        progress = turn.ritual
        if progress is not None and rituals.step_of(progress) is None:
            return rituals.waiting(turn)  # a timed part is never replayed unasked
        if progress is not None and turn.session.aside and turn.pending is None:
            # After help, a hug or a note beside the step: the step, never the aside again
            # (a second hug nobody asked for, and not logged).
            return rituals.step_speech(turn, progress)
        if turn.pending is not None:
            turn.session.offer = turn.pending
            turn.pending.reasked = True
        if last is None:
            return nothing_here(turn)
        expects = ("yes_no",) if turn.session.offer is not None else _listened_for(turn)
        return turn.ask(Speech(parts=list(last.parts)), last.reprompt, *expects)


def _listened_for(turn: Turn) -> tuple[str, ...]:
    """What the last response listened for: said again, it listens for the same (a pain
    number, the couple's talk), or the bedside would turn those away."""
    before = (session_of(turn.hi) or {}).get(EXPECTS_KEY)
    return tuple(str(e) for e in before) if isinstance(before, list) else ()


class MoreHandler(Handler):
    """'more' / 'tell me more': read on through whatever was being read in pieces."""

    INTENTS = ("MoreIntent",)

    def respond(self, turn: Turn) -> Reply:
        what, _, offset = (turn.session.more or "").partition(":")
        if what == "menu" and offset.isdigit():
            return read_menu(turn, int(offset))
        if what == "help" and offset.isdigit():
            return read_help(turn, int(offset))
        progress = turn.ritual
        if what == "care":
            turn.session.more = None
            speech = Speech().say(turn.say("pain.professional_help"))
            if progress is not None:  # said in a ritual: it waits for them
                return rituals.carry_on_later(turn, progress, speech)
            return turn.ask(speech, turn.say("launch.reprompt"))
        # "Tell me more" with nothing being read is said to each other, as the listening
        # reminder suggests: at a talk step (or after a question) they are still talking.
        reply = talk.said_to_each_other(turn)
        if reply is not None:
            return reply
        return nothing_here(turn, Speech().say(turn.say("more.nothing")))


class AboutHandler(Handler):
    """'what is this': educational, not medical advice, and who can help."""

    INTENTS = ("AboutIntent",)

    def respond(self, turn: Turn) -> Reply:
        speech = Speech().say(turn.say("about.what"), turn.say("about.care"))
        return turn.ask(speech, turn.say("launch.reprompt"))


class FallbackHandler(Handler):
    """Words that matched nothing. At a talk step that is the couple talking to each other;
    elsewhere each unclear answer in a row gets a shorter, clearer way forward."""

    INTENTS = ("AMAZON.FallbackIntent",)
    UNCLEAR = True

    def respond(self, turn: Turn) -> Reply:
        reply = unclear(turn, "offer.unclear")
        if reply is not None:
            return reply
        turn.session.unclear += 1
        level = min(turn.session.unclear, 3)
        key = ("fallback.general", "fallback.fewer", "fallback.help_or_stop")[level - 1]
        return turn.ask(Speech().say(turn.say(key)), turn.say(f"{key}_reprompt"))


class GoFirstHandler(FallbackHandler):
    """'I'll go first', from a recognised voice at the other partner's talk step: the two
    swap turns (skill.engine.rituals.on_go_first). Elsewhere in a ritual, and without voice
    profiles, it is what any words that matched nothing would be; with no ritual under
    way there is no turn to take, and the rituals are offered."""

    INTENTS = ("GoFirstIntent",)

    def respond(self, turn: Turn) -> Reply:
        if turn.pending is not None:  # only the question's own answer acts on it
            return super().respond(turn)
        progress = turn.ritual
        reply = (
            nothing_here(turn, Speech().say(turn.say("voices.go_first_nothing")))
            if progress is None
            else rituals.on_go_first(turn, progress)
        )
        if reply is None:
            return super().respond(turn)
        turn.session.unclear = 0
        return reply


ENDINGS = frozenset({"AMAZON.StopIntent", "AMAZON.CancelIntent"})  # "goodnight", "stop"


class StopHandler(Handler):
    """Stop, Cancel, Pause ('I need a break') and NavigateHome all end warmly."""

    INTENTS = (
        "AMAZON.StopIntent",
        "AMAZON.CancelIntent",
        "AMAZON.PauseIntent",
        "AMAZON.NavigateHomeIntent",
    )

    def respond(self, turn: Turn) -> Reply:
        progress = turn.ritual
        if (
            progress is not None
            and intent_name(turn.hi) in ENDINGS
            and rituals.at_last_step(progress)
        ):
            # "Goodnight" at the last turn of highs and lows is its end, not a break to
            # pick up tomorrow: it is done (and logged); at the closing offer, a no.
            return rituals.finish(turn, progress, Speech(), stopping=True)
        if progress is not None:
            turn.keep(progress)
            turn.session.progress = None
            return turn.tell(Speech().say(turn.say("pause.in_ritual")))
        return turn.tell(Speech().say(turn.say("goodbye")))


class SessionEndedHandler(Handler):
    """Alexa closed the session: nothing may be spoken; progress is already stored."""

    REQUESTS = ("SessionEndedRequest",)

    def respond(self, turn: Turn) -> Response:
        return turn.hi.response_builder.response


class ForgetUsHandler(Handler):
    """'forget everything about us': ask first, never delete on one word."""

    INTENTS = ("ForgetUsIntent",)

    def respond(self, turn: Turn) -> Response:
        reply = turn.offer(
            offers.FORGET, Speech(), turn.say("forget.confirm"), turn.say("forget.confirm_reprompt")
        )
        return to_response(turn, reply)


class SkillDisabledHandler(Handler):
    """Disabling the skill deletes the couple's data (no speech on events).

    If the store is down the StorageError is left to fail the request (the web layer
    answers 503), so Alexa delivers the event again rather than the data staying.
    """

    REQUESTS = ("AlexaSkillEvent.SkillDisabled",)

    def respond(self, turn: Turn) -> Response:
        forget(turn.hi)
        return turn.hi.response_builder.response


class UnknownRequestHandler(Handler):
    """Last in line: any other request or intent still gets a helpful, valid answer."""

    UNCLEAR = True

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def respond(self, turn: Turn) -> Reply | Response:
        if not is_dialogue(turn.hi):
            return turn.hi.response_builder.response  # events take no speech
        return FallbackHandler.respond(self, turn)  # type: ignore[arg-type]


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
        reply = turn.ask(Speech().say(turn.say("error.general")), turn.say("error.reprompt"))
        return to_response(turn, reply)
