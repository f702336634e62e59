"""A JSGF grammar for offline speech recognition, generated from the interaction model.

Every sample utterance (and the built-in intents' phrases) becomes an alternative;
slots expand to finite sets — numbers zero to ten, common durations, the custom slot
types' values and synonyms, a list of first names (see `grammar_values` in the phrase
data). Samples that cannot be said in a finite grammar (free-text slots) or that use a
word the pronouncing dictionary lacks are left out and listed in `Grammar.dropped`.

The grammar holds the commands as the model words them; polite wrappers ("can you ...
for us") are heard by the free search instead (language_model.py). A bare number or
yes/no is in the grammar only when the skill awaits one (`context.Expecting`); one
grammar is built per context.

The recogniser searches it second, forced onto speech whose free words (the language
model, language_model.py) were not a command; it then counts only if it explains the
audio nearly as well as those free words do (see listen.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from local_speaker import context
from local_speaker.matcher import SLOT_IN_SAMPLE
from local_speaker.model import Intent, InteractionModel
from local_speaker.normalize import tokens
from skill.engine.spoken import number_words

_WORD_CHARS = re.compile(r"[^a-z0-9' ]+")
_NUMERAL = re.compile(r"\d+")


@dataclass(frozen=True)
class Grammar:
    jsgf: str
    words: frozenset[str]
    dropped: tuple[str, ...]
    wake: tuple[str, ...] = ()


def _rule_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name).lower()


class Builder:
    def __init__(
        self,
        model: InteractionModel,
        known: Callable[[str], bool],
        expect: context.Expecting | None = None,
    ) -> None:
        self.model = model
        self.expect = expect
        self.known = known
        self.words: set[str] = set()
        self.dropped: list[str] = []
        self.slot_rules: dict[str, list[str]] = {}

    def spoken(self, text: str) -> list[str] | None:
        """Words the recogniser can hear, or None if one is not in its dictionary."""
        text = _WORD_CHARS.sub(" ", text.lower().replace("-", " "))
        text = _NUMERAL.sub(
            lambda m: (
                f" {number_words(int(m.group(0)))} " if int(m.group(0)) < 1000 else m.group(0)
            ),
            text,
        )
        out: list[str] = []
        for word in text.split():
            word = word.strip("'")
            if not word:
                continue
            if self.known(word):
                out.append(word)
                continue
            expanded = tokens(word, self.model.phrases)
            if expanded and all(self.known(w) for w in expanded):
                out.extend(expanded)
                continue
            return None
        return out

    def slot_rule(self, slot_type: str) -> str | None:
        rule = f"slot_{_rule_name(slot_type)}"
        if rule in self.slot_rules:
            return rule if self.slot_rules[rule] else None
        phrases: list[str] = list(self.model.phrases.grammar_values.get(slot_type, ()))
        for value in self.model.slot_types.get(slot_type, ()):
            phrases.extend((value.name, *value.synonyms))
        alternatives = []
        for phrase in phrases:
            words = self.spoken(phrase)
            if words:
                alternatives.append(" ".join(words))
        self.slot_rules[rule] = sorted(set(alternatives))
        return rule if alternatives else None

    def alternative(self, intent: Intent, sample: str) -> str | None:
        parts: list[str] = []
        position = 0
        for found in SLOT_IN_SAMPLE.finditer(sample):
            words = self.spoken(sample[position : found.start()])
            slot_type = intent.slots.get(found.group(1))
            rule = self.slot_rule(slot_type) if slot_type else None
            if words is None or rule is None:
                return None
            parts.extend(words)
            parts.append(f"<{rule}>")
            position = found.end()
        words = self.spoken(sample[position:])
        if words is None:
            return None
        parts.extend(words)
        self.words.update(p for p in parts if not p.startswith("<"))
        return " ".join(parts) if parts else None

    def intent_rule(self, intent: Intent) -> list[str]:
        alternatives: list[str] = []
        for sample in (*intent.samples, *intent.builtin_phrases):
            if not context.allows(self.expect, intent, sample, self.model.phrases):
                continue  # not awaited now (a bare number, yes or no)
            alternative = self.alternative(intent, sample)
            if alternative is None:
                self.dropped.append(f"{intent.name}: {sample}")
            elif alternative not in alternatives:
                alternatives.append(alternative)
        return alternatives


def build(
    model: InteractionModel,
    known: Callable[[str], bool],
    *,
    wake: str | None = None,
    wake_required: bool = True,
    expect: context.Expecting | None = None,
) -> Grammar:
    """The grammar text, the words it uses, and what had to be left out.

    With a wake phrase ("" for the invocation name), utterances must start with it
    (`wake_required`, for when nobody is being answered) or may (while the skill waits).
    `expect` says which context-only phrases may be heard (None: all of them).
    """
    builder = Builder(model, known, expect)
    lines = ["#JSGF V1.0;", "grammar closetogether;"]
    commands: list[str] = []
    for intent in model.intents:
        alternatives = builder.intent_rule(intent)
        if alternatives:
            name = f"i_{_rule_name(intent.name)}"
            commands.append(f"<{name}>")
            lines.append(f"<{name}> = {' | '.join(alternatives)};")
    invocation = builder.spoken(model.invocation) if model.invocation else None
    if invocation:
        name = " ".join(invocation)
        lines.append(f"<launch> = [open | start | launch] {name};")
        commands.append("<launch>")
        builder.words.update(invocation)
    for rule, alternatives in builder.slot_rules.items():
        if alternatives:
            lines.append(f"<{rule}> = {' | '.join(alternatives)};")
            for alternative in alternatives:
                builder.words.update(alternative.split())
    lines.append(f"<command> = {' | '.join(commands)};")
    wake_words: tuple[str, ...] = ()
    top = "<command>"
    if wake is not None:
        wake_spoken = builder.spoken(wake or model.invocation)
        if not wake_spoken:
            raise ValueError(f"the wake phrase {wake!r} has a word the recogniser does not know")
        wake_words = tuple(wake_spoken)
        builder.words.update(wake_words)
        lines.append(f"<wake> = {' '.join(wake_words)};")
        top = "<wake> [<command>]" if wake_required else "[<wake>] <command>"
    lines.append(f"public <utterance> = {top};")
    return Grammar(
        "\n".join(lines) + "\n", frozenset(builder.words), tuple(builder.dropped), wake_words
    )


def dictionary_words(path: str) -> Iterable[str]:
    """Words of a CMU-style pronouncing dictionary (for building without a decoder)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word = line.split(" ", 1)[0]
            if word:
                yield word.split("(", 1)[0]
