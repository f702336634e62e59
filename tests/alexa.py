"""Real-shaped Alexa request envelopes and a conversation driver for the tests."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from skill.engine import ssml

FIXTURES = Path(__file__).with_name("fixtures") / "requests"
SKILL_ID = "amzn1.ask.skill.close-together-test"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def iso(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    kind: str = "LaunchRequest",
    intent: str | None = None,
    slots: dict[str, str | None] | None = None,
    *,
    user: str = "amzn1.ask.account.TESTCOUPLE",
    session_id: str | None = None,
    new: bool = True,
    attributes: dict[str, Any] | None = None,
    now: float | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """An envelope shaped like Alexa's, starting from the launch fixture."""
    env = copy.deepcopy(fixture("launch"))
    env["session"].update(
        new=new,
        sessionId=session_id or f"amzn1.echo-api.session.{uuid.uuid4()}",
        attributes=attributes or {},
    )
    env["session"]["user"]["userId"] = user
    env["context"]["System"]["user"]["userId"] = user
    req: dict[str, Any] = {
        "type": kind,
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": iso(now) if now is not None else "2026-11-22T20:00:00Z",
        "locale": locale,
    }
    if kind == "IntentRequest":
        req["dialogState"] = "COMPLETED"
        req["intent"] = {
            "name": intent,
            "confirmationStatus": "NONE",
            "slots": {
                name: {
                    "name": name,
                    "confirmationStatus": "NONE",
                    **({"value": value} if value is not None else {}),
                }
                for name, value in (slots or {}).items()
            },
        }
    if kind == "SessionEndedRequest":
        req["reason"] = "USER_INITIATED"
    env["request"] = req
    return env


def check_response(body: dict[str, Any], request_type: str) -> None:
    """What every response must satisfy, whatever the request was."""
    assert body["version"] == "1.0"
    response = body["response"]
    if request_type not in ("LaunchRequest", "IntentRequest", "Connections.Response"):
        assert "outputSpeech" not in response, f"no speech allowed for {request_type}"
        return
    if "outputSpeech" not in response:
        return
    speech = response["outputSpeech"]["ssml"]
    assert ssml.problems(speech) == [], speech
    if response.get("shouldEndSession") is False:
        reprompt = response["reprompt"]["outputSpeech"]["ssml"]
        assert ssml.problems(reprompt) == []
        assert ssml.measure(reprompt).text, "open sessions need a spoken reprompt"


def replace_request(env: dict[str, Any], request: dict[str, Any]) -> None:
    """Put another kind of request (a Connections.Response, say) into `env`, same time."""
    env["request"] = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": env["request"]["timestamp"],
        "locale": env["request"].get("locale", "en-US"),
        **request,
    }


def post(client: Any, env: dict[str, Any]) -> dict[str, Any]:
    """Send one envelope to the Flask app; the answer, checked as a valid Alexa response."""
    response = client.post("/", json=env)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    check_response(body, env["request"]["type"])
    return body  # type: ignore[no-any-return]


class Reply:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.response = body["response"]
        speech = self.response.get("outputSpeech", {}).get("ssml", "<speak></speak>")
        self.ssml = speech
        self.measured = ssml.measure(speech)
        self.text = self.measured.text

    @property
    def ended(self) -> bool:
        return bool(self.response.get("shouldEndSession"))

    @property
    def reprompt(self) -> str:
        return str(self.response.get("reprompt", {}).get("outputSpeech", {}).get("ssml", ""))


class Conversation:
    """Talks to the Flask app like one Alexa device: carries the session between turns."""

    def __init__(
        self,
        client: Any,
        clock: Any,
        user: str = "amzn1.ask.account.TESTCOUPLE",
        locale: str = "en-US",
    ):
        self.client = client
        self.clock = clock
        self.user = user
        self.locale = locale
        self.session_id: str | None = None
        self.attributes: dict[str, Any] = {}

    def envelope_for(
        self, kind: str, intent: str | None = None, slots: dict[str, str | None] | None = None
    ) -> dict[str, Any]:
        """The next request from this device: a new session if none is open."""
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        return envelope(
            kind,
            intent,
            slots,
            user=self.user,
            session_id=self.session_id,
            new=new,
            attributes=self.attributes,
            now=self.clock(),
            locale=self.locale,
        )

    def send(self, kind: str, intent: str | None = None, **slots: str | None) -> Reply:
        return self.send_envelope(self.envelope_for(kind, intent, slots))

    def send_envelope(self, env: dict[str, Any]) -> Reply:
        """Send an envelope made with `envelope_for` (and perhaps changed): the session
        travels on as with `send`."""
        kind = env["request"]["type"]
        body = post(self.client, env)
        self.attributes = body.get("sessionAttributes") or {}
        reply = Reply(body)
        if reply.ended or kind == "SessionEndedRequest":
            self.session_id = None
        return reply

    def launch(self) -> Reply:
        return self.send("LaunchRequest")

    def say(self, intent: str, **slots: str | None) -> Reply:
        return self.send("IntentRequest", intent, **slots)

    def end(self) -> Reply:
        return self.send("SessionEndedRequest")

    def new_session(self) -> None:
        self.session_id = None
        self.attributes = {}
