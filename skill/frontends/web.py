"""The Flask front end: `POST /` takes Alexa requests, `GET /healthz` says it is alive."""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from skill.builder import build_skill
from skill.config import Config
from skill.errors import StorageError
from skill.frontends import pages
from skill.frontends.serialize import FastSerializer, has_user_id

log = logging.getLogger("close_together")

# A valid Alexa response with nothing to say: for events and request types we don't know.
EMPTY_RESPONSE = {"version": "1.0", "response": {}}
# Alexa always sends these inside a session; without one they are malformed.
DIALOGUE_REQUESTS = (
    "LaunchRequest",
    "IntentRequest",
    "SessionEndedRequest",
    "Connections.Response",
)
MAX_JSON_DEPTH = 64  # real envelopes nest about 8 deep


class Verifier(Protocol):
    def verify(self, headers: Any, body: bytes) -> dict[str, Any]: ...


class BadRequest(Exception):
    """A request we refuse with a 4xx and a short reason."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def json_depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (iteratively: no recursion limit to hit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def make_verifier(config: Config) -> Verifier | None:
    """The request verifier, or None when verification is explicitly off."""
    if not config.verify:
        log.warning("request verification is OFF: for local testing only")
        return None
    from skill.frontends.verification import RequestVerifier

    if not config.skill_ids:
        raise ValueError(
            "CLOSE_TOGETHER_SKILL_ID is not set: a verifying service must know its skill id "
            "(set it, or turn verification off for local testing with CLOSE_TOGETHER_VERIFY=0)"
        )
    return RequestVerifier(config.skill_ids)


def create_app(
    config: Config | None = None,
    *,
    skill: CustomSkill | None = None,
    verifier: Verifier | None = None,
) -> Flask:
    """Build the web service. Tests pass their own config, skill and verifier."""
    config = config or Config.from_env()
    skill = skill or build_skill(config)
    if verifier is None:
        verifier = make_verifier(config)
    serializer = FastSerializer()

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["close_together"] = {"skill": skill, "verifier": verifier, "config": config}
    # Privacy policy, terms of use (and the ritual audio tracks): see skill/frontends/pages.py.
    app.register_blueprint(pages.bp)

    def verified(body: bytes) -> Any:
        """Verification is the one gate in front of the skill: it sees the raw bytes."""
        from skill.frontends.verification import VerificationError

        assert verifier is not None
        try:
            return verifier.verify(request.headers, body)
        except VerificationError as exc:
            log.warning("rejected request: %s", exc.reason)
            raise BadRequest(exc.reason) from None
        except RecursionError:
            raise BadRequest("body is nested too deeply") from None

    def parse(body: bytes) -> Any:
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadRequest("body is not valid JSON") from None
        except RecursionError:
            raise BadRequest("body is nested too deeply") from None

    def read_envelope() -> dict[str, Any]:
        """The parsed envelope, checked and verified."""
        if request.mimetype != "application/json":
            raise BadRequest("content type must be application/json", 415)
        length = request.content_length
        if length is not None and length > config.max_body_bytes:
            raise BadRequest("request body is too large", 413)
        body = request.get_data(cache=False)
        if len(body) > config.max_body_bytes:
            raise BadRequest("request body is too large", 413)
        envelope = verified(body) if verifier is not None else parse(body)
        if not isinstance(envelope, dict):
            raise BadRequest("body must be a JSON object")
        # Session attributes are the one free-form part, and they are echoed back.
        session = envelope.get("session")
        if isinstance(session, dict) and json_depth(session.get("attributes")) > MAX_JSON_DEPTH:
            raise BadRequest("session attributes are nested too deeply")
        try:
            body.decode("utf-8")  # json.loads would take UTF-16 and UTF-32 too
        except UnicodeDecodeError:
            raise BadRequest("body must be UTF-8 JSON") from None
        return envelope

    @app.post("/")
    def alexa() -> Response | tuple[Response, int]:
        envelope = read_envelope()
        req = envelope.get("request")
        if not isinstance(req, dict) or not isinstance(req.get("type"), str):
            raise BadRequest("request.type is missing")
        try:
            request_envelope = serializer.from_json(envelope, RequestEnvelope)
        except SerializationException as exc:
            if "discriminator" in str(exc):
                log.info("request type=unknown intent=- session=- ms=0")
                return jsonify(EMPTY_RESPONSE)
            raise BadRequest("request envelope has fields of the wrong type") from None
        except (TypeError, ValueError, AttributeError, KeyError):
            raise BadRequest("request envelope has fields of the wrong type") from None
        except RecursionError:
            raise BadRequest("body is nested too deeply") from None
        if request_envelope.request is None:
            raise BadRequest("request is missing")
        if req["type"] in DIALOGUE_REQUESTS and request_envelope.session is None:
            raise BadRequest("session is missing")
        if req["type"].startswith("AlexaSkillEvent.") and not has_user_id(envelope):
            # Nothing to delete or keep without one: asking Alexa to retry would not help.
            raise BadRequest("user id is missing")
        if req["type"] == "IntentRequest" and not isinstance(
            getattr(request_envelope.request.intent, "name", None), str
        ):
            raise BadRequest("intent name is missing")
        try:
            response_envelope = skill.invoke(request_envelope=request_envelope, context=None)
        except StorageError:
            # Only an event that must not be lost (skill disabled: delete the data) gets
            # here; a 503 makes Alexa deliver it again.
            log.warning("request type=%s failed: storage unavailable", req["type"])
            return jsonify({"error": "storage unavailable, try again"}), 503
        return jsonify(serializer.serialize(response_envelope))

    @app.get("/healthz")
    def healthz() -> Response:
        body: dict[str, Any] = {"status": "ok", "verification": verifier is not None}
        if verifier is None:
            body["warning"] = "request verification is off (local testing only)"
        return jsonify(body)

    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest) -> tuple[Response, int]:
        return jsonify({"error": exc.reason}), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        reason = {413: "request body is too large"}.get(exc.code or 0, exc.name.lower())
        return jsonify({"error": reason}), exc.code or 400

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        log.error("unexpected error: %s", type(exc).__name__)
        return jsonify({"error": "internal error"}), 500

    return app
