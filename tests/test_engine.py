"""The conversation engine on its own: no request, no ask-sdk, no store."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from skill.config import Config
from skill.engine import offers, rituals
from skill.engine.content import Content
from skill.engine.context import Deps, Turn
from skill.engine.session import SessionState
from skill.engine.ssml import BREATH_WORDS, Speech, measure
from tests.certs import Clock


@pytest.fixture
def deps(tmp_path: Path) -> Deps:
    return Deps(
        Config(db_path=tmp_path / "unused.sqlite3", verify=False),
        Content.load("en-US", random.Random(3)),
        Clock(),
        random.Random(3),
    )


def longest_stretch(ssml: str) -> int:
    """Most words between two pauses of a second or more."""
    import re

    runs = re.split(r'<break time="(?:[1-9]\d*(?:\.\d+)?s|[1-9]\d{3,}ms)"/>', ssml)
    return max(len(re.sub(r"<[^>]+>", " ", run).split()) for run in runs)


@pytest.mark.parametrize("name", sorted(rituals.RITUALS))
def test_every_ritual_in_the_table_walks_to_its_end(deps: Deps, name: str) -> None:
    session = SessionState()
    turn = Turn(deps, session)
    ritual = rituals.RITUALS[name]
    seconds = ritual.length.low if ritual.length else None
    reply = rituals.start(turn, name, seconds=seconds)
    replies = [reply]
    while reply.open:
        assert reply.reprompt, "every open turn has a reprompt"
        progress = turn.ritual
        assert progress is not None
        turn = Turn(deps, session, new_session=False)
        reply = rituals.on_next(turn, progress)
        replies.append(reply)
        assert len(replies) < 40
    assert turn.couple.practice_log[0]["kind"] == ritual.logged_as
    assert turn.couple.progress is None and session.progress is None
    for r in replies:
        assert longest_stretch(r.speech.ssml) <= BREATH_WORDS, measure(r.speech.ssml).text


@pytest.mark.parametrize("kind", sorted(offers.ANSWERS))
@pytest.mark.parametrize("yes", [True, False])
def test_every_offer_has_an_answer_both_ways(deps: Deps, kind: str, yes: bool) -> None:
    session = SessionState()
    asking = Turn(deps, session)
    question = asking.offer(kind, Speech(), "A question?", "Yes or no?")
    assert question.open and session.offer is not None
    answering = Turn(deps, session, new_session=False)
    assert answering.pending is not None and session.offer is None, "a question lives one turn"
    reply = offers.answer(answering, answering.pending, yes)
    assert reply.speech.parts, f"{kind} {'yes' if yes else 'no'} says something"


def test_a_check_in_answer_replaces_an_earlier_report(deps: Deps) -> None:
    session = SessionState()
    turn = Turn(deps, session)
    rituals.start(turn, rituals.CHECKIN)
    progress = turn.ritual
    assert progress is not None
    session.comfort = None
    reply = rituals.on_pain_level(turn, progress, 8)
    assert session.comfort is not None and session.comfort.bucket == "high"
    assert "eight" in measure(reply.speech.ssml).text
