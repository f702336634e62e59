"""The lines for this issue's features (skill/content/en-US/features.yaml): enough of
each kind, none repeated, every one short, filled in and gentle, in our own words; and
every key the feature code builds from parts exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from skill.engine import comfort, rituals
from skill.engine.content import Content, placeholders
from skill.engine.state import CHALLENGE_SIZE, MENU_KINDS, PRACTICE_KINDS, RITUALS
from skill.engine.synonyms import slot_synonyms
from skill.handlers.menu import COLUMN_WORDS
from tests.test_content import SAMPLE_VALUES

DECKS = slot_synonyms("en-US", "DeckKind")
SITUATIONS = slot_synonyms("en-US", "WordsSituation")
TIMES_OF_DAY = slot_synonyms("en-US", "TimeOfDay")
PAIN_BUCKETS = ("low", "middle", "high", "touch")

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "skill" / "content" / "en-US" / "features.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"
RAW: dict[str, list[str]] = {
    key: [value] if isinstance(value, str) else list(value)
    for key, value in (yaml.safe_load(FEATURES.read_text(encoding="utf-8")) or {}).items()
}
LINES = [(key, " ".join(line.split())) for key, lines in RAW.items() for line in lines]
CONTENT = Content.load()

VALUES = {
    **SAMPLE_VALUES,
    "duration": "two minutes",
    "level": "seven",
    "idea": "reading aloud",
    "ritual_name": "breathing together",
}
LENGTHS = (rituals.HUG_LENGTH, rituals.BREATHING_LENGTH, rituals.MASSAGE_LENGTH)
LENGTH_NOTES = ("unclear", "clamped_short", "clamped_long")
MAX_WORDS = 40
NEVER_SAY = re.compile(
    r"\b(sex|sexy|sexual\w*|orgasms?|naked|nude|arous\w*|intercourse|penetrat\w*|foreplay|"
    r"horny|erotic|climax|must|have to|should|owe|owed|duty|obligat\w*|perform\w*|"
    r"streaks?|failed|failure|missed|behind|lazy|guilt\w*)\b",
    re.IGNORECASE,
)
# Keys spoken inside other sentences (lower case is right for them).
FRAGMENTS = ("ritual.", "reminder.clock_", "reminder.days")


def normalise(line: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", line.lower().replace("\u2019", "'")).split())


def test_counts() -> None:
    assert len(RAW["challenge.ways"]) == CHALLENGE_SIZE
    for kind in MENU_KINDS:
        assert len(RAW[f"menu.starter.{kind}"]) >= 5, kind
    for part in TIMES_OF_DAY:
        assert len(RAW[f"practice.{part}"]) >= 3, part
    for key in ("breathing.in", "breathing.out"):
        assert len(RAW[key]) >= 3


def test_no_line_is_repeated_anywhere_in_the_content() -> None:
    ours = [normalise(line) for _, line in LINES if len(line.split()) > 3]
    assert len(ours) == len(set(ours)), "a line appears twice in features.yaml"
    others = set(CONTENT.keys()) - RAW.keys()
    elsewhere = [normalise(v) for key in others for v in CONTENT.variants(key)]
    assert not set(ours) & set(elsewhere)


@pytest.mark.parametrize(("key", "line"), LINES)
def test_every_line_is_short_filled_and_gentle(key: str, line: str) -> None:
    assert len(line.split()) < MAX_WORDS, f"{key}: {len(line.split())} words"
    assert placeholders(line) <= VALUES.keys(), f"{key}: {placeholders(line)}"
    text = Content.render(line, **VALUES)
    assert "{" not in text and "}" not in text
    assert not re.search(r"\d", text), f"{key}: spell numbers as words"
    assert not NEVER_SAY.search(text), f"{key}: {NEVER_SAY.search(text)}"
    if not key.startswith(FRAGMENTS):
        assert text[:1].isupper(), f"{key}: {text!r}"
        word_lists = ("menu.starter.", "menu.column_words.", "menu.fuller_touch_words")
        if not key.startswith((*word_lists, "massage.timer_label")):
            assert text.endswith((".", "?", "!")), f"{key}: {text!r}"


def test_in_our_own_words() -> None:
    if not SEEDS.is_dir():
        pytest.skip("no seed documents beside the project")

    def runs(text: str) -> set[str]:
        words = re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))
        return {" ".join(words[i : i + 9]) for i in range(len(words) - 8)}

    seed = set().union(*(runs(p.read_text(errors="replace")) for p in SEEDS.iterdir()))
    assert not runs(FEATURES.read_text(encoding="utf-8")) & seed


def dynamic_keys() -> list[str]:
    """Keys the feature code builds from parts (the literal ones test_content.py checks)."""
    keys = [f"ritual.{r}" for r in (*RITUALS, *PRACTICE_KINDS)]
    for ritual in rituals.RITUALS.values():
        keys += [ritual.opening, *([ritual.closing] if ritual.closing else [])]
        keys += [key for step in ritual.steps for key in (step.prompt, step.reprompt)]
        keys += [step.after for step in ritual.steps if step.after]
    keys += list(comfort.STARTER_KEYS.values())
    keys += [f"idea.{b}" for b in ("low", "middle", "high", "touch", "unknown", "unsure")]
    keys += [f"comfort.changed.{b}" for b in PAIN_BUCKETS]
    keys += [f"{rituals.CHECKIN_CHANGED}.{b}" for b in PAIN_BUCKETS]
    keys += [f"checkin.pain_heard.{b}" for b in ("low", "middle", "high")]
    keys += [f"pain.heard_level.{b}" for b in ("low", "middle", "high")]
    keys += [
        f"{k}_reprompt" for k in ("fallback.general", "fallback.fewer", "fallback.help_or_stop")
    ]
    keys += [f"{r}.part_done" for r in ("breathing", "massage")]
    keys += [f"breathing.{cue}" for cue in ("in", "out", "in_first", "out_first")]
    keys += ["massage.timer_label", "massage.timer_switch", "massage.timer_end"]
    for bucket in PAIN_BUCKETS:
        keys += [f"pain.ideas.{bucket}", f"menu.pick_fit.{bucket}"]
    keys += [f"pain.script.{b}" for b in ("low", "middle", "high")]
    keys += ["pain.heard_high", "pain.heard_touch", "pain.script.high_day", "pain.script.touch_day"]
    keys += [f"menu.column.{kind}" for kind in MENU_KINDS] + list(COLUMN_WORDS.values())
    keys += [f"back_to_ritual.{at}" for at in ("talk", "pain", "timed", "offer_hug")]
    keys += [f"{length.key}.{note}" for length in LENGTHS for note in LENGTH_NOTES]
    keys += [f"deck.{d}" for d in DECKS] + [f"question.intro.{d}" for d in DECKS]
    keys += [f"question.deck_heard.{d}" for d in DECKS]
    keys += [f"words.{s}" for s in SITUATIONS] + [f"words_intro.{s}" for s in SITUATIONS]
    keys += [f"practice.{part}" for part in TIMES_OF_DAY]
    keys += ["launch.welcome_back_gap", "help.in_timed", "timed.resume"]
    keys += ["names.saved_one", "names.saved_second", "names.forgotten", "names.none_to_forget"]
    from skill.handlers.general import HELP_PAGES

    keys += [key for page in HELP_PAGES for key in page]
    return sorted(set(keys))


@pytest.mark.parametrize("key", dynamic_keys())
def test_every_key_built_from_parts_exists(key: str) -> None:
    assert CONTENT.variants(key)
