#!/usr/bin/env python3
"""Generate every locale's interaction model from the one source, en-US.

``interaction_models/en-US.json`` is what people can say; ``interaction_models/differences/
<locale>.yaml`` says only what people in that locale say differently. This script writes
``interaction_models/<locale>.json`` for each of them (never edit those by hand), and
``--check`` exits 1 when a generated file is not current (tests/test_locales.py runs it).

A differences file may hold:

    from: en-GB                  # start from that locale's differences (default: none)
    samples:                     # more samples for an intent, as people say it here
      HugTimerIntent: [give us a cuddle]
    synonyms:                    # more synonyms for a slot value (type: value id: words)
      TimeOfDay: {daytime: [arvo]}

Usage: python scripts/build_models.py [--check]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "interaction_models"
DIFFERENCES = MODELS / "differences"
SOURCE = "en-US"


class DifferenceError(ValueError):
    """A differences file names an intent, slot type or value the source does not have."""


def locales() -> list[str]:
    """Every locale with a differences file."""
    return sorted(path.stem for path in DIFFERENCES.glob("*.yaml"))


def differences(locale: str) -> dict[str, Any]:
    """A locale's differences, with those of the locale it starts from merged in first."""
    raw = yaml.safe_load((DIFFERENCES / f"{locale}.yaml").read_text(encoding="utf-8")) or {}
    base = differences(raw["from"]) if raw.get("from") else {}
    merged: dict[str, Any] = {"samples": {}, "synonyms": {}}
    for part in (base, raw):
        for intent, samples in (part.get("samples") or {}).items():
            merged["samples"].setdefault(intent, []).extend(samples)
        for slot_type, values in (part.get("synonyms") or {}).items():
            for value_id, words in values.items():
                merged["synonyms"].setdefault(slot_type, {}).setdefault(value_id, []).extend(words)
    return merged


def build(locale: str, source: dict[str, Any] | None = None) -> dict[str, Any]:
    """The locale's model: the source with the locale's differences applied."""
    if source is None:
        source = json.loads((MODELS / f"{SOURCE}.json").read_text(encoding="utf-8"))
    model = copy.deepcopy(source)
    language = model["interactionModel"]["languageModel"]
    diff = differences(locale)
    intents = {intent["name"]: intent for intent in language["intents"]}
    for name, samples in diff["samples"].items():
        if name not in intents:
            raise DifferenceError(f"{locale}: no intent {name!r} in {SOURCE}")
        known = intents[name].setdefault("samples", [])
        known.extend(s for s in samples if s not in known)
    types = {slot_type["name"]: slot_type for slot_type in language.get("types", [])}
    for type_name, values in diff["synonyms"].items():
        if type_name not in types:
            raise DifferenceError(f"{locale}: no slot type {type_name!r} in {SOURCE}")
        by_id = {str(v.get("id") or v["name"]["value"]): v for v in types[type_name]["values"]}
        for value_id, words in values.items():
            if value_id not in by_id:
                raise DifferenceError(f"{locale}: no value {value_id!r} in {type_name}")
            known = by_id[value_id]["name"].setdefault("synonyms", [])
            known.extend(w for w in words if w not in known)
    return model


def render(model: dict[str, Any]) -> str:
    """The JSON text, formatted as the source is."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    stale = []
    for locale in locales():
        path = MODELS / f"{locale}.json"
        text = render(build(locale))
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"not current: {', '.join(stale)} (run scripts/build_models.py)", file=sys.stderr)
        return 1
    for name in [] if args.check else stale:
        print(f"wrote interaction_models/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
