"""The offline text matcher: every sample in the interaction model, paraphrases, slot values."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from local_speaker import slot_values
from local_speaker.matcher import RESOLVED, SLOT_IN_SAMPLE, UNRESOLVED, Matcher
from local_speaker.model import (
    DURATION,
    FALLBACK,
    FIRST_NAME,
    NUMBER,
    SEARCH_QUERY,
    InteractionModel,
    Phrases,
    phrases_path,
)

MODEL = InteractionModel.load()
MATCHER = Matcher(MODEL)

# Values a person might say for each built-in slot type, and what Alexa would send.
SPOKEN = {
    NUMBER: [("seven", "7"), ("zero", "0"), ("ten", "10")],
    DURATION: [
        ("two minutes", "PT2M"),
        ("thirty seconds", "PT30S"),
        ("a minute and a half", "PT1M30S"),
    ],
    SEARCH_QUERY: [("reading aloud together", "reading aloud together")],
    FIRST_NAME: [("sam", "Sam")],
}


def _values(slot_type: str) -> list[tuple[str, str | None]]:
    """(spoken, expected value) pairs: built-ins above, every custom value and synonym."""
    if slot_type in SPOKEN:
        return list(SPOKEN[slot_type])
    return [(s, None) for v in MODEL.slot_types[slot_type] for s in (v.name, *v.synonyms)]


def _filler(chosen: dict[str, tuple[str, str | None]]) -> Callable[[re.Match[str]], str]:
    return lambda m: chosen[m.group(1)][0]


def _cases() -> list[tuple[str, str, str, dict[str, str]]]:
    cases = []
    for intent in MODEL.intents:
        for sample in intent.samples:
            slots = SLOT_IN_SAMPLE.findall(sample)
            options = [_values(intent.slots[name]) for name in slots]
            rounds = max((len(o) for o in options), default=1)
            for r in range(min(rounds, 3)):
                chosen = {
                    name: options[i][(r + i) % len(options[i])] for i, name in enumerate(slots)
                }
                text = SLOT_IN_SAMPLE.sub(_filler(chosen), sample)
                expected = {k: v[1] for k, v in chosen.items() if v[1] is not None}
                cases.append((intent.name, sample, text, expected))
    return cases


CASES = _cases()


def test_the_model_has_samples_to_check() -> None:
    assert len(CASES) > 100


@pytest.mark.parametrize(
    ("intent", "sample", "text", "expected"), CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES]
)
def test_every_sample_resolves_to_its_own_intent(
    intent: str, sample: str, text: str, expected: dict[str, str]
) -> None:
    understood = MATCHER.understand(text)
    assert understood.intent == intent, (sample, understood.sample)
    assert understood.exact
    for name, value in expected.items():
        assert understood.slots[name].value == value
    # Every declared slot is sent, as Alexa does, even when it was not filled.
    assert set(understood.slot_types) == set(MODEL.intent(intent).slots)


@pytest.mark.parametrize("slot_type", sorted(MODEL.slot_types))
def test_every_custom_value_and_synonym_resolves_to_its_canonical_name(slot_type: str) -> None:
    intent, slot = next((i, n) for i in MODEL.intents for n, t in i.slots.items() if t == slot_type)
    sample = next(s for s in intent.samples if f"{{{slot}}}" in s and s.count("{") == 1)
    for value in MODEL.slot_types[slot_type]:
        for spoken in (value.name, *value.synonyms):
            understood = MATCHER.understand(sample.replace(f"{{{slot}}}", spoken))
            assert understood.intent == intent.name, spoken
            fill = understood.slots[slot]
            assert fill.status == RESOLVED and fill.resolved == value, spoken


def test_builtin_intents_get_their_usual_phrases_without_shadowing_the_model() -> None:
    for text, intent in [
        ("yes", "AMAZON.YesIntent"),
        ("yeah", "AMAZON.YesIntent"),
        ("sure", "AMAZON.YesIntent"),
        ("no thanks", "AMAZON.NoIntent"),
        ("next", "AMAZON.NextIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("repeat", "AMAZON.RepeatIntent"),
        ("stop", "AMAZON.StopIntent"),
        ("cancel", "AMAZON.CancelIntent"),
        ("pause", "AMAZON.PauseIntent"),
        ("resume", "AMAZON.ResumeIntent"),
        ("start over", "AMAZON.StartOverIntent"),
        ("help", "AMAZON.HelpIntent"),
        ("go home", "AMAZON.NavigateHomeIntent"),
    ]:
        assert MATCHER.understand(text).intent == intent, text
    model_phrases = {MATCHER.sample_elements(i, s) for i in MODEL.intents for s in i.samples}
    builtin = [p for p in MATCHER.patterns if p.builtin]
    assert builtin
    assert all(p.elements not in model_phrases for p in builtin)


def test_a_model_sample_wins_over_a_builtin_phrase() -> None:
    language = {
        "invocationName": "x",
        "intents": [
            {"name": "NextQuestionIntent", "samples": ["next"]},
            {"name": "AMAZON.NextIntent", "samples": []},
        ],
        "types": [],
    }
    toy = Matcher(
        InteractionModel.from_language_model(language, phrases=Phrases.load(phrases_path()))
    )
    assert toy.understand("next").intent == "NextQuestionIntent"
    assert toy.understand("next one").intent == "AMAZON.NextIntent"


# Paraphrases that are not in the model. Each goes to its intent or to Fallback, and
# never to another ritual. Most are expected to be understood outright.
PARAPHRASES = [
    ("Alexa, ask Close Together to start our evening check-in", "EveningCheckInIntent"),
    ("could you please start the evening check in", "EveningCheckInIntent"),
    ("start my evening check in", "EveningCheckInIntent"),
    ("can we do our evening check in tonight", "EveningCheckInIntent"),
    ("please start a hug timer", "HugTimerIntent"),
    ("start hug timer", "HugTimerIntent"),
    ("hug", "HugTimerIntent"),
    ("can you start the hug timer for 2 minutes", "HugTimerIntent"),
    ("give us a 30 second hug please", "HugTimerIntent"),
    ("i'd like a six second kiss", "KissIntent"),
    ("let's do the highs and lows", "HighsAndLowsIntent"),
    ("ask close together for our highs and lows", "HighsAndLowsIntent"),
    ("can we do highs and lows tonight", "HighsAndLowsIntent"),
    ("my pain is a seven tonight", "PainLevelIntent"),
    ("I'm at 7", "PainLevelIntent"),
    ("tell close together we need more time", "MoreTimeIntent"),
    ("could you skip this one please", "SkipIntent"),
    ("okay let's keep going", "ContinueIntent"),
    ("yes please", "AMAZON.YesIntent"),
    ("please forget everything about us", "ForgetUsIntent"),
]
# Things that must never start a ritual: refusals, questions about other things, and
# half-sentences that name two rituals at once.
NOT_RITUALS = [
    "I don't want a hug",
    "no hug timer please",
    "stop the hug timer",
    "skip the hug",
    "what's the weather",
    "start a timer",
    "kiss",
    "play some music",
    "don't start the check in",
    "hug or kiss",
    "turn off the lights",
    "highs and lows and a hug timer and a kiss",
]
RITUALS = {
    "EveningCheckInIntent",
    "HugTimerIntent",
    "KissIntent",
    "HighsAndLowsIntent",
    "BreathingIntent",
    "MassageTimerIntent",
    "WeeklyCheckInIntent",
    "ForgetUsIntent",
    "StartChallengeIntent",
}


def _wrapped_samples() -> list[tuple[str, str, str]]:
    """(intent, sample, what is left without the way of asking it starts with) for every
    model sample that starts with a wrapper and keeps two words or more that carry it."""
    light = MODEL.phrases.fillers | MODEL.phrases.determiners
    out = []
    for intent in MODEL.intents:
        for sample in intent.samples:
            if SLOT_IN_SAMPLE.search(sample):
                continue
            words = MATCHER.normalizer.tokens(sample)
            for prefix in MATCHER.wrapping.prefixes:
                if tuple(words[: len(prefix)]) == prefix:
                    rest = words[len(prefix) :]
                    carrying = [w for w in rest if w not in light]
                    if len(carrying) >= 2 and not MODEL.phrases.never_skip & set(carrying):
                        out.append((intent.name, sample, " ".join(rest)))
                    break
    return out


def test_a_sample_is_understood_without_the_way_of_asking_it_starts_with() -> None:
    """'let's take a break' is a sample; 'take a break' typed or heard is the same request,
    as Alexa hears it. So is every such sample in the model."""
    wrapped = _wrapped_samples()
    assert len(wrapped) >= 10
    for intent, sample, rest in wrapped:
        assert MATCHER.understand(rest).intent == intent, (sample, rest)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("take a break", "AMAZON.PauseIntent"),
        ("we'd like to take a break", "AMAZON.PauseIntent"),
        # Word for word only: said in passing, it is not a request to the speaker.
        ("you should take a break", FALLBACK),
        ("take a break from work", FALLBACK),
        # A word within it is a way of saying it; words around it are talk.
        ("we'd like to take a short break", "AMAZON.PauseIntent"),
        ("take a short break", "AMAZON.PauseIntent"),
        ("you should take a short break", FALLBACK),
        ("take a short break from work", FALLBACK),
        ("please start our check in", "EveningCheckInIntent"),
        ("go first", "GoFirstIntent"),
        # What is left must carry the request: "start over" is not "over".
        ("over", FALLBACK),
        ("again", FALLBACK),
        ("it", FALLBACK),
        ("an idea", FALLBACK),
    ],
)
def test_what_is_left_of_a_wrapped_sample(text: str, intent: str) -> None:
    assert MATCHER.understand(text).intent == intent


@pytest.mark.parametrize(("text", "intent"), PARAPHRASES)
def test_paraphrases_reach_the_right_intent(text: str, intent: str) -> None:
    assert MATCHER.understand(text).intent == intent


@pytest.mark.parametrize("text", NOT_RITUALS)
def test_unlisted_sentences_never_start_a_ritual(text: str) -> None:
    assert MATCHER.understand(text).intent not in RITUALS


def test_paraphrase_slots_come_out_as_alexa_sends_them() -> None:
    hug = MATCHER.understand("can you start the hug timer for 2 minutes")
    assert hug.slots["duration"].value == "PT2M"
    assert MATCHER.understand("give us a 30 second hug please").slots["duration"].value == "PT30S"
    assert MATCHER.understand("I'm at 7").slots["level"].value == "7"
    assert not MATCHER.understand("start a hug timer").slots  # declared, not filled


@pytest.mark.parametrize(
    ("text", "launch", "invoked"),
    [
        ("open close together", True, True),
        ("Alexa, open Close Together", True, True),
        ("close together", True, True),
        ("launch close together", True, True),
        ("", True, False),
        ("ask close together to start a hug timer", False, True),
        ("start a hug timer with close together", False, True),
        ("start a hug timer", False, False),
    ],
)
def test_launch_and_invocation(text: str, launch: bool, invoked: bool) -> None:
    understood = MATCHER.understand(text)
    assert (understood.launch, understood.invoked) == (launch, invoked)
    if not launch:
        assert understood.intent == "HugTimerIntent"


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("seven", 7),
        ("zero", 0),
        ("twenty one", 21),
        ("one hundred and five", 105),
        ("a hundred", None),
        ("seven eight", None),
        ("twelve", 12),
        ("minus two", -2),
        ("7", 7),
        ("and", None),
        ("twenty eleven", None),
    ],
)
def test_numbers(words: str, value: int | None) -> None:
    assert slot_values.parse_number(words.split()) == value


@pytest.mark.parametrize(
    ("words", "iso"),
    [
        ("thirty seconds", "PT30S"),
        ("two minutes", "PT2M"),
        ("a minute", "PT1M"),
        ("thirty second", "PT30S"),
        ("a minute and a half", "PT1M30S"),
        ("one and a half minutes", "PT1M30S"),
        ("half a minute", "PT30S"),
        ("one minute and thirty seconds", "PT1M30S"),
        ("two minutes thirty seconds", "PT2M30S"),
        ("ninety seconds", "PT1M30S"),
        ("an hour", "PT1H"),
        ("minutes", None),
        ("seven", None),
        ("zero seconds", None),
    ],
)
def test_durations(words: str, iso: str | None) -> None:
    assert slot_values.parse_duration(words.split()) == iso


def _toy_model() -> InteractionModel:
    """A model unlike ours: custom types, free text and names, to prove nothing is hard-coded."""
    language = {
        "invocationName": "garden helper",
        "intents": [
            {
                "name": "WaterIntent",
                "slots": [{"name": "plant", "type": "PlantType"}],
                "samples": ["water the {plant}", "give the {plant} a drink"],
            },
            {
                "name": "NoteIntent",
                "slots": [{"name": "note", "type": "AMAZON.SearchQuery"}],
                "samples": ["make a note that {note}"],
            },
            {
                "name": "GreetIntent",
                "slots": [{"name": "who", "type": "AMAZON.FirstName"}],
                "samples": ["say hello to {who}"],
            },
            {"name": "AMAZON.YesIntent", "samples": []},
        ],
        "types": [
            {
                "name": "PlantType",
                "values": [
                    {"id": "TOM", "name": {"value": "tomatoes", "synonyms": ["tomato plants"]}},
                    {"name": {"value": "roses"}},
                ],
            }
        ],
    }
    return InteractionModel.from_language_model(language, phrases=Phrases.load(phrases_path()))


def test_a_different_model_is_matched_from_its_own_samples() -> None:
    toy = Matcher(_toy_model())
    water = toy.understand("ask garden helper to water the tomato plants")
    assert water.intent == "WaterIntent" and water.invoked
    assert water.slots["plant"].resolved is not None
    assert water.slots["plant"].resolved.id == "TOM"
    assert water.slots["plant"].value == "tomato plants"
    # A value not in the list is still heard, unresolved, as Alexa does.
    basil = toy.understand("water the basil")
    assert basil.intent == "WaterIntent" and basil.slots["plant"].status == UNRESOLVED
    note = toy.understand("make a note that the roses need feeding")
    assert note.slots["note"].value == "the roses need feeding"
    assert toy.understand("say hello to sam").slots["who"].value == "Sam"
    assert toy.understand("yes").intent == "AMAZON.YesIntent"
    assert toy.understand("no").intent == FALLBACK  # not in this model, so never sent
    assert toy.understand("start a hug timer").intent == FALLBACK


def test_a_sample_with_an_undeclared_slot_is_reported_not_matched(tmp_path: Path) -> None:
    raw = {
        "interactionModel": {
            "languageModel": {
                "invocationName": "x",
                "intents": [{"name": "A", "samples": ["do {thing}", "do it"]}],
                "types": [],
            }
        }
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    matcher = Matcher(InteractionModel.load(path))
    assert [p.sample for p in matcher.patterns if p.intent == "A"] == ["do it"]


@pytest.mark.parametrize(
    ("typed", "level"),
    [("-1", "-1"), ("my pain is -3", "-3"), ("\u22122", "-2"), ("pain level 4", "4")],
)
def test_a_minus_sign_is_kept_so_minus_one_is_never_one(typed: str, level: str) -> None:
    """Typed "-1" at a pain step was heard as "one" and kept as tonight's pain; kept as
    minus one, it is out of range and asked again (tests/test_conversation_rules)."""
    understood = MATCHER.understand(typed)
    assert understood.intent == "PainLevelIntent" and understood.slots["level"].value == level


@pytest.mark.parametrize("text", ["it's fine", "that's enough", "this is hard", "it's okay"])
def test_everyday_words_are_not_taken_for_a_name(text: str) -> None:
    """'It's fine' at the hug offer is not someone saying their name is Fine."""
    assert MATCHER.understand(text).intent != "ThisIsIntent"


@pytest.mark.parametrize(
    ("text", "name"), [("this is priya", "Priya"), ("call me will", "Will"), ("it's sam", "Sam")]
)
def test_names_are_still_names(text: str, name: str) -> None:
    slots = MATCHER.understand(text).slots
    assert [fill.value for fill in slots.values()] == [name]
