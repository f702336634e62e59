"""Question decks and words for hard moments, through the Flask app.

The rule a couple would notice: none of the last fifty questions they heard comes back,
even across sessions and a restart of the service.
"""

from __future__ import annotations

import re

import pytest

from skill.engine.synonyms import slot_synonyms
from skill.stores.sqlite import SQLiteAdapter
from tests.alexa import Conversation, Reply
from tests.test_feature_support import CONTENT, said_one_of, send, variants

DECKS = slot_synonyms("en-US", "DeckKind")
SITUATIONS = slot_synonyms("en-US", "WordsSituation")

QUESTION_TO_DECK = {q: deck for deck in DECKS for q in CONTENT.variants(f"deck.{deck}")}
LINE_TO_SITUATION = {
    line: situation
    for situation in SITUATIONS
    for line in CONTENT.tonight(f"words.{situation}", touch_hurts=False)
}


def question_in(reply: Reply) -> tuple[str, str]:
    """(deck, question) heard in a reply."""
    found = [(deck, q) for q, deck in QUESTION_TO_DECK.items() if q in reply.text]
    assert len(found) == 1, reply.text
    return found[0]


def words_in(reply: Reply) -> tuple[str, str]:
    found = [(s, line) for line, s in LINE_TO_SITUATION.items() if line in reply.text]
    assert len(found) == 1, reply.text
    return found[0]


def test_last_fifty_questions_never_repeat_across_sessions_and_a_restart(
    talk: Conversation, make_app, config, clock, db_path
) -> None:  # type: ignore[no-untyped-def]
    heard: list[str] = []
    restarted = SQLiteAdapter(db_path, clock=clock)
    try:
        for session in range(4):
            if session == 2:  # the service restarts: a new app on the same SQLite file
                talk.client = make_app(config, restarted, seed=99).test_client()
            talk.new_session()
            for n in range(20):
                reply = talk.say("QuestionIntent") if n == 0 else talk.say("AnotherOneIntent")
                heard.append(question_in(reply)[1])
            clock.advance(3600)
    finally:
        restarted.close()
    for i, question in enumerate(heard):
        assert question not in heard[max(0, i - 50) : i], f"question {i} repeated within 50"


def test_recent_questions_are_stored_as_fifty_compact_ids(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    for _ in range(55):
        talk.say("QuestionIntent")
    recent = store.load(talk.user)["recent_deck"]
    assert len(recent) == 50 and len(set(recent)) == 50
    assert all(re.fullmatch(r"[a-z]+:\d+", q) and q.split(":")[0] in DECKS for q in recent)


@pytest.mark.parametrize(
    ("slot", "resolved", "deck"),
    [
        ("spiritual", None, "spiritual"),
        ("meaning", None, "spiritual"),
        ("how was your day", None, "everyday"),
        ("physical affection", None, "physical"),
        ("thinking", None, "intellectual"),
        ("cuddly ones", "physical", "physical"),  # Alexa's entity resolution wins
        ("adventure", "experiential", "experiential"),
    ],
)
def test_a_kind_of_question_comes_from_that_deck(
    talk: Conversation, slot: str, resolved: str | None, deck: str
) -> None:
    reply = send(
        talk, "QuestionIntent", {"deck": slot}, resolved={"deck": resolved} if resolved else None
    )
    assert question_in(reply)[0] == deck
    assert said_one_of(reply, f"question.intro.{deck}")
    assert not reply.ended


def test_another_one_stays_with_the_same_deck(talk: Conversation) -> None:
    talk.say("QuestionIntent", deck="spiritual")
    decks = {question_in(talk.say("AnotherOneIntent"))[0] for _ in range(5)}
    assert decks == {"spiritual"}


def test_each_question_comes_with_quiet_talk_time(talk: Conversation) -> None:
    reply = talk.say("QuestionIntent")
    assert reply.measured.quiet_ms == 45_000
    assert "another one" in reply.text and "another one" in reply.reprompt


def test_a_deck_heard_through_lately_hands_over_to_another(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    spiritual = [f"spiritual:{i}" for i in range(len(CONTENT.variants("deck.spiritual")))]
    store.save(talk.user, {"first_seen": 1.0, "recent_deck": spiritual})
    reply = talk.say("QuestionIntent", deck="spiritual")
    assert said_one_of(reply, "question.deck_heard.spiritual")
    deck, _ = question_in(reply)
    assert deck != "spiritual"


def test_an_unknown_kind_still_gets_a_question(talk: Conversation) -> None:
    reply = talk.say("QuestionIntent", deck="purple")
    assert question_in(reply)[0] in DECKS


@pytest.mark.parametrize(
    ("slot", "situation"),
    [
        ("taking a break", "pausing"),
        ("starting a hard conversation", "opening"),
        ("listening or suggesting", "listening"),
        ("what i need", "asking"),
        ("reassurance", "reassuring"),
        ("showing i understand", "validating"),
    ],
)
def test_words_for_a_situation(talk: Conversation, slot: str, situation: str) -> None:
    reply = talk.say("WordsIntent", situation=slot)
    assert words_in(reply)[0] == situation
    assert said_one_of(reply, f"words_intro.{situation}")
    assert not reply.ended


def test_words_without_a_situation_name_the_others(talk: Conversation) -> None:
    reply = talk.say("WordsIntent")
    assert words_in(reply)[0] in SITUATIONS
    assert variants("words_help.options")[0] in reply.text


def test_another_one_gives_different_words_for_the_same_situation(talk: Conversation) -> None:
    first = words_in(talk.say("WordsIntent", situation="taking a break"))
    later = [words_in(talk.say("AnotherOneIntent")) for _ in range(5)]
    assert {s for s, _ in later} == {"pausing"}
    lines = [first[1]] + [line for _, line in later]
    assert len(set(lines)) == len(lines)


def test_every_situation_the_words_help_names_can_be_asked_for(talk: Conversation) -> None:
    """'I also have words for ... showing you understand ...': each named, said back, is
    that situation's words (not the list again)."""
    options = variants("words_help.options")[0]
    named = options.split("words for ", 1)[1].rstrip(".").replace(", and ", ", ").split(", ")
    assert len(named) == len(SITUATIONS)
    heard = set()
    for name in named:
        reply = talk.say("WordsIntent", situation=name)
        situation = words_in(reply)[0]
        assert said_one_of(reply, f"words_intro.{situation}"), name
        assert options not in reply.text, name
        heard.add(situation)
    assert heard == set(SITUATIONS)
