"""Help, fallback, stop and friends: never a dead end; SessionEnded says nothing."""

from __future__ import annotations

import pytest

from tests.alexa import Conversation


def test_help_lists_what_to_say(talk: Conversation) -> None:
    reply = talk.say("AMAZON.HelpIntent")
    for phrase in ("evening check-in", "hug timer", "six second kiss", "highs and lows"):
        assert phrase in reply.text
    assert not reply.ended


def test_fallback_is_helpful_and_keeps_listening(talk: Conversation) -> None:
    reply = talk.say("AMAZON.FallbackIntent")
    assert "hug timer" in reply.text and not reply.ended


def test_fallback_inside_a_ritual_names_ritual_controls(talk: Conversation) -> None:
    talk.say("HighsAndLowsIntent")
    reply = talk.say("AMAZON.FallbackIntent")
    assert "next" in reply.text and not reply.ended


@pytest.mark.parametrize(
    "intent",
    ["AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent", "AMAZON.PauseIntent"],
)
def test_stop_family_says_goodbye_and_ends(talk: Conversation, intent: str) -> None:
    reply = talk.say(intent)
    assert reply.ended and reply.text


def test_session_ended_has_no_speech(client) -> None:  # type: ignore[no-untyped-def]
    from tests.alexa import fixture

    body = client.post("/", json=fixture("session_ended")).get_json()
    assert body["version"] == "1.0" and "outputSpeech" not in body["response"]


@pytest.mark.parametrize("intent", ["SomethingNewIntent", "AMAZON.ShuffleOnIntent"])
def test_unknown_intent_gets_a_spoken_way_forward(talk: Conversation, intent: str) -> None:
    reply = talk.say(intent)
    assert "hug timer" in reply.text and not reply.ended


@pytest.mark.parametrize(
    "intent",
    [
        "AMAZON.YesIntent",
        "AMAZON.NoIntent",
        "AMAZON.NextIntent",
        "AMAZON.RepeatIntent",
        "AMAZON.StartOverIntent",
        "MoreTimeIntent",
        "SkipIntent",
    ],
)
def test_ritual_words_outside_a_ritual_still_get_an_answer(talk: Conversation, intent: str) -> None:
    reply = talk.say(intent)
    # A plain "no" with nothing asked is taken at its word: a kind goodbye.
    assert reply.text and reply.ended == (intent == "AMAZON.NoIntent")


def test_repeat_outside_a_ritual_says_the_last_thing_again(talk: Conversation) -> None:
    help_reply = talk.say("AMAZON.HelpIntent")
    again = talk.say("AMAZON.RepeatIntent")
    assert again.text == help_reply.text


def test_pain_level_outside_the_checkin_gives_a_fitting_idea(talk: Conversation) -> None:
    reply = talk.say("PainLevelIntent", level="8")
    assert "eight" in reply.text and "my pain is at eight" in reply.text
    assert not reply.ended
