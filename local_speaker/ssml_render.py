"""SSML -> a flat list of things to do: say this text (with a style), pause, play a sound.

Honoured: `<break>` (time or strength), `<audio src>`, `<prosody rate/pitch/volume>`,
`<emphasis level>`, `<p>` and `<s>` (as natural pauses), `<sub alias>`,
`<say-as interpret-as="characters|spell-out|digits">`. Every other tag
(`<amazon:effect>`, `<lang>`, `<voice>`, `<phoneme>`, `<w>`, ...) is dropped and its
text kept; `<mark>` says nothing. Explicit breaks are exact; natural pauses never add
to an explicit break.
"""

from __future__ import annotations

import html
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

log = logging.getLogger("close_together.speaker")

# Alexa's break strengths, in milliseconds.
BREAK_STRENGTH_MS = {
    "none": 0,
    "x-weak": 100,
    "weak": 250,
    "medium": 400,
    "strong": 700,
    "x-strong": 1000,
}
PARAGRAPH_MS = 700
SENTENCE_MS = 350
RATE_WORDS = {"x-slow": 0.7, "slow": 0.85, "medium": 1.0, "fast": 1.2, "x-fast": 1.4}
PITCH_WORDS = {"x-low": 0.7, "low": 0.85, "medium": 1.0, "high": 1.15, "x-high": 1.3}
VOLUME_WORDS = {
    "silent": 0.0,
    "x-soft": 0.5,
    "soft": 0.7,
    "medium": 1.0,
    "loud": 1.25,
    "x-loud": 1.5,
}
# How emphasis is approximated: slower, a little louder, slightly higher.
EMPHASIS = {
    "strong": (0.85, 1.25, 1.1),
    "moderate": (0.92, 1.12, 1.05),
    "none": (1.0, 1.0, 1.0),
    "reduced": (1.08, 0.8, 0.95),
}
_PREFIXED_TAG = re.compile(r"<(/?)([A-Za-z][\w.-]*):([A-Za-z][\w.-]*)")
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")
_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$")
_DECIBELS = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*dB\s*$", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Style:
    rate: float = 1.0  # multiplies the voice's words per minute
    pitch: float = 1.0
    volume: float = 1.0  # gain


@dataclass(frozen=True)
class Say:
    text: str
    style: Style = Style()


@dataclass(frozen=True)
class Pause:
    ms: float
    explicit: bool = True  # a <break>; natural pauses (paragraphs, sentences) are not


@dataclass(frozen=True)
class Sound:
    src: str


Item = Say | Pause | Sound


def _break_ms(element: ET.Element) -> float:
    time = element.get("time")
    if time:
        m = _TIME.match(time)
        if m:
            value = float(m.group(1))
            return value if m.group(2) == "ms" else value * 1000
        log.debug("unreadable break time; using a medium pause")
    return float(BREAK_STRENGTH_MS.get(element.get("strength", "medium"), 400))


def _relative(value: str | None, words: dict[str, float]) -> float:
    """'slow' / '80%' / '+10%' / '+6dB' as a multiplier."""
    if not value:
        return 1.0
    value = value.strip()
    if value in words:
        return words[value]
    m = _PERCENT.match(value)
    if m:
        number = float(m.group(1))
        factor = 1 + number / 100 if value.lstrip().startswith(("+", "-")) else number / 100
        return max(0.2, factor)
    m = _DECIBELS.match(value)
    if m:
        return float(10 ** (float(m.group(1)) / 20))
    return 1.0


class _Walker:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self._text: list[str] = []
        self._style = Style()

    def flush(self) -> None:
        text = " ".join("".join(self._text).split())
        self._text = []
        if text:
            self.items.append(Say(text, self._style))

    def text(self, value: str | None, style: Style) -> None:
        if not value:
            return
        if style != self._style:
            self.flush()
            self._style = style
        self._text.append(value)

    def pause(self, pause: Pause) -> None:
        self.flush()
        self.items.append(pause)

    def walk(self, element: ET.Element, style: Style) -> None:
        tag = element.tag
        inner = style
        if tag == "break":
            self.pause(Pause(_break_ms(element)))
        elif tag == "audio":
            self.flush()
            self.items.append(Sound(element.get("src", "")))
        elif tag == "mark":
            pass
        elif tag == "sub":
            self.text(element.get("alias") or element.text, style)
        elif tag == "say-as":
            self.text(_say_as(element), style)
        else:
            if tag == "prosody":
                inner = replace(
                    style,
                    rate=style.rate * _relative(element.get("rate"), RATE_WORDS),
                    pitch=style.pitch * _relative(element.get("pitch"), PITCH_WORDS),
                    volume=style.volume * _relative(element.get("volume"), VOLUME_WORDS),
                )
            elif tag == "emphasis":
                rate, gain, pitch = EMPHASIS.get(
                    element.get("level", "moderate"), EMPHASIS["moderate"]
                )
                inner = replace(
                    style,
                    rate=style.rate * rate,
                    volume=style.volume * gain,
                    pitch=style.pitch * pitch,
                )
            if tag == "p":
                self.pause(Pause(PARAGRAPH_MS, explicit=False))
            elif tag == "s":
                self.pause(Pause(SENTENCE_MS, explicit=False))
            self.text(element.text, inner)
            for child in element:
                self.walk(child, inner)
            if tag == "p":
                self.pause(Pause(PARAGRAPH_MS, explicit=False))
            elif tag == "s":
                self.pause(Pause(SENTENCE_MS, explicit=False))
        self.text(element.tail, style)


def _say_as(element: ET.Element) -> str:
    text = "".join(element.itertext())
    kind = element.get("interpret-as", "")
    if kind in ("characters", "spell-out"):
        return " " + " ".join(ch for ch in text if not ch.isspace()) + " "
    if kind == "digits":
        return " " + " ".join(ch for ch in text if ch.isdigit()) + " "
    return text


def parse(ssml: str) -> list[Item]:
    """The items to render, in order; unreadable SSML is spoken as its plain text."""
    cleaned = _PREFIXED_TAG.sub(r"<\1\2-\3", ssml.strip())
    try:
        root = ET.fromstring(cleaned)
    except ET.ParseError:
        log.warning("SSML could not be parsed; speaking its text only")
        text = " ".join(html.unescape(_TAGS.sub(" ", ssml)).split())
        return [Say(text)] if text else []
    walker = _Walker()
    walker.walk(root, Style())
    walker.flush()
    return walker.items


@dataclass(frozen=True)
class Gap:
    """The quiet between two sounding items (or at either end)."""

    ms: float
    explicit: bool


def plan(items: list[Item], natural_ms: float) -> list[Say | Sound | Gap]:
    """Merge pauses: explicit breaks add up exactly; natural pauses only fill a joint.

    Two sounding items with no break between them get `natural_ms` (or a paragraph /
    sentence pause, whichever is longer); with breaks, exactly the sum of the breaks.
    """
    out: list[Say | Sound | Gap] = []
    explicit = 0.0
    natural = 0.0
    saw_explicit = False
    for item in items:
        if isinstance(item, Pause):
            if item.explicit:
                explicit += item.ms
                saw_explicit = True
            else:
                natural = max(natural, item.ms)
            continue
        if saw_explicit:
            out.append(Gap(explicit, True))
        elif out:
            out.append(Gap(max(natural, natural_ms), False))
        explicit = natural = 0.0
        saw_explicit = False
        out.append(item)
    if saw_explicit:
        out.append(Gap(explicit, True))
    return out
