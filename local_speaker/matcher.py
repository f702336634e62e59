"""Offline understanding: text -> intent and slots, from the interaction model's own samples.

Each sample becomes a pattern of words and slots. An utterance is aligned with every
pattern (a small edit-distance search): matching words cost nothing; articles and
fillers such as "please" may be added or left out, and one determiner may stand in for
another ("the" for "our"), each at a small cost. Polite wrappers ("can you ... for us",
"let's do ...", from `normalize.wrappers`, shared with the voice grammar) are taken off
first. Unknown extra words are tolerated only against a pattern with three or more
matched words, fewer unknown words than matched ones (at most three), and only when the
match is unambiguous: every other intent must fit clearly worse. Negations are never
skipped, nor words that move a request to another day ("we need a minute tomorrow", "a
hug later": plans, not requests). The cheapest, then the most specific (most matched
words) pattern wins; a tie between two intents at a non-zero cost is treated as not
understood. Anything that does not match goes to AMAZON.FallbackIntent — never to a
guessed ritual.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from local_speaker import slot_values
from local_speaker.model import (
    DURATION,
    FALLBACK,
    FIRST_NAME,
    NUMBER,
    SEARCH_QUERY,
    Intent,
    InteractionModel,
    ModelError,
    SlotValue,
)
from local_speaker.normalize import Normalizer, background_words, wrappers

log = logging.getLogger("close_together.speaker")

SLOT_IN_SAMPLE = re.compile(r"\{([^{}\s]+)\}")
FILLER_COST = 1
SUBSTITUTE_COST = 1
OPTIONAL_COST = 1
UNKNOWN_COST = 3
FREE_CAPTURE_COST = 1
MAX_COST = 2  # edits allowed without an unknown word
MIN_LITERALS_FOR_UNKNOWN = 3
MAX_UNKNOWN = 3  # and always fewer than the words that matched
MIN_LITERALS_FOR_FREE_TEXT = 2
MAX_SPAN = {NUMBER: 5, DURATION: 9, FIRST_NAME: 2, SEARCH_QUERY: 12}
DEFAULT_FREE_SPAN = 4
EVERYDAY_NOT_NAMES = 1000  # the most common English words: never taken as a first name

RESOLVED = "ER_SUCCESS_MATCH"
UNRESOLVED = "ER_SUCCESS_NO_MATCH"


@dataclass(frozen=True)
class SlotFill:
    """A filled slot as Alexa sends it: the words heard, and for custom types the resolution."""

    value: str
    resolved: SlotValue | None = None
    status: str | None = None  # ER_SUCCESS_MATCH / ER_SUCCESS_NO_MATCH for custom types


@dataclass(frozen=True)
class Understanding:
    """What one utterance means to the skill."""

    intent: str | None  # None for a launch (or nothing said)
    slots: dict[str, SlotFill] = field(default_factory=dict)
    slot_types: dict[str, str] = field(default_factory=dict)  # every slot the intent declares
    launch: bool = False
    invoked: bool = False  # the invocation name was said
    cost: float = 0.0
    edits: float = 0.0  # words added, left out or swapped to make a sample fit
    sample: str | None = None

    @property
    def exact(self) -> bool:
        """A sample, word for word (slot values aside)."""
        return self.intent is not None and self.intent != FALLBACK and self.edits == 0


@dataclass(frozen=True)
class _Slot:
    name: str
    type: str


_Element = str | _Slot


@dataclass(frozen=True)
class Pattern:
    intent: str
    sample: str
    elements: tuple[_Element, ...]
    required: frozenset[str]  # words that must appear in the utterance
    literal_count: int
    order: int
    builtin: bool = False  # from the phrase data, not the model
    core: bool = False  # a sample without its wrapper: word for word only


@dataclass(frozen=True)
class _Path:
    cost: float
    literals: int
    captures: int
    unknown: int
    slots: tuple[tuple[str, SlotFill], ...]
    edits: float = 0  # the part of the cost spent on tolerance, not on free-text slots

    def key(self) -> tuple[float, int, int]:
        return (self.cost, -self.literals, self.captures)


class Matcher:
    """Built once from an interaction model; `understand(text)` is pure and fast."""

    def __init__(self, model: InteractionModel) -> None:
        self.model = model
        self.phrases = model.phrases
        self.wrapping = wrappers(model)
        self.normalizer = Normalizer(model.phrases, model.invocation, self.wrapping)
        self._intents = {intent.name: intent for intent in model.intents}
        self._values = {
            name: self._value_table(values) for name, values in model.slot_types.items()
        }
        # Everyday words heard where a name could go are the words, not a name, unless
        # the phrase data lists them as names ("mark", "will").
        names = {n.lower() for n in model.phrases.grammar_values.get(FIRST_NAME, ())}
        common = [w for w, _ in background_words()[:EVERYDAY_NOT_NAMES]]
        self._everyday = frozenset(common) - names
        self.patterns = self._compile()

    # -- building ----------------------------------------------------------------
    def _value_table(self, values: Sequence[SlotValue]) -> dict[tuple[str, ...], SlotValue]:
        table: dict[tuple[str, ...], SlotValue] = {}
        for value in values:
            for spoken in (value.name, *value.synonyms):
                words = tuple(self.normalizer.tokens(spoken))
                if words:
                    table.setdefault(words, value)
        return table

    def sample_elements(self, intent: Intent, sample: str) -> tuple[_Element, ...]:
        """A sample's words and slots, normalised exactly as utterances are."""
        elements: list[_Element] = []
        position = 0
        for found in SLOT_IN_SAMPLE.finditer(sample):
            elements.extend(self.normalizer.tokens(sample[position : found.start()]))
            name = found.group(1)
            if name not in intent.slots:
                raise ModelError(f"{intent.name}: sample {sample!r} uses undeclared slot {name}")
            elements.append(_Slot(name, intent.slots[name]))
            position = found.end()
        elements.extend(self.normalizer.tokens(sample[position:]))
        return tuple(elements)

    def _compile(self) -> list[Pattern]:
        patterns: list[Pattern] = []
        model_phrases: set[tuple[_Element, ...]] = set()
        skipped = 0
        for intent in self.model.intents:
            for sample in intent.samples:
                try:
                    elements = self.sample_elements(intent, sample)
                except ModelError as exc:
                    log.warning("skipping a sample: %s", exc)
                    skipped += 1
                    continue
                model_phrases.add(elements)
                patterns.append(self._pattern(intent.name, sample, elements, len(patterns)))
        # A sample that is another way of asking around a command ("let's take a
        # break", "i want to go first") also stands without its wrapper, as Alexa hears
        # it: "take a break", "go first". Only where two words or more carry the
        # meaning ("start over" is not "over") and no sample already says it.
        for sample_pattern in list(patterns):
            core = self._unwrapped(sample_pattern.elements)
            if core is not None and core not in model_phrases:
                model_phrases.add(core)
                patterns.append(
                    self._pattern(
                        sample_pattern.intent, sample_pattern.sample, core, len(patterns), core=True
                    )
                )
        # Alexa's own phrases for built-in intents, unless the model gives that phrase
        # to an intent of its own (the model always wins).
        for intent in self.model.intents:
            for phrase in intent.builtin_phrases:
                elements = tuple(self.normalizer.tokens(phrase))
                if elements and elements not in model_phrases:
                    patterns.append(
                        self._pattern(intent.name, phrase, elements, len(patterns), builtin=True)
                    )
        if skipped:
            log.warning("%d sample(s) could not be used", skipped)
        return patterns

    def _unwrapped(self, elements: tuple[_Element, ...]) -> tuple[_Element, ...] | None:
        """A sample's elements without the wrapper they start with, if enough is left."""
        light = self.phrases.fillers | self.phrases.determiners
        for prefix in self.wrapping.prefixes:
            head = elements[: len(prefix)]
            if head != prefix:
                continue
            core = elements[len(prefix) :]
            carrying = [e for e in core if isinstance(e, str) and e not in light]
            if len(carrying) >= 2 and not self.phrases.never_skip.intersection(carrying):
                return core
            return None
        return None

    def _pattern(
        self,
        intent: str,
        sample: str,
        elements: tuple[_Element, ...],
        order: int,
        *,
        builtin: bool = False,
        core: bool = False,
    ) -> Pattern:
        words = [e for e in elements if isinstance(e, str)]
        optional = self.phrases.optional_in_samples | self.phrases.determiners
        return Pattern(
            intent=intent,
            sample=sample,
            elements=elements,
            required=frozenset(w for w in words if w not in optional),
            literal_count=len(words),
            order=order,
            builtin=builtin,
            core=core,
        )

    # -- understanding -------------------------------------------------------------
    def understand(self, text: str) -> Understanding:
        request = self.normalizer.request(text)
        if request.launch:
            return Understanding(intent=None, launch=True, invoked=True)
        if not request.words:
            return Understanding(intent=None, launch=True, invoked=request.invoked)
        variants = [tuple(request.words)]
        polite = tuple(self.normalizer.without_politeness(request.words))
        if polite != variants[0]:
            variants.append(polite)
        per_intent: dict[str, tuple[_Path, Pattern]] = {}
        for words in variants:
            for pattern in self.patterns:
                path = self._match(pattern, words)
                if path is None:
                    continue
                held = per_intent.get(pattern.intent)
                if held is None or (path.key(), pattern.order) < (held[0].key(), held[1].order):
                    per_intent[pattern.intent] = (path, pattern)
        if not per_intent:
            return self._fallback(request.invoked)
        ranked = sorted(per_intent.values(), key=lambda pp: (pp[0].key(), pp[1].order))
        path, pattern = ranked[0]
        if len(ranked) > 1 and path.cost > 0 and ranked[1][0].key() == path.key():
            return self._fallback(request.invoked)  # two intents fit equally loosely
        if len(ranked) > 1 and path.unknown and ranked[1][0].cost < path.cost + UNKNOWN_COST:
            return self._fallback(request.invoked)  # words skipped, and another intent is close
        intent = self._intents[pattern.intent]
        return Understanding(
            intent=pattern.intent,
            slots=dict(path.slots),
            slot_types=dict(intent.slots),
            invoked=request.invoked,
            cost=path.cost,
            edits=path.edits,
            sample=pattern.sample,
        )

    def _fallback(self, invoked: bool) -> Understanding:
        return Understanding(intent=FALLBACK, invoked=invoked)

    def _match(self, pattern: Pattern, words: tuple[str, ...]) -> _Path | None:
        if not pattern.required.issubset(words):
            return None
        strict = _align(self, pattern, words, allow_unknown=False)
        if strict is not None and strict.cost == 0:
            return strict
        loose = None
        # Unknown words only around a whole sample: "you should take a break" is not a
        # request, though "take a break" (from "let's take a break") is; a sample without
        # its wrapper takes them only inside ("take a short break"), never around.
        if pattern.literal_count >= MIN_LITERALS_FOR_UNKNOWN and (
            not pattern.core or _inside(pattern, words)
        ):
            loose = _align(self, pattern, words, allow_unknown=True)
            if loose is not None and (
                loose.literals < MIN_LITERALS_FOR_UNKNOWN or loose.unknown >= loose.literals
            ):
                loose = None
        found = [p for p in (strict, loose) if p is not None]
        if not found:
            return None
        path = min(found, key=_Path.key)
        # Tolerance is limited; the price of free-text slots only ranks candidates.
        limit = MAX_COST + UNKNOWN_COST * path.unknown
        return path if path.edits <= limit else None

    # -- slots ---------------------------------------------------------------------
    def is_typed(self, slot_type: str) -> bool:
        """Numbers, durations and listed custom values (not free text)."""
        return slot_type in (NUMBER, DURATION) or bool(self._values.get(slot_type))

    def fill_alone(self, name: str, slot_type: str, text: str) -> SlotFill | None:
        """The answer to "which one?": the whole utterance as one slot's value."""
        words = tuple(self.normalizer.without_politeness(self.normalizer.request(text).words))
        while words and words[0] in self.phrases.fillers and len(words) > 1:
            if self.fill(_Slot(name, slot_type), words, 0) is not None:
                break
            words = words[1:]
        if not words:
            return None
        filled = self.fill(_Slot(name, slot_type), words, MIN_LITERALS_FOR_FREE_TEXT)
        return None if filled is None else filled[0]

    def fill(
        self, slot: _Slot, words: tuple[str, ...], literal_count: int
    ) -> tuple[SlotFill, float] | None:
        """A slot's value from these words, and what taking them costs; None if they can't."""
        spoken = " ".join(words)
        if slot.type == NUMBER:
            number = slot_values.parse_number(words)
            return None if number is None else (SlotFill(str(number)), 0)
        if slot.type == DURATION:
            iso = slot_values.parse_duration(words)
            return None if iso is None else (SlotFill(iso), 0)
        if slot.type in self._values:
            value = self._values[slot.type].get(words)
            if value is not None:
                return SlotFill(spoken, value, RESOLVED), 0
        if literal_count < MIN_LITERALS_FOR_FREE_TEXT:
            return None  # free text needs a carrier phrase around it
        if any(w in self.phrases.never_skip for w in words):
            return None
        if slot.type in self._values:
            return SlotFill(spoken, None, UNRESOLVED), FREE_CAPTURE_COST + 1
        if slot.type == FIRST_NAME:
            if any(w in self._everyday for w in words):
                return None  # "it's fine", "that's enough", "this is hard": no one's name
            return SlotFill(" ".join(w.capitalize() for w in words)), FREE_CAPTURE_COST
        return SlotFill(spoken), FREE_CAPTURE_COST

    def max_span(self, slot: _Slot) -> int:
        if slot.type in self._values:
            longest = max((len(k) for k in self._values[slot.type]), default=1)
            return max(longest, DEFAULT_FREE_SPAN + 2)
        return MAX_SPAN.get(slot.type, DEFAULT_FREE_SPAN)


def _inside(pattern: Pattern, words: tuple[str, ...]) -> bool:
    """Do the words start and end as the sample does (anything unknown is within it)?"""
    first, last = pattern.elements[0], pattern.elements[-1]
    return words[0] == first and words[-1] == last  # a slot (not a str) never equals a word


def _align(
    matcher: Matcher, pattern: Pattern, words: tuple[str, ...], *, allow_unknown: bool
) -> _Path | None:
    """Cheapest alignment of a pattern with the words (memoised search)."""
    phrases = matcher.phrases
    elements = pattern.elements
    n, m = len(elements), len(words)

    @cache
    def best(i: int, j: int, unknown: int) -> _Path | None:
        if i == n and j == m:
            return _Path(0, 0, 0, 0, (), 0)
        options: list[_Path] = []

        def extend(
            rest: _Path | None,
            cost: float,
            literals: int = 0,
            captures: int = 0,
            unknown_add: int = 0,
            slot: tuple[str, SlotFill] | None = None,
        ) -> None:
            if rest is None:
                return
            options.append(
                _Path(
                    rest.cost + cost,
                    rest.literals + literals,
                    rest.captures + captures,
                    rest.unknown + unknown_add,
                    ((slot,) if slot else ()) + rest.slots,
                    rest.edits + (0 if slot else cost),
                )
            )

        if j < m:
            word = words[j]
            if word in phrases.fillers:
                extend(best(i, j + 1, unknown), FILLER_COST)
            elif (
                allow_unknown
                and unknown < MAX_UNKNOWN
                and word not in phrases.never_skip
                and word not in phrases.another_time
            ):
                extend(best(i, j + 1, unknown + 1), UNKNOWN_COST, unknown_add=1)
        if i < n:
            element = elements[i]
            if isinstance(element, str):
                if j < m and words[j] == element:
                    extend(best(i + 1, j + 1, unknown), 0, literals=1)
                elif j < m and element in phrases.determiners and words[j] in phrases.determiners:
                    extend(best(i + 1, j + 1, unknown), SUBSTITUTE_COST)
                if element in phrases.optional_in_samples or element in phrases.determiners:
                    extend(best(i + 1, j, unknown), OPTIONAL_COST)
            else:
                for k in range(j + 1, min(m, j + matcher.max_span(element)) + 1):
                    filled = matcher.fill(element, words[j:k], pattern.literal_count)
                    if filled is None:
                        continue
                    value, cost = filled
                    extend(
                        best(i + 1, k, unknown),
                        cost,
                        captures=1 if cost else 0,
                        slot=(element.name, value),
                    )
        if not options:
            return None
        return min(options, key=_Path.key)

    return best(0, 0, 0)
