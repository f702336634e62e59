"""The SSML builder and checker."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skill.engine.spoken import duration_words, number_words, parse_duration
from skill.engine.ssml import Speech, measure, problems, split_pause


@given(st.integers(min_value=0, max_value=240_000))
def test_pauses_split_into_legal_breaks_that_add_up_exactly(ms: int) -> None:
    pieces = split_pause(ms)
    assert sum(pieces) == ms and all(0 < p <= 10_000 for p in pieces)
    assert measure(Speech().pause(ms).ssml).total_break_ms == ms


@given(st.text(max_size=50))
def test_any_text_is_escaped_into_well_formed_ssml(text: str) -> None:
    ssml = Speech().say(text.replace("\x00", "")).ssml
    assert (
        problems(ssml) == []
        or "not valid SSML" in problems(ssml)[0]
        and any(ord(c) < 32 and c not in "\t\n\r" for c in text)
    )


def test_checker_catches_long_breaks_and_too_much_audio() -> None:
    assert problems('<speak><break time="11s"/></speak>')
    assert problems("<speak>" + '<break time="10s"/>' * 25 + "</speak>")
    assert problems("<speak>unclosed")
    assert problems('<speak><break time="10s"/></speak>') == []


def test_durations() -> None:
    assert parse_duration("PT30S") == 30
    assert parse_duration("PT1M30S") == 90
    assert parse_duration("P1D") == 86400
    assert parse_duration("PT") is None and parse_duration("thirty") is None
    assert duration_words(20) == "twenty seconds"
    assert duration_words(60) == "one minute"
    assert duration_words(185) == "three minutes and five seconds"
    assert number_words(101) == "one hundred and one"
