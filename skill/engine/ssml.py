"""Building and checking SSML: escaped text, exact chained pauses, sound-library chimes, and
a recognised person's name spoken by Alexa (`<alexa:name>`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

MAX_BREAK_MS = 10_000
# One breath per turn: at most this many words before a pause of at least BREATH_MS.
BREATH_WORDS = 40
BREATH_MS = 1_200  # a breath, distinct from whole seconds of timed quiet
MAX_RESPONSE_AUDIO_MS = 240_000
CHIME = "soundbank://soundlibrary/musical/amzn_sfx_bell_short_chime_01"
# Upper bounds for the sounds we use, so responses can be checked against Alexa's limit.
SOUND_MS = {CHIME: 2_000}


# A recognised person's name goes into text as a marker (so it can travel inside a content
# line's {placeholder}); Speech.say turns the marker into Alexa's tag after escaping the text,
# so nothing else in the text can ever become markup.
_NAME_MARK = re.compile("\ue000([A-Za-z0-9._-]{1,200})\ue001")
_PERSON_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")
_NAME_TAG = re.compile(r"<alexa:name\b[^>]*/>")


def person_name(person_id: str | None) -> str | None:
    """Text that Speech speaks as the first name of the person Alexa recognised by voice
    (`person_id` is the request's context.System.person.personId); None if it isn't one."""
    if person_id is None or not _PERSON_ID.fullmatch(person_id):
        return None
    return f"\ue000{person_id}\ue001"


def _name_tags(escaped: str) -> str:
    return _NAME_MARK.sub(r'<alexa:name type="first" personId="\1"/>', escaped)


def split_pause(ms: int) -> list[int]:
    """Split a pause into <break>-sized pieces (at most 10 s each) that add up exactly."""
    if ms < 0:
        raise ValueError("a pause cannot be negative")
    pieces = [MAX_BREAK_MS] * (ms // MAX_BREAK_MS)
    if ms % MAX_BREAK_MS:
        pieces.append(ms % MAX_BREAK_MS)
    return pieces


def _break_tag(ms: int) -> str:
    if ms % 1000 == 0:
        return f'<break time="{ms // 1000}s"/>'
    return f'<break time="{ms}ms"/>'


@dataclass
class Speech:
    """An SSML response assembled piece by piece."""

    parts: list[str] = field(default_factory=list)
    # Words spoken since the last pause of a second or more.
    run: int = field(default=0, repr=False, compare=False)

    def say(self, *texts: str) -> Speech:
        """Add sentences; a one-second pause goes in first whenever they would take the
        stretch since the last pause past one breath (BREATH_WORDS)."""
        for text in texts:
            if text:
                words = len(_WORD.findall(_NAME_MARK.sub("name", text)))
                if self.run and self.run + words > BREATH_WORDS:
                    self.pause(BREATH_MS)
                self.parts.append(_name_tags(escape(text)))
                self.run += words
        return self

    def pause(self, ms: int) -> Speech:
        self.parts.extend(_break_tag(p) for p in split_pause(ms))
        if ms >= BREATH_MS:
            self.run = 0
        return self

    def sound(self, src: str) -> Speech:
        self.parts.append(f'<audio src="{escape(src, {chr(34): "&quot;"})}"/>')
        return self

    @property
    def ssml(self) -> str:
        return "<speak>" + " ".join(self.parts) + "</speak>"


_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?")
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")


def break_ms(value: str) -> float:
    """Milliseconds of a <break time=...> value."""
    m = _TIME.match(value)
    if not m:
        raise ValueError(f"bad break time {value!r}")
    number = float(m.group(1))
    return number if m.group(2) == "ms" else number * 1000


@dataclass(frozen=True)
class Measured:
    breaks_ms: list[float]
    sounds: list[str]
    text: str

    @property
    def total_break_ms(self) -> float:
        return sum(self.breaks_ms)

    @property
    def quiet_ms(self) -> float:
        """Timed quiet: every pause except the breath pauses between long stretches."""
        return sum(b for b in self.breaks_ms if b != BREATH_MS)

    @property
    def audio_ms(self) -> float:
        return self.total_break_ms + sum(
            SOUND_MS.get(s, MAX_RESPONSE_AUDIO_MS) for s in self.sounds
        )


def measure(ssml: str) -> Measured:
    """Parse SSML (raises ET.ParseError if not well-formed) and total its pauses and sounds.
    A recognised person's name (<alexa:name/>) counts as the word 'name'."""
    root = ET.fromstring(_NAME_TAG.sub("name", ssml))
    if root.tag != "speak":
        raise ValueError("SSML must be wrapped in <speak>")
    breaks = [break_ms(el.get("time", "0ms")) for el in root.iter("break")]
    sounds = [el.get("src", "") for el in root.iter("audio")]
    text = " ".join(" ".join(root.itertext()).split())
    return Measured(breaks, sounds, text)


def problems(ssml: str) -> list[str]:
    """What would make Alexa reject or clip this SSML (empty when fine)."""
    try:
        m = measure(ssml)
    except (ET.ParseError, ValueError) as exc:
        return [f"not valid SSML: {exc}"]
    found = [f"break of {b:.0f} ms exceeds 10 s" for b in m.breaks_ms if b > MAX_BREAK_MS]
    if m.audio_ms > MAX_RESPONSE_AUDIO_MS:
        found.append(f"breaks plus audio {m.audio_ms / 1000:.1f} s exceed 240 s")
    return found
