"""Static checks for the Alexa interaction models in ``interaction_models/<locale>.json``
(en-US, the source, and every locale generated from it by scripts/build_models.py).

The checks are small functions that return a list of human-readable problems.
Tests apply them to the real model (expecting no problems) and to a deliberately
broken in-memory model (expecting specific problems), which proves the checks bite.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from skill.engine.locales import LOCALES

MODELS_DIR = Path(__file__).resolve().parents[1] / "interaction_models"
MODEL_PATH = MODELS_DIR / "en-US.json"

INVOCATION_NAME = "close together"

CUSTOM_INTENTS = (
    "EveningCheckInIntent",
    "HugTimerIntent",
    "KissIntent",
    "HighsAndLowsIntent",
    "PainLevelIntent",
    "ContinueIntent",
    "MoreTimeIntent",
    "SkipIntent",
    "ForgetUsIntent",
    "BreathingIntent",
    "MassageTimerIntent",
    "QuestionIntent",
    "AnotherOneIntent",
    "HighPainDayIntent",
    "TouchHurtsIntent",
    "AddToMenuIntent",
    "RemoveFromMenuIntent",
    "ListMenuIntent",
    "PickFromMenuIntent",
    "StartChallengeIntent",
    "ChallengeDoneIntent",
    "ChallengeStatusIntent",
    "PracticeIdeaIntent",
    "HowAreWeDoingIntent",
    "WeeklyCheckInIntent",
    "WordsIntent",
    "SetNamesIntent",
    "CallMeIntent",
    "ForgetNamesIntent",
    "CancelReminderIntent",
    "ThisIsIntent",
    "GoFirstIntent",
    "SkipMyTurnIntent",
    "AboutIntent",
    "MoreIntent",
)

BUILT_IN_INTENTS = (
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.NextIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.StartOverIntent",
    # What Alexa requires of a skill that plays audio through AudioPlayer.
    "AMAZON.PreviousIntent",
    "AMAZON.LoopOnIntent",
    "AMAZON.LoopOffIntent",
    "AMAZON.ShuffleOnIntent",
    "AMAZON.ShuffleOffIntent",
)

MIN_CUSTOM_SAMPLES = 10
MAX_SAMPLE_CHARS = 200
FORBIDDEN_INVOCATION_WORDS = frozenset({"alexa", "echo", "skill", "app", "amazon"})

SLOT_TOKEN = re.compile(r"\{([^{}]*)\}")
SLOT_NAME = re.compile(r"^[A-Za-z_]+$")
INTENT_NAME = re.compile(r"^[A-Za-z_.]+$")
ALLOWED_WORD_CHARS = re.compile(r"^[a-z' ]*$")


# --------------------------------------------------------------------------- helpers


def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def language_model(model: dict[str, Any]) -> dict[str, Any]:
    return model["interactionModel"]["languageModel"]


def intents_of(model: dict[str, Any]) -> list[dict[str, Any]]:
    return language_model(model)["intents"]


def intent_by_name(model: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((i for i in intents_of(model) if i.get("name") == name), None)


def normalise(sample: str) -> str:
    return " ".join(sample.lower().split())


def slots_in(sample: str) -> list[str]:
    return SLOT_TOKEN.findall(sample)


# --------------------------------------------------------------------------- checks


def structure_problems(model: Any) -> list[str]:
    """Top-level shape: keys, invocation name, intents, slots and types."""
    if not isinstance(model, dict) or set(model) != {"interactionModel"}:
        return ["top level must be exactly {'interactionModel': ...}"]
    im = model["interactionModel"]
    if not isinstance(im, dict) or "languageModel" not in im:
        return ["interactionModel must contain 'languageModel'"]
    lm = im["languageModel"]
    if not isinstance(lm, dict):
        return ["languageModel must be an object"]
    out: list[str] = []
    for key in ("invocationName", "intents", "types"):
        if key not in lm:
            out.append(f"languageModel is missing '{key}'")
    if out:
        return out
    if not isinstance(lm["invocationName"], str):
        out.append("invocationName must be a string")
    if not isinstance(lm["intents"], list) or not lm["intents"]:
        out.append("intents must be a non-empty list")
    else:
        for idx, intent in enumerate(lm["intents"]):
            label = intent.get("name", f"intents[{idx}]") if isinstance(intent, dict) else idx
            if not isinstance(intent, dict):
                out.append(f"intents[{idx}] must be an object")
                continue
            if not isinstance(intent.get("name"), str) or not intent["name"]:
                out.append(f"intents[{idx}] has no name")
            samples = intent.get("samples")
            if not isinstance(samples, list) or not all(isinstance(s, str) for s in samples):
                out.append(f"{label}: samples must be a list of strings")
            slots = intent.get("slots", [])
            if not isinstance(slots, list):
                out.append(f"{label}: slots must be a list")
                continue
            for slot in slots:
                if not (
                    isinstance(slot, dict)
                    and isinstance(slot.get("name"), str)
                    and isinstance(slot.get("type"), str)
                ):
                    out.append(f"{label}: every slot needs a string 'name' and 'type'")
    if not isinstance(lm["types"], list):
        out.append("types must be a list")
    else:
        for idx, slot_type in enumerate(lm["types"]):
            if not isinstance(slot_type, dict) or not isinstance(slot_type.get("name"), str):
                out.append(f"types[{idx}] has no name")
                continue
            values = slot_type.get("values")
            if not isinstance(values, list) or not values:
                out.append(f"type {slot_type['name']}: values must be a non-empty list")
                continue
            for value in values:
                if not (
                    isinstance(value, dict)
                    and isinstance(value.get("name"), dict)
                    and isinstance(value["name"].get("value"), str)
                ):
                    out.append(f"type {slot_type['name']}: every value needs name.value")
    return out


def slot_problems(model: dict[str, Any]) -> list[str]:
    """Slots used in samples are declared, typed with a known type, and actually used."""
    declared_types = {t["name"] for t in language_model(model).get("types", [])}
    out: list[str] = []
    for intent in intents_of(model):
        name = intent["name"]
        declared = {s["name"]: s["type"] for s in intent.get("slots", [])}
        used: set[str] = set()
        for sample in intent.get("samples", []):
            for slot in slots_in(sample):
                used.add(slot)
                if slot not in declared:
                    out.append(f"{name}: sample {sample!r} uses undeclared slot {{{slot}}}")
        for slot, slot_type in declared.items():
            if not (slot_type.startswith("AMAZON.") or slot_type in declared_types):
                out.append(f"{name}: slot {slot!r} has unknown type {slot_type!r}")
            if slot not in used:
                out.append(f"{name}: slot {slot!r} is declared but no sample uses it")
    return out


def duplicate_problems(model: dict[str, Any]) -> list[str]:
    """No sample twice within an intent, and no sample under two intents."""
    owner: dict[str, str] = {}
    out: list[str] = []
    for intent in intents_of(model):
        name = intent["name"]
        seen: set[str] = set()
        for sample in intent.get("samples", []):
            key = normalise(sample)
            if key in seen:
                out.append(f"{name}: duplicate sample {sample!r}")
                continue
            seen.add(key)
            if key in owner and owner[key] != name:
                out.append(f"sample {sample!r} appears under both {owner[key]} and {name}")
            else:
                owner[key] = name
    return out


def sample_text_problems_for(intent: dict[str, Any]) -> list[str]:
    """Words only: lower-case letters, spaces, apostrophes and ``{slot}`` tokens."""
    name = intent["name"]
    out: list[str] = []
    for sample in intent.get("samples", []):
        if any(ch.isdigit() for ch in sample):
            out.append(f"{name}: sample {sample!r} contains a digit (spell numbers out)")
        if not sample.strip():
            out.append(f"{name}: empty sample")
            continue
        if sample != sample.strip() or "  " in sample:
            out.append(f"{name}: sample {sample!r} has stray whitespace")
        for slot in slots_in(sample):
            if not SLOT_NAME.match(slot):
                out.append(f"{name}: sample {sample!r} has a malformed slot name {slot!r}")
        # Slots must stand alone as words: "{a}{b}" or "{a}hug" are rejected by Alexa.
        if re.search(r"\}\{|[^ ]\{|\}[^ ]", sample):
            out.append(f"{name}: sample {sample!r} has a slot not separated by spaces")
        words = SLOT_TOKEN.sub(" ", sample)
        if not ALLOWED_WORD_CHARS.match(words):
            out.append(
                f"{name}: sample {sample!r} has characters other than a-z, spaces, apostrophes"
            )
    return out


def sample_text_problems(model: dict[str, Any]) -> list[str]:
    return [p for intent in intents_of(model) for p in sample_text_problems_for(intent)]


def limit_problems(model: dict[str, Any]) -> list[str]:
    """Alexa console limits that are cheap to check offline."""
    out: list[str] = []
    for intent in intents_of(model):
        name = intent["name"]
        if not INTENT_NAME.match(name):
            out.append(f"intent name {name!r} must match {INTENT_NAME.pattern}")
        for sample in intent.get("samples", []):
            if len(sample) > MAX_SAMPLE_CHARS:
                out.append(f"{name}: sample longer than {MAX_SAMPLE_CHARS} chars: {sample[:40]!r}")
    return out


def invocation_problems(invocation: str) -> list[str]:
    out: list[str] = []
    if invocation != invocation.lower():
        out.append(f"invocation name {invocation!r} must be lower case")
    if not re.fullmatch(r"[a-z ]+", invocation):
        out.append(f"invocation name {invocation!r} may only contain letters and spaces")
    words = invocation.split()
    if len(words) < 2:
        out.append(f"invocation name {invocation!r} must have at least two words")
    bad = sorted(FORBIDDEN_INVOCATION_WORDS.intersection(w.lower() for w in words))
    if bad:
        out.append(f"invocation name {invocation!r} contains forbidden word(s): {bad}")
    return out


def problems(model: dict[str, Any]) -> list[str]:
    """Every problem found by every check; [] means the model is clean."""
    shape = structure_problems(model)
    if shape:
        return shape
    return (
        invocation_problems(language_model(model)["invocationName"])
        + slot_problems(model)
        + duplicate_problems(model)
        + sample_text_problems(model)
        + limit_problems(model)
    )


# --------------------------------------------------------------------------- fixtures

MODEL = load_model()
INTENT_NAMES = [i["name"] for i in intents_of(MODEL)]


@pytest.fixture(scope="module", params=LOCALES)
def model(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each locale's model in turn: every check holds in every locale."""
    return load_model(MODELS_DIR / f"{request.param}.json")


# --------------------------------------------------------------------------- real model


def test_model_file_is_valid_json_object() -> None:
    assert isinstance(load_model(), dict)


def test_structure(model: dict[str, Any]) -> None:
    assert structure_problems(model) == []


def test_real_model_has_no_problems(model: dict[str, Any]) -> None:
    assert problems(model) == []


def test_invocation_name(model: dict[str, Any]) -> None:
    invocation = language_model(model)["invocationName"]
    assert invocation == INVOCATION_NAME
    assert invocation_problems(invocation) == []


def test_slots_declared_typed_and_used(model: dict[str, Any]) -> None:
    assert slot_problems(model) == []


def test_no_duplicate_samples(model: dict[str, Any]) -> None:
    assert duplicate_problems(model) == []


@pytest.mark.parametrize("intent_name", INTENT_NAMES)
def test_samples_are_words_only(model: dict[str, Any], intent_name: str) -> None:
    intent = intent_by_name(model, intent_name)
    assert intent is not None
    digits = [s for s in intent["samples"] if re.search(r"\d", s)]
    assert digits == [], f"{intent_name} has samples with digits: {digits}"
    assert sample_text_problems_for(intent) == []


def test_alexa_limits(model: dict[str, Any]) -> None:
    assert limit_problems(model) == []


@pytest.mark.parametrize("intent_name", CUSTOM_INTENTS + BUILT_IN_INTENTS)
def test_required_intent_present(model: dict[str, Any], intent_name: str) -> None:
    assert intent_by_name(model, intent_name) is not None, f"missing {intent_name}"


def test_no_unexpected_intents(model: dict[str, Any]) -> None:
    assert sorted(INTENT_NAMES) == sorted(CUSTOM_INTENTS + BUILT_IN_INTENTS)


@pytest.mark.parametrize("intent_name", CUSTOM_INTENTS)
def test_custom_intent_has_enough_samples(model: dict[str, Any], intent_name: str) -> None:
    intent = intent_by_name(model, intent_name)
    assert intent is not None
    assert len(intent["samples"]) >= MIN_CUSTOM_SAMPLES


@pytest.mark.parametrize(
    ("phrase", "intent_name"),
    [
        ("start our evening check in", "EveningCheckInIntent"),
        ("evening check in", "EveningCheckInIntent"),
        ("check in with us", "EveningCheckInIntent"),
        ("start a hug timer", "HugTimerIntent"),
        ("hug timer", "HugTimerIntent"),
        ("a hug", "HugTimerIntent"),
        ("for a hug timer", "HugTimerIntent"),
        ("start a {duration} hug", "HugTimerIntent"),
        ("hug timer for {duration}", "HugTimerIntent"),
        ("give us a {duration} hug", "HugTimerIntent"),
        ("{duration} hug", "HugTimerIntent"),
        ("six second kiss", "KissIntent"),
        ("start a six second kiss", "KissIntent"),
        ("kiss timer", "KissIntent"),
        ("highs and lows", "HighsAndLowsIntent"),
        ("our highs and lows", "HighsAndLowsIntent"),
        ("start highs and lows", "HighsAndLowsIntent"),
        ("bedtime highs and lows", "HighsAndLowsIntent"),
        ("my pain is at {level}", "PainLevelIntent"),
        ("my pain is {level}", "PainLevelIntent"),
        ("{level} out of ten", "PainLevelIntent"),
        ("i'm at a {level}", "PainLevelIntent"),
        ("my pain is at {level} today", "PainLevelIntent"),
        ("pain level {level}", "PainLevelIntent"),
        ("{level}", "PainLevelIntent"),
        ("about a {level} today", "PainLevelIntent"),
        ("continue", "ContinueIntent"),
        ("pick up where we left off", "ContinueIntent"),
        ("keep going with our ritual", "ContinueIntent"),
        ("carry on", "ContinueIntent"),
        ("go on", "ContinueIntent"),
        ("give us more time", "MoreTimeIntent"),
        ("more time", "MoreTimeIntent"),
        ("we need more time", "MoreTimeIntent"),
        ("we're still talking", "MoreTimeIntent"),
        ("not yet", "MoreTimeIntent"),
        ("hold on", "MoreTimeIntent"),
        ("skip", "SkipIntent"),
        ("skip this one", "SkipIntent"),
        ("pass", "SkipIntent"),
        ("i'd rather not say", "SkipIntent"),
        ("let's skip that", "SkipIntent"),
        ("forget everything about us", "ForgetUsIntent"),
        ("delete our data", "ForgetUsIntent"),
        ("erase everything you know about us", "ForgetUsIntent"),
        ("forget us", "ForgetUsIntent"),
        ("i need a break", "AMAZON.PauseIntent"),
        ("let's take a break", "AMAZON.PauseIntent"),
        ("let's stop here", "AMAZON.PauseIntent"),
        ("we need a break", "AMAZON.PauseIntent"),
        ("we're done", "AMAZON.NextIntent"),
        ("ready", "AMAZON.NextIntent"),
        ("move on", "AMAZON.NextIntent"),
        ("done", "AMAZON.NextIntent"),
        ("what can i say", "AMAZON.HelpIntent"),
        ("what can you do", "AMAZON.HelpIntent"),
        ("goodnight", "AMAZON.StopIntent"),
        ("let's breathe together", "BreathingIntent"),
        ("breathe together for {duration}", "BreathingIntent"),
        ("start a massage timer", "MassageTimerIntent"),
        ("ask us a question", "QuestionIntent"),
        ("give us a {deck} question", "QuestionIntent"),
        ("another one", "AnotherOneIntent"),
        ("it's a high pain day", "HighPainDayIntent"),
        ("touch hurts today", "TouchHurtsIntent"),
        ("add {item} to our menu", "AddToMenuIntent"),
        ("remove {item} from our menu", "RemoveFromMenuIntent"),
        ("what's on our menu", "ListMenuIntent"),
        ("pick something from our menu", "PickFromMenuIntent"),
        ("start the weekly challenge", "StartChallengeIntent"),
        ("we did one", "ChallengeDoneIntent"),
        ("how's our challenge", "ChallengeStatusIntent"),
        ("give us a {time} practice", "PracticeIdeaIntent"),
        ("how are we doing", "HowAreWeDoingIntent"),
        ("start our weekly check in", "WeeklyCheckInIntent"),
        ("help me say something", "WordsIntent"),
        ("our names are {first} and {second}", "SetNamesIntent"),
        ("call me {name}", "CallMeIntent"),
        ("this is {name}", "ThisIsIntent"),
        ("i'll go first", "GoFirstIntent"),
        ("can i go first", "GoFirstIntent"),
        ("skip me", "SkipMyTurnIntent"),
        ("skip my turn", "SkipMyTurnIntent"),
        ("i'll pass", "SkipMyTurnIntent"),
        ("i pass", "SkipMyTurnIntent"),
        ("forget our names", "ForgetNamesIntent"),
        ("cancel our reminder", "CancelReminderIntent"),
        ("about", "AboutIntent"),
        ("more", "MoreIntent"),
    ],
)
def test_required_phrase_under_intent(model: dict[str, Any], phrase: str, intent_name: str) -> None:
    intent = intent_by_name(model, intent_name)
    assert intent is not None
    assert normalise(phrase) in {normalise(s) for s in intent["samples"]}


def test_resume_is_left_to_the_built_in(model: dict[str, Any]) -> None:
    continue_intent = intent_by_name(model, "ContinueIntent")
    assert continue_intent is not None
    assert not any("resume" in s.split() for s in continue_intent["samples"])


def test_bare_level_only_under_pain_level(model: dict[str, Any]) -> None:
    owners = [i["name"] for i in intents_of(model) if "{level}" in i.get("samples", [])]
    assert owners == ["PainLevelIntent"]
    bare_duration = [i["name"] for i in intents_of(model) if "{duration}" in i.get("samples", [])]
    assert bare_duration == []


@pytest.mark.parametrize(
    ("intent_name", "slot_name", "slot_type"),
    [
        ("HugTimerIntent", "duration", "AMAZON.DURATION"),
        ("PainLevelIntent", "level", "AMAZON.NUMBER"),
        ("BreathingIntent", "duration", "AMAZON.DURATION"),
        ("MassageTimerIntent", "duration", "AMAZON.DURATION"),
        ("QuestionIntent", "deck", "DeckKind"),
        ("WordsIntent", "situation", "WordsSituation"),
        ("PracticeIdeaIntent", "time", "TimeOfDay"),
        ("AddToMenuIntent", "item", "AMAZON.SearchQuery"),
        ("RemoveFromMenuIntent", "item", "AMAZON.SearchQuery"),
        ("SetNamesIntent", "first", "AMAZON.FirstName"),
        ("SetNamesIntent", "second", "AMAZON.FirstName"),
        ("CallMeIntent", "name", "AMAZON.FirstName"),
    ],
)
def test_slot_types(
    model: dict[str, Any], intent_name: str, slot_name: str, slot_type: str
) -> None:
    intent = intent_by_name(model, intent_name)
    assert intent is not None
    assert {"name": slot_name, "type": slot_type} in intent.get("slots", [])


def test_built_ins_without_extra_samples_are_empty(model: dict[str, Any]) -> None:
    extended = {
        "AMAZON.PauseIntent",
        "AMAZON.NextIntent",
        "AMAZON.HelpIntent",
        "AMAZON.StopIntent",
    }
    for name in BUILT_IN_INTENTS:
        intent = intent_by_name(model, name)
        assert intent is not None
        if name not in extended:
            assert intent["samples"] == [], name


# --------------------------------------------------------------------------- negative


def bad_model() -> dict[str, Any]:
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": "alexa app",
                "intents": [
                    {"name": "KissIntent", "samples": ["6 second kiss", "kiss timer"]},
                    {
                        "name": "HugTimerIntent",
                        "slots": [{"name": "duration", "type": "AMAZON.DURATION"}],
                        "samples": [
                            "hug for {minutes}",
                            "Kiss  Timer",
                            "a hug",
                            "a hug",
                            "hug, please",
                        ],
                    },
                    {
                        "name": "Bad-Intent!",
                        "slots": [{"name": "mood", "type": "MoodType"}],
                        "samples": ["{mood}{mood}", "x" * 201],
                    },
                ],
                "types": [],
            }
        }
    }


def test_checker_catches_digit() -> None:
    found = sample_text_problems(bad_model())
    assert "KissIntent: sample '6 second kiss' contains a digit (spell numbers out)" in found


def test_checker_catches_undeclared_and_unused_and_unknown_slots() -> None:
    found = slot_problems(bad_model())
    assert "HugTimerIntent: sample 'hug for {minutes}' uses undeclared slot {minutes}" in found
    assert "HugTimerIntent: slot 'duration' is declared but no sample uses it" in found
    assert "Bad-Intent!: slot 'mood' has unknown type 'MoodType'" in found


def test_checker_catches_duplicates() -> None:
    found = duplicate_problems(bad_model())
    assert "sample 'Kiss  Timer' appears under both KissIntent and HugTimerIntent" in found
    assert "HugTimerIntent: duplicate sample 'a hug'" in found


def test_checker_catches_bad_characters_and_spacing() -> None:
    found = sample_text_problems(bad_model())
    assert any("'hug, please'" in p and "other than a-z" in p for p in found)
    assert any("'Kiss  Timer'" in p and "other than a-z" in p for p in found)
    assert any("'Kiss  Timer'" in p and "stray whitespace" in p for p in found)
    assert any("'{mood}{mood}'" in p and "not separated" in p for p in found)


def test_checker_catches_limits() -> None:
    found = limit_problems(bad_model())
    assert any(p.startswith("intent name 'Bad-Intent!'") for p in found)
    assert any(p.startswith("Bad-Intent!: sample longer than 200 chars") for p in found)


@pytest.mark.parametrize(
    ("invocation", "fragment"),
    [
        ("alexa app", "forbidden word"),
        ("close amazon", "forbidden word"),
        ("my echo", "forbidden word"),
        ("the skill", "forbidden word"),
        ("together", "at least two words"),
        ("Close Together", "lower case"),
        ("close together2", "only contain letters and spaces"),
    ],
)
def test_checker_catches_bad_invocation(invocation: str, fragment: str) -> None:
    assert any(fragment in p for p in invocation_problems(invocation))


def test_forbidden_invocation_words_match_whole_words_only() -> None:
    # "happy" contains "app" but is not the word "app".
    assert invocation_problems("happy couples") == []


def test_bad_model_reports_every_kind_of_problem() -> None:
    found = problems(bad_model())
    for fragment in (
        "forbidden word",
        "contains a digit",
        "undeclared slot",
        "appears under both",
        "duplicate sample",
        "unknown type",
        "longer than 200",
    ):
        assert any(fragment in p for p in found), fragment


def test_structure_checker_rejects_malformed_shapes() -> None:
    assert structure_problems({"wrong": {}}) != []
    assert structure_problems({"interactionModel": {}}) != []
    broken = bad_model()
    del language_model(broken)["types"]
    assert "languageModel is missing 'types'" in structure_problems(broken)
    broken = bad_model()
    intents_of(broken)[0]["samples"] = "six second kiss"
    assert "KissIntent: samples must be a list of strings" in structure_problems(broken)
    broken = bad_model()
    language_model(broken)["types"] = [{"name": "MoodType", "values": [{"name": {}}]}]
    assert "type MoodType: every value needs name.value" in structure_problems(broken)
