"""The engine's Turn, built from an ask-sdk request: the couple's record comes from the
persistence adapter, the conversation's state from the session attributes."""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.handler_input import HandlerInput

from skill.engine.context import Deps, Turn
from skill.engine.session import SESSION_KEY, Offer, SessionState
from skill.engine.state import Couple
from skill.errors import StorageError
from skill.handlers.alexa_api import AlexaReminders

log = logging.getLogger("close_together")

# Request attributes: the couple's record and whether to save it, set while a request runs.
COUPLE = "couple"
DIRTY = "couple_changed"
LOAD_FAILED = "couple_load_failed"
STATE = "session_state"
PENDING = "pending_offer"


def session_of(handler_input: HandlerInput) -> dict[str, Any] | None:
    """Session attributes, or None for requests outside a session (skill events)."""
    if handler_input.request_envelope.session is None:
        return None
    attrs = handler_input.attributes_manager.session_attributes
    return attrs if isinstance(attrs, dict) else None


def session_state(handler_input: HandlerInput) -> SessionState:
    """This request's typed session state (loaded once, saved by an interceptor)."""
    attrs = handler_input.attributes_manager.request_attributes
    state = attrs.get(STATE)
    if not isinstance(state, SessionState):
        session = session_of(handler_input) or {}
        state = SessionState.from_dict(session.get(SESSION_KEY))
        attrs[STATE] = state
    return state


def request_locale(handler_input: HandlerInput) -> str | None:
    locale = getattr(handler_input.request_envelope.request, "locale", None)
    return locale if isinstance(locale, str) else None


def person_id(handler_input: HandlerInput) -> str | None:
    """context.System.person.personId: the speaker, when Alexa recognised a voice profile."""
    system = getattr(handler_input.request_envelope.context, "system", None)
    person = getattr(getattr(system, "person", None), "person_id", None)
    return person if isinstance(person, str) and person else None


class RequestTurn(Turn):
    """One request's Turn: `hi` is the ask-sdk handler input."""

    def __init__(self, handler_input: HandlerInput, deps: Deps) -> None:
        self.hi = handler_input
        session = handler_input.request_envelope.session
        super().__init__(
            deps,
            session_state(handler_input),
            new_session=session is None or bool(session.new),
            locale=request_locale(handler_input),
        )
        self.reminders = AlexaReminders(handler_input)
        self.person = person_id(handler_input)
        attrs = handler_input.attributes_manager.request_attributes
        # The question the last response asked, taken from the session once per request.
        pending = attrs.get(PENDING, self.pending)
        attrs[PENDING] = self.pending = pending if isinstance(pending, Offer) else None
        cached = attrs.get(COUPLE)
        if isinstance(cached, Couple):
            self._couple = cached

    def load_couple(self) -> Couple:
        """The couple's record, loaded once per request; an empty one if storage fails."""
        attrs = self.hi.attributes_manager.request_attributes
        try:
            stored = self.hi.attributes_manager.persistent_attributes
        except StorageError:
            log.warning("storage read failed")
            attrs[LOAD_FAILED] = True
            stored = {}
        couple = Couple.from_attributes(stored)
        if couple.first_seen is None and not attrs.get(LOAD_FAILED):
            couple.first_seen = self.now
            self.is_new_couple = True
            self.changed()
        attrs[COUPLE] = couple
        return couple

    def changed(self) -> None:
        super().changed()
        self.hi.attributes_manager.request_attributes[DIRTY] = True


def forget(handler_input: HandlerInput) -> None:
    """Delete every stored record of this couple, and nothing is saved after it."""
    handler_input.attributes_manager.delete_persistent_attributes()
    attrs = handler_input.attributes_manager.request_attributes
    attrs.pop(COUPLE, None)
    attrs[DIRTY] = False
    state = session_state(handler_input)
    state.progress = None
    state.comfort = None
