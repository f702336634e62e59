"""Breathing together and the massage timer: timed quiet, in parts or on Alexa timers.

Alexa cannot stay silent for a whole massage, so when the couple has granted the timer
permission the massage runs on two Alexa timers (a spoken switch halfway, and the end).
Without it, or on the offline speaker, the quiet is played in parts ("say continue").
"""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.connections import SendRequestDirective
from ask_sdk_model.services import ServiceException
from ask_sdk_model.services.timer_management import (
    AnnounceOperation,
    CreationBehavior,
    DisplayExperience,
    NotificationConfig,
    TextToAnnounce,
    TimerManagementServiceClient,
    TimerRequest,
    TriggeringBehavior,
    Visibility,
)
from ask_sdk_model.ui import AskForPermissionsConsentCard

from skill.engine import rituals
from skill.engine.context import Reply
from skill.engine.spoken import duration_words, iso_duration, parse_duration
from skill.engine.ssml import Speech
from skill.engine.state import BREATHING, MASSAGE
from skill.handlers import Handler, Turn, audio, slot_value

log = logging.getLogger("close_together")

TIMERS_SCOPE = "alexa::alerts:timers:skill:readwrite"
ASK_FOR = "AskFor"
TOKEN_PREFIX = "massage:"


def asked_seconds(turn: Turn, speech: Speech, length: rituals.Length) -> int:
    """The length asked for in the duration slot, rounded to the length's step and kept
    within its bounds; anything changed (or not understood) is said in `speech` first."""
    raw = slot_value(turn.hi, "duration")
    if raw is None:
        return length.default
    asked = parse_duration(raw)
    if asked is None or asked <= 0:
        speech.say(turn.say(f"{length.key}.unclear", duration=duration_words(length.default)))
        return length.default
    seconds = int(min(max(round(asked / length.step) * length.step, length.low), length.high))
    if asked < length.low:
        speech.say(turn.say(f"{length.key}.clamped_short", duration=duration_words(seconds)))
    elif asked > length.high:
        speech.say(turn.say(f"{length.key}.clamped_long", duration=duration_words(seconds)))
    return seconds


class BreathingHandler(Handler):
    """'let's breathe together' (two minutes unless they say one to five)."""

    INTENTS = ("BreathingIntent",)

    def respond(self, turn: Turn) -> Reply | Response:
        speech = Speech()
        seconds = asked_seconds(turn, speech, rituals.BREATHING_LENGTH)
        played = audio.play_ritual(turn, BREATHING, seconds, speech)  # AudioPlayer devices
        if played is not None:
            return played
        return rituals.start(turn, BREATHING, speech, seconds=seconds)


# -- the massage timer -------------------------------------------------------------
def timers_granted(handler_input: HandlerInput) -> bool | None:
    """True if granted, False if the couple said no, None if never asked (or unknown)."""
    user = getattr(getattr(handler_input.request_envelope.context, "system", None), "user", None)
    scopes = getattr(getattr(user, "permissions", None), "scopes", None) or {}
    scope = scopes.get(TIMERS_SCOPE)
    status = getattr(getattr(scope, "status", None), "value", None)
    if status == "GRANTED":
        return True
    if status == "DENIED":
        return False
    return None


def can_use_alexa_api(handler_input: HandlerInput) -> bool:
    """Only real Alexa requests carry an API token; the offline speaker sends none."""
    system = getattr(handler_input.request_envelope.context, "system", None)
    return bool(getattr(system, "api_access_token", None) and getattr(system, "api_endpoint", None))


def _timer(turn: Turn, seconds: int, label_key: str, announce_key: str) -> TimerRequest:
    locale = getattr(turn.hi.request_envelope.request, "locale", None) or "en-US"
    return TimerRequest(
        duration=iso_duration(seconds),
        timer_label=turn.say(label_key),
        creation_behavior=CreationBehavior(
            display_experience=DisplayExperience(visibility=Visibility.VISIBLE)
        ),
        triggering_behavior=TriggeringBehavior(
            operation=AnnounceOperation(
                text_to_announce=[TextToAnnounce(locale=locale, text=turn.say(announce_key))]
            ),
            notification_config=NotificationConfig(play_audible=True),
        ),
    )


def set_alexa_timers(turn: Turn, seconds: int) -> bool:
    """Two timers, the switch at half time and the end; False if Alexa would not set both.

    When only the first was set, it is deleted again: the massage then runs in parts here,
    and a stray Alexa timer must not announce a switch in the middle of it."""
    timers = (
        _timer(turn, seconds // 2, "massage.timer_label", "massage.timer_switch"),
        _timer(turn, seconds, "massage.timer_label", "massage.timer_end"),
    )
    created: list[str] = []
    try:
        client = turn.hi.service_client_factory.get_timer_management_service()
    except ValueError as exc:  # no API client configured
        log.warning("alexa timers unavailable: %s", type(exc).__name__)
        return False
    try:
        for timer in timers:
            timer_id = getattr(client.create_timer(timer), "id", None)
            if isinstance(timer_id, str):
                created.append(timer_id)
    except (ServiceException, ValueError) as exc:
        # ServiceException: refused, unreachable or timed out.
        log.warning("alexa timers unavailable: %s", type(exc).__name__)
        _delete_timers(client, created)
        return False
    return True


def _delete_timers(client: TimerManagementServiceClient, ids: list[str]) -> None:
    """Best effort: each call is bounded by the API client's short timeout (see
    skill.builder.AlexaApiClient), and a failure is logged, never raised."""
    for timer_id in ids:
        try:
            client.delete_timer(timer_id)
        except (ServiceException, ValueError) as exc:
            log.warning("alexa timer not deleted: %s", type(exc).__name__)


def massage_on_timers(turn: Turn, seconds: int, speech: Speech) -> Reply | None:
    """The massage on Alexa timers, or None when they could not be set."""
    if not set_alexa_timers(turn, seconds):
        return None
    turn.record_practice(MASSAGE, seconds)
    speech.say(turn.say("massage.timers_set", duration=duration_words(seconds // 2)))
    return turn.tell(speech)


def massage_in_parts(turn: Turn, seconds: int, speech: Speech) -> Reply:
    return rituals.start(turn, MASSAGE, speech, seconds=seconds)


def ask_timer_permission(turn: Turn, seconds: int, speech: Speech) -> Response:
    """Alexa's own voice permission prompt; the answer comes back as Connections.Response."""
    builder = turn.hi.response_builder
    speech.say(turn.say("massage.ask_permission"))
    builder.speak(speech.ssml)
    builder.add_directive(
        SendRequestDirective(
            name=ASK_FOR,
            payload={
                "@type": "AskForPermissionsConsentRequest",
                "@version": "1",
                "permissionScope": TIMERS_SCOPE,
            },
            token=f"{TOKEN_PREFIX}{seconds}",
        )
    )
    # Alexa holds the conversation during the prompt: no reprompt, session left open.
    return builder.response


class MassageTimerHandler(Handler):
    """'start a massage timer': five to ten minutes with a switch halfway."""

    INTENTS = ("MassageTimerIntent",)

    def respond(self, turn: Turn) -> Reply | Response:
        speech = Speech()
        seconds = asked_seconds(turn, speech, rituals.MASSAGE_LENGTH)
        played = audio.play_ritual(turn, MASSAGE, seconds, speech)  # AudioPlayer devices
        if played is not None:
            return played
        if can_use_alexa_api(turn.hi):
            granted = timers_granted(turn.hi)
            if granted:
                done = massage_on_timers(turn, seconds, speech)
                if done is not None:
                    return done
                speech.say(turn.say("massage.timers_failed"))
            elif granted is None:
                return ask_timer_permission(turn, seconds, speech)
        return massage_in_parts(turn, seconds, speech)


class PermissionResponseHandler(Handler):
    """Alexa's answer to the timer permission prompt: timers if yes, parts otherwise."""

    REQUESTS = ("Connections.Response",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return super().can_handle(handler_input) and getattr(request, "name", None) == ASK_FOR

    def respond(self, turn: Turn) -> Reply:
        request = turn.hi.request_envelope.request
        payload = getattr(request, "payload", None)
        payload = payload if isinstance(payload, dict) else {}
        seconds = _seconds_from_token(getattr(request, "token", None))
        code = str(getattr(getattr(request, "status", None), "code", "200"))
        speech = Speech()
        if payload.get("status") == "ACCEPTED":
            done = massage_on_timers(turn, seconds, speech)
            if done is not None:
                return done
            speech.say(turn.say("massage.timers_failed"))
        elif code != "200":
            # This device could not ask by voice: leave a card in the Alexa app instead.
            turn.hi.response_builder.set_card(AskForPermissionsConsentCard([TIMERS_SCOPE]))
            speech.say(turn.say("massage.permission_card"))
        else:
            speech.say(turn.say("massage.in_parts"))
        return massage_in_parts(turn, seconds, speech)


def _seconds_from_token(token: object) -> int:
    """The massage length we stored in the permission request's token."""
    if isinstance(token, str) and token.startswith(TOKEN_PREFIX):
        digits = token[len(TOKEN_PREFIX) :]
        if digits.isdigit():
            seconds = int(digits)
            return min(max(seconds, rituals.MIN_MASSAGE_SECONDS), rituals.MAX_MASSAGE_SECONDS)
    return rituals.MASSAGE_SECONDS
