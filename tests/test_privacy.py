"""Privacy: forgetting by voice, and logs that never carry what a couple said or who they are."""

from __future__ import annotations

import json
import logging

from tests.alexa import Conversation

NAMES = ("Zephyrine", "Quillon")


def test_forget_asks_first_then_erases_everything(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": list(NAMES)})
    talk.say("HugTimerIntent")
    ask = talk.say("ForgetUsIntent")
    assert "erase" in ask.text and not ask.ended
    assert store.load(talk.user)["names"] == list(NAMES), "nothing deleted before yes"
    assert store.erased_at(talk.user) is None
    done = talk.say("AMAZON.YesIntent")
    assert "erased" in done.text and done.ended
    assert store.load(talk.user) == {}
    assert store.count() == 0, "no record left behind"
    # When: what was learnt beside the record goes too (a bedside's voices, enrolment.py).
    erased = store.erased_at(talk.user)
    assert erased is not None and abs(erased - store.clock()) < 1


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
    assert "intent=EveningCheckInIntent" in logged and "ms=" in logged  # shape and timing
    assert "PainLevel" not in logged and "intent=health-report" in logged  # not how it hurts
    for secret in (*NAMES, talk.user, "PT95S", "seventeen", "diary", "secret"):
        assert secret not in logged, secret
    for text in spoken:
        for sentence in text.split(". "):
            if len(sentence) > 25:
                assert sentence not in logged
    assert "level" not in logged.replace("log", "")


def test_an_old_forget_question_is_not_answered_turns_later(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    talk.say("ForgetUsIntent")
    talk.say("AMAZON.RepeatIntent")  # they moved on without answering
    talk.say("SkipIntent")
    reply = talk.say("AMAZON.YesIntent")
    assert "erased" not in reply.text
    assert store.count() == 1, "the couple's record is still there"


def test_forgotten_data_leaves_no_trace_in_the_files(talk: Conversation, store, db_path) -> None:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": 1.0, "names": ["Marguerite", "Quillon"]})
    talk.say("HighsAndLowsIntent")
    talk.say("ForgetUsIntent")
    talk.say("AMAZON.YesIntent")
    for path in db_path.parent.glob(db_path.name + "*"):
        data = path.read_bytes()
        assert b"Marguerite" not in data and talk.user.encode() not in data, path.name


def test_pain_is_never_stored_and_stale_progress_is_pruned(
    talk: Conversation, store, clock
) -> None:  # type: ignore[no-untyped-def]
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="8")
    talk.say("PainLevelIntent", level="7")
    talk.say("TouchHurtsIntent")
    talk.say("HighPainDayIntent")
    talk.say("AMAZON.StopIntent")
    saved = store.load(talk.user)
    raw = json.dumps(saved)
    assert '"pain"' not in raw and "touch" not in raw and "high_day" not in raw, raw
    assert saved["progress"]["step"] == 2, "the check-in itself is kept to resume"
    clock.advance(13 * 3600)
    talk.say("KissIntent")
    clock.advance(7 * 24 * 3600)
    talk.say("KissIntent")
    assert "progress" not in store.load(talk.user)
