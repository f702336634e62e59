"""Request and response interceptors: privacy-safe logging, saving, and repeat memory."""

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

from skill.engine.ssml import Speech
from skill.engine.state import Couple
from skill.errors import StorageError
from skill.handlers.turn import (
    AWAITING,
    COUPLE,
    DIRTY,
    LOAD_FAILED,
    PENDING,
    SESSION_PROGRESS,
    Deps,
    session_of,
)

log = logging.getLogger("close_together")
STARTED = "started_at_perf"
OUTCOME = "storage_outcome"


def request_kind(handler_input: HandlerInput) -> tuple[str, str]:
    """Request type and intent name: the only things about a request we ever log."""
    request = handler_input.request_envelope.request
    kind = getattr(request, "object_type", None) or type(request).__name__
    intent = getattr(getattr(request, "intent", None), "name", None) or "-"
    return str(kind), str(intent)


class TimingInterceptor(AbstractRequestInterceptor):  # type: ignore[misc]
    def process(self, handler_input: HandlerInput) -> None:
        handler_input.attributes_manager.request_attributes[STARTED] = time.perf_counter()


class PendingQuestionInterceptor(AbstractRequestInterceptor):  # type: ignore[misc]
    """Move the question the last response asked out of the session: it lives one turn."""

    def process(self, handler_input: HandlerInput) -> None:
        session = session_of(handler_input)
        if session is not None:
            handler_input.attributes_manager.request_attributes[PENDING] = session.pop(
                AWAITING, None
            )


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
        mirror_progress(handler_input)
        speech = response.output_speech if response is not None else None
        if note and isinstance(speech, SsmlOutputSpeech) and speech.ssml:
            text = Speech().say(self.deps.content.say(note)).ssml[len("<speak>") :]
            speech.ssml = speech.ssml[: -len("</speak>")] + " " + text


def mirror_progress(handler_input: HandlerInput) -> None:
    """Keep this session's copy of the unfinished ritual in step with the couple's record."""
    session = session_of(handler_input)
    couple = handler_input.attributes_manager.request_attributes.get(COUPLE)
    if session is None or not isinstance(couple, Couple):
        return  # no session, or this turn never looked at the couple
    if couple.progress is not None:
        session[SESSION_PROGRESS] = couple.progress.to_dict()
    else:
        session.pop(SESSION_PROGRESS, None)


class RememberSpeechInterceptor(AbstractResponseInterceptor):  # type: ignore[misc]
    """Keep the last thing said in the session so 'repeat' can say it again."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        if response is None or response.should_end_session is not False:
            return
        speech = response.output_speech
        session = session_of(handler_input)
        if isinstance(speech, SsmlOutputSpeech) and session is not None:
            session["last_ssml"] = speech.ssml


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
