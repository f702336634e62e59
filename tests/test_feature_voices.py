"""Partners told apart by voice: with Alexa voice profiles a request carries
context.System.person.personId; "this is Sam" links that voice to a name. Greetings and the
speaker's own turns then use Alexa's <alexa:name> tag; a partner who answers out of turn in
the check-in is heard kindly, and one who says "I'll go first" at the other's turn in highs
and lows or the check-in goes now, the other right after (help says so at exactly the turns
where it works); one who says "skip my turn" there, or at the other's pain number in the
check-in, has their own turn left out while the other carries on (or is asked for their
number again); without profiles nothing changes ("skip my turn" is then "skip")."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from skill.engine import rituals
from skill.engine.ssml import Speech, person_name
from skill.engine.state import CHECKIN, HIGHS_LOWS, Progress
from skill.stores.sqlite import SQLiteAdapter
from tests.alexa import Conversation, Reply
from tests.conftest import START
from tests.test_feature_support import said_one_of, variants

SAM, ALEX = "amzn1.ask.person.SAMVOICE", "amzn1.ask.person.ALEXVOICE"
USER = "amzn1.ask.account.TESTCOUPLE"
ROOT = Path(__file__).resolve().parents[1]


def tag(person: str) -> str:
    return f'<alexa:name type="first" personId="{person}"/>'


def send(
    talk: Conversation, intent: str | None, person: str | None = None, **slots: str | None
) -> Reply:
    """One request; `person` is the voice Alexa recognised (None: no voice profile)."""
    env = talk.envelope_for("LaunchRequest" if intent is None else "IntentRequest", intent, slots)
    if person is not None:
        env["context"]["System"]["person"] = {"personId": person}
    return talk.send_envelope(env)


@pytest.fixture
def named(talk: Conversation, store) -> Conversation:  # type: ignore[no-untyped-def]
    store.save(talk.user, {"first_seen": START - 3600, "names": ["Sam", "Alex"]})
    return talk


def stored(store, talk: Conversation) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return store.load(talk.user) or {}


# -- linking a voice -----------------------------------------------------------------------
def test_this_is_sam_links_the_recognised_voice(named: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    reply = send(named, "ThisIsIntent", SAM, name="sam")
    assert "Hello, Sam" in reply.text and not reply.ended
    assert stored(store, named)["voices"] == {SAM: "Sam"}
    send(named, "ThisIsIntent", ALEX, name="Alex")
    assert stored(store, named)["voices"] == {SAM: "Sam", ALEX: "Alex"}


def test_one_voice_per_name_and_one_name_per_voice(named: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    send(named, "ThisIsIntent", SAM, name="Sam")
    send(named, "ThisIsIntent", ALEX, name="Sam")  # Alex's voice now says it is Sam
    assert stored(store, named)["voices"] == {ALEX: "Sam"}
    send(named, "ThisIsIntent", ALEX, name="Alex")
    assert stored(store, named)["voices"] == {ALEX: "Alex"}


def test_a_name_not_theirs_is_asked_about(named: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    reply = send(named, "ThisIsIntent", SAM, name="Jo")
    assert "Sam and Alex" in reply.text and "voices" not in stored(store, named)


def test_linking_a_voice_gives_a_first_name_when_none_is_known(talk: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    send(talk, "ThisIsIntent", SAM, name="Sam")
    record = stored(store, talk)
    assert record["names"] == ["Sam"] and record["voices"] == {SAM: "Sam"}


def test_without_a_voice_profile_nothing_is_linked(named: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    reply = send(named, "ThisIsIntent", None, name="Sam")
    assert "voice profiles" in reply.text
    assert "voices" not in stored(store, named)


# -- greetings and turns ---------------------------------------------------------------
def test_a_recognised_voice_is_greeted_by_alexa_s_own_name_for_it(named: Conversation) -> None:
    send(named, "ThisIsIntent", SAM, name="Sam")
    named.new_session()
    greeting = send(named, None, SAM)
    assert tag(SAM) in greeting.ssml and "Sam and Alex" not in greeting.text
    named.new_session()
    stranger = send(named, None, "amzn1.ask.person.GUEST")
    assert "alexa:name" not in stranger.ssml and "Sam and Alex" in stranger.text


def test_without_profiles_nothing_changes(named: Conversation) -> None:
    greeting = send(named, None)
    assert "alexa:name" not in greeting.ssml and "Sam and Alex" in greeting.text
    first = send(named, "HighsAndLowsIntent")
    assert "Sam" in first.text and "alexa:name" not in first.ssml


def test_the_speakers_own_turn_uses_the_tag_and_the_other_s_their_name(
    named: Conversation,
) -> None:
    send(named, "ThisIsIntent", SAM, name="Sam")
    sams_turn = send(named, "HighsAndLowsIntent", SAM)
    assert tag(SAM) in sams_turn.ssml
    send(named, "AMAZON.NextIntent", SAM)  # Sam's low
    alexs_turn = send(named, "AMAZON.NextIntent", SAM)  # Alex's high, asked by Sam's voice
    assert "alexa:name" not in alexs_turn.ssml and "Alex" in alexs_turn.text


# -- out of turn -----------------------------------------------------------------------
def test_an_answer_out_of_turn_is_kept_and_the_other_is_asked_kindly(
    named: Conversation, store
) -> None:  # type: ignore[no-untyped-def]
    send(named, "ThisIsIntent", SAM, name="Sam")
    send(named, "ThisIsIntent", ALEX, name="Alex")
    asks_sam = send(named, "EveningCheckInIntent", SAM)
    assert tag(SAM) in asks_sam.ssml
    early = send(named, "PainLevelIntent", ALEX, level="4")
    assert tag(ALEX) in early.ssml and "four" in early.text and "Sam, how about you" in early.text
    assert not early.ended
    sams = send(named, "PainLevelIntent", SAM, level="2")
    assert "Alex's number" in sams.text, "Alex is not asked again"
    assert "question" in sams.text.lower() or sams.measured.quiet_ms > 0
    assert "pain" not in str(stored(store, named)).lower().replace("pain_", "")


def test_the_same_check_in_without_voices_takes_turns_in_order(named: Conversation) -> None:
    send(named, "EveningCheckInIntent")
    alex_asked = send(named, "PainLevelIntent", None, level="4")
    assert "Alex" in alex_asked.text
    send(named, "PainLevelIntent", None, level="2")


# -- "I'll go first" at a talk step ---------------------------------------------------------
# What each talk prompt asks for, by words in its lines (skill/content/en-US.yaml).
ASKS = {
    "high": ("high point", "best part"),
    "low": ("low point", "toughest"),
    "appreciation": ("appreciate", "thankful", "grateful"),
}
NEXT, GO_FIRST = "AMAZON.NextIntent", "GoFirstIntent"


def asked(reply: Reply) -> tuple[str, str]:
    """Who the reply gives the floor to, and for what: ("Alex", "high")."""
    for sentence in re.split(r"(?<=[.?!])\s+", reply.ssml):
        for kind, words in ASKS.items():
            if any(w in sentence for w in words):
                who = [
                    n
                    for n, p in (("Sam", SAM), ("Alex", ALEX))
                    if n in sentence or tag(p) in sentence
                ]
                return (who[0] if len(who) == 1 else "?", kind)
    return ("", "")


@pytest.fixture
def voiced(named: Conversation) -> Conversation:
    """Sam and Alex, each voice linked to its name."""
    send(named, "ThisIsIntent", SAM, name="Sam")
    send(named, "ThisIsIntent", ALEX, name="Alex")
    return named


def test_alex_going_first_in_highs_and_lows_swaps_the_two_highs(
    voiced: Conversation, store
) -> None:  # type: ignore[no-untyped-def]
    heard = [asked(send(voiced, "HighsAndLowsIntent", SAM))]
    swap = send(voiced, GO_FIRST, ALEX)
    assert said_one_of(swap, "voices.go_first", partner="Sam"), "Sam hears they are next"
    assert tag(ALEX) in swap.ssml and swap.measured.quiet_ms == 45_000 and not swap.ended
    heard.append(asked(swap))
    # Either may say next, and next is only ever next.
    for voice in (ALEX, SAM, None, ALEX, SAM):
        heard.append(asked(send(voiced, NEXT, voice)))
    assert heard == [
        ("Sam", "high"),
        ("Alex", "high"),
        ("Sam", "high"),
        ("Sam", "low"),
        ("Alex", "low"),
        ("Sam", "appreciation"),
        ("Alex", "appreciation"),
    ]
    goodnight = send(voiced, NEXT, SAM)
    assert "goodnight" in goodnight.text.lower() and goodnight.ended
    assert [e["kind"] for e in stored(store, voiced)["practice_log"]] == ["highs_lows"]
    assert "progress" not in stored(store, voiced)


def test_going_first_at_a_low_keeps_each_partner_s_own_steps(voiced: Conversation) -> None:
    send(voiced, "HighsAndLowsIntent", SAM)
    send(voiced, NEXT, SAM)  # Sam's low
    swap = send(voiced, GO_FIRST, ALEX)
    assert asked(swap) == ("Alex", "low")
    rest = [asked(send(voiced, NEXT, ALEX)) for _ in range(4)]
    assert rest == [
        ("Sam", "low"),
        ("Alex", "high"),
        ("Sam", "appreciation"),
        ("Alex", "appreciation"),
    ]


def test_no_one_is_asked_twice_when_going_first_is_said_again(voiced: Conversation) -> None:
    send(voiced, "HighsAndLowsIntent", SAM)
    send(voiced, GO_FIRST, ALEX)
    sams_high = send(voiced, NEXT, ALEX)
    again = send(voiced, GO_FIRST, ALEX)  # Alex has had their high: this is Sam's
    assert asked(again) == ("", "") and said_one_of(again, "talk.still_talking")
    assert again.measured.quiet_ms == 30_000 and asked(sams_high) == ("Sam", "high")
    # The order is unchanged by it: Sam's low is next, then Alex's.
    assert asked(send(voiced, NEXT, SAM)) == ("Sam", "low")
    assert asked(send(voiced, NEXT, ALEX)) == ("Alex", "low")


def test_going_first_at_one_s_own_turn_is_just_more_quiet(voiced: Conversation) -> None:
    send(voiced, "HighsAndLowsIntent", SAM)
    own = send(voiced, GO_FIRST, SAM)
    assert said_one_of(own, "talk.still_talking") and own.measured.quiet_ms == 30_000
    assert asked(send(voiced, NEXT, SAM)) == ("Sam", "low")


@pytest.mark.parametrize("voice", [None, "amzn1.ask.person.GUEST"], ids=["no-profile", "unlinked"])
def test_without_a_linked_voice_going_first_is_what_unmatched_words_are(
    voiced: Conversation, voice: str | None
) -> None:
    send(voiced, "HighsAndLowsIntent", voice)
    words = send(voiced, GO_FIRST, voice)
    unmatched = send(voiced, "AMAZON.FallbackIntent", voice)
    for reply in (words, unmatched):
        assert said_one_of(reply, "talk.still_talking") and reply.measured.quiet_ms == 30_000
        assert asked(reply) == ("", "") and not reply.ended
    assert asked(send(voiced, NEXT, voice)) == ("Sam", "low")


@pytest.mark.parametrize("voice", [ALEX, None], ids=["alex", "no-profile"])
def test_going_first_with_no_ritual_under_way_offers_one(
    voiced: Conversation, voice: str | None
) -> None:
    words = send(voiced, GO_FIRST, voice)
    assert said_one_of(words, "voices.go_first_nothing") and said_one_of(words, "launch.choices")
    assert not words.ended


def test_the_other_voice_talking_at_a_turn_is_still_the_couple_talking(
    voiced: Conversation,
) -> None:
    """Words that match nothing, from Alex at Sam's turn, are most often Alex answering
    what Sam shared: more quiet, and the turns stay as they were."""
    send(voiced, "HighsAndLowsIntent", SAM)
    reply = send(voiced, "AMAZON.FallbackIntent", ALEX)
    assert said_one_of(reply, "talk.still_talking") and reply.measured.quiet_ms == 30_000
    assert asked(send(voiced, NEXT, ALEX)) == ("Sam", "low")


def test_a_swapped_order_is_picked_up_where_they_were(voiced: Conversation) -> None:
    send(voiced, "HighsAndLowsIntent", SAM)
    send(voiced, GO_FIRST, ALEX)
    send(voiced, "AMAZON.PauseIntent", ALEX)
    voiced.new_session()
    back = send(voiced, "ContinueIntent", SAM)
    assert asked(back) == ("Alex", "high")
    assert asked(send(voiced, NEXT, SAM)) == ("Sam", "high")
    assert asked(send(voiced, NEXT, SAM)) == ("Sam", "low")


def test_alex_going_first_at_the_check_in_s_appreciations(voiced: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    send(voiced, "EveningCheckInIntent", SAM)
    send(voiced, "PainLevelIntent", SAM, level="2")
    send(voiced, "PainLevelIntent", ALEX, level="3")  # the question
    send(voiced, NEXT, SAM)  # tonight's idea
    sams = send(voiced, NEXT, SAM)
    assert asked(sams) == ("Sam", "appreciation")
    alexs = send(voiced, GO_FIRST, ALEX)
    assert asked(alexs) == ("Alex", "appreciation") and said_one_of(
        alexs, "voices.go_first", partner="Sam"
    )
    assert asked(send(voiced, NEXT, ALEX)) == ("Sam", "appreciation")
    hug = send(voiced, NEXT, SAM)
    assert "hug" in hug.text and asked(hug) == ("", "")
    close = send(voiced, "AMAZON.NoIntent", SAM)
    assert close.ended
    assert [e["kind"] for e in stored(store, voiced)["practice_log"]] == ["checkin"]


# -- "skip my turn" at the other's talk step ---------------------------------------------------
SKIP, SKIP_MY_TURN = "SkipIntent", "SkipMyTurnIntent"


def progress_of(store, talk: Conversation) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict(stored(store, talk).get("progress") or {})


def heard_a_pass(reply: Reply) -> bool:
    """Whether the reply takes someone's pass on their own turn (the spoken text has
    "name" where Alexa will say a recognised voice's name)."""
    return any(
        said_one_of(reply, "voices.skip_mine", name=name, partner=partner)
        for name in ("name", "Sam", "Alex")
        for partner in ("Sam", "Alex")
    )


def assert_sam_carries_on(reply: Reply) -> None:
    """What the couple hears when Alex passes on their own turn during Sam's: Alex's pass
    taken by name, Sam's turn going on with its quiet, and no new prompt for anyone."""
    assert said_one_of(reply, "voices.skip_mine", name="name", partner="Sam"), reply.text
    assert tag(ALEX) in reply.ssml, "Alex is named by Alexa's own name for that voice"
    assert reply.measured.quiet_ms == 45_000 and said_one_of(reply, "talk.after")
    assert asked(reply) == ("", ""), "no one is given a new turn"
    assert not said_one_of(reply, "talk.moving_on") and not reply.ended
    assert any(line in reply.reprompt for line in variants("talk.reprompt"))
    assert max_words_between_pauses(reply) <= 40


def test_alex_passing_at_sam_s_high_leaves_out_alex_s_high_only(
    voiced: Conversation, store
) -> None:  # type: ignore[no-untyped-def]
    assert asked(send(voiced, "HighsAndLowsIntent", SAM)) == ("Sam", "high")
    passed = send(voiced, SKIP_MY_TURN, ALEX)
    assert_sam_carries_on(passed)
    assert progress_of(store, voiced)["step"] == 0, "Sam's high is still the step"
    heard = [asked(send(voiced, NEXT, voice)) for voice in (SAM, ALEX, SAM, ALEX)]
    assert heard == [
        ("Sam", "low"),
        ("Alex", "low"),
        ("Sam", "appreciation"),
        ("Alex", "appreciation"),
    ]
    goodnight = send(voiced, NEXT, SAM)
    assert "goodnight" in goodnight.text.lower() and goodnight.ended
    record = stored(store, voiced)
    assert [e["kind"] for e in record["practice_log"]] == ["highs_lows"]
    assert "progress" not in record


def test_a_pass_is_kept_through_a_pause_and_continue(voiced: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    send(voiced, "HighsAndLowsIntent", SAM)
    send(voiced, SKIP_MY_TURN, ALEX)
    send(voiced, "AMAZON.PauseIntent", SAM)
    saved = progress_of(store, voiced)
    assert saved["order"] == [0, 1, 3, 4, 5] and saved["step"] == 0
    assert set(saved) <= {"ritual", "started_at", "updated_at", "step", "talk_seconds",
                          "question", "seconds", "order"}  # fmt: skip
    voiced.new_session()
    back = send(voiced, "ContinueIntent", ALEX)
    assert asked(back) == ("Sam", "high")
    assert asked(send(voiced, NEXT, SAM)) == ("Sam", "low")
    assert asked(send(voiced, NEXT, SAM)) == ("Alex", "low")


def test_alex_passing_at_sam_s_low_leaves_out_alex_s_low_only(voiced: Conversation) -> None:
    send(voiced, "HighsAndLowsIntent", SAM)
    assert asked(send(voiced, NEXT, SAM)) == ("Sam", "low")
    assert_sam_carries_on(send(voiced, SKIP_MY_TURN, ALEX))
    rest = [asked(send(voiced, NEXT, SAM)) for _ in range(3)]
    assert rest == [("Alex", "high"), ("Sam", "appreciation"), ("Alex", "appreciation")]


def test_alex_passing_at_sam_s_appreciation_in_the_check_in(voiced: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    to_sams_appreciation_in_the_check_in(voiced)
    assert_sam_carries_on(send(voiced, SKIP_MY_TURN, ALEX))
    hug = send(voiced, NEXT, SAM)
    assert said_one_of(hug, "checkin.offer_hug") and asked(hug) == ("", "")
    assert send(voiced, "AMAZON.NoIntent", SAM).ended
    record = stored(store, voiced)
    assert [e["kind"] for e in record["practice_log"]] == ["checkin"]
    assert "pain" not in str(record).lower().replace("pain_", "")


def test_alex_passing_at_sam_s_pain_number_leaves_out_alex_s_and_asks_sam_again(
    voiced: Conversation, store
) -> None:  # type: ignore[no-untyped-def]
    send(voiced, "EveningCheckInIntent", SAM)
    passed = send(voiced, SKIP_MY_TURN, ALEX)
    assert said_one_of(passed, "voices.skip_mine_pain", name="name", partner="Sam"), passed.text
    assert tag(ALEX) in passed.ssml and not said_one_of(passed, "checkin.pain_skipped")
    assert not passed.ended
    assert any(line in passed.reprompt for line in variants("checkin.pain_reprompt"))
    assert progress_of(store, voiced)["step"] == 0, "Sam's number is still asked for"
    sams = send(voiced, "PainLevelIntent", SAM, level="6")
    assert "six" in sams.text, "Sam's number is heard, not skipped"
    assert "Alex" not in sams.text and "zero to ten" not in sams.text, "Alex is not asked"
    assert "question" in sams.text.lower() or sams.measured.quiet_ms > 0
    assert "pain" not in str(stored(store, voiced)).lower().replace("pain_", "")


def test_a_pass_after_a_question_left_behind_still_never_skips_sam_s_number(
    voiced: Conversation, store
) -> None:  # type: ignore[no-untyped-def]
    send(voiced, "EveningCheckInIntent", SAM)
    send(voiced, "ForgetUsIntent", SAM)  # a yes/no now waits
    again = send(voiced, SKIP_MY_TURN, ALEX)
    assert said_one_of(again, "forget.confirm_reprompt"), "not an answer: asked once more"
    passed = send(voiced, SKIP_MY_TURN, ALEX)  # the question is left behind: a pass
    assert said_one_of(passed, "voices.skip_mine_pain", name="name", partner="Sam"), passed.text
    assert progress_of(store, voiced)["step"] == 0, "Sam's number is still asked for"


def test_a_pass_on_the_pain_number_is_kept_through_a_pause(voiced: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    send(voiced, "EveningCheckInIntent", SAM)
    send(voiced, SKIP_MY_TURN, ALEX)
    send(voiced, "AMAZON.PauseIntent", SAM)
    saved = progress_of(store, voiced)
    assert saved["step"] == 0 and 1 not in saved["order"] and saved["order"][0] == 0
    voiced.new_session()
    back = send(voiced, "ContinueIntent", ALEX)
    assert "Sam" in back.text and "zero" in back.text and "Alex," not in back.text
    after = send(voiced, "PainLevelIntent", SAM, level="2")
    assert "two" in after.text and "Alex" not in after.text


def test_the_one_whose_turn_it_is_skipping_skips_their_turn_now(voiced: Conversation) -> None:
    send(voiced, "HighsAndLowsIntent", SAM)
    mine = send(voiced, SKIP_MY_TURN, SAM)
    assert asked(mine) == ("Sam", "low") and not heard_a_pass(mine)
    assert asked(send(voiced, NEXT, SAM)) == ("Alex", "high"), "Alex's turn is untouched"


@pytest.mark.parametrize("voice", [None, "amzn1.ask.person.GUEST"], ids=["no-profile", "unlinked"])
def test_without_a_linked_voice_skip_my_turn_skips_the_turn_under_way(
    voiced: Conversation, voice: str | None
) -> None:
    send(voiced, "HighsAndLowsIntent", voice)
    skipped = send(voiced, SKIP_MY_TURN, voice)
    assert asked(skipped) == ("Sam", "low") and not heard_a_pass(skipped)
    assert asked(send(voiced, NEXT, voice)) == ("Alex", "high")


def test_once_alex_has_had_theirs_skip_my_turn_skips_the_turn_under_way(
    voiced: Conversation,
) -> None:
    """Sam's high, then at Alex's high Sam passes: Sam's own high is had, so it is skip."""
    send(voiced, "HighsAndLowsIntent", SAM)
    send(voiced, NEXT, SAM)  # Sam's low
    assert asked(send(voiced, NEXT, SAM)) == ("Alex", "high")
    skipped = send(voiced, SKIP_MY_TURN, SAM)
    assert asked(skipped) == ("Alex", "low") and not heard_a_pass(skipped)


def test_a_second_pass_at_the_same_turn_is_a_skip(voiced: Conversation) -> None:
    send(voiced, "HighsAndLowsIntent", SAM)
    assert_sam_carries_on(send(voiced, SKIP_MY_TURN, ALEX))
    again = send(voiced, SKIP_MY_TURN, ALEX)  # Alex's high is already left out
    assert asked(again) == ("Sam", "low")
    assert asked(send(voiced, NEXT, SAM)) == ("Alex", "low")


# Everywhere "skip" is said in the other tests (outside a ritual, the check-in's pain
# levels, its question, tonight's idea, the hug offer, between timed parts, the weekly
# check-in, a pending question, and talk steps where a pass can't leave anything out),
# "skip my turn" is exactly "skip": the same words, the same session and the same record.
Say = tuple[str, str | None, dict[str, str]]
SKIP_PLACES: dict[str, tuple[Say, ...]] = {
    "no-ritual": (),
    "first-pain": (("EveningCheckInIntent", SAM, {}),),
    "second-pain": (("EveningCheckInIntent", SAM, {}), ("PainLevelIntent", SAM, {"level": "3"})),
    "pain-other-voice": (("EveningCheckInIntent", None, {}),),
    "question": (
        ("EveningCheckInIntent", SAM, {}),
        ("PainLevelIntent", SAM, {"level": "3"}),
        ("PainLevelIntent", ALEX, {"level": "2"}),
    ),
    "idea": (
        ("EveningCheckInIntent", None, {}),
        ("SkipIntent", None, {}),
        ("SkipIntent", None, {}),
        ("AMAZON.NextIntent", None, {}),
    ),
    "hug-offer": (
        ("EveningCheckInIntent", None, {}),
        ("SkipIntent", None, {}),
        ("SkipIntent", None, {}),
        *(("AMAZON.NextIntent", None, {}),) * 4,
    ),
    "short-check-in": (
        ("TouchHurtsIntent", None, {}),
        ("AMAZON.NoIntent", None, {}),
        ("EveningCheckInIntent", None, {}),
        ("AMAZON.YesIntent", None, {}),
    ),
    "breathing": (("BreathingIntent", None, {"duration": "PT4M"}),),
    "massage": (("MassageTimerIntent", None, {}),),
    "weekly": (("WeeklyCheckInIntent", SAM, {}),),
    "weekly-feel": (("WeeklyCheckInIntent", SAM, {}), *(("AMAZON.NextIntent", SAM, {}),) * 2),
    "forget-pending": (("EveningCheckInIntent", None, {}), ("ForgetUsIntent", None, {})),
    "highs-no-profile": (("HighsAndLowsIntent", None, {}),),
    "highs-own-turn": (("HighsAndLowsIntent", SAM, {}),),
    "highs-theirs-had": (("HighsAndLowsIntent", SAM, {}), *(("AMAZON.NextIntent", SAM, {}),) * 2),
}
# Who says "skip" there: the voice that spoke last (so never Alex passing during Sam's turn).
AFTER = ("AMAZON.NextIntent", "AMAZON.NextIntent")


def replay(talk: Conversation, path: tuple[Say, ...], skip: str, voice: str | None) -> list[Any]:
    send(talk, "ThisIsIntent", SAM, name="Sam")
    send(talk, "ThisIsIntent", ALEX, name="Alex")
    for intent, person, slots in path:
        send(talk, intent, person, **slots)
    heard = []
    for intent in (skip, skip, *AFTER):
        reply = send(talk, intent, voice)
        heard.append((reply.ssml, reply.reprompt, reply.ended, talk.attributes))
    return heard


@pytest.mark.parametrize("place", list(SKIP_PLACES))
def test_skip_my_turn_is_skip_wherever_a_pass_changes_nothing_else(
    make_app, tmp_path: Path, clock, place: str
) -> None:  # type: ignore[no-untyped-def]
    path = SKIP_PLACES[place]
    voice = path[-1][1] if path else SAM
    heard, records = {}, {}
    for skip in (SKIP, SKIP_MY_TURN):
        adapter = SQLiteAdapter(tmp_path / f"{skip}.sqlite3", clock=clock)
        try:
            adapter.save(USER, {"first_seen": START - 3600, "names": ["Sam", "Alex"]})
            talk = Conversation(make_app(adapter=adapter).test_client(), clock, user=USER)
            heard[skip] = replay(talk, path, skip, voice)
            records[skip] = adapter.load(USER)
        finally:
            adapter.close()
    assert heard[SKIP_MY_TURN] == heard[SKIP]
    assert records[SKIP_MY_TURN] == records[SKIP]


# -- help says "I'll go first" only where it works -------------------------------------------
MODEL = json.loads((ROOT / "interaction_models" / "en-US.json").read_text(encoding="utf-8"))
GO_FIRST_SAMPLES = {
    sample.lower()
    for intent in MODEL["interactionModel"]["languageModel"]["intents"]
    if intent["name"] == GO_FIRST
    for sample in intent["samples"]
}

SKIP_MY_TURN_SAMPLES = {
    sample.lower()
    for intent in MODEL["interactionModel"]["languageModel"]["intents"]
    if intent["name"] == SKIP_MY_TURN
    for sample in intent["samples"]
}


def suggests_going_first(reply: Reply) -> bool:
    return "go first" in reply.text.lower() or "skip my turn" in reply.text.lower()


def max_words_between_pauses(reply: Reply) -> int:
    """The most words spoken with no pause of a second or more (one breath)."""
    stretches = re.split(r'<break time="(?:[1-9]\d*s|\d{4,}ms)"/>', reply.ssml)
    return max(len(re.sub(r"<[^>]+>", " ", part).split()) for part in stretches)


def to_sams_appreciation_in_the_check_in(talk: Conversation) -> None:
    send(talk, "EveningCheckInIntent", SAM)
    send(talk, "PainLevelIntent", SAM, level="2")
    send(talk, "PainLevelIntent", ALEX, level="3")  # the question
    send(talk, NEXT, SAM)  # tonight's idea
    send(talk, NEXT, SAM)  # Sam's appreciation


@pytest.mark.parametrize("asker", [SAM, None], ids=["sam-asks", "no-profile-asks"])
@pytest.mark.parametrize(
    ("reach", "kind"),
    [
        (lambda talk: send(talk, "HighsAndLowsIntent", SAM), "high"),
        (to_sams_appreciation_in_the_check_in, "appreciation"),
    ],
    ids=["highs-and-lows", "check-in-appreciations"],
)
@pytest.mark.parametrize("then", [GO_FIRST, SKIP_MY_TURN], ids=["goes-first", "passes"])
def test_help_at_sam_s_turn_tells_alex_about_going_first_and_it_works(
    voiced: Conversation, reach: Any, kind: str, asker: str | None, then: str
) -> None:
    reach(voiced)
    helped = send(voiced, "AMAZON.HelpIntent", asker)
    assert said_one_of(helped, "help.go_first", partner="Alex") and not helped.ended
    assert said_one_of(helped, "talk.reprompt"), "next and more time still come first"
    assert len(helped.text.split()) <= 70 and max_words_between_pauses(helped) <= 40
    said = re.search(r"say (i'll go first)", helped.text.lower())
    assert said is not None and said.group(1) in GO_FIRST_SAMPLES
    passing = re.search(r"(skip my turn)\.", helped.text.lower())
    assert passing is not None and passing.group(1) in SKIP_MY_TURN_SAMPLES
    if then == GO_FIRST:
        swap = send(voiced, GO_FIRST, ALEX)
        assert asked(swap) == ("Alex", kind)
        assert said_one_of(swap, "voices.go_first", partner="Sam")
        assert asked(send(voiced, NEXT, ALEX)) == ("Sam", kind)
    else:
        assert_sam_carries_on(send(voiced, SKIP_MY_TURN, ALEX))
        after = send(voiced, NEXT, SAM)
        assert asked(after)[0] != "Alex" or asked(after)[1] != kind, "Alex's turn is left out"


def test_help_does_not_suggest_going_first_where_it_would_not_work(
    named: Conversation,
) -> None:
    assert not suggests_going_first(send(named, "AMAZON.HelpIntent", SAM)), "no ritual"
    send(named, "ThisIsIntent", SAM, name="Sam")
    send(named, "HighsAndLowsIntent", SAM)
    only_sam = send(named, "AMAZON.HelpIntent", SAM)
    assert said_one_of(only_sam, "talk.reprompt") and not suggests_going_first(only_sam), (
        "Alex's voice is not linked, so Alex saying it would change nothing"
    )
    send(named, "ThisIsIntent", ALEX, name="Alex")
    send(named, GO_FIRST, ALEX)  # Alex's high now, Sam's right after
    send(named, NEXT, ALEX)  # Sam's high: Alex has had theirs
    assert not suggests_going_first(send(named, "AMAZON.HelpIntent", SAM))
    send(named, NEXT, SAM)  # Sam's low: Alex's is still to come
    assert suggests_going_first(send(named, "AMAZON.HelpIntent", SAM))
    send(named, NEXT, SAM)  # Alex's low
    assert not suggests_going_first(send(named, "AMAZON.HelpIntent", ALEX)), "Sam's was had"
    send(named, NEXT, ALEX)  # Sam's appreciation
    send(named, NEXT, SAM)  # Alex's appreciation, the last step
    assert not suggests_going_first(send(named, "AMAZON.HelpIntent", SAM))


def test_help_in_the_check_in_before_the_appreciations_does_not_suggest_going_first(
    voiced: Conversation,
) -> None:
    send(voiced, "EveningCheckInIntent", SAM)
    at_pain = send(voiced, "AMAZON.HelpIntent", SAM)
    send(voiced, "PainLevelIntent", SAM, level="2")
    send(voiced, "PainLevelIntent", ALEX, level="3")
    at_question = send(voiced, "AMAZON.HelpIntent", SAM)
    send(voiced, NEXT, SAM)
    at_idea = send(voiced, "AMAZON.HelpIntent", SAM)
    for reply in (at_pain, at_question, at_idea):
        assert not suggests_going_first(reply) and not reply.ended


# -- the order a run takes its steps in ----------------------------------------------
def test_a_stored_order_that_does_not_fit_is_the_table_s_order() -> None:
    steps = rituals.RITUALS[HIGHS_LOWS].steps
    kept = Progress.from_dict(
        {"ritual": HIGHS_LOWS, "started_at": 1.0, "order": [2, 0, 1, 3, 4, 5]}
    )
    assert kept is not None and rituals.steps_of(kept)[:2] == (steps[2], steps[0])
    for junk in ([0, 0, 1, 2, 3, 4], [0, 1], [0, 1, 2, 3, 4, 9], "012345", [-1, 0, 1, 2, 3, 4]):
        progress = Progress.from_dict({"ritual": HIGHS_LOWS, "started_at": 1.0, "order": junk})
        assert progress is not None and rituals.steps_of(progress) == steps, junk
    for junk in ([], [0, 1, 2, 3], [4, 5]):  # a kind with no one's step left in it
        progress = Progress.from_dict({"ritual": HIGHS_LOWS, "started_at": 1.0, "order": junk})
        assert progress is not None and rituals.steps_of(progress) == steps, junk


def test_a_stored_order_may_leave_out_a_partner_s_own_turn() -> None:
    """A turn a partner passed on at the other's step of the same kind ("skip my turn")."""
    steps = rituals.RITUALS[HIGHS_LOWS].steps
    left_out = Progress.from_dict(
        {"ritual": HIGHS_LOWS, "started_at": 1.0, "step": 4, "order": [0, 1, 3, 4, 5]}
    )
    assert left_out is not None and rituals.length_of(left_out) == 5
    assert rituals.steps_of(left_out) == (steps[0], steps[1], steps[3], steps[4], steps[5])
    assert rituals.step_of(left_out) == steps[5]
    checkin = rituals.RITUALS[CHECKIN].steps
    alex_passed = Progress.from_dict(
        {"ritual": CHECKIN, "started_at": 1.0, "order": [0, 2, 3, 4, 5, 6]}
    )
    assert alex_passed is not None and rituals.steps_of(alex_passed) == checkin[:1] + checkin[2:]
    # Not a partner's own turn (the question, the hug offer), or both pain numbers.
    for junk in ([0, 1, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5], [2, 3, 4, 5, 6]):
        progress = Progress.from_dict({"ritual": CHECKIN, "started_at": 1.0, "order": junk})
        assert progress is not None and rituals.steps_of(progress) == checkin, junk


# -- forgetting ------------------------------------------------------------------------
def test_forget_our_names_unlinks_the_voices(named: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    send(named, "ThisIsIntent", SAM, name="Sam")
    reply = send(named, "ForgetNamesIntent", SAM)
    assert "which voice is whose" in reply.text
    record = stored(store, named)
    assert record.get("names") == [] and "voices" not in record


def test_forget_everything_erases_the_voices(named: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    send(named, "ThisIsIntent", SAM, name="Sam")
    send(named, "ForgetUsIntent", SAM)
    send(named, "AMAZON.YesIntent", SAM)
    assert "voices" not in stored(store, named)


# -- the tag itself ----------------------------------------------------------------------
@pytest.mark.parametrize("bad", ['x"/><audio src="y', "a b", "", "é"])
def test_only_a_well_formed_person_id_becomes_a_tag(bad: str) -> None:
    assert person_name(bad) is None


def test_text_around_the_tag_is_still_escaped() -> None:
    name = person_name(SAM)
    ssml = Speech().say(f"Hi {name} <b> & you").ssml
    assert ssml == f"<speak>Hi {tag(SAM)} &lt;b&gt; &amp; you</speak>"
