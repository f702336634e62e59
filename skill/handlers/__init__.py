"""Request handlers; `skill.handlers.registry` lists them in the order they are asked."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.turn import Deps, Turn

# Session key: what "another one" should give more of ("deck:spiritual", "words:pausing").
ANOTHER = "another"
# Session key: what "more" should read on from ("menu:4", "help:3").
MORE = "more"


class Handler(AbstractRequestHandler):  # type: ignore[misc]
    """A handler with injected dependencies; subclasses implement `respond`."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.respond(Turn(handler_input, self.deps))

    def respond(self, turn: Turn) -> Response:
        raise NotImplementedError


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """A slot's raw value, or None when the slot or its value is missing."""
    request = handler_input.request_envelope.request
    slots = getattr(getattr(request, "intent", None), "slots", None) or {}
    slot = slots.get(name)
    value = getattr(slot, "value", None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def slot_id(
    handler_input: HandlerInput, name: str, synonyms: dict[str, tuple[str, ...]]
) -> str | None:
    """A custom slot's canonical id: Alexa's entity resolution when it matched, else the
    raw words matched against `synonyms` (the same words as the model's slot type, so
    a front end that resolves nothing, or words the model missed, still work)."""
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
