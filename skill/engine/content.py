"""Spoken content: keys to lists of variants with {placeholders}, loaded from data files.

en-US is complete (`content/en-US.yaml` and `content/en-US/*.yaml`). Another locale's file
(`content/en-GB.yaml`) holds only what differs from the locale it falls back to
(skill.engine.locales.PARENT): `_phrases`, words or phrases said or spelled differently
everywhere ("favorite: favourite"), and whole keys worded differently, with as many variants
as the key they replace (a stored question id means the same question in every locale)."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Collection, Sequence
from functools import cache
from pathlib import Path

import yaml

from skill.engine.locales import PARENT
from skill.errors import ContentError

CONTENT_DIR = Path(__file__).parent.parent / "content"


def content_files(locale: str) -> list[Path]:
    """The locale's main file plus any files in its folder (e.g. content/en-US/decks.yaml)."""
    return [CONTENT_DIR / f"{locale}.yaml", *sorted((CONTENT_DIR / locale).glob("*.yaml"))]


@cache
def _load_file(locale: str) -> dict[str, tuple[str, ...]]:
    if locale in PARENT:
        return _with_differences(locale, _load_file(PARENT[locale]))
    data: dict[str, tuple[str, ...]] = {}
    for path in content_files(locale):
        with path.open(encoding="utf-8") as f:
            raw = yaml.safe_load(f) or {}
        for key, value in raw.items():
            if key in data:
                raise ContentError(f"content key {key!r} is defined twice ({path.name})")
            data[key] = _variants(key, value)
    return data


def _variants(key: str, value: object) -> tuple[str, ...]:
    variants = [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    if not variants or not all(isinstance(v, str) and v.strip() for v in variants):
        raise ContentError(f"content key {key!r} needs one or more non-empty lines")
    return tuple(" ".join(v.split()) for v in variants)


def locale_differences(locale: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """A locale's own file: its phrase changes and the keys it words differently."""
    path = CONTENT_DIR / f"{locale}.yaml"
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
    phrases = raw.pop("_phrases", None) or {}
    if not isinstance(phrases, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in phrases.items()
    ):
        raise ContentError(f"{path.name}: _phrases maps words to words")
    return phrases, {key: _variants(key, value) for key, value in raw.items()}


def respell(text: str, phrases: dict[str, str]) -> str:
    """`text` with each phrase (whole words, any case) said the locale's way."""
    for said, instead in phrases.items():

        def swap(match: re.Match[str], instead: str = instead) -> str:
            return instead[:1].upper() + instead[1:] if match.group()[:1].isupper() else instead

        text = re.sub(rf"\b{re.escape(said)}\b", swap, text, flags=re.IGNORECASE)
    return text


def _with_differences(locale: str, base: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    phrases, own = locale_differences(locale)
    data = {key: tuple(respell(v, phrases) for v in variants) for key, variants in base.items()}
    for key, variants in own.items():
        if key not in base:
            raise ContentError(f"{locale}: {key!r} is not a key of {PARENT[locale]}")
        if len(variants) != len(base[key]):
            raise ContentError(f"{locale}: {key!r} needs {len(base[key])} variants, as its source")
        data[key] = variants
    return data


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]


def placeholders(text: str) -> set[str]:
    """The {names} a variant expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


TOUCH, NO_TOUCH = "touch", "no_touch"  # see Content.tonight


class Content:
    """Picks a variant for a key and fills its placeholders."""

    def __init__(self, data: dict[str, tuple[str, ...]], rng: random.Random) -> None:
        self._data = data
        self._rng = rng

    @classmethod
    def load(cls, locale: str = "en-US", rng: random.Random | None = None) -> Content:
        return cls(_load_file(locale), rng or random.Random())

    def keys(self) -> set[str]:
        return set(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def variants(self, key: str) -> tuple[str, ...]:
        try:
            return self._data[key]
        except KeyError:
            raise ContentError(f"no content for key {key!r}") from None

    def say(self, key: str, avoid: Collection[str] = (), **values: object) -> str:
        """One variant of `key`, placeholders filled; one whose sentences are not in
        `avoid` (what was just said) when there is such a variant."""
        return self.pick(self.variants(key), avoid, **values)

    def tonight(self, key: str, *, touch_hurts: bool) -> tuple[str, ...]:
        """The variants of `key` that fit tonight. Lines that suggest touch are kept apart:
        `key.touch` joins the others unless touch hurts, and while it does, a line that
        names touch has its twin `key.no_touch` said instead."""
        if touch_hurts:
            return self.variants(f"{key}.{NO_TOUCH}" if f"{key}.{NO_TOUCH}" in self else key)
        extra = self._data.get(f"{key}.{TOUCH}", ())
        return self.variants(key) + extra

    def pick(self, variants: Sequence[str], avoid: Collection[str] = (), **values: object) -> str:
        """One of `variants`, as `say` picks one."""
        if avoid and len(variants) > 1:
            rendered = [self.render(v, **values) for v in variants]
            fresh = [r for r in rendered if not any(s in avoid for s in _sentences(r))]
            return self._rng.choice(fresh or rendered)
        return self.render(self._rng.choice(variants), **values)

    def line(self, key: str, index: int, **values: object) -> str:
        """A specific variant (used where the choice must stay stable, e.g. a question)."""
        variants = self.variants(key)
        return self.render(variants[index % len(variants)], **values)

    @staticmethod
    def render(text: str, **values: object) -> str:
        try:
            return text.format(**values)
        except (KeyError, IndexError) as exc:
            raise ContentError(f"missing value {exc} for {text!r}") from None
