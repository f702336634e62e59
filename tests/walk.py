"""The walk-everything test's engine: drive every ritual from every step with every intent
the interaction model has, through the Flask app, and check the conversation rules on
every response.

Only the skill's outside is used: real-shaped Alexa request envelopes in, Alexa response
JSON out, the interaction model (what people can say), the content loader (to recognise
the skill's non-answers) and the SQLite file (to fork a couple's stored state, and to look
for health data). Nothing here imports the conversation engine, so the same walk runs on
the old handlers and on the redesigned engine.

How a walk goes
  * A *state* is a named point in a conversation, reached by a path of turns from a fresh
    couple (rituals' steps, launch variants, one-shots, and "a new session" points).
    Each path is walked once (the trunk), and a snapshot is kept after every turn: the
    session (id and attributes), the clock, and the couple's rows in the SQLite file.
  * From every state, every intent of the model is sent once, each in a fork of the
    snapshot (a fresh user id whose rows are a copy), so no path is replayed.
  * Every response's suggestions (``say next``, "Yes or no", a yes/no question, quoted
    phrases) are resolved through the model's samples to an intent, which is then sent in
    a fork of the state right after that response: that is the one more turn, and the
    dead-end check. A response that ends the session has its suggestions tried in a new
    session ten minutes later. The same suggestion is tried once per conversation state
    (session attributes and stored record, numbers, ids and the last speech aside).
  * Between turns the clock moves on by the time the response takes to hear (its pauses,
    chimes, and 0.4 s a word): the couple answers after the talk time, not during it.

The rules, and the choices made in counting them
  * Open turn (shouldEndSession false) without a spoken reprompt.
  * Over 40 words between pauses: words are counted in the SSML's text, not its tags; a
    pause is one or more <break>s adding up to at least a second, or an <audio> chime (a
    sound of a second or more with no words in it is a breath for the listener).
  * Over 70 words in one response, not counting a timed ritual's cues: stretches of six
    words or fewer with a pause on both sides ("In." "And out.").
  * Identical consecutive responses in one session (same SSML), unless the second
    answers AMAZON.RepeatIntent; and separately, a sentence of three words or more said in
    two consecutive responses (unless the couple asked for the very same thing again:
    "what's on our menu" twice hears its menu twice).
  * Dead end: a suggested phrase resolves to an intent which, sent right there, gets a
    non-answer back: a response containing any variant of NON_ANSWER_KEYS.
  * Unresolvable phrase: a suggested phrase (not a soft choice) that no sample matches.
  * Health data: after the walk, every row of the SQLite file; a key about pain, touch,
    hurt, comfort (or a pain "bucket") holding a value, or a "level" holding a level the
    walk said, is health data.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import re
import sqlite3
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.engine.content import Content
from tests.alexa import envelope

# Content keys whose lines are non-answers: the skill did not act on what was said. A
# suggested phrase whose intent gets one of these back at that point is a dead end.
# Update the keys here when the content is renamed (a test fails if one is missing).
NON_ANSWER_KEYS: tuple[str, ...] = (
    "fallback.general",  # "Sorry, I didn't catch that..."
    "fallback.fewer",  # the second unclear answer in a row
    "fallback.help_or_stop",  # the third
    "ritual.reask",  # "Sorry, I missed that." at a ritual step
    "offer.unclear",  # a pending question asked again
    "next.nothing",  # "next" with nothing to move on from
    "yes.nothing_pending",  # "Happy to. Would you like..." (a yes with no question)
    "no.nothing_pending",
    "continue.nothing",  # "There's nothing to pick up right now..."
    "more.nothing",  # "There's nothing more to read just now."
    "talk.no_clock",  # "more time" with no talk time running
    "challenge.none",  # "we did one" with no challenge running
    "error.general",  # "Sorry, something went wrong on my side..."
)

MODEL_PATH = Path(__file__).resolve().parents[1] / "interaction_models" / "en-US.json"
WORDS_PER_BREATH = 40  # words allowed between pauses of at least PAUSE_MS
WORDS_PER_RESPONSE = 70
PAUSE_MS = 1000
SECONDS_PER_WORD = 0.4
CUE_WORDS = 6  # a stretch this short between two pauses is a timed ritual's cue
MIN_SENTENCE_WORDS = 3  # shorter sentences ("In.", "And out.") may recur between responses
NEW_SESSION_GAP = 600.0  # seconds before a suggestion is tried after the session ended
REPEAT = "AMAZON.RepeatIntent"
# Intents said a second time right after their answer (the couple still unclear, or still
# talking): what follows must not be the same line again.
SAID_AGAIN = ("AMAZON.FallbackIntent",)

# Values Alexa fills built-in slot types with (the model gives custom types' values).
BUILTIN_SLOT_VALUES: dict[str, tuple[str, ...]] = {
    "AMAZON.NUMBER": ("6",),
    "AMAZON.DURATION": ("PT30S",),
    "AMAZON.FirstName": ("Sam", "Alex"),
    "AMAZON.SearchQuery": ("reading aloud",),
}
# What people say for built-in intents: Alexa knows these, the model lists only extras.
BUILTIN_UTTERANCES: dict[str, tuple[str, ...]] = {
    "AMAZON.YesIntent": ("yes", "yeah", "yes please", "sure", "okay"),
    "AMAZON.NoIntent": ("no", "no thanks", "nope", "not now"),
    "AMAZON.NextIntent": ("next", "next one"),
    "AMAZON.RepeatIntent": ("repeat", "repeat that", "say that again"),
    "AMAZON.StopIntent": ("stop", "goodbye", "good night"),
    "AMAZON.CancelIntent": ("cancel", "never mind"),
    "AMAZON.PauseIntent": ("pause",),
    "AMAZON.ResumeIntent": ("resume",),
    "AMAZON.StartOverIntent": ("start over", "start again", "restart"),
    "AMAZON.HelpIntent": ("help", "help me"),
    "AMAZON.NavigateHomeIntent": ("go home", "home"),
}
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
            *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
            *("seventeen", "eighteen", "nineteen", "twenty"),
        )
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
# Descriptions the content uses in place of a phrase, and what a couple would say for them.
DESCRIBED_PHRASES = {"a number from zero to ten": "five", "a number": "five"}
INVOCATION = "close together"


# -- the interaction model and a small matcher over its samples --------------------------
@dataclass(frozen=True)
class Intent:
    name: str
    slots: dict[str, str]  # slot name -> slot type
    samples: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    intent: str
    slots: tuple[tuple[str, str], ...] = ()  # (slot, value as Alexa sends it)

    def label(self) -> str:
        values = ", ".join(f"{k}={v}" for k, v in self.slots)
        return f"{self.intent}({values})" if values else self.intent


def normalize(text: str) -> str:
    """Lower case words with apostrophes kept: 'Check-in!' -> 'check in'."""
    text = text.lower().replace("’", "'").replace("-", " ")
    return " ".join(re.sub(r"[^a-z0-9'{} ]+", " ", text).split())


class Model:
    """The interaction model's intents, sample utterances and slot values."""

    def __init__(self, data: dict[str, Any]) -> None:
        lm = data["interactionModel"]["languageModel"]
        self.invocation = str(lm.get("invocationName", INVOCATION))
        self.types: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for t in lm.get("types", []):
            values = []
            for v in t.get("values", []):
                name = v["name"]["value"]
                values.append((v.get("id") or name, name, tuple(v["name"].get("synonyms", []))))
            self.types[t["name"]] = values
        self.intents = [
            Intent(
                i["name"],
                {s["name"]: s["type"] for s in i.get("slots", [])},
                tuple(i.get("samples", [])) + BUILTIN_UTTERANCES.get(i["name"], ()),
            )
            for i in lm["intents"]
        ]
        self.resolved: dict[Suggestion, Match | None] = {}
        self._patterns = [
            (intent, self._pattern(intent, sample))
            for intent in self.intents
            for sample in intent.samples
        ]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def sample_slots(self, intent: Intent) -> dict[str, str]:
        """One value per slot, as Alexa would fill it (the type's first value)."""
        filled: dict[str, str] = {}
        seen: dict[str, int] = {}
        for slot, kind in intent.slots.items():
            values = [v[1] for v in self.types.get(kind, [])] or list(
                BUILTIN_SLOT_VALUES.get(kind, ("something",))
            )
            n = seen.get(kind, 0)
            seen[kind] = n + 1
            filled[slot] = values[n % len(values)]
        return filled

    def resolution(self, kind: str, spoken: str) -> tuple[str, str] | None:
        """(id, name) of the custom value `spoken` matches, as entity resolution gives."""
        said = normalize(spoken)
        for value_id, name, synonyms in self.types.get(kind, []):
            if said in (normalize(name), *map(normalize, synonyms)):
                return value_id, name
        return None

    def _slot_regex(self, kind: str) -> str:
        if kind in self.types:
            words = {normalize(w) for _, name, syn in self.types[kind] for w in (name, *syn)}
            return (
                "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"
            )
        if kind == "AMAZON.NUMBER":
            return r"(?:\d+|" + "|".join(NUMBER_WORDS) + ")"
        if kind == "AMAZON.FirstName":
            return r"[a-z']+"
        if kind == "AMAZON.DURATION":
            return r"(?:[a-z0-9]+ ){1,3}(?:seconds?|minutes?)"
        return r"[a-z0-9']+(?: [a-z0-9']+){0,5}"

    def _pattern(self, intent: Intent, sample: str) -> re.Pattern[str]:
        out = []
        for piece in re.split(r"(\{[^{}]+\})", normalize(sample)):
            if piece.startswith("{"):
                slot = piece[1:-1]
                kind = intent.slots.get(slot, "")
                out.append(f"(?P<{slot}>{self._slot_regex(kind)})")
            elif piece:
                out.append(re.escape(piece))
        return re.compile("".join(out))

    def match(self, phrase: str, *, slot_follows: bool = False) -> Match | None:
        """The intent a phrase resolves to through the samples (articles may be dropped);
        with `slot_follows` ('say remove, then its full name') a sample may continue with
        a slot after the phrase."""
        said = normalize(phrase)
        for candidate in _without_lead_ins(said, normalize(self.invocation)):
            for intent, pattern in self._patterns:
                m = pattern.fullmatch(candidate)
                if m:
                    return Match(intent.name, self._slot_values(intent, m.groupdict()))
            if slot_follows:
                for intent, pattern in self._patterns:
                    text = pattern.pattern
                    if text.startswith(re.escape(candidate) + r"\ (?P<"):
                        return Match(intent.name, tuple(self.sample_slots(intent).items()))
        return None

    def _slot_values(
        self, intent: Intent, found: dict[str, str | None]
    ) -> tuple[tuple[str, str], ...]:
        values = []
        for slot, spoken in found.items():
            if spoken is None:
                continue
            kind = intent.slots.get(slot, "")
            if kind == "AMAZON.NUMBER":
                spoken = str(NUMBER_WORDS.get(spoken, spoken))
            elif kind == "AMAZON.DURATION":
                spoken = iso_duration(spoken) or spoken
            values.append((slot, spoken))
        return tuple(values)


def _without_lead_ins(said: str, invocation: str) -> Iterator[str]:
    """The phrase, then without what leads into it: invocation, "ask", articles, "to"."""
    yield said
    for lead in (f"ask {invocation} to ", f"ask {invocation} ", "ask ", "for example ", "like "):
        if said.startswith(lead):
            said = said[len(lead) :]
            yield said
    for lead in ("a ", "an ", "the ", "our ", "to ", "just "):
        if said.startswith(lead):
            yield said[len(lead) :]


def iso_duration(spoken: str) -> str | None:
    """'thirty second' -> 'PT30S', 'two minutes' -> 'PT2M' (what Alexa's DURATION sends)."""
    m = re.fullmatch(r"(?:a |an )?(\w+)(?: (\w+))? (second|minute)s?", spoken)
    if not m:
        return None
    first, second, unit = m.groups()
    if first in ("a", "an", "one") and second is None:
        number = 1
    else:
        number = NUMBER_WORDS.get(first, 0) + NUMBER_WORDS.get(second or "", 0)
    return f"PT{number}{'S' if unit == 'second' else 'M'}" if number else None


# -- what a response says -----------------------------------------------------------------
@dataclass(frozen=True)
class Spoken:
    """A response's speech: the text, and the words between pauses of at least a second."""

    text: str
    stretches: tuple[int, ...]  # spoken words between qualifying pauses, in order
    cue_words: int  # words in short stretches with a pause on both sides (timed cues)
    seconds: float = 0.0  # how long it takes to hear: pauses, sounds and words

    @property
    def words(self) -> int:
        return sum(self.stretches)

    @property
    def longest_stretch(self) -> int:
        return max(self.stretches, default=0)


def count_words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", text))


def spoken(ssml: str) -> Spoken:
    """Words and pauses of SSML. A <break> of one second or more (consecutive breaks add
    up) is a pause; so is an <audio> chime: a sound with no words, at least a second long,
    during which nobody has to listen to speech. Text inside <audio> is not spoken."""
    try:
        root = ET.fromstring(ssml)
    except ET.ParseError:
        return Spoken(ssml, (count_words(ssml),), 0)
    pieces: list[tuple[str, float]] = []  # ("words", n) or ("pause", ms)

    def visit(el: ET.Element) -> None:
        if el.tag == "break":
            pieces.append(("pause", _break_ms(el.get("time", "0ms"))))
        elif el.tag == "audio":
            pieces.append(("pause", float(PAUSE_MS)))
        else:
            if el.text:
                pieces.append(("words", count_words(el.text)))
            for child in el:
                visit(child)
        if el is not root and el.tail:
            pieces.append(("words", count_words(el.tail)))

    visit(root)
    stretches: list[int] = [0]
    bounded: list[bool] = [False]  # the stretch began after a qualifying pause
    pause = 0.0
    for kind, amount in pieces:
        if kind == "pause":
            pause += amount
            continue
        if amount and pause >= PAUSE_MS:
            stretches.append(0)
            bounded.append(True)
        if amount:
            pause = 0.0
        stretches[-1] += int(amount)
    ended_by_pause = [*bounded[1:], pause >= PAUSE_MS]
    cue = sum(
        n
        for n, before, after in zip(stretches, bounded, ended_by_pause, strict=True)
        if before and after and n <= CUE_WORDS
    )
    text = " ".join(" ".join(t for t in _spoken_text(root)).split())
    heard = sum(a for k, a in pieces if k == "pause") / 1000 + sum(stretches) * SECONDS_PER_WORD
    return Spoken(text, tuple(s for s in stretches if s) or (0,), cue, heard)


def _spoken_text(el: ET.Element) -> Iterator[str]:
    if el.tag != "audio" and el.text:
        yield el.text
    for child in el:
        yield from _spoken_text(child)
        if child.tail:
            yield child.tail


def _break_ms(value: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*", value)
    if not m:
        return 0.0
    return float(m.group(1)) * (1 if m.group(2) == "ms" else 1000)


def sentences(text: str) -> list[str]:
    """Sentences of at least MIN_SENTENCE_WORDS words, normalised for comparison."""
    found = []
    for s in re.split(r"(?<=[.?!])\s+", text):
        if count_words(s) >= MIN_SENTENCE_WORDS:
            found.append(normalize(s))
    return found


# -- suggestions in what the skill says ---------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    phrase: str
    # An offered choice ("Try...", "Would you like A, B or C?"): counted only if it resolves.
    soft: bool
    slot_follows: bool = False


SAY = re.compile(
    r"(?<![\w'])(?:(?:you can (?:also )?|just |please |or |then |,? ?)say|try saying|try)"
    r"\b[,:]?\s*",
    re.IGNORECASE,
)
# "say" that introduces words for the partners, not a command for the skill.
NOT_A_COMMAND_BEFORE = re.compile(
    r"\b(could|might|would you|you|me|to|i|i'll|i will|we|did|what|can)\s*$", re.I
)
NOT_A_COMMAND_AFTER = re.compile(
    r"^(this|it|that|so|to each other|something|one thing|thank you)\b", re.I
)
YES_NO_QUESTION = re.compile(
    r"(?:^|, )(would you(?: still)? like|shall we|shall i|should i|do you want|would you)\b(.*)\?$",
    re.I,
)
LIST_SPLIT = re.compile(r",? or |, ", re.I)
PURPOSE = re.compile(r"\s+(?:to|for|if|when|whenever|any time|anytime)\b.*$", re.I)
QUOTED = re.compile(r"[\"“]([^\"”]{2,60})[\"”]")


@functools.cache
def suggestions(text: str) -> tuple[Suggestion, ...]:
    """The phrases a response offers the couple: after "say"/"you can say"/"try saying"
    (a list: "say next, more time, or I need a break"), quoted phrases, "Yes or no", and
    the answers to a closing yes/no question. Offered choices ("Try X", "Would you like
    A, B, or C?") are soft: a choice that resolves to no intent is a description, not a
    phrase."""
    found: list[Suggestion] = []
    found += [Suggestion(q, soft=False) for q in QUOTED.findall(text)]
    parts = [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]
    for i, sentence in enumerate(parts):
        body = sentence.rstrip(".?!")
        if normalize(body) == "yes or no":
            found += [Suggestion("yes", soft=False), Suggestion("no", soft=False)]
            continue
        for m in SAY.finditer(body):
            before, after = body[: m.start()], body[m.end() :]
            word = m.group(0).strip(" ,:").lower()
            if word.endswith("say") and (
                NOT_A_COMMAND_BEFORE.search(before) or NOT_A_COMMAND_AFTER.match(after)
            ):
                continue
            if word == "try" and before.strip():
                continue  # "In the evening, try a foot rub": an idea, not a phrase
            if not after:
                continue
            found += _items(after, soft=word == "try")
            break
        if i == len(parts) - 1 and sentence.endswith("?"):
            found += _question(body + "?")
    return tuple(found)


def _items(listed: str, soft: bool) -> list[Suggestion]:
    """Items of "next to move on, more time if you're still talking, or I need a break".

    The list ends at ", and" (what follows is the skill's promise, not a phrase). "X,
    then <its name>" means X followed by a slot. An item followed by "like Y"/"such as Y"
    is a description and Y the phrase. An item that resolves to nothing right after an
    item with a purpose clause ("more for ideas about talking, your menu") continues that
    clause; it is kept soft."""
    listed, *rest = re.split(r", and ", listed, maxsplit=1)
    raw = [p.strip() for p in LIST_SPLIT.split(listed) if p.strip()]
    if rest and rest[0].lower().startswith("then "):
        raw.append(rest[0])
    items: list[Suggestion] = []
    after_purpose = False
    for n, item in enumerate(raw):
        nxt = raw[n + 1].lower() if n + 1 < len(raw) else ""
        if item.lower().startswith("then "):
            if items:
                items[-1] = Suggestion(items[-1].phrase, items[-1].soft, slot_follows=True)
            continue
        if nxt.startswith(("like ", "such as ", "for example")):
            continue
        if item.lower() in ("for example", "like", "such as"):
            continue
        if n and PURPOSE.match(" " + item):
            continue  # "a number, or skip, to carry on": the list's purpose, not a phrase
        item = re.sub(r"^(?:like|such as|for example,?|say)\s+", "", item, flags=re.I)
        items.append(Suggestion(item, soft=soft or after_purpose))
        after_purpose = bool(PURPOSE.search(item))
    return items


def _question(question: str) -> list[Suggestion]:
    """A closing yes/no question offers yes and no; a choice question offers its choices."""
    m = YES_NO_QUESTION.search(question)
    if not m:
        return []
    rest = m.group(2).strip()
    if " or " not in rest or rest.lower().startswith("to "):
        return [Suggestion("yes", soft=False), Suggestion("no", soft=False)]
    return [Suggestion(p.strip(), soft=True) for p in LIST_SPLIT.split(rest) if p.strip()]


def resolve(model: Model, s: Suggestion) -> Match | None:
    """The intent a suggested phrase means: the whole phrase, else the phrase without a
    purpose clause ("next to move on" -> next; "continue when you're ready to carry on" ->
    continue), a description standing for its example ("a number from zero to ten")."""
    if s not in model.resolved:
        model.resolved[s] = _resolve(model, s)
    return model.resolved[s]


def _resolve(model: Model, s: Suggestion) -> Match | None:
    words = s.phrase.split()
    cuts = [len(words)] + [
        n for n in range(len(words) - 1, 0, -1) if PURPOSE.match(" " + " ".join(words[n:]))
    ]
    for end in cuts:
        phrase = " ".join(words[:end])
        phrase = DESCRIBED_PHRASES.get(normalize(phrase), phrase)
        found = model.match(phrase, slot_follows=s.slot_follows and end == len(words))
        if found:
            return found
    return None


# -- non-answers --------------------------------------------------------------------------
def non_answer_patterns(content: Content | None = None) -> list[tuple[str, re.Pattern[str]]]:
    """Every variant of NON_ANSWER_KEYS as a pattern, placeholders matching anything."""
    content = content or Content.load()
    patterns = []
    for key in NON_ANSWER_KEYS:
        for variant in content.variants(key):
            pieces = re.split(r"\{[^{}]*\}", variant)
            regex = ".+?".join(re.escape(" ".join(p.split())) for p in pieces)
            patterns.append((key, re.compile(regex)))
    return patterns


# -- the conversation, driven through the Flask app ---------------------------------------
@dataclass(frozen=True)
class Turn:
    """One thing the couple does: launch, say an intent, or come back in a new session."""

    intent: str | None = None  # None with new_session=False: a LaunchRequest
    slots: tuple[tuple[str, str], ...] = ()
    new_session: bool = False
    wait: float = 0.0  # seconds that pass before this turn

    def label(self) -> str:
        if self.new_session:
            return f"(new session after {self.wait / 3600:g} h)"
        if self.intent is None:
            return "LaunchRequest"
        return Match(self.intent, self.slots).label()


def say(intent: str, **slots: str) -> Turn:
    return Turn(intent, tuple(slots.items()))


LAUNCH = Turn()


def later(hours: float) -> Turn:
    return Turn(new_session=True, wait=hours * 3600)


@dataclass
class Record:
    """One response, where it was heard, and what came just before it in the session."""

    state: str
    turn: Turn
    body: dict[str, Any]
    spoken: Spoken
    reprompt: str
    ended: bool
    prev: Record | None
    kind: str  # "trunk", "intent", "again" or "suggestion"
    # (phrase, its intent, the response that suggested it) when this turn tried one
    suggested: tuple[str, Match, Record] | None = None

    @property
    def ssml(self) -> str:
        return str(self.body["response"].get("outputSpeech", {}).get("ssml", ""))

    def where(self) -> str:
        """Where the couple was and what they said: "[ritual: step] Intent", or for a
        suggested phrase "[ritual: step] Intent, then "phrase" (its intent)"."""
        if self.suggested:
            phrase, match, source = self.suggested
            return f'[{self.state}] {source.turn.label()}, then "{phrase}" ({match.label()})'
        return f"[{self.state}] {self.turn.label()}"


@dataclass
class Snapshot:
    user: str
    session_id: str | None
    attributes: dict[str, Any]
    now: float
    rows: list[tuple[str, list[str], list[tuple[Any, ...]]]]
    last: Record | None


class Store:
    """The SQLite file, read and copied without knowing its schema: a couple's rows are
    the rows in which some column holds their user id."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, timeout=5, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")  # this connection's copies need no fsync
        self.key_columns: dict[str, str] = {}  # table -> the column found holding user ids
        self._tables: list[tuple[str, list[str]]] | None = None

    def tables(self) -> list[tuple[str, list[str]]]:
        names = [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return [(t, [c[1] for c in self.conn.execute(f'PRAGMA table_info("{t}")')]) for t in names]

    def rows_of(self, user: str) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
        if self._tables is None:
            self._tables = self.tables()
        found = []
        for table, cols in self._tables:
            if table in self.key_columns:
                where, args = f'"{self.key_columns[table]}" = ?', [user]
            else:
                where, args = " OR ".join(f'"{c}" = ?' for c in cols), [user] * len(cols)
            rows = self.conn.execute(f'SELECT * FROM "{table}" WHERE {where}', args).fetchall()
            if rows and table not in self.key_columns:
                self.key_columns[table] = cols[rows[0].index(user)]
            found.append((table, cols, rows))
        if not any(rows for _, _, rows in found):
            self._tables = None  # the skill may not have created its tables yet
        return found

    def copy_to(
        self, rows: list[tuple[str, list[str], list[tuple[Any, ...]]]], src: str, dst: str
    ) -> None:
        for table, cols, values in rows:
            marks = ", ".join("?" for _ in cols)
            self.conn.executemany(
                f'INSERT OR REPLACE INTO "{table}" VALUES ({marks})',
                [[dst if v == src else v for v in row] for row in values],
            )

    def everything(self) -> Iterator[dict[str, Any]]:
        """Every stored row as {table.column: value}, JSON text parsed."""
        for table, cols in self.tables():
            for row in self.conn.execute(f'SELECT * FROM "{table}"'):
                found = {}
                for col, value in zip(cols, row, strict=True):
                    if isinstance(value, str | bytes):
                        with contextlib.suppress(ValueError):
                            value = json.loads(value)
                    found[f"{table}.{col}"] = value
                yield found

    def close(self) -> None:
        self.conn.close()


class Driver:
    """Sends real-shaped envelopes to the Flask test client, one couple per user id."""

    def __init__(self, client: Any, clock: Any, store: Store, model: Model) -> None:
        self.client = client
        self.clock = clock
        self.store = store
        self.model = model
        self.user = ""
        self.session_id: str | None = None
        self.attributes: dict[str, Any] = {}
        self.last: Record | None = None
        self.requests = 0

    def fresh(self) -> None:
        self.user = f"amzn1.ask.account.WALK-{uuid.uuid4().hex}"
        self.session_id, self.attributes, self.last = None, {}, None

    def snapshot(self) -> Snapshot:
        return Snapshot(
            self.user,
            self.session_id,
            copy.deepcopy(self.attributes),
            self.clock.now,
            self.store.rows_of(self.user),
            self.last,
        )

    def fork(self, snap: Snapshot) -> None:
        """Continue from `snap` as a new couple with a copy of its stored state."""
        self.fresh()
        self.store.copy_to(snap.rows, snap.user, self.user)
        self.session_id, self.attributes = snap.session_id, copy.deepcopy(snap.attributes)
        self.clock.now = snap.now
        self.last = snap.last

    def send(self, turn: Turn, state: str, kind: str) -> Record | None:
        self.clock.now += turn.wait
        if self.last is not None and not turn.new_session:
            self.clock.now += self.last.spoken.seconds  # they answer after hearing it all
        if turn.new_session:
            self.session_id, self.attributes, self.last = None, {}, None
            return None
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes, self.last = {}, None
        env = envelope(
            "IntentRequest" if turn.intent else "LaunchRequest",
            turn.intent,
            dict(turn.slots),
            user=self.user,
            session_id=self.session_id,
            new=new,
            attributes=self.attributes,
            now=self.clock.now,
        )
        # A device whose couple declined Alexa timers: the massage runs in parts here.
        system = env["context"]["System"]
        system["user"]["permissions"] = {
            "scopes": {"alexa::alerts:timers:skill:readwrite": {"status": "DENIED"}}
        }
        if turn.intent:
            self._resolve_slots(env["request"]["intent"])
        resp = self.client.post("/", json=env)
        self.requests += 1
        if resp.status_code != 200:
            raise AssertionError(f"{state} {turn.label()}: HTTP {resp.status_code}")
        body = resp.get_json()
        response = body.get("response", {})
        ssml = response.get("outputSpeech", {}).get("ssml", "<speak></speak>")
        reprompt = response.get("reprompt", {}).get("outputSpeech", {}).get("ssml", "")
        ended = response.get("shouldEndSession") is not False
        record = Record(
            state,
            turn,
            body,
            spoken(ssml),
            spoken(reprompt).text if reprompt else "",
            ended,
            self.last,
            kind,
        )
        self.attributes = body.get("sessionAttributes") or {}
        self.last = None if ended else record
        if ended:
            self.session_id = None
        return record

    def _resolve_slots(self, intent: dict[str, Any]) -> None:
        """Entity resolution for custom slot types, as Alexa adds it."""
        types = next((i.slots for i in self.model.intents if i.name == intent["name"]), {})
        for name, slot in intent["slots"].items():
            kind = types.get(name, "")
            if kind in self.model.types and "value" in slot:
                found = self.model.resolution(kind, slot["value"])
                status = "ER_SUCCESS_MATCH" if found else "ER_SUCCESS_NO_MATCH"
                values = [{"value": {"id": found[0], "name": found[1]}}] if found else []
                slot["resolutions"] = {
                    "resolutionsPerAuthority": [
                        {
                            "authority": f"amzn1.er-authority.echo-sdk.walk.{kind}",
                            "status": {"code": status},
                            "values": values,
                        }
                    ]
                }


# -- the states ---------------------------------------------------------------------------
Path_ = tuple[tuple[str, Turn], ...]  # (name of the state the turn leads to, turn)


def ritual_paths() -> dict[str, Path_]:
    """The rituals' steps as a couple walks them; each turn's name is the step it reaches."""
    day = 24.0
    return {
        "launch": (("new couple", LAUNCH),),
        "launch returning": (
            ("after a hug", say("HugTimerIntent")),
            ("next day, no session", later(day)),
            ("next day", LAUNCH),
        ),
        "launch after a week": (
            ("after a hug", say("HugTimerIntent")),
            ("a week later, no session", later(8 * day)),
            ("a week later", LAUNCH),
        ),
        "paused check-in": (
            ("first pain", say("EveningCheckInIntent")),
            ("second pain", say("PainLevelIntent", level="3")),
            ("paused", say("AMAZON.PauseIntent")),
            ("an hour later, no session", later(1)),
            ("an hour later, launch", LAUNCH),
        ),
        "evening check-in": (
            ("first pain", say("EveningCheckInIntent")),
            ("second pain", say("PainLevelIntent", level="3")),
            ("question talk", say("PainLevelIntent", level="8")),
            ("idea", say("AMAZON.NextIntent")),
            ("first appreciation", say("AMAZON.NextIntent")),
            ("second appreciation", say("AMAZON.NextIntent")),
            ("hug offer", say("AMAZON.NextIntent")),
        ),
        "short check-in (high pain day)": (
            ("after high pain day", say("HighPainDayIntent")),
            ("short offer", say("EveningCheckInIntent")),
            ("first appreciation", say("AMAZON.YesIntent")),
            ("second appreciation", say("AMAZON.NextIntent")),
            ("hug offer", say("AMAZON.NextIntent")),
        ),
        "short check-in (touch hurts)": (
            ("after touch hurts", say("TouchHurtsIntent")),
            ("short offer", say("EveningCheckInIntent")),
            ("declined, full check-in", say("AMAZON.NoIntent")),
            ("second pain", say("PainLevelIntent", level="2")),
            ("question talk", say("PainLevelIntent", level="1")),
            ("idea", say("AMAZON.NextIntent")),
            ("first appreciation", say("AMAZON.NextIntent")),
            ("second appreciation", say("AMAZON.NextIntent")),
            ("close offer", say("AMAZON.NextIntent")),
        ),
        "highs and lows": (
            ("first high", say("HighsAndLowsIntent")),
            ("first low", say("AMAZON.NextIntent")),
            ("second high", say("AMAZON.NextIntent")),
            ("second low", say("AMAZON.NextIntent")),
            ("first appreciation", say("AMAZON.NextIntent")),
            ("second appreciation", say("AMAZON.NextIntent")),
        ),
        "weekly check-in": (
            ("working", say("WeeklyCheckInIntent")),
            ("would help", say("AMAZON.NextIntent")),
            ("first feel", say("AMAZON.NextIntent")),
            ("second feel", say("AMAZON.NextIntent")),
        ),
        "breathing (5 min)": (("between parts", say("BreathingIntent", duration="PT5M")),),
        "massage": (
            ("first half, part 1 done", say("MassageTimerIntent")),
            ("switch", say("ContinueIntent")),
            ("second half, part 1 done", say("ContinueIntent")),
        ),
    }


# -- the walk -----------------------------------------------------------------------------
@dataclass
class Walk:
    records: list[Record] = field(default_factory=list)
    unresolved: list[tuple[Record, str]] = field(default_factory=list)
    stored_health: list[dict[str, str]] = field(default_factory=list)  # per stored row
    states: int = 0
    intents: int = 0
    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def every_intent(model: Model) -> list[Turn]:
    return [say(i.name, **model.sample_slots(i)) for i in model.intents]


class Walker:
    def __init__(self, client: Any, clock: Any, db_path: Path, model: Model | None = None) -> None:
        self.model = model or Model.load()
        self.store = Store(db_path)
        self.drive = Driver(client, clock, self.store, self.model)
        self.walk = Walk()
        self.levels: set[int] = set()
        self.tried: set[tuple[str, Match]] = set()  # (conversation state, suggested intent)

    def run(self) -> Walk:
        started, cpu = time.perf_counter(), time.process_time()
        intents = every_intent(self.model)
        states: list[tuple[str, Snapshot]] = [("no session, new couple", self._start())]
        for ritual, path in ritual_paths().items():
            self.drive.fresh()
            where = f"{ritual}: start"
            for name, turn in path:
                rec = self.drive.send(turn, where, "trunk")
                if rec:
                    self._keep(rec)
                where = f"{ritual}: {name}"
                if turn.new_session or not (rec and rec.ended):
                    states.append((where, self.drive.snapshot()))
        # Every one-shot that leaves the session open is a state too, unless the walk has
        # one like it already (saying "evening check-in" first is the check-in's first step).
        fresh = states[0][1]
        known = {fingerprint(snap, False) for _, snap in states}
        for turn in intents:
            self.drive.fork(fresh)
            rec = self.drive.send(turn, "no session, new couple", "intent")
            if rec:
                self._keep(rec)
                snap = self.drive.snapshot()
                if not rec.ended and fingerprint(snap, False) not in known:
                    known.add(fingerprint(snap, False))
                    states.append((f"after one-shot {turn.label()}", snap))
        for where, snap in states[1:]:
            for turn in intents:
                self.drive.fork(snap)
                rec = self.drive.send(turn, where, "intent")
                if rec:
                    self._keep(rec)
                if rec and not rec.ended and turn.intent in SAID_AGAIN:
                    again = self.drive.send(turn, where, "again")
                    if again:
                        self._keep(again)
        self.walk.stored_health = self._stored_health()
        self.store.close()
        self.walk.states = len(states)
        self.walk.intents = len(intents)
        self.walk.requests = self.drive.requests
        self.walk.seconds = time.perf_counter() - started
        self.walk.cpu_seconds = time.process_time() - cpu
        return self.walk

    def _start(self) -> Snapshot:
        self.drive.fresh()
        return self.drive.snapshot()

    def _note_levels(self, turn: Turn) -> None:
        for slot, value in turn.slots:
            if slot == "level" and value.isdigit():
                self.levels.add(int(value))

    def _keep(self, rec: Record) -> None:
        """Record a response and try each phrase it suggests, in a fork right after it."""
        self.walk.records.append(rec)
        if rec.kind == "suggestion":
            return
        found = (*suggestions(rec.spoken.text), *suggestions(rec.reprompt))
        tried: set[Match] = set()
        matches = []
        for s in found:
            match = resolve(self.model, s)
            if match is None:
                if not s.soft:
                    self.walk.unresolved.append((rec, s.phrase))
                continue
            if match not in tried:
                tried.add(match)
                matches.append((s.phrase, match))
        if not matches:
            return
        snap = self.drive.snapshot()
        state = fingerprint(snap, rec.ended)
        matches = [(p, m) for p, m in matches if (state, m) not in self.tried]
        self.tried.update((state, m) for _, m in matches)
        for phrase, match in matches:
            self.drive.fork(snap)
            turn = Turn(match.intent, match.slots)
            if rec.ended:
                self.drive.send(later(NEW_SESSION_GAP / 3600), rec.state, "suggestion")
            tried_rec = self.drive.send(turn, rec.state, "suggestion")
            if tried_rec:
                tried_rec.suggested = (phrase, match, rec)
                self.walk.records.append(tried_rec)
        self.drive.fork(snap)  # carry on from right after `rec`, as if nothing was tried

    def _stored_health(self) -> list[dict[str, str]]:
        """Stored values that are health data: keys about pain or touch with a value."""
        for rec in self.walk.records:
            self._note_levels(rec.turn)
        found: list[dict[str, str]] = []
        for row in self.store.everything():
            health = {}
            for where, value in row.items():
                for path, v in _leaves(value, where):
                    key = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1].lower()
                    if re.search(r"pain|touch|hurt|comfort|bucket|hard_day", key) and _has_value(v):
                        health[path] = json.dumps(v)[:80]
                    elif key == "level" and isinstance(v, int) and v in self.levels:
                        health[path] = str(v)
            if health:
                found.append(health)
        return found


def fingerprint(snap: Snapshot, ended: bool) -> str:
    """The conversation state after a response, with what does not change what a phrase
    does set aside: numbers (times, lengths), ids, the user id and the last speech."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: plain(v)
                for k, v in sorted(value.items())
                if "ssml" not in k.lower() and k.lower() != "id" and not k.lower().endswith("_id")
            }
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int | float):
            return 0
        if isinstance(value, str):
            if value == snap.user:
                return "user"
            try:
                return plain(json.loads(value))
            except ValueError:
                return value
        return str(value)

    rows = [(table, [plain(list(row)) for row in values]) for table, _, values in snap.rows]
    return json.dumps([ended, plain(snap.attributes), rows], sort_keys=True)


def _has_value(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_value(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_value(v) for v in value)
    return value not in (None, "", False)


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield f"{path}.{k}", v
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")


# -- the rules ----------------------------------------------------------------------------
@dataclass
class Finding:
    rule: str
    count: int = 0
    examples: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)  # how often each kind of case

    def add(self, example: str, key: str | None = None) -> None:
        """Count one case; `key` says which cases are alike (one example per kind)."""
        self.count += 1
        key = key or example
        if (
            len(self.examples) < int(os.environ.get("CLOSE_TOGETHER_WALK_EXAMPLES", "5"))
            and key not in self.kinds
        ):
            self.examples.append(example)
        self.kinds[key] += 1


def trim(text: str, n: int = 160) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


RULES = (
    ("reprompt", "open turns without a reprompt"),
    ("stretch", "responses with over 40 words between pauses"),
    ("long", "responses over 70 words (timed cues aside)"),
    ("identical", "identical consecutive responses (not on repeat)"),
    ("sentence", "sentences repeated in consecutive responses (not on repeat)"),
    ("dead_end", "dead ends (suggested phrase -> intent that does not act)"),
    ("unresolved", "suggested phrases that resolve to no intent"),
    ("health", "stored health data"),
    ("touch", "touch suggested while touch hurts (not asked for by name)"),
)
# Touch, in the words a suggestion would use; and the intents that ask for it by name.
TOUCH_WORDS = re.compile(
    r"\b(hugs?|hugging|kiss(es|ing)?|cuddl\w*|massag\w*|rub\w*|light touch|lie close|"
    r"hold(ing)? hands|hold(ing)? each other|arms around|spoon\w*|brush\w* [\w']+ hair)\b",
    re.IGNORECASE,
)
TOUCH_BY_NAME = frozenset({"HugTimerIntent", "KissIntent", "MassageTimerIntent"})


def asked_for_touch(rec: Record) -> bool:
    """The couple asked for touch by name in this session (a hug timer, a massage): what
    follows from it (its parts, its close) is theirs, not a suggestion."""
    here: Record | None = rec
    while here is not None:
        if here.turn.intent in TOUCH_BY_NAME:
            return True
        here = here.prev
    return False


def touch_hurts_after(rec: Record) -> bool:
    """Touch hurts tonight, as the conversation holds it once this response is given."""
    state = (rec.body.get("sessionAttributes") or {}).get("state") or {}
    comfort = state.get("comfort") or {}
    return bool(comfort.get("touch"))


def check(walk: Walk, content: Content | None = None) -> dict[str, Finding]:
    """Every rule over every response of a walk."""
    out = {rule: Finding(title) for rule, title in RULES}
    non_answers = non_answer_patterns(content)
    # Examples first from the rituals' own steps, then from intents sent there, then from
    # the turns after them: the counts are the same, the examples more telling.
    order = {"trunk": 0, "intent": 1, "again": 2, "suggestion": 3}
    for rec in sorted(walk.records, key=lambda r: order.get(r.kind, 4)):
        said = rec.spoken
        if not rec.ended and not rec.reprompt.strip():
            out["reprompt"].add(f"{rec.where()}: {trim(said.text)}", said.text)
        if said.longest_stretch > WORDS_PER_BREATH:
            out["stretch"].add(
                f"{rec.where()}: {said.longest_stretch} words: {trim(said.text)}", said.text
            )
        if said.words - said.cue_words > WORDS_PER_RESPONSE:
            out["long"].add(
                f"{rec.where()}: {said.words - said.cue_words} words: {trim(said.text)}", said.text
            )
        prev = rec.prev
        if prev is not None and rec.turn.intent != REPEAT:
            if rec.ssml == prev.ssml and said.text:
                out["identical"].add(
                    f"{rec.where()} after {prev.turn.label()}: {trim(said.text)}", said.text
                )
            elif rec.turn.label() != prev.turn.label():  # the same thing asked again is a repeat
                before = set(sentences(prev.spoken.text))
                for sentence in sentences(said.text):
                    if sentence in before:
                        out["sentence"].add(
                            f"{rec.where()} after {prev.turn.label()}: {trim(sentence)}", sentence
                        )
                        break
        if touch_hurts_after(rec) and not asked_for_touch(rec):
            found = TOUCH_WORDS.search(f"{said.text} {rec.reprompt}")
            if found:
                shown = f"{rec.where()}: {trim(said.text)} | {trim(rec.reprompt, 80)}"
                out["touch"].add(shown, found.group(0).lower())
        if rec.suggested:
            key = next((k for k, p in non_answers if p.search(said.text)), None)
            if key:
                phrase, match, source = rec.suggested
                out["dead_end"].add(
                    f'[{rec.state}] {source.turn.label()}: "{trim(source.spoken.text, 90)}"'
                    f' suggests "{phrase}" -> {match.label()} -> {key}: "{trim(said.text, 80)}"',
                    f"{match.intent}|{key}",
                )
    for rec, phrase in walk.unresolved:
        out["unresolved"].add(f'{rec.where()}: "{phrase}"', phrase)
    for row in walk.stored_health:
        shown = "; ".join(f"{k} = {v}" for k, v in list(row.items())[:3])
        out["health"].add(shown, " ".join(sorted({re.sub(r"\[\d+\]", "", k) for k in row})))
    return out


def as_json(walk: Walk, findings: dict[str, Finding]) -> dict[str, Any]:
    return {
        "states": walk.states,
        "intents": walk.intents,
        "requests": walk.requests,
        "seconds": round(walk.seconds, 2),
        "cpu_seconds": round(walk.cpu_seconds, 2),
        "responses": len(walk.records),
        "rules": {
            rule: {
                "title": f.rule,
                "count": f.count,
                "distinct": len(f.kinds),
                "examples": f.examples,
                "most_common": f.kinds.most_common(8) if rule == "dead_end" else [],
            }
            for rule, f in findings.items()
        },
    }


def format_report(found: dict[str, Any]) -> str:
    """The counts and examples of `as_json`, as the bench script prints them."""
    lines = [
        f"walk: {found['states']} states x {found['intents']} intents, "
        f"{found['requests']} requests, {found['seconds']} s ({found['cpu_seconds']} s CPU)",
        f"responses: {found['responses']}",
    ]
    for rule in found["rules"].values():
        lines.append(f"{rule['title']}: {rule['count']} ({rule['distinct']} distinct)")
        lines += [f"    {e}" for e in rule["examples"]]
        if rule["most_common"]:
            lines.append("    by intent and non-answer:")
            lines += [f"      {n:4}  {k.replace('|', ' -> ')}" for k, n in rule["most_common"]]
    return "\n".join(lines)
