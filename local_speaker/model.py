"""The interaction model as the local speaker sees it: intents, samples, slots, slot types.

Everything the offline matcher and the voice grammar know comes from here: the skill's
own interaction model (`interaction_models/<locale>.json`, the single source of its
utterances) plus `phrases.<locale>.json`, which holds only what Alexa itself supplies —
phrases for built-in AMAZON intents and how people wrap a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FALLBACK = "AMAZON.FallbackIntent"
NUMBER = "AMAZON.NUMBER"
DURATION = "AMAZON.DURATION"
SEARCH_QUERY = "AMAZON.SearchQuery"
FIRST_NAME = "AMAZON.FirstName"


class ModelError(ValueError):
    """The interaction model or the phrase data cannot be read or makes no sense."""


def default_model_path(locale: str = "en-US") -> Path:
    """Where the skill's interaction model lives in a source checkout or editable install."""
    return Path(__file__).resolve().parents[1] / "interaction_models" / f"{locale}.json"


def phrases_path(locale: str = "en-US") -> Path:
    """This locale's phrase data, or its nearest parent's (en-AU -> en-GB -> en-US)."""
    from skill.engine.locales import chain

    for candidate in chain(locale):
        path = Path(__file__).resolve().with_name(f"phrases.{candidate}.json")
        if path.is_file():
            return path
    return Path(__file__).resolve().with_name(f"phrases.{locale}.json")


@dataclass(frozen=True)
class SlotValue:
    """One value of a custom slot type: its canonical name, id and synonyms."""

    name: str
    id: str | None = None
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intent:
    name: str
    samples: tuple[str, ...]
    slots: dict[str, str] = field(default_factory=dict)  # slot name -> slot type
    builtin_phrases: tuple[str, ...] = ()  # from the phrase data, for AMAZON.* intents


@dataclass(frozen=True)
class Phrases:
    """Locale phrase data (see phrases.<locale>.json)."""

    builtin_intents: dict[str, tuple[str, ...]]
    wake_words: tuple[str, ...]
    launch_verbs: tuple[str, ...]
    invocation_links: tuple[str, ...]
    invocation_suffix_links: tuple[str, ...]
    polite_prefixes: tuple[str, ...]
    polite_suffixes: tuple[str, ...]
    fillers: frozenset[str]
    determiners: frozenset[str]
    optional_in_samples: frozenset[str]
    never_skip: frozenset[str]
    another_time: frozenset[str]  # words that move a request off tonight: never skipped
    contractions: dict[str, str]
    grammar_values: dict[str, tuple[str, ...]]
    speech: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Phrases:
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"cannot read phrase data {path.name}: {exc}") from exc

        def words(key: str) -> tuple[str, ...]:
            return tuple(str(p).lower() for p in raw.get(key, []))

        def single(key: str) -> frozenset[str]:
            found = words(key)
            if any(" " in w for w in found):
                raise ModelError(f"{key} in {path.name} must be single words")
            return frozenset(found)

        return cls(
            builtin_intents={k: tuple(v) for k, v in raw.get("builtin_intents", {}).items()},
            wake_words=words("wake_words"),
            launch_verbs=words("launch_verbs"),
            invocation_links=words("invocation_links"),
            invocation_suffix_links=words("invocation_suffix_links"),
            polite_prefixes=words("polite_prefixes"),
            polite_suffixes=words("polite_suffixes"),
            fillers=single("fillers"),
            determiners=single("determiners"),
            optional_in_samples=single("optional_in_samples"),
            never_skip=single("never_skip"),
            another_time=single("another_time"),
            contractions={str(k).lower(): str(v) for k, v in raw.get("contractions", {}).items()},
            grammar_values={k: tuple(v) for k, v in raw.get("grammar_values", {}).items()},
            speech={str(k): str(v) for k, v in raw.get("speech", {}).items()},
        )


@dataclass(frozen=True)
class InteractionModel:
    """What people can say to the skill, read from its interaction model."""

    invocation: str
    intents: tuple[Intent, ...]
    slot_types: dict[str, tuple[SlotValue, ...]]
    phrases: Phrases
    locale: str = "en-US"

    @classmethod
    def load(cls, path: Path | None = None, *, locale: str = "en-US") -> InteractionModel:
        """Read the model (default: the skill's own) and this locale's phrase data."""
        path = path or default_model_path(locale)
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            language = raw["interactionModel"]["languageModel"]
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ModelError(f"cannot read interaction model {path}: {exc}") from exc
        return cls.from_language_model(
            language, phrases=Phrases.load(phrases_path(locale)), locale=locale
        )

    @classmethod
    def from_language_model(
        cls, language: dict[str, Any], *, phrases: Phrases, locale: str = "en-US"
    ) -> InteractionModel:
        types: dict[str, tuple[SlotValue, ...]] = {}
        for slot_type in language.get("types") or []:
            values = []
            for value in slot_type.get("values") or []:
                name = value.get("name") or {}
                if not name.get("value"):
                    continue
                values.append(
                    SlotValue(
                        name=str(name["value"]),
                        id=value.get("id"),
                        synonyms=tuple(str(s) for s in name.get("synonyms") or []),
                    )
                )
            types[str(slot_type["name"])] = tuple(values)
        intents = []
        for intent in language.get("intents") or []:
            name = str(intent["name"])
            slots = {str(s["name"]): str(s["type"]) for s in intent.get("slots") or []}
            intents.append(
                Intent(
                    name=name,
                    samples=tuple(str(s) for s in intent.get("samples") or []),
                    slots=slots,
                    builtin_phrases=phrases.builtin_intents.get(name, ()),
                )
            )
        if not any(i.name == FALLBACK for i in intents):
            # Every front end needs somewhere to send what it did not understand.
            intents.append(Intent(name=FALLBACK, samples=()))
        return cls(
            invocation=str(language.get("invocationName", "")).lower(),
            intents=tuple(intents),
            slot_types=types,
            phrases=phrases,
            locale=locale,
        )

    def intent(self, name: str) -> Intent:
        for intent in self.intents:
            if intent.name == name:
                return intent
        raise KeyError(name)
