"""The weekly reminder: Alexa's answer to the reminders permission prompt, and
"cancel our reminder". The engine (skill.engine.reminders) decides what is said and kept."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput

from skill.engine import reminders, rituals
from skill.engine.context import Reply
from skill.handlers import Handler, Turn


class ReminderPermissionHandler(Handler):
    """Alexa's answer to the reminders permission prompt (a request, not an intent)."""

    REQUESTS = ("Connections.Response",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        token = getattr(request, "token", None)
        return (
            super().can_handle(handler_input)
            and getattr(request, "name", None) == "AskFor"
            and isinstance(token, str)
            and token.startswith(reminders.TOKEN_PREFIX)
        )

    def respond(self, turn: Turn) -> Reply:
        request = turn.hi.request_envelope.request
        payload = getattr(request, "payload", None)
        payload = payload if isinstance(payload, dict) else {}
        code = str(getattr(getattr(request, "status", None), "code", "200"))
        return reminders.on_permission(
            turn,
            getattr(request, "token", None),
            accepted=payload.get("status") == "ACCEPTED",
            by_voice=code == "200",
        )


class CancelReminderHandler(Handler):
    """'cancel our reminder'."""

    INTENTS = ("CancelReminderIntent",)

    def respond(self, turn: Turn) -> Reply:
        speech = reminders.cancel(turn)
        progress = turn.ritual
        if progress is not None:
            return rituals.carry_on_later(turn, progress, speech)
        if turn.new_session:
            return turn.tell(speech)
        return turn.ask(speech, turn.say("launch.reprompt"))
