"""Shared helpers for the feature tests: envelopes with the parts of Alexa's requests the
basic helpers leave out (entity resolution, timer permission, API endpoint, the offline
speaker's token-less context, Connections.Response), sent through the Flask app.

No tests live here; the feature test modules import these helpers.
"""

from __future__ import annotations

from typing import Any

from skill.engine.content import Content
from skill.engine.ssml import CHIME
from tests.alexa import Conversation, Reply, replace_request

TIMERS_SCOPE = "alexa::alerts:timers:skill:readwrite"
CONTENT = Content.load()


def send(
    talk: Conversation,
    intent: str | None = None,
    slots: dict[str, str | None] | None = None,
    *,
    resolved: dict[str, str] | None = None,
    api_endpoint: str | None = None,
    timers: str | None = None,
    offline: bool = False,
    request: dict[str, Any] | None = None,
) -> Reply:
    """One request from the couple's device, carrying the session like `Conversation`.

    resolved: slot name -> the canonical id Alexa's entity resolution matched.
    timers: 'GRANTED' or 'DENIED', as Alexa reports the timer permission.
    offline: no API token or endpoint, as the bedside speaker sends.
    request: a whole non-intent request body (e.g. Connections.Response).
    """
    kind = "IntentRequest" if request is None else "LaunchRequest"
    env = talk.envelope_for(kind, intent, slots)
    for slot, value_id in (resolved or {}).items():
        env["request"]["intent"]["slots"][slot]["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.test.{slot}",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value_id, "id": value_id}}],
                }
            ]
        }
    system = env["context"]["System"]
    if api_endpoint is not None:
        system["apiEndpoint"] = api_endpoint
    if timers is not None:
        system["user"]["permissions"] = {"scopes": {TIMERS_SCOPE: {"status": timers}}}
    if offline:
        system.pop("apiEndpoint", None)
        system.pop("apiAccessToken", None)
    if request is not None:
        replace_request(env, request)
    return talk.send_envelope(env)


def variants(key: str, **values: object) -> list[str]:
    """Every way the skill may say `key`, rendered (on a night touch is welcome, its
    lines that suggest touch too: Content.tonight)."""
    return [Content.render(v, **values) for v in CONTENT.tonight(key, touch_hurts=False)]


def said_one_of(reply: Reply, key: str, **values: object) -> bool:
    """Whether the reply contains one of `key`'s variants (as spoken text)."""
    return any(v in reply.text for v in variants(key, **values))


def chimes(reply: Reply) -> int:
    return reply.measured.sounds.count(CHIME)
