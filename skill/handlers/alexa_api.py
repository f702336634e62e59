"""Alexa's reminders, for the engine (skill.engine.services.Reminders): the voice
permission's status, the device's time zone, and the Reminders API.

Every call goes through ask-sdk's API client, which has a short timeout (see
skill.builder.AlexaApiClient); a refusal, a fault or no answer is logged by its kind only
(never what the reminder says) and reported to the engine as "not done".
"""

from __future__ import annotations

import datetime as dt
import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.services import ServiceException
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    Recurrence,
    ReminderRequest,
    SpokenInfo,
    SpokenText,
    Trigger,
    TriggerType,
)

from skill.engine.services import Reminders, WeeklyTime

log = logging.getLogger("close_together")

REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
# The engine's names for the permissions it asks for, as Alexa's scopes.
SCOPES = {"reminders": REMINDERS_SCOPE}


def _system(handler_input: HandlerInput) -> object:
    return getattr(handler_input.request_envelope.context, "system", None)


def api_available(handler_input: HandlerInput) -> bool:
    """Only real Alexa requests carry an API token; the offline speaker sends none."""
    system = _system(handler_input)
    return bool(getattr(system, "api_access_token", None) and getattr(system, "api_endpoint", None))


def permission_status(handler_input: HandlerInput, scope: str) -> bool | None:
    """True if granted, False if refused, None if never asked (or unknown)."""
    user = getattr(_system(handler_input), "user", None)
    scopes = getattr(getattr(user, "permissions", None), "scopes", None) or {}
    status = getattr(getattr(scopes.get(scope), "status", None), "value", None)
    return True if status == "GRANTED" else False if status == "DENIED" else None


class AlexaReminders(Reminders):
    """Reminders through the request's Alexa API endpoint and token."""

    def __init__(self, handler_input: HandlerInput) -> None:
        self.hi = handler_input

    @property
    def available(self) -> bool:
        return api_available(self.hi)

    def permission(self) -> bool | None:
        return permission_status(self.hi, REMINDERS_SCOPE)

    def time_zone(self) -> str | None:
        device = getattr(_system(self.hi), "device", None)
        device_id = getattr(device, "device_id", None)
        if not device_id:
            return None
        try:
            zone = self.hi.service_client_factory.get_ups_service().get_system_time_zone(device_id)
        except (ServiceException, ValueError) as exc:
            log.warning("device time zone unavailable: %s", type(exc).__name__)
            return None
        return zone if isinstance(zone, str) and zone else None

    def create(self, when: WeeklyTime, text: str) -> str | None:
        locale = getattr(self.hi.request_envelope.request, "locale", None) or "en-US"
        request = ReminderRequest(
            request_time=dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None),
            trigger=Trigger(
                object_type=TriggerType.SCHEDULED_ABSOLUTE,
                time_zone_id=when.time_zone,
                recurrence=Recurrence(start_date_time=when.first, recurrence_rules=[when.rule]),
            ),
            alert_info=AlertInfo(
                spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=text)])
            ),
            push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
        )
        try:
            client = self.hi.service_client_factory.get_reminder_management_service()
            created = client.create_reminder(request)
        except (ServiceException, ValueError) as exc:
            log.warning("alexa reminder not set: %s", type(exc).__name__)
            return None
        token = getattr(created, "alert_token", None)
        return token if isinstance(token, str) and token else None

    def delete(self, reminder_id: str) -> bool:
        try:
            client = self.hi.service_client_factory.get_reminder_management_service()
            client.delete_reminder(reminder_id)
        except ServiceException as exc:
            if exc.status_code == 404:  # already gone (removed in the Alexa app)
                return True
            log.warning("alexa reminder not deleted: %s", exc.status_code)
            return False
        except ValueError as exc:
            log.warning("alexa reminder not deleted: %s", type(exc).__name__)
            return False
        return True
