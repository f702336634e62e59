"""The couple's state as small typed records; only these named fields are ever stored.

Nothing about anyone's health is among them: pain levels, touch hurting and high pain
days live in the conversation only (skill.engine.session)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHECKIN = "checkin"
CHECKIN_SHORT = "checkin_short"
HIGHS_LOWS = "highs_lows"
BREATHING = "breathing"
MASSAGE = "massage"
WEEKLY = "weekly"
RITUALS = (CHECKIN, CHECKIN_SHORT, HIGHS_LOWS, BREATHING, MASSAGE, WEEKLY)
# Rituals that are timed quiet split into parts, rather than turns of talk.
TIMED = (BREATHING, MASSAGE)

# The record keeps the practice log's recent part (what "how are we doing" and launch read)
# plus counts and last times per kind; every entry is also its own row in the store.
PRACTICE_RECENT_SECONDS = 8 * 24 * 3600  # seven calendar days back, in any time zone
PRACTICE_RECENT_LIMIT = 100
PRACTICE_KINDS = ("hug", "kiss", CHECKIN, HIGHS_LOWS, BREATHING, MASSAGE, WEEKLY, "challenge")

RECENT_DECK_LIMIT = 50
MENU_LIMIT = 40  # "add" says the menu is full beyond this
# What is kept: two devices adding at once may pass the limit, and both heard "added".
MENU_STORED_LIMIT = 2 * MENU_LIMIT
NAMES_LIMIT = 2
MENU_ITEM_CHARS = 60
MENU_KINDS = ("physical", "emotional", "shared")
CHALLENGE_SIZE = 10
STALE_PROGRESS_SECONDS = 7 * 24 * 3600


def _num(value: Any, default: float | None = None) -> float | None:
    """Numbers come back from some stores as Decimal or str; normalise, tolerate junk."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _voices(raw: Any, names: list[str]) -> dict[str, str]:
    """Voice links whose name is still one of the couple's names (two at most)."""
    if not isinstance(raw, dict):
        return {}
    links = {p: n for p, n in raw.items() if isinstance(p, str) and p and n in names}
    return dict(list(links.items())[:2])


def _int_or_none(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _practice_entry(e: Any) -> dict[str, Any] | None:
    """A practice-log entry as we store it; entries already in that shape are kept as is
    (the log is read on every request), anything else is rebuilt or dropped."""
    if not isinstance(e, dict) or "id" not in e or e.get("kind") not in PRACTICE_KINDS:
        return None
    if (
        type(e["id"]) is str
        and type(e.get("at")) is float
        and len(e) <= 4
        and (len(e) == 3 or type(e.get("seconds")) in (int, float))
    ):
        return e
    entry: dict[str, Any] = {"id": str(e["id"]), "kind": e["kind"], "at": _num(e.get("at"), 0.0)}
    if "seconds" in e:
        entry["seconds"] = _num(e["seconds"])
    return entry


def recent_practice(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The part of a practice log a request reads: the entries of the last eight days
    (counted back from the newest, so no clock is needed), at most a hundred, oldest first."""
    if not entries:
        return []
    if any(a["at"] > b["at"] for a, b in zip(entries, entries[1:], strict=False)):
        entries = sorted(entries, key=lambda e: e["at"])  # stable
    since = entries[-1]["at"] - PRACTICE_RECENT_SECONDS
    start = len(entries)
    while start > 0 and entries[start - 1]["at"] >= since:
        start -= 1
    return entries[max(start, len(entries) - PRACTICE_RECENT_LIMIT) :]


def practice_totals(entries: list[dict[str, Any]]) -> tuple[dict[str, int], dict[str, float]]:
    """How many practices of each kind, and when each kind was last done."""
    counts: dict[str, int] = {}
    last: dict[str, float] = {}
    for e in entries:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
        last[e["kind"]] = max(last.get(e["kind"], e["at"]), e["at"])
    return counts, last


def is_old_practice_layout(attrs: dict[str, Any]) -> bool:
    """Records written before entries became rows hold the whole log and no counts."""
    return "practice_counts" not in attrs and isinstance(attrs.get("practice_log"), list)


def practice_entries(raw: Any) -> list[dict[str, Any]]:
    """Clean practice-log entries from stored data (junk dropped)."""
    if not isinstance(raw, list):
        return []
    return [e for e in map(_practice_entry, raw) if e is not None]


def _counts(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    out = {}
    for kind, n in raw.items():
        number = _int_or_none(n)
        if kind in PRACTICE_KINDS and number is not None and number > 0:
            out[kind] = number
    return out


def _times(raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        return {}
    out = {}
    for kind, at in raw.items():
        number = _num(at)
        if kind in PRACTICE_KINDS and number is not None:
            out[kind] = number
    return out


@dataclass
class Progress:
    """Where a couple is in a ritual, so 'continue' can pick it up later."""

    ritual: str
    started_at: float
    updated_at: float
    step: int = 0
    talk_seconds: int = 45
    question: int | None = None
    seconds: int | None = None  # the whole length of a timed ritual (breathing, massage)
    # The steps it takes, in order, when partners swapped turns ("I'll go first") or one
    # passed on their own ("skip my turn": that step number is left out): the ritual's
    # step numbers, and `step` counts along this. None: the table's steps and order.
    order: list[int] | None = None
    idea: int = 0  # how many times "another idea" was asked at the idea step

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ritual": self.ritual,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "step": self.step,
            "talk_seconds": self.talk_seconds,
            "question": self.question,
            "seconds": self.seconds,
        }
        if self.order is not None:
            data["order"] = list(self.order)
        if self.idea:
            data["idea"] = self.idea
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Progress | None:
        """A Progress from stored data, or None when the data is not usable."""
        if not isinstance(data, dict) or data.get("ritual") not in RITUALS:
            return None
        started = _num(data.get("started_at"))
        updated = _num(data.get("updated_at"), started)
        if started is None or updated is None:
            return None
        return cls(
            ritual=data["ritual"],
            started_at=started,
            updated_at=updated,
            step=max(0, _int_or_none(data.get("step")) or 0),
            talk_seconds=_int_or_none(data.get("talk_seconds")) or 45,
            question=_int_or_none(data.get("question")),
            seconds=_int_or_none(data.get("seconds")),
            order=_order(data.get("order")),
            idea=max(0, _int_or_none(data.get("idea")) or 0),
        )


def _order(raw: Any) -> list[int] | None:
    """Step numbers, each once (whether they fit the ritual is the engine's to check)."""
    if not isinstance(raw, list):
        return None
    order = [_int_or_none(n) for n in raw]
    if any(n is None or n < 0 for n in order) or len(set(order)) != len(order):
        return None
    return [n for n in order if n is not None]


@dataclass
class MenuItem:
    """One way to be close on the couple's own menu."""

    text: str
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Any) -> MenuItem | None:
        if not isinstance(data, dict) or data.get("kind") not in MENU_KINDS:
            return None
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            return None
        return cls(text=" ".join(text.split())[:MENU_ITEM_CHARS], kind=data["kind"])


@dataclass
class Challenge:
    """The weekly challenge of ten ways to be close: when it began and how many are done."""

    started_at: float
    done: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"started_at": self.started_at, "done": self.done}

    @classmethod
    def from_dict(cls, data: Any) -> Challenge | None:
        if not isinstance(data, dict):
            return None
        started = _num(data.get("started_at"))
        if started is None:
            return None
        done = _int_or_none(data.get("done")) or 0
        return cls(started_at=started, done=min(max(done, 0), CHALLENGE_SIZE))


@dataclass
class Couple:
    """Everything stored for one couple (one Alexa user id)."""

    first_seen: float | None = None
    names: list[str] = field(default_factory=list)
    progress: Progress | None = None
    recent_questions: list[int] = field(default_factory=list)
    # The practice log's recent entries (see recent_practice); the rest are rows in the store.
    practice_log: list[dict[str, Any]] = field(default_factory=list)
    practice_counts: dict[str, int] = field(default_factory=dict)
    practice_last: dict[str, float] = field(default_factory=dict)
    last_seen: float | None = None
    # Deck questions heard lately, as compact ids such as "emotional:12" (oldest first).
    recent_deck: list[str] = field(default_factory=list)
    # None until the couple changes their menu: until then it is the starter menu.
    menu: list[MenuItem] | None = None
    challenge: Challenge | None = None
    weekly_at: float | None = None
    weekly_offered_at: float | None = None
    weekly_declined_at: float | None = None
    # When they last said no to picking up a paused ritual: that pause is not offered again
    # at each launch ("continue" still picks it up); a later pause is.
    resume_declined_at: float | None = None
    # The weekly reminder the couple chose (only Alexa's id for it, so it can be cancelled),
    # and when they last said no to one (so it is not offered every week).
    reminder_id: str | None = None
    reminder_declined_at: float | None = None
    # Whose voice is whose: Alexa's personId for a recognised voice profile -> one of `names`.
    voices: dict[str, str] = field(default_factory=dict)

    def add_practice(self, entry: dict[str, Any]) -> None:
        """One practice done: in the recent log, the counts and the last times."""
        kind = entry["kind"]
        self.practice_log.append(entry)
        self.practice_counts[kind] = self.practice_counts.get(kind, 0) + 1
        self.practice_last[kind] = max(self.practice_last.get(kind, entry["at"]), entry["at"])

    def prune(self, now: float, resume_seconds: float) -> None:
        """Forget what is no longer useful: an unfinished ritual goes after a week."""
        progress = self.progress
        if progress is not None and now - progress.updated_at > STALE_PROGRESS_SECONDS:
            self.progress = None

    def to_attributes(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "first_seen": self.first_seen,
            "names": list(self.names),
            "recent_questions": list(self.recent_questions),
            "practice_log": recent_practice(self.practice_log),
            "practice_counts": dict(self.practice_counts),
            "practice_last": dict(self.practice_last),
        }
        if self.progress is not None:
            attrs["progress"] = self.progress.to_dict()
        if self.last_seen is not None:
            attrs["last_seen"] = self.last_seen
        if self.recent_deck:
            attrs["recent_deck"] = self.recent_deck[-RECENT_DECK_LIMIT:]
        if self.menu is not None:
            attrs["menu"] = [item.to_dict() for item in self.menu[:MENU_STORED_LIMIT]]
        if self.challenge is not None:
            attrs["challenge"] = self.challenge.to_dict()
        if self.weekly_at is not None:
            attrs["weekly_at"] = self.weekly_at
        if self.weekly_offered_at is not None:
            attrs["weekly_offered_at"] = self.weekly_offered_at
        if self.weekly_declined_at is not None:
            attrs["weekly_declined_at"] = self.weekly_declined_at
        if self.resume_declined_at is not None:
            attrs["resume_declined_at"] = self.resume_declined_at
        if self.reminder_id is not None:
            attrs["reminder_id"] = self.reminder_id
        if self.reminder_declined_at is not None:
            attrs["reminder_declined_at"] = self.reminder_declined_at
        if self.voices:
            attrs["voices"] = dict(self.voices)
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
        log = practice_entries(attrs.get("practice_log"))
        if is_old_practice_layout(attrs):
            counts, last = practice_totals(log)
            log = recent_practice(log)
        else:
            counts, last = _counts(attrs.get("practice_counts")), _times(attrs.get("practice_last"))
        deck = [q for q in attrs.get("recent_deck") or [] if isinstance(q, str) and ":" in q][
            -RECENT_DECK_LIMIT:
        ]
        raw_menu = attrs.get("menu")
        menu = None
        if isinstance(raw_menu, list):
            items = (MenuItem.from_dict(m) for m in raw_menu)
            menu = [item for item in items if item is not None][:MENU_STORED_LIMIT]
        return cls(
            first_seen=_num(attrs.get("first_seen")),
            names=names[:NAMES_LIMIT],
            progress=Progress.from_dict(attrs.get("progress")),
            recent_questions=recent,
            practice_log=log,
            practice_counts=counts,
            practice_last=last,
            last_seen=_num(attrs.get("last_seen")),
            recent_deck=deck,
            menu=menu,
            challenge=Challenge.from_dict(attrs.get("challenge")),
            weekly_at=_num(attrs.get("weekly_at")),
            weekly_offered_at=_num(attrs.get("weekly_offered_at")),
            weekly_declined_at=_num(attrs.get("weekly_declined_at")),
            resume_declined_at=_num(attrs.get("resume_declined_at")),
            reminder_id=_text(attrs.get("reminder_id")),
            reminder_declined_at=_num(attrs.get("reminder_declined_at")),
            voices=_voices(attrs.get("voices"), names[:NAMES_LIMIT]),
        )
