"""The couple's state as small typed records; only these named fields are ever stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHECKIN = "checkin"
HIGHS_LOWS = "highs_lows"
RITUALS = (CHECKIN, HIGHS_LOWS)

PRACTICE_LOG_LIMIT = 1000
PRACTICE_KINDS = ("hug", "kiss", CHECKIN, HIGHS_LOWS)


def _num(value: Any, default: float | None = None) -> float | None:
    """Numbers come back from some stores as Decimal or str; normalise, tolerate junk."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _int_or_none(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


@dataclass
class Progress:
    """Where a couple is in a ritual, so 'continue' can pick it up later."""

    ritual: str
    started_at: float
    updated_at: float
    step: int = 0
    talk_seconds: int = 45
    pain: list[int | None] = field(default_factory=lambda: [None, None])
    reasks: int = 0
    question: int | None = None

    @property
    def highest_pain(self) -> int | None:
        given = [p for p in self.pain if p is not None]
        return max(given) if given else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ritual": self.ritual,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "step": self.step,
            "talk_seconds": self.talk_seconds,
            "pain": list(self.pain),
            "reasks": self.reasks,
            "question": self.question,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Progress | None:
        """A Progress from stored data, or None when the data is not usable."""
        if not isinstance(data, dict) or data.get("ritual") not in RITUALS:
            return None
        started = _num(data.get("started_at"))
        updated = _num(data.get("updated_at"), started)
        if started is None or updated is None:
            return None
        pain = data.get("pain") if isinstance(data.get("pain"), list) else []
        pain = [_int_or_none(p) for p in pain[:2]] + [None] * (2 - len(pain[:2]))
        return cls(
            ritual=data["ritual"],
            started_at=started,
            updated_at=updated,
            step=max(0, _int_or_none(data.get("step")) or 0),
            talk_seconds=_int_or_none(data.get("talk_seconds")) or 45,
            pain=pain,
            reasks=_int_or_none(data.get("reasks")) or 0,
            question=_int_or_none(data.get("question")),
        )


@dataclass
class Couple:
    """Everything stored for one couple (one Alexa user id)."""

    first_seen: float | None = None
    names: list[str] = field(default_factory=list)
    progress: Progress | None = None
    recent_questions: list[int] = field(default_factory=list)
    practice_log: list[dict[str, Any]] = field(default_factory=list)

    def to_attributes(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "first_seen": self.first_seen,
            "names": list(self.names),
            "recent_questions": list(self.recent_questions),
            "practice_log": self.practice_log[-PRACTICE_LOG_LIMIT:],
        }
        if self.progress is not None:
            attrs["progress"] = self.progress.to_dict()
        return attrs

    @classmethod
    def from_attributes(cls, attrs: Any) -> Couple:
        if not isinstance(attrs, dict):
            return cls()
        names = [n for n in attrs.get("names") or [] if isinstance(n, str) and n.strip()]
        recent = [
            q
            for q in (_int_or_none(x) for x in attrs.get("recent_questions") or [])
            if q is not None
        ]
        log = [
            {
                "id": str(e["id"]),
                "kind": e["kind"],
                "at": _num(e.get("at"), 0.0),
                **({"seconds": _num(e["seconds"])} if "seconds" in e else {}),
            }
            for e in attrs.get("practice_log") or []
            if isinstance(e, dict) and "id" in e and e.get("kind") in PRACTICE_KINDS
        ]
        return cls(
            first_seen=_num(attrs.get("first_seen")),
            names=names[:2],
            progress=Progress.from_dict(attrs.get("progress")),
            recent_questions=recent,
            practice_log=log,
        )
