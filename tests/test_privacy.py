"""Privacy: forgetting by voice, and logs that never carry what a couple said or who they are."""

from __future__ import annotations

import logging

from tests.alexa import Conversation

NAMES = ("Zephyrine", "Quillon")


def test_forget_asks_first_then_erases_everything(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": list(NAMES)})
    talk.say("HugTimerIntent")
    ask = talk.say("ForgetUsIntent")
    assert "erase" in ask.text and not ask.ended
    assert store.load(talk.user)["names"] == list(NAMES), "nothing deleted before yes"
    done = talk.say("AMAZON.YesIntent")
    assert "erased" in done.text and done.ended
    assert store.load(talk.user) == {}
    assert store.count() == 0, "no record left behind"


def test_forget_then_no_keeps_everything(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": list(NAMES)})
    talk.say("ForgetUsIntent")
    kept = talk.say("AMAZON.NoIntent")
    assert "won't erase" in kept.text
    assert store.load(talk.user)["names"] == list(NAMES)


def test_yes_without_the_question_never_deletes(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": list(NAMES)})
    talk.say("AMAZON.YesIntent")
    assert store.load(talk.user)["names"] == list(NAMES)


def test_logs_of_a_full_ritual_hold_no_personal_values(talk: Conversation, store, caplog) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": list(NAMES)})
    spoken: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for intent, slots in [
            ("LaunchRequest", {}),
            ("EveningCheckInIntent", {}),
            ("PainLevelIntent", {"level": "9"}),
            ("PainLevelIntent", {"level": "seventeen"}),
            ("SkipIntent", {}),
            ("MoreTimeIntent", {}),
            ("AMAZON.NextIntent", {}),
            ("AMAZON.NextIntent", {}),
            ("AMAZON.NextIntent", {}),
            ("AMAZON.NextIntent", {}),
            ("HugTimerIntent", {"duration": "PT95S"}),
            ("HighsAndLowsIntent", {}),
            ("AMAZON.NextIntent", {}),
            ("SomethingNewIntent", {"secret": "Zephyrine's diary"}),
        ]:
            reply = talk.launch() if intent == "LaunchRequest" else talk.say(intent, **slots)
            spoken.append(reply.text)
    logged = caplog.text
    assert "intent=PainLevelIntent" in logged and "ms=" in logged  # we do log shape and timing
    for secret in (*NAMES, talk.user, "PT95S", "seventeen", "diary", "secret"):
        assert secret not in logged, secret
    for text in spoken:
        for sentence in text.split(". "):
            if len(sentence) > 25:
                assert sentence not in logged
    assert "level" not in logged.replace("log", "")
