"""Request handlers; `skill.registry` lists them in the order they are asked."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.turn import Deps, Turn


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
