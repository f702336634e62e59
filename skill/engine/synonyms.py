"""Slot values and their synonyms, read from the interaction model: the single source of
what people can say (no copy of them lives in code)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from skill.errors import ContentError

MODELS_DIR = Path(__file__).resolve().parents[2] / "interaction_models"


@cache
def slot_synonyms(locale: str, slot_type: str) -> dict[str, tuple[str, ...]]:
    """{value id: (synonyms, lower case)} for a custom slot type of the locale's model."""
    path = MODELS_DIR / f"{locale}.json"
    if not path.is_file():
        path = MODELS_DIR / "en-US.json"
    model = json.loads(path.read_text(encoding="utf-8"))
    for entry in model["interactionModel"]["languageModel"].get("types", []):
        if entry["name"] == slot_type:
            return {
                str(value.get("id") or value["name"]["value"]).lower(): tuple(
                    s.lower() for s in value["name"].get("synonyms", [])
                )
                for value in entry["values"]
            }
    raise ContentError(f"no slot type {slot_type!r} in {path.name}")
