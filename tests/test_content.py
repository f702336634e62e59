"""Spoken content: every key the code asks for exists, every variant renders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from skill.engine.content import Content, placeholders

ROOT = Path(__file__).resolve().parents[1]
CONTENT = Content.load()
SAMPLE_VALUES = {
    "names_suffix": ", Sam and Alex",
    "first": "Sam",
    "second": "Alex",
    "name": "Sam",
    "duration": "twenty seconds",
    "partner": "Sam",
    "level": "seven",
    "idea": "Hold hands.",
    "ritual_name": "the evening check-in",
    "count": "three",
    "day": "Sunday",
    "time": "eight p.m.",
}
# Keys spoken inside a sentence rather than as one.
FRAGMENTS = ("names.suffix", "ritual.", "reminder.clock_", "reminder.days")
NEVER_SAY = re.compile(
    r"\b(sex|sexy|orgasm|naked|arous\w*|must|should have|failed you|streak)\b", re.I
)


def literal_keys() -> set[str]:
    """String literals passed to say()/line()/variants() in the skill's code."""
    keys: set[str] = set()
    for path in (ROOT / "skill").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"say", "line", "variants"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                keys.add(node.args[0].value)
    return keys


def test_every_key_the_code_uses_exists() -> None:
    missing = literal_keys() - CONTENT.keys()
    assert not missing


def test_keys_built_from_parts_exist() -> None:
    for ritual in ("checkin", "highs_lows"):
        assert f"ritual.{ritual}" in CONTENT.keys()  # noqa: SIM118
    for bucket in ("low", "middle", "high", "unknown"):
        assert f"idea.{bucket}" in CONTENT.keys()  # noqa: SIM118
    for which in ("first", "second"):
        for form in ("default", "again", "named"):
            assert f"partner.{which}_{form}" in CONTENT.keys()  # noqa: SIM118


@pytest.mark.parametrize("key", sorted(CONTENT.keys()))
def test_every_variant_renders_and_reads_well(key: str) -> None:
    for variant in CONTENT.variants(key):
        assert placeholders(variant) <= SAMPLE_VALUES.keys(), variant
        text = Content.render(variant, **SAMPLE_VALUES)
        assert "{" not in text and "}" not in text
        if not key.startswith(FRAGMENTS):
            assert text[0].isupper() or text[0].isdigit(), f"{key}: {text!r}"
        assert len(text.split()) < 40, f"{key} is too long to say comfortably"
        assert not NEVER_SAY.search(text), f"{key}: {text!r}"


def test_missing_key_or_value_is_a_content_error() -> None:
    from skill.errors import ContentError

    with pytest.raises(ContentError):
        CONTENT.say("no.such.key")
    with pytest.raises(ContentError):
        CONTENT.say("hug.start")  # needs {duration}
