"""Question decks and words for hard moments: enough, unrepeated, speakable, gentle, our own.

Reads every content file for the locale straight from YAML (``skill/content/en-US.yaml`` and
``skill/content/en-US/*.yaml``), so it checks the data itself, wherever a deck or a
situation happens to live. Each checker is a small function with a negative test below,
so a broken line really does fail the suite.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTENT_DIR = ROOT / "skill" / "content"
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

DECKS = (
    "deck.emotional",
    "deck.intellectual",
    "deck.physical",
    "deck.experiential",
    "deck.spiritual",
    "deck.everyday",
)
SITUATIONS = (
    "words.opening",
    "words.validating",
    "words.pausing",
    "words.listening",
    "words.reassuring",
    "words.asking",
)
MIN_PER_DECK = 25
MIN_PER_SITUATION = 8
MAX_WORDS = 40  # every line stays under this
NEAR_DUPLICATE_WORDS = 6  # lines in one deck may not open with the same six words
SEED_RUN = 9  # no run this long may match the seed documents

NEVER_SAY = re.compile(
    r"\b(sex|sexy|orgasms?|naked|arous\w*|must|have to|should|streaks?|failed|"
    r"owe|owed|owes|duty|duties|obligat\w*|perform\w*)\b",
    re.IGNORECASE,
)
# Letters, spaces and ordinary spoken punctuation: no digits, braces, SSML or emoji.
SPEAKABLE = re.compile(r"[A-Za-z ,.?!'\u2019;:\-]+")


# --- loading -------------------------------------------------------------------------


def content_files() -> list[Path]:
    files = {*CONTENT_DIR.glob("en-US*.yaml"), *CONTENT_DIR.glob("en-US/*.yaml")}
    return sorted(files)


def load_content() -> dict[str, list[str]]:
    """Every key in every content file, as a list of lines."""
    merged: dict[str, list[str]] = defaultdict(list)
    for path in content_files():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert isinstance(raw, dict), f"{path.name} is not a mapping"
        for key, value in raw.items():
            lines = [value] if isinstance(value, str) else list(value)
            merged[str(key)].extend(" ".join(str(line).split()) for line in lines)
    return dict(merged)


CONTENT = load_content()
OURS = {key: lines for key, lines in CONTENT.items() if key.startswith(("deck.", "words."))}
OUR_LINES = [(key, line) for key, lines in OURS.items() for line in lines]


# --- checkers ------------------------------------------------------------------------


def normalise(line: str) -> str:
    """Lowercase, plain apostrophes, punctuation dropped, single spaces."""
    text = line.lower().replace("\u2019", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def duplicates(lines: Iterable[str]) -> set[str]:
    """Normalised lines that occur more than once."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for line in lines:
        norm = normalise(line)
        (repeated if norm in seen else seen).add(norm)
    return repeated


def near_duplicates(lines: Iterable[str], n: int = NEAR_DUPLICATE_WORDS) -> list[list[str]]:
    """Groups of lines that open with the same first n words."""
    groups: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        opening = normalise(line).split()[:n]
        if len(opening) == n:
            groups[" ".join(opening)].append(line)
    return [group for group in groups.values() if len(group) > 1]


def line_problems(line: str) -> list[str]:
    """Why a line would not work spoken aloud by the skill (empty when it is fine)."""
    problems = []
    if len(line.split()) >= MAX_WORDS:
        problems.append(f"{len(line.split())} words")
    if re.search(r"\d", line):
        problems.append("digits (spell numbers as words)")
    if "{" in line or "}" in line:
        problems.append("braces")
    if not SPEAKABLE.fullmatch(line):
        problems.append("characters a voice can't say plainly")
    if not line[:1].isupper():
        problems.append("no capital letter first")
    if not line.endswith(("?", ".")):
        problems.append("does not end with ? or .")
    if line.count("?") > 1:
        problems.append("more than one question")
    if match := NEVER_SAY.search(line):
        problems.append(f"never-say word {match.group(0)!r}")
    return problems


def shingles(text: str, n: int = SEED_RUN) -> set[str]:
    ws = words(text)
    return {" ".join(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def seed_runs(text: str, seed_text: str, n: int = SEED_RUN) -> set[str]:
    """Runs of n words that `text` shares with `seed_text`."""
    return shingles(text, n) & shingles(seed_text, n)


# --- the content ---------------------------------------------------------------------


def test_content_files_are_found() -> None:
    names = {path.relative_to(CONTENT_DIR).as_posix() for path in content_files()}
    assert {"en-US/decks.yaml", "en-US/words.yaml"} <= names


@pytest.mark.parametrize("key", DECKS)
def test_each_deck_has_enough_questions(key: str) -> None:
    assert len(CONTENT.get(key, [])) >= MIN_PER_DECK, key


@pytest.mark.parametrize("key", SITUATIONS)
def test_each_situation_has_enough_lines(key: str) -> None:
    """Enough without the lines that ask for touch (`key.touch`), left out while it hurts."""
    assert len(CONTENT.get(key, [])) >= MIN_PER_SITUATION, key


def test_no_deck_or_words_line_is_repeated_anywhere_in_the_content() -> None:
    ours = {normalise(line) for _, line in OUR_LINES}
    everything = [line for lines in CONTENT.values() for line in lines]
    assert not duplicates(everything) & ours


@pytest.mark.parametrize("key", sorted(OURS))
def test_no_near_duplicates_within_a_deck_or_situation(key: str) -> None:
    assert not near_duplicates(OURS[key])


@pytest.mark.parametrize(("key", "line"), OUR_LINES)
def test_every_line_reads_well_aloud(key: str, line: str) -> None:
    assert not line_problems(line), f"{key}: {line!r}"


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.name)
def test_content_is_in_our_own_words(path: Path) -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"no seed documents at {SEEDS_DIR}")
    seed_text = " ".join(
        seed.read_text(encoding="utf-8", errors="replace")
        for seed in sorted(SEEDS_DIR.iterdir())
        if seed.is_file()
    )
    assert not seed_runs(path.read_text(encoding="utf-8"), seed_text), path.name


# --- the checkers catch bad lines ----------------------------------------------------


def test_duplicates_ignore_case_spacing_and_punctuation() -> None:
    assert duplicates(["What made today good?", "what  made today good"]) == {
        "what made today good"
    }
    assert duplicates(["What made today good?", "What made today hard?"]) == set()


def test_near_duplicates_share_an_opening() -> None:
    deck = [
        "What is one thing you loved about today?",
        "What is one thing you loved about last week?",
        "Which song reminds you of us?",
    ]
    assert near_duplicates(deck) == [deck[:2]]
    assert near_duplicates(deck[1:]) == []


@pytest.mark.parametrize(
    "bad",
    [
        "Tell me " + "more " * 40 + "please.",
        "My pain is at 7 today.",
        "My pain is at {level} today.",
        "<break time='2s'/> Breathe in.",
        "Hug me \U0001f917.",
        "which song reminds you of us?",
        "Which song reminds you of us",
        "Which song? Which film?",
        "We should talk.",
        "You have to try this.",
        "We must hug more.",
        "Don't break the streak.",
        "I failed again.",
        "I owe you a hug.",
        "It feels like a duty.",
        "No obligations tonight.",
        "Let's not worry about performance.",
        "That was arousing.",
        "SEX is off the table.",
    ],
)
def test_line_problems_catch_bad_lines(bad: str) -> None:
    assert line_problems(bad)


@pytest.mark.parametrize(
    "good",
    [
        "Could you rub my shoulders tonight?",
        "Sit shoulder to shoulder and breathe.",
        "Which mustard do you like best?",
        "We made it through a hard week together.",
    ],
)
def test_line_problems_pass_good_lines(good: str) -> None:
    assert line_problems(good) == []


def test_seed_runs_find_nine_copied_words_but_not_eight() -> None:
    seed = "Couples who take a slow walk after dinner often find it easier to talk honestly."
    nine = "We take a slow walk after dinner often find it calming."
    eight = "We take a slow walk after dinner often find peace."
    assert seed_runs(nine, seed) == {"take a slow walk after dinner often find it"}
    assert seed_runs(eight, seed) == set()


def test_seed_runs_see_through_curly_apostrophes_and_case() -> None:
    seed = "Don't hide a copied run of nine words in here."
    assert seed_runs("DON\u2019T HIDE A COPIED RUN OF NINE WORDS IN, please.", seed)
