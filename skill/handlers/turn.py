"""One request's working view: dependencies, the couple's record, session, and replies."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import Reprompt, SsmlOutputSpeech

from skill.config import Config
from skill.engine.content import Content
from skill.engine.ssml import Speech
from skill.engine.state import Couple, Progress
from skill.errors import StorageError

log = logging.getLogger("close_together")

COUPLE = "couple"
DIRTY = "couple_changed"
LOAD_FAILED = "couple_load_failed"
NEW_COUPLE = "couple_is_new"
# The one question just asked (e.g. "forget everything?"): kept in the session for exactly
# one turn. An interceptor moves it to PENDING at the start of every request, so a "yes"
# several turns later never answers an old question.
AWAITING = "awaiting"
PENDING = "pending_answer"
# The unfinished ritual mirrored in the session, so a ritual keeps going within a session
# even while the store cannot be written.
SESSION_PROGRESS = "progress"


def session_of(handler_input: HandlerInput) -> dict[str, Any] | None:
    """Session attributes, or None for requests outside a session (skill events)."""
    if handler_input.request_envelope.session is None:
        return None
    attrs = handler_input.attributes_manager.session_attributes
    return attrs if isinstance(attrs, dict) else None


def pending(handler_input: HandlerInput) -> str | None:
    """The question this turn answers, if the last response asked one."""
    value = handler_input.attributes_manager.request_attributes.get(PENDING)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Deps:
    """What handlers need from the world, injected so tests control it."""

    config: Config
    content: Content
    clock: Callable[[], float]
    rng: random.Random


class Turn:
    """Helpers a handler uses for one request."""

    def __init__(self, handler_input: HandlerInput, deps: Deps) -> None:
        self.hi = handler_input
        self.deps = deps
        self.content = deps.content
        self.now = deps.clock()

    # -- the couple's record ---------------------------------------------------
    @property
    def couple(self) -> Couple:
        """The couple's record, loaded once per request; an empty one if storage fails."""
        attrs = self.hi.attributes_manager.request_attributes
        if COUPLE not in attrs:
            try:
                stored = self.hi.attributes_manager.persistent_attributes
            except StorageError:
                log.warning("storage read failed")
                attrs[LOAD_FAILED] = True
                stored = {}
            loaded = Couple.from_attributes(stored)
            self._adopt_session_progress(loaded)
            attrs[NEW_COUPLE] = loaded.first_seen is None and not attrs.get(LOAD_FAILED)
            if attrs[NEW_COUPLE]:
                loaded.first_seen = self.now
                self.changed()
            attrs[COUPLE] = loaded
        couple = attrs[COUPLE]
        assert isinstance(couple, Couple)
        return couple

    @property
    def is_new_couple(self) -> bool:
        """True on the very first request this couple ever made (any request, not just launch)."""
        self.couple  # noqa: B018 - loading decides it
        return bool(self.hi.attributes_manager.request_attributes.get(NEW_COUPLE))

    def _adopt_session_progress(self, couple: Couple) -> None:
        """Prefer this session's copy of the ritual when it is newer than the stored one."""
        mirrored = Progress.from_dict(self.session.get(SESSION_PROGRESS))
        if mirrored is None:
            return
        if couple.progress is None or mirrored.updated_at > couple.progress.updated_at:
            couple.progress = mirrored

    def changed(self) -> None:
        """Mark the couple's record to be saved once the response is built."""
        self.hi.attributes_manager.request_attributes[DIRTY] = True

    def record_practice(self, kind: str, seconds: float | None = None) -> None:
        entry: dict[str, Any] = {
            "id": f"{int(self.now * 1000):x}-{self.deps.rng.getrandbits(32):08x}",
            "kind": kind,
            "at": self.now,
        }
        if seconds is not None:
            entry["seconds"] = seconds
        self.couple.add_practice(entry)
        self.changed()

    # -- session -----------------------------------------------------------------
    @property
    def session(self) -> dict[str, Any]:
        """Session attributes; a throwaway dict outside a session (events have none)."""
        attrs = session_of(self.hi)
        return {} if attrs is None else attrs

    @property
    def awaiting(self) -> str | None:
        """The question this turn answers (asked by the previous response), if any."""
        return pending(self.hi)

    def expect(self, what: str | None) -> None:
        """Ask the next turn to answer `what`; None: this response asks nothing."""
        if what is None:
            self.session.pop(AWAITING, None)
        else:
            self.session[AWAITING] = what

    # -- speech ------------------------------------------------------------------
    def say(self, key: str, **values: object) -> str:
        return self.content.say(key, **values)

    def ask(self, speech: Speech, reprompt: str) -> Response:
        """Speak and keep listening; every open response carries a reprompt."""
        builder = self.hi.response_builder
        builder.response.output_speech = SsmlOutputSpeech(ssml=speech.ssml)
        builder.response.reprompt = Reprompt(
            output_speech=SsmlOutputSpeech(ssml=Speech().say(reprompt).ssml)
        )
        builder.set_should_end_session(False)
        return builder.response

    def tell(self, speech: Speech) -> Response:
        """Speak and close the session."""
        builder = self.hi.response_builder
        builder.response.output_speech = SsmlOutputSpeech(ssml=speech.ssml)
        builder.set_should_end_session(True)
        return builder.response
