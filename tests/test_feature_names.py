"""Names: set both, or one at a time; used in turn-taking; forgotten on request."""

from __future__ import annotations

import pytest

from tests.alexa import Conversation
from tests.test_feature_support import said_one_of


def test_names_are_used_in_turn_taking(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    saved = talk.say("SetNamesIntent", first="sam", second="alex")
    assert "Sam and Alex" in saved.text and not saved.ended
    assert store.load(talk.user)["names"] == ["Sam", "Alex"]
    first = talk.say("HighsAndLowsIntent")
    assert "Sam, " in first.text and "Whoever" not in first.text
    for _ in range(2):
        talk.say("AMAZON.NextIntent")
    second = talk.say("AMAZON.NextIntent")
    assert "Alex, " in second.text


def test_call_me_one_at_a_time(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    assert said_one_of(talk.say("CallMeIntent", name="jo"), "names.saved_one", name="Jo")
    assert said_one_of(talk.say("CallMeIntent", name="Jo"), "names.already", name="Jo")
    assert said_one_of(talk.say("CallMeIntent", name="robin"), "names.saved_second", name="Robin")
    assert store.load(talk.user)["names"] == ["Jo", "Robin"]
    third = talk.say("CallMeIntent", name="kim")
    assert said_one_of(third, "names.both_known", first="Jo", second="Robin")
    assert store.load(talk.user)["names"] == ["Jo", "Robin"]


def test_forget_our_names(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("SetNamesIntent", first="sam", second="alex")
    assert said_one_of(talk.say("ForgetNamesIntent"), "names.forgotten")
    assert store.load(talk.user)["names"] == []
    turn = talk.say("HighsAndLowsIntent")
    assert "Sam" not in turn.text and "whoever" in turn.text.lower()
    assert said_one_of(talk.say("ForgetNamesIntent"), "names.none_to_forget")


@pytest.mark.parametrize(
    ("first", "second"),
    [(None, "alex"), ("sam", None), ("sam", "sam"), ("r2d2", "alex"), ("x" * 40, "alex")],
)
def test_unclear_names_change_nothing(
    talk: Conversation, store, first: str | None, second: str | None
) -> None:  # type: ignore[no-untyped-def]
    reply = talk.say("SetNamesIntent", first=first, second=second)
    assert said_one_of(reply, "names.unclear") and not reply.ended
    assert store.load(talk.user).get("names", []) == []


def test_two_part_names_keep_their_shape(talk: Conversation) -> None:
    reply = talk.say("SetNamesIntent", first="mary ann", second="o'neil")
    assert "Mary Ann and O'neil" in reply.text


@pytest.mark.parametrize("answer", ["AMAZON.YesIntent", "AMAZON.NoIntent"])
def test_new_names_replace_theirs_only_when_they_say_so(
    talk: Conversation, store, answer: str
) -> None:  # type: ignore[no-untyped-def]
    """Names heard over the ones they gave (misheard, or room talk on the bedside) are
    asked about first; the same two names in the other order just swap turns."""
    talk.say("SetNamesIntent", first="sam", second="alex")
    asked = talk.say("SetNamesIntent", first="peter", second="will")
    assert said_one_of(asked, "names.change", name="Sam and Alex", first="Peter", second="Will")
    assert talk.attributes["expects"] == ["yes_no"] and not asked.ended
    assert store.load(talk.user)["names"] == ["Sam", "Alex"]
    reply = talk.say(answer)
    if answer == "AMAZON.YesIntent":
        assert said_one_of(reply, "names.saved", first="Peter", second="Will")
        assert store.load(talk.user)["names"] == ["Peter", "Will"]
    else:
        assert said_one_of(reply, "names.kept", first="Sam", second="Alex")
        assert store.load(talk.user)["names"] == ["Sam", "Alex"]
        swapped = talk.say("SetNamesIntent", first="alex", second="sam")
        assert said_one_of(swapped, "names.saved", first="Alex", second="Sam")
        assert store.load(talk.user)["names"] == ["Alex", "Sam"]
