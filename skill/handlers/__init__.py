"""Request handlers: each declares what it answers; `registry` lists them in order.

A handler translates: it reads the request (intent, slots), calls the engine with a
`RequestTurn`, and the engine's `Reply` becomes the Alexa response here.
"""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.interfaces.connections import SendRequestDirective
from ask_sdk_model.ui import AskForPermissionsConsentCard, Reprompt, SsmlOutputSpeech

from skill.engine.context import Deps, Reply
from skill.engine.ssml import Speech
from skill.engine.synonyms import slot_synonyms
from skill.errors import StorageError
from skill.handlers import screens
from skill.handlers.alexa_api import SCOPES
from skill.handlers.turn import RequestTurn, forget

log = logging.getLogger("close_together")

Turn = RequestTurn
EXPECTS = "expects"


class Handler(AbstractRequestHandler):  # type: ignore[misc]
    """A handler with injected dependencies. It answers the intents in INTENTS and the
    request types in REQUESTS; subclasses implement `respond`."""

    INTENTS: tuple[str, ...] = ()
    REQUESTS: tuple[str, ...] = ()
    # An answer that didn't get through (fallback, help, repeat): unclear answers in a
    # row are counted across these, and reset by anything else.
    UNCLEAR = False

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if isinstance(request, IntentRequest):
            return request.intent is not None and request.intent.name in self.INTENTS
        return getattr(request, "object_type", None) in self.REQUESTS

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = RequestTurn(handler_input, self.deps)
        turn.after_question = turn.session.talking
        if not self.UNCLEAR:
            turn.session.talking = False  # anything understood ends a question's talk time
        result = self.respond(turn)
        if not self.UNCLEAR:
            turn.session.unclear = 0
        if isinstance(result, Response):
            return result
        if result.erase:
            return erase(turn, result)
        return to_response(turn, result)

    def respond(self, turn: RequestTurn) -> Reply | Response:
        raise NotImplementedError


def to_response(turn: RequestTurn, reply: Reply) -> Response:
    """The engine's reply as an Alexa response."""
    builder = turn.hi.response_builder
    builder.response.output_speech = SsmlOutputSpeech(ssml=reply.speech.ssml)
    if reply.reprompt is not None:
        builder.response.reprompt = Reprompt(
            output_speech=SsmlOutputSpeech(ssml=Speech().say(reply.reprompt).ssml)
        )
    if reply.shows:
        screens.talk(turn, reply.shows)  # only where the device has a screen
    if reply.permission_card is not None:
        builder.set_card(AskForPermissionsConsentCard([SCOPES[reply.permission_card]]))
    turn.hi.attributes_manager.request_attributes[EXPECTS] = list(reply.expects)
    if reply.ask_permission is not None:
        # Alexa's own voice prompt holds the conversation: no reprompt, session left open;
        # the answer comes back as a Connections.Response carrying the token.
        builder.add_directive(
            SendRequestDirective(
                name="AskFor",
                payload={
                    "@type": "AskForPermissionsConsentRequest",
                    "@version": "1",
                    "permissionScope": SCOPES[reply.ask_permission],
                },
                token=reply.permission_token,
            )
        )
        return builder.response
    builder.set_should_end_session(reply.reprompt is None)
    return builder.response


def erase(turn: RequestTurn, reply: Reply) -> Response:
    """Carry out a confirmed "forget everything"; say it is done only once it is true."""
    try:
        forget(turn.hi)
    except StorageError:
        log.warning("forget failed: storage unavailable")
        reply = turn.tell(Speech().say(turn.say("forget.failed")))
    return to_response(turn, reply)


def intent_name(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    intent = getattr(request, "intent", None)
    name = getattr(intent, "name", None)
    return name if isinstance(name, str) else None


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """A slot's raw value, or None when the slot or its value is missing."""
    request = handler_input.request_envelope.request
    slots = getattr(getattr(request, "intent", None), "slots", None) or {}
    slot = slots.get(name)
    value = getattr(slot, "value", None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def slot_id(handler_input: HandlerInput, name: str, slot_type: str) -> str | None:
    """A custom slot's canonical id: Alexa's entity resolution when it matched, else the
    raw words matched against the slot type's values and synonyms in the interaction
    model (so a front end that resolves nothing, or words the model missed, still work)."""
    locale = getattr(handler_input.request_envelope.request, "locale", None) or "en-US"
    synonyms = slot_synonyms(locale, slot_type)
    request = handler_input.request_envelope.request
    slots = getattr(getattr(request, "intent", None), "slots", None) or {}
    slot = slots.get(name)
    resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    for authority in resolutions or []:
        code = getattr(getattr(getattr(authority, "status", None), "code", None), "value", None)
        if code != "ER_SUCCESS_MATCH":
            continue
        for match in authority.values or []:
            value = getattr(match, "value", None)
            for candidate in (getattr(value, "id", None), getattr(value, "name", None)):
                if isinstance(candidate, str) and candidate.lower() in synonyms:
                    return candidate.lower()
    raw = slot_value(handler_input, name)
    if raw is None:
        return None
    said = " ".join(raw.lower().replace("\u2019", "'").split())
    for key, words in synonyms.items():
        if said == key or said in words:
            return key
    # "a spiritual one", "something about taking a break": the longest phrase inside wins.
    phrases = sorted(
        ((w, key) for key, words in synonyms.items() for w in (key, *words)),
        key=lambda pair: -len(pair[0]),
    )
    padded = f" {said} "
    for phrase, key in phrases:
        if f" {phrase} " in padded:
            return key
    return None
