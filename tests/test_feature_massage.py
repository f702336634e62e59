"""The massage timer: on Alexa timers when the couple allows them, else timed halves.

A local HTTPS server on 127.0.0.1 (http.server in a thread, with a throwaway CA that
requests trusts for the test only) stands in for the Alexa API endpoint named in the
request envelope's context.System.apiEndpoint. ask-sdk's API client refuses plain HTTP,
as it should for a bearer token, so the stand-in speaks TLS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from skill.engine.ssml import MAX_RESPONSE_AUDIO_MS
from tests.alexa import Conversation, Reply
from tests.standin import JsonEndpoint, serve_https
from tests.test_feature_support import TIMERS_SCOPE, chimes, said_one_of, send


# -- the stand-in Alexa API ------------------------------------------------------------
@dataclass
class FakeAlexaApi:
    url: str
    status: int = 200
    # Statuses for the coming POSTs, one each, before falling back to `status`.
    post_statuses: list[int] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def alexa_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAlexaApi]:
    api = FakeAlexaApi(url="")

    class Endpoint(JsonEndpoint):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            api.calls.append(
                {
                    "method": "POST",
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "body": body,
                }
            )
            status = api.post_statuses.pop(0) if api.post_statuses else api.status
            if status == 200:
                reply = {"id": f"timer-{len(api.calls)}", "status": "ON"}
                reply["duration"] = body.get("duration")
            else:
                reply = {"code": "UNAUTHORIZED", "message": "no permission"}
            self._reply(status, json.dumps(reply).encode())

        def do_DELETE(self) -> None:  # noqa: N802
            api.calls.append(
                {"method": "DELETE", "path": self.path, "auth": self.headers.get("Authorization")}
            )
            self._reply(200, b"")

    with serve_https(Endpoint, tmp_path, monkeypatch) as url:
        api.url = url
        yield api


def permission_answer(status: str, token: str = "massage:600", code: str = "200") -> dict:
    """Alexa's Connections.Response to the AskFor permission prompt."""
    return {
        "type": "Connections.Response",
        "status": {"code": code, "message": "OK"},
        "name": "AskFor",
        "payload": {"permissionScope": TIMERS_SCOPE, "status": status},
        "token": token,
    }


def run_in_parts(first: Reply, talk: Conversation) -> list[Reply]:
    replies = [first]
    while not replies[-1].ended:
        assert len(replies) < 10
        replies.append(talk.say("ContinueIntent"))
    return replies


def timer_durations(api: FakeAlexaApi) -> list[str]:
    return [call["body"]["duration"] for call in api.calls]


# -- timed halves (no permission, or the offline speaker) -------------------------------
@pytest.mark.parametrize(
    ("duration", "halves"),
    [(None, [150, 150, 150, 150]), ("PT6M", [180, 180]), ("PT5M", [150, 150])],
)
def test_offline_speaker_times_the_massage_in_halves(
    talk: Conversation, store, duration: str | None, halves: list[int]
) -> None:  # type: ignore[no-untyped-def]
    first = send(talk, "MassageTimerIntent", {"duration": duration}, offline=True)
    replies = run_in_parts(first, talk)
    assert [r.measured.quiet_ms / 1000 for r in replies] == halves
    assert all(r.measured.audio_ms <= MAX_RESPONSE_AUDIO_MS for r in replies)
    # A chime and the switch cue exactly halfway, a chime and a close at the end.
    switch = len(halves) // 2 - 1
    assert chimes(replies[switch]) == 1 and said_one_of(replies[switch], "massage.switch")
    assert "continue" in replies[switch].reprompt.lower()
    assert chimes(replies[-1]) == 1 and said_one_of(replies[-1], "massage.close")
    assert sum(chimes(r) for r in replies) == 2
    log = store.load(talk.user)["practice_log"]
    assert [(e["kind"], e["seconds"]) for e in log] == [("massage", sum(halves))]


@pytest.mark.parametrize(
    ("duration", "seconds", "note"),
    [("PT2M", 300, "five to ten minutes"), ("PT20M", 600, "five to ten minutes"), ("x", 600, "")],
)
def test_length_is_kept_between_five_and_ten_minutes(
    talk: Conversation, duration: str, seconds: int, note: str
) -> None:
    first = send(talk, "MassageTimerIntent", {"duration": duration}, offline=True)
    assert note in first.text
    replies = run_in_parts(first, talk)
    assert sum(r.measured.quiet_ms for r in replies) == seconds * 1000


def test_the_second_half_can_wait_for_a_later_session(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    first = send(talk, "MassageTimerIntent", {"duration": "PT6M"}, offline=True)
    talk.end()
    clock.advance(300)
    talk.new_session()
    second = talk.say("ContinueIntent")
    assert first.measured.quiet_ms == second.measured.quiet_ms == 180_000
    assert second.ended


# -- Alexa timers -----------------------------------------------------------------------
def test_without_permission_yet_alexa_asks_for_it_by_voice(
    talk: Conversation, store, alexa_api: FakeAlexaApi
) -> None:  # type: ignore[no-untyped-def]
    reply = send(talk, "MassageTimerIntent", {"duration": "PT8M"}, api_endpoint=alexa_api.url)
    directives = reply.response["directives"]
    assert directives == [
        {
            "type": "Connections.SendRequest",
            "name": "AskFor",
            "payload": {
                "@type": "AskForPermissionsConsentRequest",
                "@version": "1",
                "permissionScope": TIMERS_SCOPE,
            },
            "token": "massage:480",
        }
    ]
    assert "timers" in reply.text and reply.measured.quiet_ms == 0
    assert "reprompt" not in reply.response and reply.response.get("shouldEndSession") is None
    assert alexa_api.calls == []
    assert store.load(talk.user).get("practice_log", []) == []


def test_permission_granted_by_voice_sets_two_alexa_timers(
    talk: Conversation, store, alexa_api: FakeAlexaApi
) -> None:  # type: ignore[no-untyped-def]
    send(talk, "MassageTimerIntent", {"duration": "PT8M"}, api_endpoint=alexa_api.url)
    done = send(
        talk, api_endpoint=alexa_api.url, request=permission_answer("ACCEPTED", "massage:480")
    )
    assert [c["path"] for c in alexa_api.calls] == ["/v1/alerts/timers"] * 2
    assert all(c["auth"] == "Bearer test-token" for c in alexa_api.calls)
    assert timer_durations(alexa_api) == ["PT4M", "PT8M"]
    switch, end = (c["body"] for c in alexa_api.calls)
    announce = switch["triggeringBehavior"]["operation"]
    assert announce["type"] == "ANNOUNCE" and "switch" in announce["textToAnnounce"][0]["text"]
    assert switch["creationBehavior"]["displayExperience"]["visibility"] == "VISIBLE"
    assert end["triggeringBehavior"]["notificationConfig"]["playAudible"] is True
    assert done.ended and done.measured.quiet_ms == 0
    assert "four minutes" in done.text
    log = store.load(talk.user)["practice_log"]
    assert [(e["kind"], e["seconds"]) for e in log] == [("massage", 480)]


def test_already_granted_sets_timers_straight_away(
    talk: Conversation, alexa_api: FakeAlexaApi
) -> None:
    reply = send(talk, "MassageTimerIntent", api_endpoint=alexa_api.url, timers="GRANTED")
    assert timer_durations(alexa_api) == ["PT5M", "PT10M"]
    assert reply.ended and "directives" not in reply.response


@pytest.mark.parametrize("answer", ["DENIED", "NOT_ANSWERED"])
def test_permission_not_given_falls_back_to_halves(
    talk: Conversation, alexa_api: FakeAlexaApi, answer: str
) -> None:
    send(talk, "MassageTimerIntent", {"duration": "PT6M"}, api_endpoint=alexa_api.url)
    first = send(talk, api_endpoint=alexa_api.url, request=permission_answer(answer, "massage:360"))
    assert alexa_api.calls == []
    replies = run_in_parts(first, talk)
    assert [r.measured.quiet_ms for r in replies] == [180_000, 180_000]


def test_once_declined_it_does_not_ask_again(talk: Conversation, alexa_api: FakeAlexaApi) -> None:
    reply = send(talk, "MassageTimerIntent", api_endpoint=alexa_api.url, timers="DENIED")
    assert "directives" not in reply.response and alexa_api.calls == []
    assert reply.measured.quiet_ms == 150_000


def test_device_without_voice_permissions_gets_a_card(
    talk: Conversation, alexa_api: FakeAlexaApi
) -> None:
    send(talk, "MassageTimerIntent", api_endpoint=alexa_api.url)
    reply = send(talk, api_endpoint=alexa_api.url, request=permission_answer("DENIED", code="400"))
    assert reply.response["card"] == {
        "type": "AskForPermissionsConsent",
        "permissions": [TIMERS_SCOPE],
    }
    assert "Alexa app" in reply.text and reply.measured.quiet_ms == 150_000


def test_timers_refused_by_alexa_fall_back_to_halves(
    talk: Conversation, alexa_api: FakeAlexaApi
) -> None:
    alexa_api.status = 401
    reply = send(talk, "MassageTimerIntent", api_endpoint=alexa_api.url, timers="GRANTED")
    assert len(alexa_api.calls) == 1
    assert said_one_of(reply, "massage.timers_failed")
    assert reply.measured.quiet_ms == 150_000 and not reply.ended


def test_a_timer_set_before_alexa_refuses_the_next_is_deleted(
    talk: Conversation, store, alexa_api: FakeAlexaApi
) -> None:  # type: ignore[no-untyped-def]
    alexa_api.post_statuses = [200, 500]
    reply = send(talk, "MassageTimerIntent", api_endpoint=alexa_api.url, timers="GRANTED")
    assert [(c["method"], c["path"]) for c in alexa_api.calls] == [
        ("POST", "/v1/alerts/timers"),
        ("POST", "/v1/alerts/timers"),
        ("DELETE", "/v1/alerts/timers/timer-1"),
    ], "the switch timer must not go off in the middle of the massage timed here"
    assert alexa_api.calls[-1]["auth"] == "Bearer test-token"
    assert said_one_of(reply, "massage.timers_failed")
    assert reply.measured.quiet_ms == 150_000 and not reply.ended
    assert store.load(talk.user).get("practice_log", []) == []


def test_a_failed_clean_up_still_times_the_massage_here(
    talk: Conversation, alexa_api: FakeAlexaApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ask_sdk_model.services import ServiceException
    from ask_sdk_model.services.timer_management import TimerManagementServiceClient

    def refuse(self: object, id: str, **kwargs: object) -> None:
        raise ServiceException(message="gone", status_code=500, headers=None, body=None)

    monkeypatch.setattr(TimerManagementServiceClient, "delete_timer", refuse)
    alexa_api.post_statuses = [200, 500]
    reply = send(talk, "MassageTimerIntent", api_endpoint=alexa_api.url, timers="GRANTED")
    assert said_one_of(reply, "massage.timers_failed")
    assert reply.measured.quiet_ms == 150_000 and not reply.ended


def test_an_unreachable_api_falls_back_quickly(talk: Conversation) -> None:
    # Nothing listens on this port: the call fails at once and the couple still gets timing.
    reply = send(talk, "MassageTimerIntent", api_endpoint="https://127.0.0.1:9", timers="GRANTED")
    assert said_one_of(reply, "massage.timers_failed")
    assert reply.measured.quiet_ms == 150_000
