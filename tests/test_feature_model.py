"""The larger interaction model: SearchQuery samples have carrier phrases, custom slot
types say what the handlers understand, and every intent reaches a real handler."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.alexa import Conversation
from tests.test_feature_support import variants

MODEL = json.loads(
    (Path(__file__).resolve().parents[1] / "interaction_models" / "en-US.json").read_text()
)
LM = MODEL["interactionModel"]["languageModel"]
CUSTOM = [i for i in LM["intents"] if not i["name"].startswith("AMAZON.")]
SLOT = re.compile(r"\{([^{}]+)\}")


def search_query_problems(model: dict[str, Any]) -> list[str]:
    """AMAZON.SearchQuery needs words around it (a carrier phrase) and no other slot."""
    out = []
    for intent in model["interactionModel"]["languageModel"]["intents"]:
        kinds = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            used = SLOT.findall(sample)
            if not any(kinds.get(name) == "AMAZON.SearchQuery" for name in used):
                continue
            if len(used) > 1:
                out.append(f"{intent['name']}: {sample!r} mixes SearchQuery with another slot")
            if not SLOT.sub("", sample).strip():
                out.append(f"{intent['name']}: {sample!r} has no carrier phrase")
    return out


def test_search_query_samples_have_carrier_phrases() -> None:
    assert search_query_problems(MODEL) == []


def test_search_query_check_bites() -> None:
    bad = {
        "interactionModel": {
            "languageModel": {
                "intents": [
                    {
                        "name": "AddToMenuIntent",
                        "slots": [
                            {"name": "item", "type": "AMAZON.SearchQuery"},
                            {"name": "when", "type": "AMAZON.DATE"},
                        ],
                        "samples": ["{item}", "add {item} on {when}", "add {item} to our menu"],
                    }
                ]
            }
        }
    }
    found = search_query_problems(bad)
    assert len(found) == 2
    assert any("no carrier phrase" in p for p in found)
    assert any("mixes" in p for p in found)


def test_custom_slot_values_are_their_own_ids() -> None:
    """The handlers resolve custom slots by id, read from this model (the single source)."""
    for slot_type in LM["types"]:
        for value in slot_type["values"]:
            assert value["id"] == value["name"]["value"]


def test_new_custom_intents_have_ten_varied_samples() -> None:
    for intent in CUSTOM:
        samples = intent["samples"]
        assert len(samples) >= 10, intent["name"]
        openings = {" ".join(s.split()[:2]) for s in samples}
        assert len(openings) >= 4, f"{intent['name']} samples all start alike"


@pytest.mark.parametrize("intent", [i["name"] for i in CUSTOM])
def test_every_custom_intent_reaches_its_own_handler(talk: Conversation, intent: str) -> None:
    reply = talk.say(intent)
    fallback = variants("fallback.general") + variants("error.general")
    assert not any(line in reply.text for line in fallback), f"{intent}: {reply.text}"
    assert reply.text
