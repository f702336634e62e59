"""From what someone typed or said to plain word tokens, and how the request was wrapped.

Samples from the interaction model and utterances go through the same `tokens()`, so
contractions, digits and hyphens can never make a sample fail to match itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from local_speaker.model import InteractionModel, Phrases
from skill.engine.spoken import number_words

_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u2212": "-", "\u2013": "-"}
)  # and the minus sign and en dash as a hyphen: "\u22121" is minus one, never one
_UNIT_SHORTHAND = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?)\b"
)
_UNIT_WORDS = {
    "s": "seconds",
    "sec": "seconds",
    "secs": "seconds",
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
}
_DECIMAL = re.compile(r"\b(\d+)\.5\b")
_NUMERAL = re.compile(r"\d+")
_NEGATIVE = re.compile(r"(?<![\w.])-(?=\d)")
_NOT_WORD = re.compile(r"[^a-z0-9'. ]+")
_SLOT = re.compile(r"\{[^{}\s]+\}")
# A wrapper the model's own samples put around another sample of the same intent
# ("let's do highs and lows" beside "highs and lows") becomes a wrapper for every
# command once this many intents use it; fewer is that intent's own wording.
MIN_INTENTS_FOR_WRAPPER = 3
MAX_WRAPPER_WORDS = 3
BACKGROUND = Path(__file__).with_name("background_words.txt")


@cache
def background_words(path: Path = BACKGROUND) -> tuple[tuple[str, float], ...]:
    """Everyday English words and their log10 probabilities, most common first (read
    once): the speech model's background, and words no one is named."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, logp = line.split("\t")
            out.append((word, float(logp)))
    return tuple(out)


def _numeral_words(match: re.Match[str]) -> str:
    n = int(match.group(0))
    return f" {number_words(n)} " if n < 1000 else f" {n} "


def _unit_shorthand(match: re.Match[str]) -> str:
    unit = match.group(2)
    return f"{match.group(1)} {_UNIT_WORDS.get(unit, unit)}"


def tokens(text: str, phrases: Phrases) -> list[str]:
    """Lower-case words: digits spelled out, hyphens split, contractions expanded."""
    text = text.translate(_APOSTROPHES).lower().replace("&", " and ")
    text = _UNIT_SHORTHAND.sub(_unit_shorthand, text)
    text = _DECIMAL.sub(lambda m: f"{m.group(1)} and a half", text)
    text = _NEGATIVE.sub(" minus ", text)  # "-1" is not "1": a hyphen is split off below
    text = _NUMERAL.sub(_numeral_words, text)
    text = _NOT_WORD.sub(" ", text.replace("-", " "))
    out: list[str] = []
    for raw in text.replace(".", " ").split():
        word = raw.strip("'")
        if not word:
            continue
        expanded = phrases.contractions.get(word)
        out.extend(expanded.split() if expanded else [word])
    return out


def _starts_with(words: Sequence[str], prefix: Sequence[str]) -> bool:
    return len(prefix) > 0 and list(words[: len(prefix)]) == list(prefix)


def _ends_with(words: Sequence[str], suffix: Sequence[str]) -> bool:
    return len(suffix) > 0 and list(words[-len(suffix) :]) == list(suffix)


def _longest_first(phrases: Iterable[str]) -> list[list[str]]:
    return sorted((p.split() for p in phrases), key=len, reverse=True)


@dataclass(frozen=True)
class Wrappers:
    """Words around a command that do not change it ("can you ... for us"), longest first."""

    prefixes: tuple[tuple[str, ...], ...]
    suffixes: tuple[tuple[str, ...], ...]


def wrappers(model: InteractionModel) -> Wrappers:
    """The one list of wrappers, for the typed matcher and the voice grammar alike.

    Alexa's own (the phrase data's polite prefixes and suffixes, which the model
    cannot hold) and the prefixes the model's samples use: where one sample of an
    intent is another with a few words in front, those words are a way of asking.
    """
    phrases = model.phrases
    used: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for intent in model.intents:
        samples = {tuple(tokens(_SLOT.sub(" {} ", s), phrases)) for s in intent.samples}
        for longer in samples:
            for n in range(1, MAX_WRAPPER_WORDS + 1):
                head, rest = longer[:n], longer[n:]
                if rest in samples and "{}" not in head and not _NUMERAL_WORD.intersection(head):
                    used[head].add(intent.name)
    mined = {
        head
        for head, intents in used.items()
        if len(intents) >= MIN_INTENTS_FOR_WRAPPER and head[-1] not in phrases.determiners
    }
    prefixes = {tuple(tokens(p, phrases)) for p in phrases.polite_prefixes} | mined
    suffixes = {tuple(tokens(p, phrases)) for p in phrases.polite_suffixes}
    return Wrappers(
        tuple(sorted((p for p in prefixes if p), key=lambda p: (-len(p), p))),
        tuple(sorted((s for s in suffixes if s), key=lambda s: (-len(s), s))),
    )


_NUMERAL_WORD = frozenset(number_words(n) for n in range(0, 21))


@dataclass(frozen=True)
class Request:
    """One utterance: its command words, and whether it named the skill or only opened it."""

    words: tuple[str, ...]
    invoked: bool = False  # the invocation name was said: Alexa starts a new session
    launch: bool = False  # "open close together" (or the name alone): a LaunchRequest

    @property
    def text(self) -> str:
        return " ".join(self.words)


class Normalizer:
    """Knows the invocation name and this locale's ways of wrapping a request."""

    def __init__(self, phrases: Phrases, invocation: str, wrapping: Wrappers | None = None) -> None:
        self.phrases = phrases
        self.invocation = tokens(invocation, phrases)
        self._wake = _longest_first(phrases.wake_words)
        self._verbs = _longest_first(phrases.launch_verbs + ("tell",))
        self._links = _longest_first(phrases.invocation_links)
        self._suffix_links = _longest_first(phrases.invocation_suffix_links)
        if wrapping is None:
            wrapping = Wrappers(
                tuple(tuple(w) for w in _longest_first(phrases.polite_prefixes)),
                tuple(tuple(w) for w in _longest_first(phrases.polite_suffixes)),
            )
        self._prefixes = [list(p) for p in wrapping.prefixes]
        self._suffixes = [list(s) for s in wrapping.suffixes]

    def tokens(self, text: str) -> list[str]:
        return tokens(text, self.phrases)

    def request(self, text: str) -> Request:
        """Strip the wake word and the invocation ("ask close together to ...")."""
        words = self.tokens(text)
        stripped = True
        while stripped:
            stripped = False
            for wake in self._wake:
                if _starts_with(words, wake):
                    words = words[len(wake) :]
                    stripped = True
                    break
        name = self.invocation
        if not name:
            return Request(tuple(words))
        if words == name:
            return Request((), invoked=True, launch=True)
        for verb in self._verbs:
            if _starts_with(words, verb) and words[len(verb) : len(verb) + len(name)] == name:
                rest = words[len(verb) + len(name) :]
                return self._after_name(rest)
        if _starts_with(words, name):
            return self._after_name(words[len(name) :])
        for link in self._suffix_links:
            if _ends_with(words, name) and words[: -len(name)][-len(link) :] == link:
                rest = words[: -len(name) - len(link)]
                if rest:
                    return Request(tuple(rest), invoked=True)
        return Request(tuple(words))

    def _after_name(self, rest: list[str]) -> Request:
        for link in self._links:
            if _starts_with(rest, link) and len(rest) > len(link):
                rest = rest[len(link) :]
                break
        if not rest:
            return Request((), invoked=True, launch=True)
        return Request(tuple(rest), invoked=True)

    def without_politeness(self, words: Sequence[str]) -> list[str]:
        """'could you please start a hug timer for us' -> 'start a hug timer'."""
        out = list(words)
        changed = True
        while changed:
            changed = False
            for prefix in self._prefixes:
                if _starts_with(out, prefix) and len(out) > len(prefix):
                    out = out[len(prefix) :]
                    changed = True
                    break
            for suffix in self._suffixes:
                if _ends_with(out, suffix) and len(out) > len(suffix):
                    out = out[: -len(suffix)]
                    changed = True
                    break
        return out
