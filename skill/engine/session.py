"""What one conversation remembers between its turns: a typed record, never stored.

Alexa carries it in the session attributes under one key; interceptors load it before a
handler runs and save it after. Tonight's comfort (pain levels, touch hurts, a high pain
day) lives only here: health information shapes the conversation it was said in and is
never written to the couple's stored record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skill.engine.state import Progress, _int_or_none, _num

SESSION_KEY = "state"
# What the last response is listening for, for front ends that build grammars from it
# (the bedside speaker): "number", "yes_no", "talk".
EXPECTS_KEY = "expects"
MAX_SEEN = 20


@dataclass
class Offer:
    """A yes/no question the skill asked and is waiting on. `kind` names the answer path
    (see skill.engine.offers); `value` carries what the yes needs (a ritual, a length)."""

    kind: str
    question: str
    reprompt: str
    value: str | None = None
    reasked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "question": self.question,
            "reprompt": self.reprompt,
            "value": self.value,
            "reasked": self.reasked,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Offer | None:
        if not isinstance(data, dict):
            return None
        kind, question, reprompt = data.get("kind"), data.get("question"), data.get("reprompt")
        if not all(isinstance(v, str) and v for v in (kind, question, reprompt)):
            return None
        value = data.get("value")
        return cls(
            kind=str(kind),
            question=str(question),
            reprompt=str(reprompt),
            value=value if isinstance(value, str) else None,
            reasked=bool(data.get("reasked")),
        )


@dataclass
class Comfort:
    """Tonight's body, as the couple last described it. The newest report wins."""

    level: int | None = None  # highest pain said tonight, 0 = none, 10 = the worst
    touch_hurts: bool = False
    high_day: bool = False
    aside: bool = False  # reported during a ritual (not before one began)

    @property
    def bucket(self) -> str:
        """Which kind of closeness fits: 'touch' (no touch at all), 'high', 'middle',
        'low', or 'unknown' when nothing was said."""
        if self.touch_hurts:
            return "touch"
        if self.high_day:
            return "high"
        return level_bucket(self.level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "touch": self.touch_hurts,
            "high": self.high_day,
            "aside": self.aside,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Comfort | None:
        if not isinstance(data, dict):
            return None
        level = _int_or_none(data.get("level"))
        if level is not None and not 0 <= level <= 10:
            level = None
        return cls(
            level=level,
            touch_hurts=bool(data.get("touch")),
            high_day=bool(data.get("high")),
            aside=bool(data.get("aside")),
        )


def level_bucket(level: int | None) -> str:
    """Which kind of closeness suits a pain level (0 = no pain, 10 = the worst)."""
    if level is None:
        return "unknown"
    if level >= 7:
        return "high"
    if level >= 4:
        return "middle"
    return "low"


@dataclass
class Said:
    """The last response, so 'repeat' says exactly it again."""

    parts: list[str]
    reprompt: str

    def to_dict(self) -> dict[str, Any]:
        return {"parts": list(self.parts), "reprompt": self.reprompt}

    @classmethod
    def from_dict(cls, data: Any) -> Said | None:
        if not isinstance(data, dict) or not isinstance(data.get("reprompt"), str):
            return None
        parts = data.get("parts")
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            return None
        return cls(parts=list(parts), reprompt=data["reprompt"])


@dataclass
class SessionState:
    """Everything a conversation keeps between turns (nothing here is ever stored)."""

    offer: Offer | None = None
    comfort: Comfort | None = None
    # Pain levels given in this run of the check-in, per partner.
    checkin_pain: list[int | None] = field(default_factory=lambda: [None, None])
    progress: Progress | None = None  # this conversation's copy of the unfinished ritual
    last: Said | None = None
    sentences: list[str] = field(default_factory=list)  # said in the last response
    aside: bool = False  # the last answer stepped aside from the ritual (a hug, a note)
    talking: bool = False  # a question outside any ritual gave the couple time to talk
    pain_unknown: bool = False  # a check-in picked up past its pain questions (rituals.fit)
    unclear: int = 0  # unclear answers in a row
    reasks: int = 0  # unclear answers to the current ritual step
    another: str | None = None  # what "another one" gives more of: "deck:any", "menu:…"
    more: str | None = None  # what "more" reads on from: "menu:4", "help:1", "care:touch"
    words_seen: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"unclear": self.unclear, "reasks": self.reasks}
        if self.aside:
            data["aside"] = True
        if self.talking:
            data["talking"] = True
        if self.pain_unknown:
            data["pain_unknown"] = True
        if self.offer is not None:
            data["offer"] = self.offer.to_dict()
        if self.comfort is not None:
            data["comfort"] = self.comfort.to_dict()
        if any(p is not None for p in self.checkin_pain):
            data["checkin_pain"] = list(self.checkin_pain)
        if self.progress is not None:
            data["progress"] = self.progress.to_dict()
        if self.last is not None:
            data["last"] = self.last.to_dict()
        if self.sentences:
            data["sentences"] = list(self.sentences)
        for name in ("another", "more"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.words_seen:
            data["words_seen"] = self.words_seen[-MAX_SEEN:]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> SessionState:
        if not isinstance(data, dict):
            return cls()
        pain = data.get("checkin_pain")
        given = pain[:2] if isinstance(pain, list) else []
        levels = [_int_or_none(p) for p in given] + [None] * (2 - len(given))
        strings = lambda key: [s for s in data.get(key) or [] if isinstance(s, str)]  # noqa: E731
        text = lambda key: data[key] if isinstance(data.get(key), str) else None  # noqa: E731
        return cls(
            offer=Offer.from_dict(data.get("offer")),
            comfort=Comfort.from_dict(data.get("comfort")),
            checkin_pain=[p if p is None or 0 <= p <= 10 else None for p in levels],
            progress=Progress.from_dict(data.get("progress")),
            last=Said.from_dict(data.get("last")),
            sentences=strings("sentences"),
            aside=bool(data.get("aside")),
            talking=bool(data.get("talking")),
            pain_unknown=bool(data.get("pain_unknown")),
            unclear=max(0, int(_num(data.get("unclear"), 0) or 0)),
            reasks=max(0, int(_num(data.get("reasks"), 0) or 0)),
            another=text("another"),
            more=text("more"),
            words_seen=strings("words_seen")[-MAX_SEEN:],
        )
