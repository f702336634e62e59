"""Hug timer and six-second kiss: exact quiet, a chime, a closing line, recorded."""

from __future__ import annotations

import pytest

from skill.ssml import CHIME
from tests.alexa import Conversation


def quiet_ms(reply) -> float:  # type: ignore[no-untyped-def]
    return reply.measured.total_break_ms


@pytest.mark.parametrize(
    ("slot", "seconds", "note"),
    [
        (None, 20, None),
        ("PT5S", 5, None),
        ("PT20S", 20, None),
        ("PT30S", 30, None),
        ("PT1M30S", 90, None),
        ("PT3M", 180, None),
        ("PT2S", 5, "over before it started"),
        ("PT10M", 180, "three minutes at most"),
        ("PT1H", 180, "three minutes at most"),
        ("banana", 20, "didn't catch the length"),
    ],
)
def test_hug_quiet_is_exactly_the_duration(talk: Conversation, slot, seconds, note) -> None:
    reply = talk.say("HugTimerIntent", duration=slot)
    assert quiet_ms(reply) == seconds * 1000
    assert all(b <= 10_000 for b in reply.measured.breaks_ms)
    assert reply.measured.sounds == [CHIME]
    # The cue comes before the quiet, the chime and closing line after it.
    before, _, after = reply.ssml.partition("<break")
    assert "quiet" in before or "hold" in before or "hug" in before.lower()
    assert after.rfind("<audio") > after.rfind("<break")
    assert reply.ssml.rstrip("</speak>").split("/>")[-1].strip(), "a closing line follows the chime"
    if note:
        assert note in reply.text
    assert reply.ended


def test_hug_speaks_the_length_in_words(talk: Conversation) -> None:
    assert "thirty seconds" in talk.say("HugTimerIntent", duration="PT30S").text
    assert "one minute and thirty seconds" in talk.say("HugTimerIntent", duration="PT90S").text


def test_kiss_is_six_seconds(talk: Conversation) -> None:
    reply = talk.say("KissIntent")
    assert quiet_ms(reply) == 6000
    assert reply.measured.sounds == [CHIME]
    assert reply.ended


def test_each_practice_is_recorded(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("HugTimerIntent", duration="PT30S")
    talk.say("KissIntent")
    log = store.load(talk.user)["practice_log"]
    assert [(e["kind"], e["seconds"]) for e in log] == [("hug", 30), ("kiss", 6)]


def test_one_shot_from_the_invocation_needs_no_launch(client) -> None:  # type: ignore[no-untyped-def]
    from tests.alexa import Reply, fixture

    reply = Reply(client.post("/", json=fixture("hug_timer")).get_json())
    assert reply.measured.total_break_ms == 30_000
    assert reply.ended
