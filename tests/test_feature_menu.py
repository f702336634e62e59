"""The closeness menu (add, list in pieces, remove, pick; kept across a restart) and the
weekly challenge of ten ways to be close."""

from __future__ import annotations

import random

import pytest

from skill.engine.content import Content
from skill.handlers.menu import column_for
from skill.stores.sqlite import SQLiteAdapter
from tests.alexa import Conversation, Reply
from tests.test_feature_support import CONTENT, said_one_of

DAY = 24 * 3600
STARTER = [v[:1].lower() + v[1:] for k in ("physical", "emotional", "shared")
           for v in CONTENT.variants(f"menu.starter.{k}")]  # fmt: skip


def read_whole_menu(talk: Conversation) -> list[Reply]:
    pages = [talk.say("ListMenuIntent")]
    while said_one_of(pages[-1], "menu.say_more"):
        assert len(pages) < 12
        pages.append(talk.say("MoreIntent"))
    return pages


def heard(pages: list[Reply]) -> str:
    return " ".join(p.text for p in pages)


def test_menu_round_trip_across_a_restart(
    talk: Conversation, make_app, config, clock, db_path
) -> None:  # type: ignore[no-untyped-def]
    added = talk.say("AddToMenuIntent", item="stargazing")
    assert "stargazing" in added.text and not added.ended
    removed = talk.say("RemoveFromMenuIntent", item="foot rubs")
    assert "foot rubs" in removed.text
    talk.say("AMAZON.StopIntent")

    restarted = SQLiteAdapter(db_path, clock=clock)
    try:
        talk.client = make_app(config, restarted, seed=3).test_client()
        talk.new_session()
        menu = heard(read_whole_menu(talk))
    finally:
        restarted.close()
    assert "stargazing" in menu
    assert "foot rubs" not in menu
    assert all(item in menu for item in STARTER if item != "foot rubs")


def test_the_starter_menu_has_three_columns_read_in_short_pieces(talk: Conversation) -> None:
    pages = read_whole_menu(talk)
    assert len(pages) == 3
    for page, column in zip(pages, ("physical", "emotional", "shared"), strict=True):
        intros = [v.split("{")[0] for v in CONTENT.variants(f"menu.column.{column}")]
        assert any(intro in page.text for intro in intros)
        column_items = CONTENT.variants(f"menu.starter.{column}")
        assert all(item.lower() in page.text.lower() for item in column_items)
        assert len(page.text.split()) < 60
    assert said_one_of(pages[-1], "menu.list_end")
    assert all(item in heard(pages) for item in STARTER)


def test_added_things_land_in_a_fitting_column(talk: Conversation) -> None:
    talk.say("AddToMenuIntent", item="back scratches")
    talk.say("AddToMenuIntent", item="writing love letters")
    talk.say("AddToMenuIntent", item="a puzzle together")
    pages = read_whole_menu(talk)
    for item, column in [
        ("back scratches", "physical"),
        ("writing love letters", "emotional"),
        ("a puzzle together", "shared"),
    ]:
        page = next(p.text for p in pages if item in p.text)
        intros = [v.split("{")[0] for v in CONTENT.variants(f"menu.column.{column}")]
        assert any(intro in page for intro in intros), (item, page)
    # Seven things to touch are read as two short pieces, not six and a lonely one.
    touch = [i.lower() for i in CONTENT.variants("menu.starter.physical")] + ["back scratches"]
    per_page = [sum(item in p.text for item in touch) for p in pages]
    assert [n for n in per_page if n] == [4, 3]


def test_adding_something_twice_and_removing_something_absent(talk: Conversation) -> None:
    assert said_one_of(talk.say("AddToMenuIntent", item="Reading Aloud"), "menu.already",
                       idea="reading aloud")  # fmt: skip
    missing = talk.say("RemoveFromMenuIntent", item="skydiving")
    assert "couldn't find skydiving" in missing.text


def test_removing_finds_what_they_mean(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    reply = talk.say("RemoveFromMenuIntent", item="the foot rub")
    assert "foot rubs" in reply.text
    texts = [m["text"] for m in store.load(talk.user)["menu"]]
    assert "foot rubs" not in texts and "hand massage" in texts


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("café dates", "café dates"),
        ("a Piñata party", "a piñata party"),
        ("Crème brûlée together!", "crème brûlée together"),
        ("reading Rilke\u2019s letters", "reading rilke's letters"),
        ("cafe\u0301 dates", "caf\u00e9 dates"),  # the accent as a separate mark
        ("ποτό στο μπαλκόνι", "ποτό στο μπαλκόνι"),
    ],
)
def test_added_things_keep_every_letter(talk: Conversation, store, said: str, kept: str) -> None:  # type: ignore[no-untyped-def]
    added = talk.say("AddToMenuIntent", item=said)
    assert said_one_of(added, "menu.added", idea=kept)
    assert kept in [m["text"] for m in store.load(talk.user)["menu"]]
    removed = talk.say("RemoveFromMenuIntent", item=kept.upper())
    assert said_one_of(removed, "menu.removed", idea=kept)
    assert kept not in [m["text"] for m in store.load(talk.user)["menu"]]


def test_removing_asks_which_when_more_than_one_could_be_meant(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("AddToMenuIntent", item="ten minute walk")
    which = talk.say("RemoveFromMenuIntent", item="walk")
    assert said_one_of(which, "menu.remove_which", idea="nature walks or ten minute walk")
    assert not which.ended
    assert any(v in which.reprompt for v in CONTENT.variants("menu.remove_which_reprompt"))
    texts = [m["text"] for m in store.load(talk.user)["menu"]]
    assert "nature walks" in texts and "ten minute walk" in texts, "nothing taken off on a guess"
    removed = talk.say("RemoveFromMenuIntent", item="the ten minute walk")
    assert said_one_of(removed, "menu.removed", idea="ten minute walk")
    texts = [m["text"] for m in store.load(talk.user)["menu"]]
    assert "nature walks" in texts and "ten minute walk" not in texts


def test_the_exact_item_wins_over_ones_containing_it(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    talk.say("AddToMenuIntent", item="walks")
    removed = talk.say("RemoveFromMenuIntent", item="walk")
    assert said_one_of(removed, "menu.removed", idea="walks")
    assert "nature walks" in [m["text"] for m in store.load(talk.user)["menu"]]


def test_the_words_that_pick_a_column_are_content_data() -> None:
    content = Content(
        {
            "menu.column_words.physical": ("Wiggle, wiggling",),
            "menu.column_words.emotional": ("Natter",),
        },
        random.Random(1),
    )
    assert column_for(content, "a little WIGGLING") == "physical"
    assert column_for(content, "natter over tea") == "emotional"
    assert column_for(content, "long hugs") == "shared"
    # The real lists: touch first, then talk.
    assert column_for(CONTENT, "hugs and talks") == "physical"
    assert column_for(CONTENT, "thank-you notes") == "emotional"
    # Touch by other names rests with the rest of it on a night touch hurts.
    for touch in ("slow dancing", "a neck and shoulder rub", "nuzzling on the sofa"):
        assert column_for(CONTENT, touch) == "physical", touch


def test_an_empty_menu_says_how_to_add(talk: Conversation) -> None:
    for item in STARTER:
        talk.say("RemoveFromMenuIntent", item=item)
    assert said_one_of(talk.say("ListMenuIntent"), "menu.empty")
    assert said_one_of(talk.say("PickFromMenuIntent"), "menu.empty")


def test_pick_and_another_one_offer_different_things(talk: Conversation) -> None:
    first = talk.say("PickFromMenuIntent")
    second = talk.say("AnotherOneIntent")
    pick = [i for i in STARTER if i in first.text]
    again = [i for i in STARTER if i in second.text]
    assert len(pick) == 1 and len(again) == 1 and pick != again


def test_checkin_idea_comes_from_their_own_menu(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    store.save(
        talk.user,
        {"first_seen": 1.0, "menu": [{"text": "stargazing on the balcony", "kind": "shared"}]},
    )
    talk.say("EveningCheckInIntent")
    talk.say("PainLevelIntent", level="8")
    talk.say("PainLevelIntent", level="3")
    idea = talk.say("AMAZON.NextIntent")
    assert "stargazing on the balcony" in idea.text


# -- the weekly challenge ---------------------------------------------------------------
WAYS = CONTENT.variants("challenge.ways")


def test_ten_ways_one_at_a_time_with_progress(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    start = talk.say("StartChallengeIntent")
    assert WAYS[0] in start.text and "we did one" in start.text
    for done in range(1, 10):
        reply = talk.say("ChallengeDoneIntent")
        assert WAYS[done] in reply.text
    status = talk.say("ChallengeStatusIntent")
    assert "nine of this week's ten" in status.text
    assert WAYS[9] not in status.text, "just said: not repeated straight away"
    talk.new_session()
    status = talk.say("ChallengeStatusIntent")
    assert "nine of this week's ten" in status.text and WAYS[9] in status.text
    finished = talk.say("ChallengeDoneIntent")
    assert said_one_of(finished, "challenge.complete")
    log = store.load(talk.user)["practice_log"]
    assert [e["kind"] for e in log] == ["challenge"] * 10


# Ways about touch, by position (from 0), as the content marks them with a stand-in.
TOUCH_WAYS = {0: "challenge.gentle.1", 7: "challenge.gentle.8"}


@pytest.mark.parametrize("report", ["TouchHurtsIntent", "HighPainDayIntent"])
def test_on_a_hard_night_the_challenge_never_suggests_touch(
    talk: Conversation, report: str
) -> None:
    talk.say(report)
    heard = [talk.say("StartChallengeIntent")]
    heard += [talk.say("ChallengeDoneIntent") for _ in range(8)]
    for done, reply in enumerate(heard):
        if done in TOUCH_WAYS:
            assert WAYS[done] not in reply.text, reply.text
            assert said_one_of(reply, TOUCH_WAYS[done]) and "touch" in reply.text.lower()
        else:
            assert WAYS[done] in reply.text, "the others are the same ways, in the same order"
    status = talk.say("ChallengeStatusIntent")
    assert "eight of this week's ten" in status.text, "the count goes on as usual"


def test_starting_again_midweek_keeps_progress(talk: Conversation) -> None:
    talk.say("StartChallengeIntent")
    talk.say("ChallengeDoneIntent")
    talk.new_session()
    again = talk.say("StartChallengeIntent")
    assert "one of this week's ten" in again.text and WAYS[1] in again.text


def test_a_week_later_the_challenge_rests_kindly(talk: Conversation, clock) -> None:  # type: ignore[no-untyped-def]
    talk.say("StartChallengeIntent")
    talk.say("ChallengeDoneIntent")
    talk.say("ChallengeDoneIntent")
    clock.advance(8 * DAY)
    status = talk.say("ChallengeStatusIntent")
    assert "two of the ten" in status.text and said_one_of(status, "challenge.none")
    fresh = talk.say("StartChallengeIntent")
    assert WAYS[0] in fresh.text


def test_we_did_one_without_a_challenge(talk: Conversation) -> None:
    reply = talk.say("ChallengeDoneIntent")
    assert said_one_of(reply, "challenge.done_without") and not reply.ended


# -- the words replies suggest are the words that work ----------------------------------
def test_what_the_menu_and_the_questions_suggest_is_understood_as_said() -> None:
    """'Say take off, then its full name'; 'name a kind, like a question about meaning';
    'add one, like add reading aloud to our menu': said as suggested, through the
    bedside's own understanding of the interaction model."""
    from local_speaker.matcher import Matcher
    from local_speaker.model import InteractionModel

    matcher = Matcher(InteractionModel.load())
    for said, intent, slot, value in (
        ("take off ten minute walk", "RemoveFromMenuIntent", "item", "ten minute walk"),
        ("take off foot rubs", "RemoveFromMenuIntent", "item", "foot rubs"),
        ("a question about meaning", "QuestionIntent", "deck", "meaning"),
        ("add reading aloud to our menu", "AddToMenuIntent", "item", "reading aloud"),
    ):
        understood = matcher.understand(said)
        assert understood.intent == intent and understood.slots[slot].value == value, said
    for erase in ("remove our data", "remove our names"):
        assert matcher.understand(erase).intent != "RemoveFromMenuIntent", erase
    assert "add something to our menu" not in CONTENT.say("menu.reprompt")


@pytest.mark.parametrize("vague", ["something", "an idea", "Something!"])
def test_add_something_to_our_menu_asks_what_and_adds_nothing(
    talk: Conversation, store, vague: str
) -> None:  # type: ignore[no-untyped-def]
    reply = talk.say("AddToMenuIntent", item=vague)
    assert said_one_of(reply, "menu.add_unclear") and not reply.ended
    assert "menu" not in (store.load(talk.user) or {}), "the starter menu stays as it is"


def test_ideas_two_devices_added_past_the_limit_are_not_dropped_later(
    talk: Conversation, store
) -> None:  # type: ignore[no-untyped-def]
    """Two partners adding at once to a menu one short of full both hear 'added', and the
    merged menu holds one more than the limit; a later turn must not silently drop it."""
    from skill.engine.changes import apply
    from skill.engine.state import MENU_LIMIT

    full = [{"text": f"idea {n}", "kind": "shared"} for n in range(MENU_LIMIT - 1)]
    first = {"text": "kites", "kind": "shared"}
    second = {"text": "pottery", "kind": "shared"}
    merged = apply([("menu_add", second)], {"first_seen": 1.0, "menu": [*full, first]})
    store.save(talk.user, merged)
    talk.say("HugTimerIntent")
    kept = [item["text"] for item in store.load(talk.user)["menu"]]
    assert kept[-2:] == ["kites", "pottery"] and len(kept) == MENU_LIMIT + 1
    full_now = talk.say("AddToMenuIntent", item="puzzles")
    assert "puzzles" not in [i["text"] for i in store.load(talk.user)["menu"]], full_now.text
