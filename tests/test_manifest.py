"""The skill manifest agrees with the interaction model, and the package builds from one source."""

from __future__ import annotations

import importlib.util
import json
import re
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = ROOT / "skill-package" / "skill.json"
MODEL_PATH = ROOT / "interaction_models" / "en-US.json"
TIMERS = "alexa::alerts:timers:skill:readwrite"
PREFIX = re.compile(r"^alexa,?\s+ask\s+(?P<name>.+?)\s+(?:to|for)\s+(?P<rest>.+)$", re.IGNORECASE)
# The Alexa skill categories a wellbeing skill for couples could reasonably be filed under.
CATEGORIES = {"HEALTH_AND_FITNESS", "LIFESTYLE", "SELF_IMPROVEMENT", "FRIENDS_AND_FAMILY"}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load(MANIFEST_PATH)["manifest"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    return load(MODEL_PATH)["interactionModel"]["languageModel"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def package_skill() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "package_skill", ROOT / "scripts/package_skill.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def words(text: str) -> str:
    """Lower case, punctuation gone (apostrophes kept), single spaces."""
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


NUMBER_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred)"
)
NUMBER = rf"(?:\d+|{NUMBER_WORD}(?:[ -]{NUMBER_WORD})*)"
UNIT = r"(?:seconds?|minutes?|hours?)"
DURATION = rf"(?:(?:{NUMBER}|a|an|and|half) )*{UNIT}(?: (?:and )?(?:a half|{NUMBER} {UNIT}))?"
# What a slot of each type can stand for; any other type stands for any words.
SLOT_VALUES = {"AMAZON.NUMBER": NUMBER, "AMAZON.DURATION": DURATION}


def sample_pattern(sample: str, slot_types: dict[str, str]) -> re.Pattern[str]:
    """A sample as a regular expression: each {slot} stands for a value of its type."""
    tokens = []
    for token in sample.split():
        slot = re.fullmatch(r"\{([^{}]+)\}", token)
        if slot:
            tokens.append(SLOT_VALUES.get(slot_types.get(slot[1], ""), r"[a-z0-9' ]+?"))
        elif words(token):
            tokens.append(re.escape(words(token)))
    return re.compile("^" + " ".join(tokens) + "$")


def resolve(phrase: str, model: dict[str, Any]) -> str | None:
    """The intent whose sample utterance says exactly `phrase` (slots match their type)."""
    said = words(phrase)
    for intent in model["intents"]:
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            if sample_pattern(sample, types).match(said):
                return str(intent["name"])
    return None


def locale(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["publishingInformation"]["locales"]["en-US"]  # type: ignore[no-any-return]


# -------------------------------------------------------------------------- phrases


def test_the_resolver_matches_samples_and_slots_and_rejects_others(model: dict[str, Any]) -> None:
    assert resolve("A hug timer.", model) == "HugTimerIntent"
    assert resolve("a thirty second hug", model) == "HugTimerIntent"  # "a {duration} hug"
    assert resolve("my pain is at seven", model) == "PainLevelIntent"
    assert resolve("hug for ninety seconds", model) == "HugTimerIntent"
    assert resolve("seven", model) == "PainLevelIntent"  # the bare "{level}" sample
    assert resolve("juggle three oranges", model) is None
    assert resolve("oranges", model) is None, "a NUMBER slot does not take any word"
    assert resolve("a hug timer please now", model) is None  # exact, not a prefix


@pytest.mark.parametrize(
    ("phrase", "intent"),
    [
        ("Alexa, ask close together to start our evening check in", "EveningCheckInIntent"),
        ("Alexa, ask close together for a hug timer", "HugTimerIntent"),
    ],
)
def test_the_required_example_phrases_are_there_and_reach_their_rituals(
    manifest: dict[str, Any], model: dict[str, Any], phrase: str, intent: str
) -> None:
    assert phrase in locale(manifest)["examplePhrases"]
    match = PREFIX.match(phrase)
    assert match is not None
    assert resolve(match["rest"], model) == intent


def test_every_example_phrase_uses_the_invocation_name_and_resolves(
    manifest: dict[str, Any], model: dict[str, Any]
) -> None:
    phrases = locale(manifest)["examplePhrases"]
    assert 1 <= len(phrases) <= 3, "Alexa shows at most three example phrases"
    for phrase in phrases:
        match = PREFIX.match(phrase)
        assert match is not None, f"not 'Alexa, ask <name> to/for ...': {phrase}"
        assert words(match["name"]) == model["invocationName"]
        assert resolve(match["rest"], model) is not None, f"no sample says: {match['rest']}"


def test_invocation_name_and_store_name_agree(
    manifest: dict[str, Any], model: dict[str, Any]
) -> None:
    assert model["invocationName"] == "close together"
    assert locale(manifest)["name"] == "Close Together"
    assert words(locale(manifest)["name"]) == model["invocationName"]


# -------------------------------------------------------------------------- fields


def test_store_listing_fields_are_present(manifest: dict[str, Any]) -> None:
    listing = locale(manifest)
    assert manifest["manifestVersion"] == "1.0"
    assert 0 < len(listing["summary"]) <= 160
    assert 0 < len(listing["description"]) <= 4000
    assert "not medical advice" in listing["description"]
    assert 0 < len(listing["keywords"]) <= 30
    publishing = manifest["publishingInformation"]
    assert publishing["category"] in CATEGORIES
    assert publishing["testingInstructions"].strip()
    assert publishing["isAvailableWorldwide"] or publishing["distributionCountries"]


def test_privacy_and_compliance(manifest: dict[str, Any]) -> None:
    privacy = manifest["privacyAndCompliance"]
    assert privacy["allowsPurchases"] is False
    # Couples may give their names, and the skill keeps their practice history: declare it.
    assert privacy["usesPersonalInfo"] is True
    assert privacy["isChildDirected"] is False
    assert privacy["isExportCompliant"] is True
    assert privacy["containsAds"] is False
    urls = privacy["locales"]["en-US"]
    for key in ("privacyPolicyUrl", "termsOfUseUrl"):
        assert urls[key].startswith("https://")
        assert "REPLACE-ME" in urls[key], "placeholders stay visibly marked until real pages exist"


def test_timer_permission_and_skill_disabled_event(manifest: dict[str, Any]) -> None:
    assert {"name": TIMERS} in manifest["permissions"]
    assert {"name": "alexa::alerts:reminders:skill:readwrite"} in manifest["permissions"]
    assert {"eventName": "SKILL_DISABLED"} in manifest["events"]["subscriptions"]
    endpoint = manifest["apis"]["custom"]["endpoint"]
    assert endpoint["uri"].startswith("https://") and "REPLACE-ME" in endpoint["uri"]
    assert endpoint["sslCertificateType"] in {"Trusted", "Wildcard", "SelfSigned"}


# -------------------------------------------------------------------------- packaging


def test_no_second_copy_of_the_interaction_model_is_committed() -> None:
    assert not (ROOT / "skill-package" / "interactionModels").exists()


def test_package_copies_the_one_model_and_sets_an_https_endpoint(
    package_skill: ModuleType, tmp_path: Path
) -> None:
    package = package_skill.build_skill_package(
        tmp_path, endpoint="https://skill.example.org/", certificate="Wildcard"
    )
    copied = package / "interactionModels" / "custom" / "en-US.json"
    assert copied.read_bytes() == MODEL_PATH.read_bytes()
    built = load(package / "skill.json")["manifest"]
    expected = {"uri": "https://skill.example.org/", "sslCertificateType": "Wildcard"}
    assert built["apis"]["custom"]["endpoint"] == expected
    assert built["events"]["endpoint"] == expected
    assert built["permissions"] == load(MANIFEST_PATH)["manifest"]["permissions"]


def test_package_for_lambda_has_no_certificate_type(
    package_skill: ModuleType, tmp_path: Path
) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:close-together"
    package = package_skill.build_skill_package(
        tmp_path, lambda_arn=arn, site="https://pages.example.org/close-together"
    )
    built = load(package / "skill.json")["manifest"]
    assert built["apis"]["custom"]["endpoint"] == {"uri": arn}
    assert built["privacyAndCompliance"]["locales"]["en-US"] == {
        "privacyPolicyUrl": "https://pages.example.org/close-together/privacy",
        "termsOfUseUrl": "https://pages.example.org/close-together/terms",
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"endpoint": "http://plain.example.org/"},
        {"endpoint": "https://x.example.org/", "certificate": "Whatever"},
        {"lambda_arn": "close-together"},
        {"endpoint": "https://x.example.org/", "lambda_arn": "arn:aws:lambda:x"},
        {},  # no endpoint at all: the placeholder would stay
        {"lambda_arn": "arn:aws:lambda:us-east-1:1:function:ct"},  # where are the pages?
        {"endpoint": "https://x.example.org/", "site": "http://plain.example.org/"},
        {"endpoint": "https://REPLACE-ME.example.org/"},
        {"endpoint": "https://skill.example.com/"},
    ],
)
def test_package_refuses_endpoints_alexa_would_refuse(
    package_skill: ModuleType, tmp_path: Path, kwargs: dict[str, str]
) -> None:
    with pytest.raises(SystemExit):
        package_skill.build_skill_package(tmp_path, **kwargs)


def test_lambda_code_and_ask_resources(package_skill: ModuleType, tmp_path: Path) -> None:
    code = package_skill.build_lambda_code(tmp_path)
    assert (code / "skill" / "frontends" / "lambda_function.py").is_file()
    assert (code / "skill" / "content" / "en-US.yaml").is_file()
    assert not list(code.rglob("__pycache__"))
    requirements = (code / "requirements.txt").read_text().split()
    names = {re.split(r"[<>=!~\[]", r)[0].lower() for r in requirements}
    assert {"ask-sdk-core", "pyyaml", "ask-sdk-dynamodb-persistence-adapter", "boto3"} <= names
    assert not names & {"flask", "gunicorn"}, "the Lambda function has no web server"
    resources = load(package_skill.write_ask_resources(tmp_path, with_code=True))
    profile = resources["profiles"]["default"]
    assert profile["skillMetadata"]["src"] == "./skill-package"
    assert (
        profile["skillInfrastructure"]["userConfig"]["handler"]
        == "skill.frontends.lambda_function.handler"
    )


def test_the_lambda_front_end_needs_no_web_stack(tmp_path: Path) -> None:
    """What the Lambda zip leaves out (Flask, gunicorn, cryptography) is never imported."""
    code = (
        "import json, sys\n"
        "from skill.frontends.lambda_function import handler\n"
        "from tests.alexa import envelope\n"
        "body = handler(envelope('IntentRequest', 'HugTimerIntent'), None)\n"
        "assert '<audio' in body['response']['outputSpeech']['ssml']\n"
        "print(json.dumps(sorted(m for m in ('flask', 'werkzeug', 'gunicorn', 'cryptography')"
        " if m in sys.modules)))\n"
    )
    env = {"CLOSE_TOGETHER_DB": str(tmp_path / "db.sqlite3"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_the_script_runs_end_to_end(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "package_skill.py"), "--out", str(tmp_path)]
        + ["--endpoint", "https://skill.example.org/", "--lambda-code"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "skill-package" / "skill.json").is_file()
    assert (tmp_path / "lambda" / "requirements.txt").is_file()
    assert_no_placeholders(tmp_path / "skill-package")


def assert_no_placeholders(package: Path) -> None:
    files = [p for p in package.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for word in (b"REPLACE-ME", b"example.com"):
            assert word not in data, f"{path.relative_to(package)} still says {word.decode()}"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_built_package_for_a_web_service_is_ready_to_submit(
    package_skill: ModuleType, tmp_path: Path
) -> None:
    package = package_skill.build_skill_package(tmp_path, endpoint="https://skill.example.org/")
    assert_no_placeholders(package)
    built = load(package / "skill.json")["manifest"]
    # The web service serves its own pages (skill/frontends/pages.py).
    assert built["privacyAndCompliance"]["locales"]["en-US"] == {
        "privacyPolicyUrl": "https://skill.example.org/privacy",
        "termsOfUseUrl": "https://skill.example.org/terms",
    }
    listing = locale(built)
    for key, side in (("smallIconUri", 108), ("largeIconUri", 512)):
        uri = listing[key]
        assert uri.startswith("file://assets/images/"), uri
        assert png_size(package / uri.removeprefix("file://")) == (side, side)


def test_icons_are_made_by_the_project_script(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_icons.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    for made in tmp_path.iterdir():
        committed = ROOT / "skill-package" / "assets" / "images" / made.name
        assert committed.read_bytes() == made.read_bytes(), f"{made.name}: run make_icons.py"


def test_package_for_the_ask_cli_lambda_deployer_leaves_the_endpoint_to_it(
    package_skill: ModuleType, tmp_path: Path
) -> None:
    package = package_skill.build_skill_package(
        tmp_path, site="https://pages.example.org/", deployer_sets_endpoint=True
    )
    built = load(package / "skill.json")["manifest"]
    assert "endpoint" not in built["apis"]["custom"] and "endpoint" not in built["events"]
    assert_no_placeholders(package)


def test_the_manifest_declares_audio_player_and_screens(manifest: dict[str, Any]) -> None:
    interfaces = {i["type"]: i for i in manifest["apis"]["custom"]["interfaces"]}
    assert "AUDIO_PLAYER" in interfaces
    viewports = interfaces["ALEXA_PRESENTATION_APL"]["supportedViewports"]
    assert {v["mode"] for v in viewports} == {"HUB"}
    assert {"ROUND", "RECTANGLE"} == {v["shape"] for v in viewports}
