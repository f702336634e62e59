"""The privacy policy and terms are served by the app and name what the skill stores."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from skill.engine.state import Couple

# Each field the couple's record can hold, and the words the privacy policy names it by.
STORED = {
    "first_seen": "first and last used",
    "last_seen": "first and last used",
    "weekly_at": "weekly check-in was last done",
    "weekly_offered_at": "weekly check-in was last done, offered or declined",
    "weekly_declined_at": "weekly check-in was last done, offered or declined",
    "names": "Names",
    "progress": "Ritual progress",
    "resume_declined_at": "If you say no to picking it up, when you said it",
    "recent_questions": "Recently asked questions",
    "recent_deck": "Recently asked questions",
    "menu": "Your closeness menu",
    "challenge": "Your weekly challenge",
    "practice_log": "A practice log",
    "practice_counts": "a count of each kind",
    "practice_last": "when it was last done",
    "reminder_id": "Your weekly reminder's id",
    "reminder_declined_at": "If you say no, when you said it",
    "voices": "Which voice is whose",
}
FULL_RECORD = {
    "first_seen": 1.0,
    "last_seen": 2.0,
    "names": ["Sam", "Alex"],
    "recent_questions": [1],
    "recent_deck": ["emotional:1"],
    "practice_log": [{"id": "a", "kind": "hug", "at": 1.0, "seconds": 20}],
    "progress": {"ritual": "checkin", "started_at": 1.0, "updated_at": 1.0},
    "pain": {"bucket": "low", "at": 1.0, "level": 2},  # an old record's: never written back
    "menu": [{"text": "reading aloud", "kind": "shared"}],
    "challenge": {"started_at": 1.0, "done": [1]},
    "weekly_at": 1.0,
    "weekly_offered_at": 1.0,
    "weekly_declined_at": 1.0,
    "resume_declined_at": 1.0,
    "reminder_id": "alert-1",
    "reminder_declined_at": 1.0,
    "voices": {"amzn1.ask.person.X": "Sam"},
}


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def privacy(client: FlaskClient) -> str:
    response = client.get("/privacy")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.cache_control.max_age and response.cache_control.public
    return text_of(response.get_data(as_text=True))


def test_privacy_policy_names_every_field_the_record_can_hold(privacy: str) -> None:
    stored = set(Couple.from_attributes(FULL_RECORD).to_attributes())
    assert stored <= set(STORED), "a stored field the policy does not name"
    assert "pain" not in stored, "health information is never written"
    for field, words in STORED.items():
        assert words in privacy, f"{field}: the policy should say '{words}'"
    assert "Alexa user id" in privacy


def test_privacy_policy_says_health_words_are_conversation_only(privacy: str) -> None:
    assert (
        'Pain levels, "touch hurts today" and "it\'s a high pain day" are used in the '
        "conversation only and never stored"
    ) in privacy
    assert "forget everything about us" in privacy
    assert "Disabling the skill" in privacy
    assert "not medical advice" in privacy


def test_terms_are_served_with_the_disclaimer(client: FlaskClient) -> None:
    response = client.get("/terms")
    assert response.status_code == 200
    terms = text_of(response.get_data(as_text=True))
    assert "not medical advice" in terms
    assert "never stored" in terms


def test_pages_need_no_alexa_verification(make_app) -> None:  # type: ignore[no-untyped-def]
    from skill.config import Config

    app = make_app(Config(verify=True, skill_ids=("amzn1.ask.skill.x",)))
    assert app.test_client().get("/privacy").status_code == 200
    assert app.test_client().post("/privacy").status_code == 405
