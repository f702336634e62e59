"""The AWS Lambda front end: `handler(event, context)` invokes the same skill as Flask does.

Set the function's handler to ``skill.frontends.lambda_function.handler``. The skill is
built once per
cold start, on the first invocation, from the environment (``Config.from_env()``: normally
``CLOSE_TOGETHER_STORE=dynamodb`` and ``CLOSE_TOGETHER_DYNAMODB_TABLE``), and reused by every
later invocation of that instance. Importing this module builds nothing and reads nothing.

Alexa invokes the function directly, so there is no HTTPS signature to verify; the Lambda
trigger's skill-id check does that job, and ``CLOSE_TOGETHER_SKILL_ID`` (when set) is checked
here again, so a function wired to the wrong trigger refuses rather than answers.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.builder import build_skill
from skill.config import Config
from skill.frontends.logs import quiet_record_details
from skill.frontends.serialize import FastSerializer, has_user_id

log = logging.getLogger("close_together")

# A valid Alexa response with nothing to say, for request types this SDK does not know.
EMPTY_RESPONSE: dict[str, Any] = {"version": "1.0", "response": {}}


class WrongSkillError(Exception):
    """The request names an application id this function is not configured for."""


class BadEventError(ValueError):
    """The event cannot be acted on as it is (Lambda's counterpart of the web's 400)."""


class _Service:
    """The skill and its configuration, made once per Lambda instance."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.skill: CustomSkill = build_skill(config)
        self.serializer = FastSerializer()


_service: _Service | None = None
_lock = threading.Lock()


def _get_service() -> _Service:
    global _service
    if _service is None:
        with _lock:
            if _service is None:
                config = Config.from_env()
                logging.getLogger("close_together").setLevel(config.log_level)
                quiet_record_details()
                _service = _Service(config)
    return _service


def reset() -> None:
    """Forget the built skill, as a new cold start would (for tests and tools)."""
    global _service
    with _lock:
        _service = None


def _application_id(event: dict[str, Any]) -> str | None:
    for path in (("context", "System", "application"), ("session", "application")):
        node: Any = event
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("applicationId"), str):
            return str(node["applicationId"])
    return None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: an Alexa request envelope in, a response envelope out."""
    service = _get_service()
    if service.config.skill_ids and _application_id(event) not in service.config.skill_ids:
        log.warning("rejected request: application id is not this skill's")
        raise WrongSkillError("request is for a different skill")
    kind = (event.get("request") or {}).get("type") if isinstance(event, dict) else None
    if isinstance(kind, str) and kind.startswith("AlexaSkillEvent.") and not has_user_id(event):
        # Nothing to delete or keep without one: asking Alexa to retry would not help.
        log.warning("rejected request: user id is missing")
        raise BadEventError("user id is missing")
    try:
        request_envelope = service.serializer.from_json(event, RequestEnvelope)
    except SerializationException as exc:
        if "discriminator" not in str(exc):
            raise
        log.info("request type=unknown intent=- session=- ms=0")
        return dict(EMPTY_RESPONSE)
    response_envelope = service.skill.invoke(request_envelope=request_envelope, context=context)
    return service.serializer.serialize(response_envelope)  # type: ignore[return-value]
