"""The weekly reminder: offered after a weekly check-in, set only after a yes and Alexa's
reminders permission, cancelled by "cancel our reminder", erased with the couple.

A local HTTPS server on 127.0.0.1 (a throwaway CA that requests trusts for the test only)
stands in for the Alexa API endpoint: the Reminders API and the device's time zone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.alexa import Conversation, Reply, replace_request
from tests.conftest import START
from tests.standin import JsonEndpoint, serve_https
from tests.test_feature_support import said_one_of

SCOPE = "alexa::alerts:reminders:skill:readwrite"
DAY = 24 * 3600
DEVICE = "amzn1.ask.device.KITCHEN"


@dataclass
class FakeRemindersApi:
    url: str = ""
    create_status: int = 200
    delete_status: int = 200
    time_zone: str | None = "Australia/Sydney"  # None: the settings API fails
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRemindersApi]:
    fake = FakeRemindersApi()

    class Endpoint(JsonEndpoint):
        def _record(self, method: str, body: Any = None) -> None:
            fake.calls.append(
                {
                    "method": method,
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "body": body,
                }
            )

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._record("GET")
            if self.path == f"/v2/devices/{DEVICE}/settings/System.timeZone" and fake.time_zone:
                self._reply(200, json.dumps(fake.time_zone).encode())
            else:
                self._reply(500, b'{"type": "INTERNAL_ERROR", "message": "no"}')

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self._record("POST", json.loads(self.rfile.read(length) or b"{}"))
            if fake.create_status == 200:
                reply = {"alertToken": f"alert-{len(fake.calls)}", "status": "ON"}
                self._reply(200, json.dumps(reply).encode())
            else:
                self._reply(fake.create_status, b'{"code": "MAX_REMINDERS", "message": "no"}')

        def do_DELETE(self) -> None:  # noqa: N802
            self._record("DELETE")
            body = b"" if fake.delete_status == 200 else b'{"code": "X", "message": "no"}'
            self._reply(fake.delete_status, body)

    with serve_https(Endpoint, tmp_path, monkeypatch) as url:
        fake.url = url
        yield fake


def send(
    talk: Conversation,
    api: FakeRemindersApi | None,
    intent: str | None = None,
    *,
    permission: str | None = None,
    request: dict[str, Any] | None = None,
) -> Reply:
    """One request from the couple's Echo (`api` None: the offline speaker, no API token)."""
    env = talk.envelope_for("IntentRequest" if request is None else "LaunchRequest", intent)
    system = env["context"]["System"]
    if api is None:
        system.pop("apiEndpoint", None)
        system.pop("apiAccessToken", None)
    else:
        system["apiEndpoint"] = api.url
    if permission is not None:
        system["user"]["permissions"] = {"scopes": {SCOPE: {"status": permission}}}
    if request is not None:
        replace_request(env, request)
    return talk.send_envelope(env)


def permission_answer(status: str, token: str, code: str = "200") -> dict[str, Any]:
    return {
        "type": "Connections.Response",
        "status": {"code": code, "message": "OK"},
        "name": "AskFor",
        "payload": {"permissionScope": SCOPE, "status": status},
        "token": token,
    }


def weekly_to_the_end(talk: Conversation, api: FakeRemindersApi | None) -> Reply:
    send(talk, api, "WeeklyCheckInIntent")
    for _ in range(3):
        send(talk, api, "AMAZON.NextIntent")
    return send(talk, api, "AMAZON.NextIntent")


def posts(api: FakeRemindersApi) -> list[dict[str, Any]]:
    return [c for c in api.calls if c["method"] == "POST"]


# -- the offer, and consent -------------------------------------------------------------
def test_the_weekly_checkin_ends_with_the_offer(talk: Conversation, api: FakeRemindersApi) -> None:
    done = weekly_to_the_end(talk, api)
    assert said_one_of(done, "weekly.close") and said_one_of(done, "reminder.offer")
    assert not done.ended and "yes or no" in done.reprompt.lower()
    assert api.calls == [], "nothing is set before a yes"


def test_the_offline_speaker_is_not_offered_a_reminder(talk: Conversation) -> None:
    done = weekly_to_the_end(talk, None)
    assert said_one_of(done, "weekly.close") and not said_one_of(done, "reminder.offer")
    assert done.ended


def test_a_yes_without_the_permission_asks_for_it_by_voice(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    weekly_to_the_end(talk, api)
    asked = send(talk, api, "AMAZON.YesIntent")
    assert said_one_of(asked, "reminder.ask_permission")
    [directive] = asked.response["directives"]
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert directive["payload"]["permissionScope"] == SCOPE
    assert directive["token"] == f"reminder:{int(START)}"
    assert "reprompt" not in asked.response and asked.response.get("shouldEndSession") is None
    assert api.calls == [] and "reminder_id" not in store.load(talk.user)


def test_permission_granted_sets_a_weekly_reminder_on_the_same_day_and_time(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    weekly_to_the_end(talk, api)
    send(talk, api, "AMAZON.YesIntent")
    done = send(talk, api, request=permission_answer("ACCEPTED", f"reminder:{int(START)}"))
    # START is a Wednesday, 11:06 UTC: 10:06 p.m. in Sydney, set for ten p.m.
    assert said_one_of(done, "reminder.set", day="Wednesday", time="ten p.m.")
    assert "repeats each week" in done.text and done.ended
    [post] = posts(api)
    assert post["path"] == "/v1/alerts/reminders" and post["auth"] == "Bearer test-token"
    trigger = post["body"]["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["timeZoneId"] == "Australia/Sydney"
    assert trigger["recurrence"]["startDateTime"] == "2026-11-25T22:00:00"
    assert trigger["recurrence"]["recurrenceRules"] == [
        "FREQ=WEEKLY;BYDAY=WE;BYHOUR=22;BYMINUTE=0;BYSECOND=0;INTERVAL=1"
    ]
    spoken = post["body"]["alertInfo"]["spokenInfo"]["content"][0]
    assert spoken["locale"] == "en-US" and "weekly check" in spoken["text"]
    saved = store.load(talk.user)
    assert saved["reminder_id"] == "alert-2"  # the second call: the time zone came first


def test_already_granted_sets_it_straight_after_the_yes(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    api.time_zone = None  # the settings API fails: the configured zone (UTC) is used
    weekly_to_the_end(talk, api)
    done = send(talk, api, "AMAZON.YesIntent", permission="GRANTED")
    assert "directives" not in done.response
    assert said_one_of(done, "reminder.set", day="Wednesday", time="eleven a.m.")
    assert posts(api)[0]["body"]["trigger"]["timeZoneId"] == "UTC"
    assert store.load(talk.user)["reminder_id"].startswith("alert-")


@pytest.mark.parametrize("answer", ["DENIED", "NOT_ANSWERED"])
def test_permission_refused_sets_nothing(
    talk: Conversation, store, api: FakeRemindersApi, answer: str
) -> None:  # type: ignore[no-untyped-def]
    weekly_to_the_end(talk, api)
    send(talk, api, "AMAZON.YesIntent")
    reply = send(talk, api, request=permission_answer(answer, f"reminder:{int(START)}"))
    assert said_one_of(reply, "reminder.not_allowed") and reply.ended
    assert api.calls == [] and "reminder_id" not in store.load(talk.user)


def test_refused_before_leaves_a_card_rather_than_asking_again(
    talk: Conversation, api: FakeRemindersApi
) -> None:
    weekly_to_the_end(talk, api)
    reply = send(talk, api, "AMAZON.YesIntent", permission="DENIED")
    assert reply.response["card"] == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}
    assert said_one_of(reply, "reminder.permission_card") and "directives" not in reply.response
    assert api.calls == []


def test_a_device_that_cannot_ask_by_voice_leaves_a_card(
    talk: Conversation, api: FakeRemindersApi
) -> None:
    weekly_to_the_end(talk, api)
    send(talk, api, "AMAZON.YesIntent")
    reply = send(talk, api, request=permission_answer("DENIED", "reminder:1", code="400"))
    assert reply.response["card"]["permissions"] == [SCOPE] and api.calls == []


def test_a_no_is_respected_for_four_weeks(
    talk: Conversation, store, api: FakeRemindersApi, clock
) -> None:  # type: ignore[no-untyped-def]
    weekly_to_the_end(talk, api)
    declined = send(talk, api, "AMAZON.NoIntent")
    assert said_one_of(declined, "reminder.declined") and declined.ended
    assert api.calls == [] and "reminder_id" not in store.load(talk.user)
    clock.advance(7 * DAY)
    assert weekly_to_the_end(talk, api).ended, "not offered again the next week"
    clock.advance(28 * DAY)
    assert said_one_of(weekly_to_the_end(talk, api), "reminder.offer")


def test_an_unclear_answer_asks_once_more(talk: Conversation, api: FakeRemindersApi) -> None:
    weekly_to_the_end(talk, api)
    again = send(talk, api, "AMAZON.FallbackIntent")
    assert not again.ended and "yes or no" in again.text.lower()
    assert said_one_of(send(talk, api, "AMAZON.NoIntent"), "reminder.declined")


# -- failures: an honest line, nothing stored ------------------------------------------
@pytest.mark.parametrize("status", [401, 429, 500])
def test_the_api_refusing_is_said_honestly_and_nothing_is_stored(
    talk: Conversation, store, api: FakeRemindersApi, status: int
) -> None:  # type: ignore[no-untyped-def]
    api.create_status = status
    weekly_to_the_end(talk, api)
    reply = send(talk, api, "AMAZON.YesIntent", permission="GRANTED")
    assert said_one_of(reply, "reminder.failed") and "repeats each week" not in reply.text
    assert len(posts(api)) == 1
    assert "reminder_id" not in store.load(talk.user)


def test_an_unreachable_api_is_said_honestly(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    unreachable = FakeRemindersApi(url="https://127.0.0.1:9")
    weekly_to_the_end(talk, unreachable)
    reply = send(talk, unreachable, "AMAZON.YesIntent", permission="GRANTED")
    assert said_one_of(reply, "reminder.failed")
    assert "reminder_id" not in store.load(talk.user)


# -- once set -----------------------------------------------------------------------------
def with_reminder(talk: Conversation, store, api: FakeRemindersApi) -> str:  # type: ignore[no-untyped-def]
    weekly_to_the_end(talk, api)
    send(talk, api, "AMAZON.YesIntent", permission="GRANTED")
    reminder_id = store.load(talk.user)["reminder_id"]
    api.calls.clear()
    return str(reminder_id)


def test_no_second_offer_while_one_is_set(
    talk: Conversation, store, api: FakeRemindersApi, clock
) -> None:  # type: ignore[no-untyped-def]
    with_reminder(talk, store, api)
    clock.advance(7 * DAY)
    done = weekly_to_the_end(talk, api)
    assert done.ended and not said_one_of(done, "reminder.offer")


def test_cancel_our_reminder_deletes_it(talk: Conversation, store, api: FakeRemindersApi) -> None:  # type: ignore[no-untyped-def]
    reminder_id = with_reminder(talk, store, api)
    reply = send(talk, api, "CancelReminderIntent")
    assert said_one_of(reply, "reminder.cancelled") and reply.ended
    assert [(c["method"], c["path"]) for c in api.calls] == [
        ("DELETE", f"/v1/alerts/reminders/{reminder_id}")
    ]
    assert "reminder_id" not in store.load(talk.user)
    again = send(talk, api, "CancelReminderIntent")
    assert said_one_of(again, "reminder.none") and len(api.calls) == 1


def test_a_reminder_removed_in_the_alexa_app_is_simply_gone(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    with_reminder(talk, store, api)
    api.delete_status = 404
    assert said_one_of(send(talk, api, "CancelReminderIntent"), "reminder.cancelled")
    assert "reminder_id" not in store.load(talk.user)


def test_a_failed_cancel_keeps_the_id_and_says_so(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    reminder_id = with_reminder(talk, store, api)
    api.delete_status = 500
    reply = send(talk, api, "CancelReminderIntent")
    assert said_one_of(reply, "reminder.cancel_failed") and "Alexa app" in reply.text
    assert store.load(talk.user)["reminder_id"] == reminder_id


def test_cancel_in_the_middle_of_a_ritual_carries_on(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    with_reminder(talk, store, api)
    send(talk, api, "HighsAndLowsIntent")
    reply = send(talk, api, "CancelReminderIntent")
    assert said_one_of(reply, "reminder.cancelled") and not reply.ended
    assert re.search(r"highs and lows", reply.text, re.I)


def test_forget_everything_removes_the_reminder_too(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    reminder_id = with_reminder(talk, store, api)
    send(talk, api, "ForgetUsIntent")
    send(talk, api, "AMAZON.YesIntent")
    assert [(c["method"], c["path"]) for c in api.calls] == [
        ("DELETE", f"/v1/alerts/reminders/{reminder_id}")
    ]
    assert store.load(talk.user) in ({}, None)


def test_forget_everything_says_so_when_the_reminder_could_not_be_removed(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    """The reminder's id is erased with the rest, so 'cancel our reminder' can no longer
    reach it: when it could not be deleted, the couple hears where to remove it."""
    with_reminder(talk, store, api)
    api.delete_status = 500
    send(talk, api, "ForgetUsIntent")
    done = send(talk, api, "AMAZON.YesIntent")
    assert said_one_of(done, "forget.done") and said_one_of(done, "forget.reminder_left")
    assert "Alexa app" in done.text and store.load(talk.user) in ({}, None)


def test_forget_everything_from_the_bedside_points_to_the_alexa_app_for_the_reminder(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    with_reminder(talk, store, api)
    talk.say("ForgetUsIntent")  # no API token: the offline speaker cannot reach it
    done = talk.say("AMAZON.YesIntent")
    assert said_one_of(done, "forget.reminder_left"), done.text
    assert api.calls == []


def test_forget_everything_without_a_reminder_mentions_none(talk: Conversation) -> None:
    talk.say("ForgetUsIntent")
    done = talk.say("AMAZON.YesIntent")
    assert said_one_of(done, "forget.done") and "reminder" not in done.text.lower()


def test_disabling_the_skill_erases_the_reminder_id(
    talk: Conversation, store, api: FakeRemindersApi
) -> None:  # type: ignore[no-untyped-def]
    with_reminder(talk, store, api)
    event = {"type": "AlexaSkillEvent.SkillDisabled", "eventCreationTime": "2026-11-22T20:00:00Z"}
    send(talk, api, request=event)
    assert "reminder_id" not in (store.load(talk.user) or {})
