"""The benchmark's floor: a bare ask-sdk-core skill behind Flask, with one handler.

No persistence, no request verification, no interceptors, no content files: the least a
Python Alexa web service built on the same stack (ask-sdk-core, Flask, gunicorn) can do per
request. It answers every request with one short SSML sentence.

    gunicorn -w 2 -k gthread --threads 4 'bench.bare_skill:create_bare_app()'
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import RequestEnvelope, Response
from flask import Flask, jsonify, request


class AnswerEverything(AbstractRequestHandler):  # type: ignore[misc]
    """The one handler: a fixed sentence for any request."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        builder = handler_input.response_builder
        return builder.speak("Hello from the floor.").set_should_end_session(True).response


def create_bare_app() -> Flask:
    """Flask app: POST / deserialises the envelope, invokes the skill, serialises the answer."""
    builder = SkillBuilder()
    builder.add_request_handler(AnswerEverything())
    return flask_front(builder.create())


def flask_front(skill: Any) -> Flask:
    """The plain Flask front end the floor and the peer share: deserialise, invoke, serialise."""
    serializer = DefaultSerializer()
    app = Flask(__name__)

    @app.post("/")
    def alexa() -> Any:
        envelope = serializer.deserialize(request.get_data(as_text=True), RequestEnvelope)
        response = skill.invoke(request_envelope=envelope, context=None)
        return jsonify(serializer.serialize(response))

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"status": "ok"})

    return app


if __name__ == "__main__":  # a quick manual check: python bench/bare_skill.py
    client = create_bare_app().test_client()
    body = {
        "version": "1.0",
        "request": {
            "type": "LaunchRequest",
            "requestId": "r",
            "timestamp": "2026-11-22T20:00:00Z",
            "locale": "en-US",
        },
    }  # noqa: E501
    print(json.dumps(client.post("/", json=body).get_json()))
