"""About and help: what the skill is (and isn't), and what to say, by situation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.alexa import Conversation
from tests.test_feature_support import said_one_of

MODEL = json.loads(
    (Path(__file__).resolve().parents[1] / "interaction_models" / "en-US.json").read_text()
)
SAMPLES = {
    " ".join(s.split())
    for intent in MODEL["interactionModel"]["languageModel"]["intents"]
    for s in intent["samples"]
}


def test_about_is_educational_and_names_who_can_help(talk: Conversation) -> None:
    reply = talk.say("AboutIntent")
    assert "isn't medical advice" in reply.text
    for who in ("pelvic health physiotherapist", "pain psychologist", "couples therapist"):
        assert who in reply.text
    assert not reply.ended


def test_help_lists_what_to_say_by_situation_and_reads_on(talk: Conversation) -> None:
    first = talk.say("AMAZON.HelpIntent")
    assert said_one_of(first, "help.section.pain") and said_one_of(first, "help.say_more")
    rest = talk.say("MoreIntent")
    for section in ("talk", "menu", "us"):
        assert said_one_of(rest, f"help.section.{section}")
    assert said_one_of(rest, "help.end")
    nothing = talk.say("MoreIntent")
    assert said_one_of(nothing, "more.nothing") and not nothing.ended


@pytest.mark.parametrize(
    "phrase",
    [
        "let's breathe together",
        "start a massage timer",
        "it's a high pain day",
        "touch hurts today",
        "ask us a question",
        "give us a spiritual question",
        "another one",
        "help me say something",
        "what's on our menu",
        "add reading aloud to our menu",
        "pick something from our menu",
        "start the weekly challenge",
        "our names are sam and alex",
        "how are we doing",
        "start our weekly check in",
        "about",
    ],
)
def test_every_phrase_help_teaches_is_one_alexa_knows(talk: Conversation, phrase: str) -> None:
    help_text = " ".join((talk.say("AMAZON.HelpIntent").text, talk.say("MoreIntent").text)).lower()
    assert phrase in help_text
    matches = {
        sample
        for sample in SAMPLES
        if sample == phrase
        or (
            "{" in sample
            and phrase.startswith(sample.split("{")[0])
            and phrase.endswith(sample.split("}")[-1])
        )
    }
    assert matches, f"{phrase!r} is not a sample utterance"


def test_help_inside_a_timed_ritual_says_how_to_go_on(talk: Conversation) -> None:
    talk.say("BreathingIntent", duration="PT5M")
    reply = talk.say("AMAZON.HelpIntent")
    assert "breathing together" in reply.text and "continue" in reply.text
