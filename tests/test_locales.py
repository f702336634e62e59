"""Every English locale: its model generated from the one source and current, its content
falling back to en-US except where it is said or spelled differently, and answers in the
request's locale."""

from __future__ import annotations

import importlib.util
import json
import random
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from scripts import build_models
from skill.config import Config
from skill.engine import content as content_module
from skill.engine.content import Content, placeholders, respell
from skill.engine.context import Deps
from skill.engine.locales import LOCALES, PARENT, SOURCE, chain, supported
from skill.engine.synonyms import slot_synonyms
from skill.errors import ContentError
from tests.alexa import Conversation
from tests.test_content import NEVER_SAY, SAMPLE_VALUES
from tests.test_feature_support import said_one_of
from tests.test_manifest import MANIFEST_PATH, PREFIX, load, resolve

ROOT = Path(__file__).resolve().parents[1]
US_SPELLINGS = re.compile(r"\b(favorite|cozy|savored)\b", re.I)
BRITISH = ("en-GB", "en-AU", "en-IN")


def all_lines(content: Content) -> list[str]:
    return [line for key in sorted(content.keys()) for line in content.variants(key)]


# -- the models -----------------------------------------------------------------------
def test_every_locale_has_a_differences_file_and_a_generated_model() -> None:
    assert sorted(build_models.locales()) == sorted(set(LOCALES) - {SOURCE})
    for locale in LOCALES:
        assert (ROOT / "interaction_models" / f"{locale}.json").is_file()


def test_generated_models_are_current() -> None:
    assert build_models.main(["--check"]) == 0, "run scripts/build_models.py"


@pytest.mark.parametrize("locale", sorted(set(LOCALES) - {SOURCE}))
def test_a_generated_model_is_the_source_plus_its_differences(locale: str) -> None:
    source = json.loads((ROOT / "interaction_models" / "en-US.json").read_text())
    built = build_models.build(locale)
    ours, theirs = (m["interactionModel"]["languageModel"] for m in (built, source))
    assert ours["invocationName"] == theirs["invocationName"]
    assert [i["name"] for i in ours["intents"]] == [i["name"] for i in theirs["intents"]]
    for mine, base in zip(ours["intents"], theirs["intents"], strict=True):
        assert set(base.get("samples", [])) <= set(mine.get("samples", []))


def test_australians_can_say_arvo() -> None:
    assert "arvo" in slot_synonyms("en-AU", "TimeOfDay")["daytime"]
    assert "arvo" not in slot_synonyms("en-US", "TimeOfDay")["daytime"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("samples: {NoSuchIntent: [hello there]}", "no intent 'NoSuchIntent'"),
        ("synonyms: {NoSuchType: {x: [y]}}", "no slot type 'NoSuchType'"),
        ("synonyms: {TimeOfDay: {dusk: [twilight]}}", "no value 'dusk'"),
    ],
)
def test_a_difference_naming_nothing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, problem: str
) -> None:
    (tmp_path / "xx-XX.yaml").write_text(text)
    monkeypatch.setattr(build_models, "DIFFERENCES", tmp_path)
    with pytest.raises(build_models.DifferenceError, match=problem):
        build_models.build("xx-XX")


# -- the content -----------------------------------------------------------------------
def test_locales_fall_back_along_their_parents() -> None:
    assert chain("en-AU") == ["en-AU", "en-GB", "en-US"]
    assert chain("en-CA") == ["en-CA", "en-US"]
    assert set(PARENT) == set(LOCALES) - {SOURCE}
    assert supported("en-GB") == "en-GB" and supported("fr-FR") == "en-US" and supported(None)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_says_every_key_and_each_line_renders(locale: str) -> None:
    source, content = Content.load(SOURCE), Content.load(locale)
    assert content.keys() == source.keys()
    for key in sorted(content.keys()):
        ours, theirs = content.variants(key), source.variants(key)
        assert len(ours) == len(theirs), key  # stored question ids mean the same everywhere
        for mine, base in zip(ours, theirs, strict=True):
            assert placeholders(mine) == placeholders(base), key
            text = Content.render(mine, **SAMPLE_VALUES)
            assert len(text.split()) < 40 and not NEVER_SAY.search(text), key


@pytest.mark.parametrize("locale", BRITISH)
def test_british_english_is_spelled_and_worded_its_own_way(locale: str) -> None:
    lines = all_lines(Content.load(locale))
    assert not [line for line in lines if US_SPELLINGS.search(line)]
    assert any("summer, autumn, winter" in line for line in lines)
    # The check bites: en-US has each of these.
    us_lines = all_lines(Content.load(SOURCE))
    assert len([line for line in us_lines if US_SPELLINGS.search(line)]) >= 3


def test_canada_keeps_fall_but_spells_favourite() -> None:
    lines = all_lines(Content.load("en-CA"))
    assert any("favourite" in line for line in lines) and not any("favorite" in x for x in lines)
    assert any("summer, fall, winter" in line for line in lines)


def test_respelling_keeps_capitals_and_whole_words() -> None:
    phrases = {"favorite": "favourite", "fall": "autumn"}
    assert respell("Favorite? my favorite. falling", phrases) == "Favourite? my favourite. falling"


def test_an_override_must_replace_a_key_with_as_many_variants(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = {"greeting": ("Hello.", "Hi.")}
    monkeypatch.setattr(content_module, "locale_differences", lambda locale: ({}, {"nope": ("x",)}))
    with pytest.raises(ContentError, match="not a key"):
        content_module._with_differences("en-GB", base)
    monkeypatch.setattr(
        content_module, "locale_differences", lambda locale: ({}, {"greeting": ("Hiya.",)})
    )
    with pytest.raises(ContentError, match="needs 2 variants"):
        content_module._with_differences("en-GB", base)


def test_content_is_loaded_once_per_locale_and_unknown_ones_get_the_default(
    config: Config,
) -> None:
    deps = Deps(config=config, content=Content.load(), clock=lambda: 0.0, rng=random.Random(1))
    assert deps.content_for("en-US") is deps.content
    assert deps.content_for("de-DE") is deps.content and deps.content_for(None) is deps.content
    assert deps.content_for("en-GB") is deps.content_for("en-GB") is not deps.content


# -- conversations in each locale ----------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_a_conversation_in_each_locale(client: FlaskClient, clock, locale: str) -> None:  # type: ignore[no-untyped-def]
    talk = Conversation(client, clock, locale=locale)
    assert not talk.launch().ended
    heard = [talk.say("WordsIntent", situation="reassuring").text for _ in range(8)]
    spoken = " ".join(heard)
    favourite = "favorite" if locale == "en-US" else "favourite"
    assert f"my {favourite} person" in spoken, "all eight lines heard once each"
    hug = talk.say("HugTimerIntent")
    assert hug.ended and hug.measured.quiet_ms == 20_000


@pytest.mark.parametrize("locale", ["en-GB", "en-AU"])
def test_a_cuddle_is_a_hug_in_the_uk_and_australia(locale: str) -> None:
    model = json.loads((ROOT / "interaction_models" / f"{locale}.json").read_text())
    intents = model["interactionModel"]["languageModel"]["intents"]
    hug = next(i for i in intents if i["name"] == "HugTimerIntent")
    assert "give us a cuddle" in hug["samples"]


def test_an_afternoon_practice_by_its_australian_name(client: FlaskClient, clock) -> None:  # type: ignore[no-untyped-def]
    talk = Conversation(client, clock, locale="en-AU")
    reply = talk.say("PracticeIdeaIntent", time="this arvo")
    assert said_one_of(reply, "practice.daytime")
    assert not said_one_of(reply, "practice.any_intro")


# -- the manifest and the package ----------------------------------------------------
def test_the_manifest_lists_every_locale_with_phrases_its_model_understands() -> None:
    manifest = load(MANIFEST_PATH)["manifest"]
    listings = manifest["publishingInformation"]["locales"]
    assert sorted(listings) == sorted(LOCALES)
    assert sorted(manifest["privacyAndCompliance"]["locales"]) == sorted(LOCALES)
    countries = {"en-US": "US", "en-GB": "GB", "en-CA": "CA", "en-AU": "AU", "en-IN": "IN"}
    assert set(manifest["publishingInformation"]["distributionCountries"]) == set(
        countries.values()
    )
    for locale, listing in listings.items():
        model = load(ROOT / "interaction_models" / f"{locale}.json")
        language = model["interactionModel"]["languageModel"]
        assert listing["name"] == "Close Together"
        assert "not medical advice" in listing["description"]
        for phrase in listing["examplePhrases"]:
            match = PREFIX.match(phrase)
            assert match is not None and resolve(match["rest"], language), (locale, phrase)


def test_the_package_carries_every_locale_model(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "package_skill", ROOT / "scripts/package_skill.py"
    )
    assert spec is not None and spec.loader is not None
    package_skill = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(package_skill)
    assert tuple(package_skill.LOCALES) == LOCALES
    package = package_skill.build_skill_package(
        tmp_path, endpoint="https://skill.example.org/", certificate="Trusted"
    )
    for locale in LOCALES:
        copied = package / "interactionModels" / "custom" / f"{locale}.json"
        assert copied.read_bytes() == (ROOT / "interaction_models" / f"{locale}.json").read_bytes()
