"""Several processes (servers) changing one couple's record at once, on SQLite and on DynamoDB:
everything the skill acknowledged is stored, counted for each kind of change (menu items
added and removed, hugs in the counts and as rows, challenge ways, questions heard)."""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from skill.builder import build_skill, make_store
from skill.config import Config
from skill.engine.state import CHALLENGE_SIZE
from skill.engine.synonyms import slot_synonyms
from skill.frontends.web import create_app
from tests.alexa import Conversation
from tests.test_feature_menu import STARTER
from tests.test_feature_support import CONTENT

if TYPE_CHECKING:
    pass

pytest_plugins = ("tests.dynalite",)

USER = "amzn1.ask.account.CONCURRENTCOUPLE"
NOT_SAVED = "couldn't save"
PROCESSES = 4
ROUNDS = 5
IDEAS = ("kites", "pottery", "sunsets", "poems", "picnics", "tango", "puzzles", "lanterns")
FLAVOURS = ("quiet", "silly", "rainy", "golden")


class WallClock:
    """Real time, as the Conversation helper expects a clock object."""

    def __call__(self) -> float:
        import time

        return time.time()


def device(config: Config, n: int, barrier: Any, results: Any) -> None:
    """One server process with one device of the couple, making changes of every kind."""
    skill = build_skill(config, store=make_store(config), rng=random.Random(n))
    app = create_app(config, skill=skill)
    talk = Conversation(app.test_client(), WallClock(), user=USER)
    acked: dict[str, list[str]] = {"add": [], "remove": [], "hug": [], "done": [], "asked": []}
    barrier.wait()
    for i in range(ROUNDS):
        idea = f"{FLAVOURS[n]} {IDEAS[i]}"
        reply = talk.say("AddToMenuIntent", item=idea)
        if idea in reply.text and NOT_SAVED not in reply.text:
            acked["add"].append(idea)
        if i == 0:
            # Each device takes one starter item off: the first change for several of them.
            gone = STARTER[n]
            reply = talk.say("RemoveFromMenuIntent", item=gone)
            if gone in reply.text and NOT_SAVED not in reply.text:
                acked["remove"].append(gone)
        reply = talk.say("HugTimerIntent")
        if NOT_SAVED not in reply.text:
            acked["hug"].append("hug")
        talk.new_session()
        if i < 2:
            reply = talk.say("ChallengeDoneIntent")
            if NOT_SAVED not in reply.text:
                acked["done"].append("one")
            reply = talk.say("QuestionIntent")
            asked = [qid for text, qid in QUESTION_IDS.items() if text in reply.text]
            if len(asked) == 1 and NOT_SAVED not in reply.text:
                acked["asked"].append(asked[0])
            talk.new_session()
    results.put((n, acked))


QUESTION_IDS = {
    CONTENT.line(f"deck.{deck}", i): f"{deck}:{i}"
    for deck in slot_synonyms("en-US", "DeckKind")
    for i in range(len(CONTENT.variants(f"deck.{deck}")))
}


def at_once(target: Any, config: Config, count: int) -> dict[int, Any]:
    """`count` server processes running `target(config, n, barrier, results)` together;
    what each put in `results` as (n, what), by n. Each must exit cleanly."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(count)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(config, n, barrier, results)) for n in range(count)]
    for p in procs:
        p.start()
    out = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return out


def run_devices(config: Config) -> list[dict[str, list[str]]]:
    return list(at_once(device, config, PROCESSES).values())


def start_challenge(config: Config) -> None:
    app = create_app(config, skill=build_skill(config, store=make_store(config)))
    talk = Conversation(app.test_client(), WallClock(), user=USER)
    assert "challenge" in talk.say("StartChallengeIntent").text.lower()


def check_everything_acknowledged_is_stored(config: Config) -> None:
    start_challenge(config)
    acked = run_devices(config)
    store = make_store(config)
    stored = store.load(USER)
    menu = [item["text"] for item in stored["menu"]]
    added = [idea for a in acked for idea in a["add"]]
    removed = [item for a in acked for item in a["remove"]]
    hugs = sum(len(a["hug"]) for a in acked)
    done = sum(len(a["done"]) for a in acked)
    asked = [qid for a in acked for qid in a["asked"]]
    counts = {
        "menu adds acknowledged": len(added),
        "menu adds stored": sum(idea in menu for idea in added),
        "menu removes acknowledged": len(removed),
        "menu removes stored": sum(item not in menu for item in removed),
        "hugs acknowledged": hugs,
        "hugs counted": stored["practice_counts"].get("hug", 0),
        "hug rows": sum(e["kind"] == "hug" for e in store.practice_rows(USER)),  # type: ignore[attr-defined]
        "challenge ways acknowledged": done,
        "challenge ways stored": stored["challenge"]["done"],
        "questions heard acknowledged": len(set(asked)),
        "questions heard stored": len(set(asked) & set(stored.get("recent_deck", []))),
    }
    print(counts)
    assert len(added) == PROCESSES * ROUNDS, "every add should have been acknowledged"
    assert counts["menu adds stored"] == len(added), counts
    assert counts["menu removes stored"] == len(removed) == PROCESSES, counts
    assert counts["hugs counted"] == counts["hug rows"] == hugs == PROCESSES * ROUNDS, counts
    assert counts["challenge ways stored"] == min(done, CHALLENGE_SIZE) == 2 * PROCESSES, counts
    assert len(asked) == 2 * PROCESSES, "every question should have been recognised"
    assert counts["questions heard stored"] == counts["questions heard acknowledged"], counts
    untouched = [item for item in STARTER if item not in removed]
    assert all(item in menu for item in untouched), "no other starter item went missing"


def test_four_servers_on_one_sqlite_file_lose_nothing_acknowledged(tmp_path: Path) -> None:
    config = Config(db_path=tmp_path / "shared.sqlite3", verify=False)
    check_everything_acknowledged_is_stored(config)


@pytest.mark.usefixtures("dynamo_env")
def test_four_servers_on_one_dynamodb_table_lose_nothing_acknowledged(
    dynamo_config: Config,
) -> None:
    config = dynamo_config
    check_everything_acknowledged_is_stored(config)


# -- two voices linked at once ------------------------------------------------------------
VOICE_ROUNDS = 8
VOICES = (("amzn1.ask.person.SAMVOICE", "Sam"), ("amzn1.ask.person.ALEXVOICE", "Alex"))


def voice_user(round_: int) -> str:
    return f"{USER}.VOICES{round_}"


def linking_device(config: Config, n: int, barrier: Any, results: Any) -> None:
    """One server process where one partner says "this is <name>", on a fresh couple each
    round, at the same moment as the other partner on another server."""
    from tests.test_feature_voices import send

    skill = build_skill(config, store=make_store(config))
    app = create_app(config, skill=skill)
    person, name = VOICES[n]
    acked = []
    for round_ in range(VOICE_ROUNDS):
        talk = Conversation(app.test_client(), WallClock(), user=voice_user(round_))
        barrier.wait()
        reply = send(talk, "ThisIsIntent", person, name=name)
        if f"Hello, {name}" in reply.text and NOT_SAVED not in reply.text:
            acked.append(round_)
    results.put((n, acked))


def check_both_voices_linked(config: Config) -> None:
    store = make_store(config)
    for round_ in range(VOICE_ROUNDS):
        store.save(voice_user(round_), {"first_seen": 1.0, "names": ["Sam", "Alex"]})
    acked = at_once(linking_device, config, len(VOICES))
    lost = [
        (round_, VOICES[n][1])
        for n, rounds in acked.items()
        for round_ in rounds
        if (store.load(voice_user(round_)) or {}).get("voices", {}).get(VOICES[n][0])
        != VOICES[n][1]
    ]
    assert sum(len(r) for r in acked.values()) == 2 * VOICE_ROUNDS, acked
    assert lost == [], f"acknowledged voice links lost: {lost}"


def test_two_voices_linked_at_once_on_two_servers_are_both_kept(tmp_path: Path) -> None:
    check_both_voices_linked(Config(db_path=tmp_path / "shared.sqlite3", verify=False))


@pytest.mark.usefixtures("dynamo_env")
def test_two_voices_linked_at_once_on_dynamodb_are_both_kept(dynamo_config: Config) -> None:
    check_both_voices_linked(dynamo_config)


NAMING_ROUNDS = 12
NAMING = ("Sam", "Alex")


def naming_device(config: Config, n: int, barrier: Any, results: Any) -> None:
    """One server where one partner says "call me <name>", on a fresh couple each round,
    at the same moment as the other partner on another server."""
    skill = build_skill(config, store=make_store(config))
    app = create_app(config, skill=skill)
    name = NAMING[n]
    acked = []
    for round_ in range(NAMING_ROUNDS):
        talk = Conversation(app.test_client(), WallClock(), user=f"{USER}.NAMES{round_}")
        barrier.wait()
        reply = talk.say("CallMeIntent", name=name)
        if name in reply.text and NOT_SAVED not in reply.text:
            acked.append(round_)
    results.put((n, acked))


def check_both_names_kept(config: Config) -> None:
    acked = at_once(naming_device, config, len(NAMING))
    store = make_store(config)
    lost = [
        (round_, NAMING[n])
        for n, rounds in acked.items()
        for round_ in rounds
        if NAMING[n] not in (store.load(f"{USER}.NAMES{round_}") or {}).get("names", [])
    ]
    assert sum(len(r) for r in acked.values()) == 2 * NAMING_ROUNDS, acked
    assert lost == [], f"names heard as saved but lost: {lost}"


def test_two_partners_naming_themselves_at_once_on_two_servers_are_both_kept(
    tmp_path: Path,
) -> None:
    check_both_names_kept(Config(db_path=tmp_path / "shared.sqlite3", verify=False))


@pytest.mark.usefixtures("dynamo_env")
def test_two_partners_naming_themselves_at_once_on_dynamodb_are_both_kept(
    dynamo_config: Config,
) -> None:
    check_both_names_kept(dynamo_config)
