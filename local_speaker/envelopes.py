"""Alexa request envelopes, shaped like the real ones, for what was heard at the bedside.

The local speaker calls the same `skill.invoke(request_envelope=...)` as the web
service, so it must send the same shapes: LaunchRequest, IntentRequest with slots (and
entity resolutions for custom slot types), SessionEndedRequest.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from local_speaker.matcher import RESOLVED, SlotFill

LOCAL_USER = "amzn1.ask.account.LOCAL-BEDSIDE"
LOCAL_DEVICE = "amzn1.ask.device.LOCAL-BEDSIDE"
LOCAL_APPLICATION = "amzn1.ask.skill.close-together-local"
USER_INITIATED = "USER_INITIATED"
EXCEEDED_MAX_REPROMPTS = "EXCEEDED_MAX_REPROMPTS"

_serializer = DefaultSerializer()


def timestamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(kind: str) -> str:
    return f"amzn1.echo-api.{kind}.{uuid.uuid4()}"


@dataclass(frozen=True)
class Device:
    """Who and where: the couple's user id, this device, and the skill it talks to."""

    user_id: str = LOCAL_USER
    device_id: str = LOCAL_DEVICE
    application_id: str = LOCAL_APPLICATION
    locale: str = "en-US"


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    new: bool
    attributes: Mapping[str, Any]


def slot_json(
    name: str, slot_type: str, fill: SlotFill | None, application_id: str
) -> dict[str, Any]:
    """One slot as Alexa sends it; declared slots that were not heard carry no value."""
    slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if fill is None:
        return slot
    slot["value"] = fill.value
    slot["source"] = "USER"
    if fill.status is not None:
        authority: dict[str, Any] = {
            "authority": f"amzn1.er-authority.echo-sdk.{application_id}.{slot_type}",
            "status": {"code": fill.status},
        }
        if fill.status == RESOLVED and fill.resolved is not None:
            value: dict[str, Any] = {"name": fill.resolved.name}
            value["id"] = fill.resolved.id or fill.resolved.name
            authority["values"] = [{"value": value}]
        slot["resolutions"] = {"resolutionsPerAuthority": [authority]}
    return slot


class EnvelopeFactory:
    """Builds request dicts for one device and turns them into RequestEnvelope objects."""

    def __init__(self, device: Device, clock: Callable[[], float]) -> None:
        self.device = device
        self.clock = clock

    def _base(self, session: SessionInfo, request: dict[str, Any]) -> dict[str, Any]:
        d = self.device
        return {
            "version": "1.0",
            "session": {
                "new": session.new,
                "sessionId": session.session_id,
                "application": {"applicationId": d.application_id},
                "attributes": dict(session.attributes),
                "user": {"userId": d.user_id},
            },
            "context": {
                "System": {
                    "application": {"applicationId": d.application_id},
                    "user": {"userId": d.user_id},
                    "device": {"deviceId": d.device_id, "supportedInterfaces": {}},
                    "apiEndpoint": "https://api.amazonalexa.com",
                }
            },
            "request": {
                "requestId": new_id("request"),
                "timestamp": timestamp(self.clock()),
                "locale": d.locale,
                **request,
            },
        }

    def launch(self, session: SessionInfo) -> dict[str, Any]:
        return self._base(session, {"type": "LaunchRequest", "shouldLinkResultBeReturned": False})

    def intent(
        self,
        session: SessionInfo,
        name: str,
        slot_types: Mapping[str, str],
        slots: Mapping[str, SlotFill],
        *,
        dialog_state: str | None = None,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "type": "IntentRequest",
            "intent": {
                "name": name,
                "confirmationStatus": "NONE",
                "slots": {
                    slot: slot_json(slot, slot_type, slots.get(slot), self.device.application_id)
                    for slot, slot_type in slot_types.items()
                },
            },
        }
        if dialog_state:
            request["dialogState"] = dialog_state
        return self._base(session, request)

    def session_ended(self, session: SessionInfo, reason: str) -> dict[str, Any]:
        return self._base(session, {"type": "SessionEndedRequest", "reason": reason})


def to_envelope(data: Mapping[str, Any]) -> RequestEnvelope:
    """Deserialize exactly as ask-sdk does for a request body from Alexa."""
    envelope: RequestEnvelope = _serializer.deserialize(json.dumps(data), RequestEnvelope)
    return envelope
