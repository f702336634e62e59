"""Numbers and durations as words, and parsing Alexa's AMAZON.DURATION values."""

from __future__ import annotations

import re

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """0..999 as English words."""
    if not 0 <= n < 1000:
        raise ValueError("only 0..999 are spoken as words")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else f" {_ONES[ones]}")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + ("" if rest == 0 else f" and {number_words(rest)}")


def _unit(n: int, word: str) -> str:
    return f"{number_words(n)} {word}{'' if n == 1 else 's'}"


def duration_words(seconds: int) -> str:
    """20 -> 'twenty seconds', 90 -> 'one minute and thirty seconds'."""
    minutes, secs = divmod(int(seconds), 60)
    if minutes and secs:
        return f"{_unit(minutes, 'minute')} and {_unit(secs, 'second')}"
    if minutes:
        return _unit(minutes, "minute")
    return _unit(secs, "second")


_ISO = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(value: str | None) -> float | None:
    """Seconds in an ISO 8601 duration such as 'PT30S' or 'PT2M'; None if not one."""
    if not value:
        return None
    m = _ISO.match(value.strip().upper())
    if not m or value.strip().upper() in {"P", "PT"}:
        return None
    parts = {k: float(v) for k, v in m.groupdict().items() if v is not None}
    if not parts:
        return None
    return (
        parts.get("d", 0) * 86400
        + parts.get("h", 0) * 3600
        + parts.get("m", 0) * 60
        + parts.get("s", 0)
    )


def iso_duration(seconds: int) -> str:
    """300 -> 'PT5M', 210 -> 'PT3M30S': the form Alexa's Timers API takes."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return f"PT{parts or '0S'}"


def _listed(items: list[str], last: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def join_words(items: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c' (English lists, spoken)."""
    return _listed(items, "and")


def choice_words(items: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b or c' (a spoken choice between them)."""
    return _listed(items, "or")
