"""Alexa's session semantics for the bedside: one conversation at a time, no ritual logic.

A conversation starts a new session (LaunchRequest for "open close together" or a bare
button press, IntentRequest for a one-shot like "start a hug timer"); session attributes
travel from each response into the next request; when the skill keeps the session open
and nobody speaks, the reprompt is spoken once, and a second silence ends the session
with a SessionEndedRequest, exactly as an Echo would. What the skill decides is its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import ResponseEnvelope
from ask_sdk_model.ui import PlainTextOutputSpeech, SsmlOutputSpeech

from local_speaker.envelopes import (
    EXCEEDED_MAX_REPROMPTS,
    USER_INITIATED,
    Device,
    EnvelopeFactory,
    SessionInfo,
    new_id,
    to_envelope,
)
from local_speaker.matcher import Matcher, SlotFill, Understanding
from local_speaker.model import FALLBACK
from skill.handlers.interceptors import logged_intent

log = logging.getLogger("close_together.speaker")


@dataclass(frozen=True)
class Reply:
    """What the front end should do after one event: speak `ssml` (if any)."""

    kind: str  # "response", "reprompt" or "ended"
    ssml: str | None
    ended: bool
    request_type: str | None = None
    intent: str | None = None
    reprompt: str | None = None


@dataclass
class _Elicit:
    """The skill asked for one slot of one intent (Dialog.ElicitSlot)."""

    intent: str
    slot: str
    slots: dict[str, SlotFill] = field(default_factory=dict)


def speech_ssml(speech: Any) -> str | None:
    """SSML of an output speech object (plain text is escaped into SSML)."""
    if isinstance(speech, SsmlOutputSpeech) and speech.ssml:
        return str(speech.ssml)
    if isinstance(speech, PlainTextOutputSpeech) and speech.text:
        return f"<speak>{escape(str(speech.text))}</speak>"
    return None


class Session:
    """Turns heard text into requests for one skill, carrying Alexa's session between turns."""

    def __init__(
        self,
        skill: CustomSkill,
        matcher: Matcher,
        *,
        device: Device | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.skill = skill
        self.matcher = matcher
        self.device = device or Device(locale=matcher.model.locale)
        self.envelopes = EnvelopeFactory(self.device, clock)
        self._session_id: str | None = None
        self._new = False
        self._attributes: dict[str, Any] = {}
        self._reprompt: str | None = None
        self._reprompted = False
        self._elicit: _Elicit | None = None

    @property
    def open(self) -> bool:
        """True while the skill is waiting for an answer (the microphone would be open)."""
        return self._session_id is not None

    @property
    def attributes(self) -> Mapping[str, Any]:
        return dict(self._attributes)

    # -- events ------------------------------------------------------------------
    def hear(self, text: str) -> Reply | None:
        """Someone said (or typed) this. None when there is nothing to send."""
        understanding = self._understand(text)
        if understanding is None:
            return None
        if understanding.invoked and self.open:
            # Naming the skill again starts a new conversation, as on an Echo.
            self.close(USER_INITIATED)
        if understanding.launch:
            if self.open:
                return None  # an empty line while the skill is listening: keep listening
            return self._send(self.envelopes.launch(self._start()), "LaunchRequest", None)
        assert understanding.intent is not None
        session = self._start() if not self.open else self._continue()
        elicit, self._elicit = self._elicit, None
        slots = understanding.slots
        dialog_state = None
        if elicit is not None and elicit.intent == understanding.intent:
            slots = {**elicit.slots, **slots}
            dialog_state = "IN_PROGRESS"
        data = self.envelopes.intent(
            session,
            understanding.intent,
            understanding.slot_types,
            slots,
            dialog_state=dialog_state,
        )
        return self._send(data, "IntentRequest", understanding.intent)

    def fallback(self) -> Reply | None:
        """Speech that was no command, while the skill listens: its fallback intent."""
        if not self.open:
            return None
        self._elicit = None
        data = self.envelopes.intent(self._continue(), FALLBACK, {}, {})
        return self._send(data, "IntentRequest", FALLBACK)

    def wake(self) -> Reply | None:
        """A button press or wake word with nothing after it: open the skill."""
        return self.hear("")

    def silence(self) -> Reply | None:
        """Nobody answered within the listening time."""
        if not self.open:
            return None
        if not self._reprompted and self._reprompt:
            self._reprompted = True
            return Reply("reprompt", self._reprompt, ended=False, reprompt=self._reprompt)
        self.close(EXCEEDED_MAX_REPROMPTS)
        return Reply("ended", None, ended=True, request_type="SessionEndedRequest")

    def close(self, reason: str = USER_INITIATED) -> None:
        """End an open session the way Alexa does: a SessionEndedRequest, nothing spoken."""
        if not self.open:
            return
        self._send(
            self.envelopes.session_ended(self._continue(), reason), "SessionEndedRequest", None
        )
        self._reset()

    # -- internals -----------------------------------------------------------------
    def _understand(self, text: str) -> Understanding | None:
        elicit = self._elicit if self.open else None
        if elicit is not None:
            filled = self._fill_elicited(elicit, text)
            if filled is not None:
                return filled
        understanding = self.matcher.understand(text)
        if understanding.launch and not understanding.invoked and self.open:
            return None
        return understanding

    def _fill_elicited(self, elicit: _Elicit, text: str) -> Understanding | None:
        intent = self.matcher.model.intent(elicit.intent)
        slot_type = intent.slots.get(elicit.slot)
        if slot_type is None:
            return None
        direct = self.matcher.understand(text)
        fill = self.matcher.fill_alone(elicit.slot, slot_type, text)
        if fill is None:
            return None
        if direct.exact and direct.intent != elicit.intent and not self.matcher.is_typed(slot_type):
            return None  # a clear command of its own ("stop") beats free text
        return Understanding(
            intent=elicit.intent,
            slots={elicit.slot: fill},
            slot_types=dict(intent.slots),
            sample=None,
        )

    def _start(self) -> SessionInfo:
        self._session_id = new_id("session")
        self._new = True
        # Until the skill's first answer says what it awaits, nothing is: a bare number or
        # a yes heard meanwhile (wake mode hears all the time) is never taken as an answer.
        self._attributes = {"expects": []}
        return SessionInfo(self._session_id, True, {})

    def _continue(self) -> SessionInfo:
        assert self._session_id is not None
        info = SessionInfo(self._session_id, self._new, self._attributes)
        return info

    def _reset(self) -> None:
        self._session_id = None
        self._new = False
        self._attributes = {}
        self._reprompt = None
        self._reprompted = False
        self._elicit = None

    def _send(self, data: dict[str, Any], request_type: str, intent: str | None) -> Reply:
        envelope = to_envelope(data)
        out: ResponseEnvelope = self.skill.invoke(request_envelope=envelope, context=None)
        self._new = False
        if request_type == "SessionEndedRequest":
            return Reply("ended", None, ended=True, request_type=request_type)
        response = out.response
        ssml = speech_ssml(getattr(response, "output_speech", None)) if response else None
        reprompt_obj = getattr(response, "reprompt", None) if response else None
        reprompt = speech_ssml(getattr(reprompt_obj, "output_speech", None))
        ended = response is None or response.should_end_session is not False
        if ended:
            self._reset()
        else:
            self._attributes = dict(out.session_attributes or {})
            self._reprompt = reprompt
            self._reprompted = False
            self._elicit = self._elicit_from(response)
        shown = logged_intent(intent) if intent else "-"
        log.debug("request %s intent=%s ended=%s", request_type, shown, ended)
        return Reply(
            "response",
            ssml,
            ended=ended,
            request_type=request_type,
            intent=intent,
            reprompt=reprompt,
        )

    def _elicit_from(self, response: Any) -> _Elicit | None:
        for directive in getattr(response, "directives", None) or []:
            if getattr(directive, "object_type", None) != "Dialog.ElicitSlot":
                continue
            intent = getattr(directive, "updated_intent", None)
            name = getattr(intent, "name", None)
            if not name or not directive.slot_to_elicit:
                continue
            slots = {
                slot_name: SlotFill(str(slot.value))
                for slot_name, slot in (getattr(intent, "slots", None) or {}).items()
                if getattr(slot, "value", None)
            }
            return _Elicit(str(name), str(directive.slot_to_elicit), slots)
        return None
