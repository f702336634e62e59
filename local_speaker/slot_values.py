"""Spoken slot values to what Alexa would send: numbers as digits, durations as ISO 8601.

"seven" -> "7"; "thirty seconds" -> "PT30S"; "a minute and a half" -> "PT1M30S".
"""

from __future__ import annotations

from collections.abc import Sequence

_SMALL = {
    "zero": 0,
    "oh": 0,
    "nought": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
_UNITS = {
    "second": 1,
    "seconds": 1,
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
}
NUMBER_WORDS = frozenset(_SMALL) | frozenset(_TENS) | frozenset(_SCALES) | {"and", "minus"}


def parse_number(words: Sequence[str]) -> int | None:
    """'seven' -> 7, 'twenty one' -> 21, 'one hundred and five' -> 105, '12' -> 12."""
    if not words:
        return None
    sign = 1
    if words[0] in ("minus", "negative"):
        sign, words = -1, words[1:]
        if not words:
            return None
    if len(words) == 1 and words[0].isdigit():
        return sign * int(words[0])
    total = current = 0
    seen_any = False
    last: str | None = None  # "small", "tens", "scale", "and"
    for word in words:
        if word in _SMALL:
            if last in ("small",) or (last == "tens" and _SMALL[word] >= 10):
                return None
            current += _SMALL[word]
            last = "small"
        elif word in _TENS:
            if last in ("small", "tens"):
                return None
            current += _TENS[word]
            last = "tens"
        elif word in _SCALES:
            if last not in ("small", "tens") and not (last is None and word == "hundred"):
                return None
            scale = _SCALES[word]
            current = max(current, 1) * scale
            if scale >= 1000:
                total += current
                current = 0
            last = "scale"
        elif word == "and":
            if last != "scale":
                return None
            last = "and"
            continue
        else:
            return None
        seen_any = True
    if not seen_any or last == "and":
        return None
    return sign * (total + current)


def _amount(words: Sequence[str]) -> float | None:
    """A count before a unit: a number, 'a'/'an' (one), or 'n and a half'."""
    if list(words) in (["a"], ["an"]):
        return 1.0
    if len(words) >= 4 and list(words[-3:]) == ["and", "a", "half"]:
        whole = _amount(words[:-3])
        return None if whole is None else whole + 0.5
    number = parse_number(words)
    return None if number is None or number < 0 else float(number)


def _part_seconds(words: Sequence[str]) -> float | None:
    """One 'amount unit' piece: 'thirty seconds', 'half a minute', 'a minute and a half'."""
    if len(words) < 2:
        return None
    if words[-1] in _UNITS:
        unit = _UNITS[words[-1]]
        head = list(words[:-1])
        if head in (["half", "a"], ["half", "an"]):
            return unit / 2
        amount = _amount(head)
        return None if amount is None else amount * unit
    if list(words[-3:]) == ["and", "a", "half"] and len(words) >= 4 and words[-4] in _UNITS:
        base = _part_seconds(words[:-3])
        return None if base is None else base + _UNITS[words[-4]] / 2
    return None


def duration_seconds(words: Sequence[str]) -> float | None:
    """Seconds in a spoken duration; None when the words are not one."""
    words = list(words)
    if not words:
        return None
    whole = _part_seconds(words)
    if whole is not None:
        return whole
    # Several pieces: 'one minute and thirty seconds', 'two minutes thirty seconds'.
    for cut in range(2, len(words) - 1):
        head = _part_seconds(words[:cut])
        if head is None:
            continue
        tail_words = words[cut + 1 :] if words[cut] == "and" else words[cut:]
        tail = duration_seconds(tail_words)
        if tail is not None:
            return head + tail
    return None


def iso_duration(seconds: float) -> str:
    """90 -> 'PT1M30S', 30 -> 'PT30S', 3600 -> 'PT1H' (whole seconds)."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out


def parse_duration(words: Sequence[str]) -> str | None:
    """Spoken duration -> ISO 8601 as Alexa's AMAZON.DURATION slot carries it."""
    seconds = duration_seconds(words)
    return None if seconds is None or seconds <= 0 else iso_duration(seconds)
