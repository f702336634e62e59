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
from skill.content import Content
from skill.errors import StorageError
from skill.ssml import Speech
from skill.state import Couple

log = logging.getLogger("close_together")

COUPLE = "couple"
DIRTY = "couple_changed"
LOAD_FAILED = "couple_load_failed"


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
            attrs[COUPLE] = Couple.from_attributes(stored)
        couple = attrs[COUPLE]
        assert isinstance(couple, Couple)
        return couple

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
        self.couple.practice_log.append(entry)
        self.changed()

    # -- session -----------------------------------------------------------------
    @property
    def session(self) -> dict[str, Any]:
        attrs = self.hi.attributes_manager.session_attributes
        return {} if attrs is None else attrs  # None only outside a session (events)

    @property
    def awaiting(self) -> str | None:
        value = self.session.get("awaiting")
        return value if isinstance(value, str) else None

    def expect(self, what: str | None) -> None:
        if what is None:
            self.session.pop("awaiting", None)
        else:
            self.session["awaiting"] = what

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
