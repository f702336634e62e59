"""Request and response interceptors: timing, saving the couple's record and the
conversation's state, and privacy-safe logging."""

from __future__ import annotations

import logging
import time

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SsmlOutputSpeech

from skill.engine.context import Deps
from skill.engine.session import EXPECTS_KEY, SESSION_KEY, SessionState
from skill.engine.ssml import Speech
from skill.engine.state import Couple
from skill.errors import StorageError
from skill.handlers import EXPECTS
from skill.handlers.turn import COUPLE, DIRTY, LOAD_FAILED, STATE, request_locale, session_of

log = logging.getLogger("close_together")
STARTED = "started_at_perf"
OUTCOME = "storage_outcome"


# Intents that are themselves health information (a pain report, touch hurting): logged
# only as this, like everything said, so no log line tells how anyone's body is.
HEALTH_INTENTS = frozenset({"PainLevelIntent", "TouchHurtsIntent", "HighPainDayIntent"})
HEALTH = "health-report"


def request_kind(handler_input: HandlerInput) -> tuple[str, str]:
    """Request type and intent name: the only things about a request we ever log (a
    health report's intent only as that)."""
    request = handler_input.request_envelope.request
    kind = getattr(request, "object_type", None) or type(request).__name__
    intent = getattr(getattr(request, "intent", None), "name", None) or "-"
    return str(kind), logged_intent(str(intent))


def logged_intent(intent: str) -> str:
    """An intent's name as logs may show it (a health report only as that)."""
    return HEALTH if intent in HEALTH_INTENTS else intent


class TimingInterceptor(AbstractRequestInterceptor):  # type: ignore[misc]
    def process(self, handler_input: HandlerInput) -> None:
        handler_input.attributes_manager.request_attributes[STARTED] = time.perf_counter()


class SaveCoupleInterceptor(AbstractResponseInterceptor):  # type: ignore[misc]
    """Save the couple's record once, after the handler; say so honestly if it fails."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        attrs = handler_input.attributes_manager.request_attributes
        note = None
        if attrs.get(LOAD_FAILED):
            # Never overwrite a record we could not read with an empty one.
            attrs[OUTCOME] = "load_failed"
            note = "storage.not_loaded"
        elif attrs.get(DIRTY) and isinstance(couple := attrs.get(COUPLE), Couple):
            couple.prune(self.deps.clock(), self.deps.config.resume_hours * 3600)
            handler_input.attributes_manager.persistent_attributes = couple.to_attributes()
            try:
                handler_input.attributes_manager.save_persistent_attributes()
                attrs[OUTCOME] = "saved"
            except StorageError:
                attrs[OUTCOME] = "save_failed"
                note = "storage.not_saved"
        speech = response.output_speech if response is not None else None
        if note and isinstance(speech, SsmlOutputSpeech) and speech.ssml:
            content = self.deps.content_for(request_locale(handler_input))
            text = Speech().say(content.say(note)).ssml[len("<speak>") :]
            speech.ssml = speech.ssml[: -len("</speak>")] + " " + text


class SaveSessionInterceptor(AbstractResponseInterceptor):  # type: ignore[misc]
    """The conversation's typed state goes back into the session, under one key, with
    what the response listens for (front ends that build grammars read it)."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        session = session_of(handler_input)
        attrs = handler_input.attributes_manager.request_attributes
        state = attrs.get(STATE)
        if session is None or not isinstance(state, SessionState):
            return
        session[SESSION_KEY] = state.to_dict()
        expects = attrs.get(EXPECTS)
        session[EXPECTS_KEY] = list(expects) if isinstance(expects, list) else []


class LogInterceptor(AbstractResponseInterceptor):  # type: ignore[misc]
    """One line per request: type, intent, outcome, milliseconds. Nothing anyone said."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        attrs = handler_input.attributes_manager.request_attributes
        started = attrs.get(STARTED)
        ms = (time.perf_counter() - started) * 1000 if isinstance(started, float) else -1.0
        kind, intent = request_kind(handler_input)
        ended = "-" if response is None else ("end" if response.should_end_session else "open")
        fields = {
            "request_type": kind,
            "intent": intent,
            "session": ended,
            "storage": attrs.get(OUTCOME, "-"),
            "ms": round(ms, 2),
        }
        if log.isEnabledFor(logging.INFO):
            # makeRecord + handle: log.info would also walk the stack to find this line.
            record = log.makeRecord(
                log.name,
                logging.INFO,
                __file__,
                0,
                "request type=%s intent=%s session=%s storage=%s ms=%.1f",
                (kind, intent, ended, fields["storage"], ms),
                None,
                extra={"fields": fields},
            )
            log.handle(record)
