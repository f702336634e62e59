"""Verification in front of the skill: signed requests pass, anything else is a 400."""

from __future__ import annotations

import json
import logging
import random

import pytest

from skill.builder import build_skill
from skill.config import Config
from skill.frontends.verification import RequestVerifier
from skill.frontends.web import create_app, make_verifier
from tests import certs

PKI = certs.TestPKI()


@pytest.fixture
def signed_app(config, store):  # type: ignore[no-untyped-def]
    clock = certs.Clock()
    cfg = config.with_(verify=True, skill_ids=(certs.SKILL_ID,))
    verifier = RequestVerifier(
        cfg.skill_ids, clock=clock, fetch=PKI.fetcher(), trust_roots=PKI.root_pem
    )
    skill = build_skill(cfg, store=store, clock=clock, rng=random.Random(1))
    app = create_app(cfg, skill=skill, verifier=verifier)
    return app


def post(app, env, **header_changes):  # type: ignore[no-untyped-def]
    headers, body = PKI.signed_request(env)
    headers.update(header_changes)
    return app.test_client().post(
        "/", data=body, headers={**headers, "Content-Type": "application/json"}
    )


def intent_env(name: str = "KissIntent", **kw):  # type: ignore[no-untyped-def]
    env = certs.envelope(**kw)
    env["request"] = {
        "type": "IntentRequest",
        "requestId": "amzn1.echo-api.request.1",
        "timestamp": certs.iso(certs.NOW_TS),
        "locale": "en-US",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": {}},
    }
    return env


def test_genuine_signed_request_reaches_the_skill(signed_app) -> None:  # type: ignore[no-untyped-def]
    resp = post(signed_app, intent_env())
    assert resp.status_code == 200
    assert "kiss" in resp.get_json()["response"]["outputSpeech"]["ssml"]


def test_healthz_reports_verification_on(signed_app) -> None:  # type: ignore[no-untyped-def]
    body = signed_app.test_client().get("/healthz").get_json()
    assert body == {"status": "ok", "verification": True}


def test_tampered_body_is_rejected_and_the_body_is_not_logged(signed_app, caplog) -> None:  # type: ignore[no-untyped-def]
    headers, body = PKI.signed_request(intent_env())
    tampered = body.replace(b"KissIntent", b"HugTimerIntent")
    with caplog.at_level(logging.DEBUG):
        resp = signed_app.test_client().post(
            "/", data=tampered, headers={**headers, "Content-Type": "application/json"}
        )
    assert resp.status_code == 400 and "signature" in resp.get_json()["error"]
    assert "HugTimerIntent" not in caplog.text and "rejected" in caplog.text


@pytest.mark.parametrize("header", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_headers_are_rejected(signed_app, header) -> None:  # type: ignore[no-untyped-def]
    headers, body = PKI.signed_request(intent_env())
    del headers[header]
    resp = signed_app.test_client().post(
        "/", data=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert resp.status_code == 400 and resp.get_json()["error"]


def test_bad_url_wrong_app_and_stale_request_are_rejected(signed_app) -> None:  # type: ignore[no-untyped-def]
    bad_url = post(
        signed_app, intent_env(), SignatureCertChainUrl="https://evil.example/echo.api/x"
    )
    assert bad_url.status_code == 400
    other_app = post(signed_app, intent_env(application_id=certs.OTHER_SKILL_ID))
    assert other_app.status_code == 400 and "application" in other_app.get_json()["error"]
    stale = intent_env()
    stale["request"]["timestamp"] = certs.iso(certs.NOW_TS - 600)
    assert post(signed_app, stale).status_code == 400


def test_skill_disabled_event_deletes_the_couple(signed_app, store) -> None:  # type: ignore[no-untyped-def]
    user = "amzn1.ask.account.TESTUSER"
    store.save(user, {"names": ["Sam", "Alex"], "first_seen": 1.0})
    event = {
        "version": "1.0",
        "context": {
            "System": {
                "application": {"applicationId": certs.SKILL_ID},
                "user": {"userId": user},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "type": "AlexaSkillEvent.SkillDisabled",
            "requestId": "amzn1.echo-api.request.event",
            "timestamp": certs.iso(certs.NOW_TS - 1800),
            "eventCreationTime": certs.iso(certs.NOW_TS - 1800),
            "eventPublishingTime": certs.iso(certs.NOW_TS - 1800),
            "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
        },
    }
    resp = post(signed_app, event)
    assert resp.status_code == 200
    assert "outputSpeech" not in resp.get_json()["response"]
    assert store.load(user) == {}


def test_verifying_mode_needs_a_skill_id() -> None:
    with pytest.raises(ValueError, match="CLOSE_TOGETHER_SKILL_ID"):
        make_verifier(Config(verify=True, skill_ids=()))
    assert make_verifier(Config(verify=False)) is None


def test_config_reads_several_skill_ids() -> None:
    cfg = Config.from_env({"CLOSE_TOGETHER_SKILL_ID": "a, b", "CLOSE_TOGETHER_VERIFY": "0"})
    assert cfg.skill_ids == ("a", "b") and cfg.verify is False
    assert json.dumps(Config.from_env({}).verify) == "true"
