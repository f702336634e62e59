"""The bedside front end: typed lines -> Alexa envelopes -> the same skill, Alexa's sessions."""

from __future__ import annotations

import json
import logging
import random
import threading
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import RequestEnvelope, Response
from ask_sdk_model.dialog import ElicitSlotDirective
from ask_sdk_model.intent import Intent

from local_speaker.envelopes import EXCEEDED_MAX_REPROMPTS, USER_INITIATED, Device
from local_speaker.matcher import Matcher
from local_speaker.model import InteractionModel, Phrases, phrases_path
from local_speaker.runner import END, SILENCE, Bedside, Heard, Inputs
from local_speaker.session import Session
from skill.builder import build_skill
from skill.config import Config
from skill.engine import ssml
from skill.engine.ssml import CHIME
from skill.stores.sqlite import SQLiteAdapter

MATCHER = Matcher(InteractionModel.load())
USER = Device().user_id


class Spy:
    """Wraps a skill and keeps every request envelope it was sent."""

    def __init__(self, skill: Any) -> None:
        self.skill = skill
        self.requests: list[Any] = []  # RequestEnvelope, read attribute by attribute

    def invoke(self, request_envelope: RequestEnvelope, context: Any = None) -> Any:
        self.requests.append(request_envelope)
        return self.skill.invoke(request_envelope=request_envelope, context=context)

    def kinds(self) -> list[str]:
        return [r.request.object_type for r in self.requests]


class Recorder:
    """An output that keeps what would have been spoken."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []
        self.notices: list[str] = []
        self.last_latency_s: float | None = None

    def speak(
        self,
        ssml_text: str,
        *,
        kind: str = "response",
        interrupt: threading.Event | None = None,
        heard_at: float | None = None,
    ) -> bool:
        self.said.append((kind, ssml_text))
        return True

    def notice(self, text: str) -> None:
        self.notices.append(text)

    def close(self) -> None:
        pass

    def texts(self) -> list[str]:
        return [ssml.measure(s).text for _, s in self.said]

    def quiet_ms(self) -> list[float]:
        return [ssml.measure(s).quiet_ms for _, s in self.said]


@pytest.fixture
def spy(config: Config, store: SQLiteAdapter, clock: Any) -> Spy:
    return Spy(build_skill(config, store=store, clock=clock, rng=random.Random(7)))


@pytest.fixture
def session(spy: Spy, clock: Any) -> Session:
    return Session(spy, MATCHER, clock=clock)  # type: ignore[arg-type]


# A whole evening check-in by typed lines, up to "would you like a twenty second hug?".
TO_THE_HUG = ("start our evening check in", "seven", "skip", "next", "next", "next", "next")


def run(session: Session, *lines: Any, listen_s: float = 8.0) -> Recorder:
    out = Recorder()
    Bedside(session, out, Inputs([*lines, END]), listen_s=listen_s).run()
    return out


def test_whole_evening_checkin_by_typed_lines(
    session: Session, spy: Spy, store: SQLiteAdapter
) -> None:
    out = run(session, *TO_THE_HUG, "yes")
    texts = out.texts()
    assert "check-in" in texts[0] and "ten" in texts[0]
    assert "seven" in texts[1]
    # Talk time is silence inside the answer: the question and both appreciations.
    assert out.quiet_ms() == [0, 0, 45_000, 0, 45_000, 45_000, 0, 20_000]
    assert "hug" in texts[6]
    hug = ssml.measure(out.said[-1][1])
    assert hug.sounds == [CHIME]
    # One session from first word to hug; attributes travelled between the turns.
    assert len({r.session.session_id for r in spy.requests}) == 1
    assert [r.session.new for r in spy.requests] == [True] + [False] * 7
    assert all("state" in (r.session.attributes or {}) for r in spy.requests[1:])
    assert not session.open
    saved = store.load(USER)
    assert [e["kind"] for e in saved["practice_log"]] == ["checkin", "hug"]
    assert "progress" not in saved


def test_checkin_resumes_in_a_new_session(
    session: Session, spy: Spy, store: SQLiteAdapter, clock: Any
) -> None:
    first = run(session, "start our evening check in", "three", "two", "i need a break")
    assert "continue" in first.texts()[-1]
    assert not session.open
    assert store.load(USER)["progress"]["step"] == 2
    clock.advance(3600)
    second = run(session, "continue", "next", "next", "next", "next", "no")
    assert "pick up" in second.texts()[0]
    assert second.quiet_ms()[0] == 45_000  # the same talk step, talk time included
    requests = spy.requests
    first_id, second_id = requests[0].session.session_id, requests[4].session.session_id
    assert first_id != second_id and requests[4].session.new
    assert not requests[4].session.attributes  # a new session starts empty
    assert [e["kind"] for e in store.load(USER)["practice_log"]] == ["checkin"]


def test_whole_highs_and_lows_by_typed_lines(session: Session, store: SQLiteAdapter) -> None:
    out = run(session, "highs and lows", *["next"] * 6)
    assert out.quiet_ms() == [45_000] * 6 + [0]
    assert "goodnight" in out.texts()[-1].lower()
    assert not session.open
    assert [e["kind"] for e in store.load(USER)["practice_log"]] == ["highs_lows"]


def test_unanswered_reprompt_ends_the_session(session: Session, spy: Spy) -> None:
    out = run(session, "start our evening check in", SILENCE, SILENCE, "seven")
    kinds = [k for k, _ in out.said]
    assert kinds[:2] == ["response", "reprompt"]
    ended = spy.requests[1]
    assert ended.request.object_type == "SessionEndedRequest"
    assert ended.request.reason.value == EXCEEDED_MAX_REPROMPTS
    # "seven" now starts a new conversation: the skill gets it as a one-shot.
    assert spy.requests[2].session.new
    assert spy.requests[2].session.session_id != spy.requests[0].session.session_id
    assert len(out.said) == 3  # the SessionEndedRequest itself says nothing


def test_reprompt_is_the_skills_own(session: Session) -> None:
    session.hear("start our evening check in")
    reprompt = session.silence()
    assert reprompt is not None and reprompt.kind == "reprompt"
    assert "ten" in ssml.measure(reprompt.ssml or "").text
    assert session.open
    assert session.silence() is not None and not session.open
    assert session.silence() is None  # nothing to time out any more


def test_real_silence_is_timed(session: Session, spy: Spy) -> None:
    inputs = Inputs(["start our evening check in"])
    threading.Timer(0.5, inputs.put, (END,)).start()
    out = Recorder()
    Bedside(session, out, inputs, listen_s=0.05).run()
    assert [k for k, _ in out.said] == ["response", "reprompt"]
    assert spy.kinds() == ["IntentRequest", "SessionEndedRequest"]


@pytest.mark.parametrize("opening", ["", "open close together", "Alexa, open Close Together"])
def test_launch_with_no_words_or_by_name(session: Session, spy: Spy, opening: str) -> None:
    out = run(session, opening, "", "start a hug timer")
    assert spy.kinds() == ["LaunchRequest", "IntentRequest"]  # Enter while open is ignored
    assert spy.requests[0].session.new and not spy.requests[1].session.new
    assert out.quiet_ms()[-1] == 20_000


def test_naming_the_skill_again_starts_a_new_session(session: Session, spy: Spy) -> None:
    run(session, "start our evening check in", "ask close together to start a hug timer")
    assert spy.kinds() == ["IntentRequest", "SessionEndedRequest", "IntentRequest"]
    assert spy.requests[1].request.reason.value == USER_INITIATED
    assert spy.requests[2].session.new


def test_quitting_mid_conversation_ends_the_session(session: Session, spy: Spy) -> None:
    run(session, "highs and lows")
    assert spy.kinds() == ["IntentRequest", "SessionEndedRequest"]
    assert spy.requests[-1].request.reason.value == USER_INITIATED


def test_not_understood_goes_to_fallback_and_keeps_the_session(session: Session, spy: Spy) -> None:
    run(session, "highs and lows", "what's the weather like on mars", "next")
    assert [r.request.intent.name for r in spy.requests[:3]] == [
        "HighsAndLowsIntent",
        "AMAZON.FallbackIntent",
        "AMAZON.NextIntent",
    ]
    assert len({r.session.session_id for r in spy.requests[:3]}) == 1


def test_requests_are_shaped_like_alexas(session: Session, spy: Spy) -> None:
    run(session, "ask close together for an emotional question")
    request = spy.requests[0]
    data = json.loads(json.dumps(request.to_dict(), default=str))
    assert data["context"]["system"]["user"]["user_id"] == USER
    assert data["session"]["application"]["application_id"] == Device().application_id
    intent = request.request.intent
    assert intent.name == "QuestionIntent"
    slot = intent.slots["deck"]
    assert slot.value == "emotional"
    resolution = slot.resolutions.resolutions_per_authority[0]
    assert resolution.status.code.value == "ER_SUCCESS_MATCH"
    assert resolution.values[0].value.name == "emotional"


def test_barge_in_cuts_talk_time_short(session: Session, spy: Spy) -> None:
    class Slow(Recorder):
        def speak(
            self,
            ssml_text: str,
            *,
            kind: str = "response",
            interrupt: threading.Event | None = None,
            heard_at: float | None = None,
        ) -> bool:
            super().speak(ssml_text, kind=kind)
            assert interrupt is not None
            if len(self.said) > 1:
                return True  # later answers play instantly
            self.cut_short = interrupt.wait(5)  # the first "plays" until someone speaks
            return not self.cut_short

    inputs = Inputs(["highs and lows"])
    threading.Timer(0.1, inputs.put, (Heard("next"),)).start()
    threading.Timer(0.3, inputs.put, (END,)).start()
    out = Slow()
    out.cut_short = False
    Bedside(session, out, inputs).run()
    assert out.cut_short, "speaking during talk time stops the speech"
    assert [r.request.intent.name for r in spy.requests[:2]] == [
        "HighsAndLowsIntent",
        "AMAZON.NextIntent",
    ]


def test_nothing_said_is_logged(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    run(
        session,
        "start our evening check in",
        "my pain is at seven",
        "skip",
        "add reading aloud by candlelight to our menu",
    )
    logged = " ".join(r.getMessage() for r in caplog.records)
    for private in ("seven", "candlelight", "my pain"):
        assert private not in logged


# -- Dialog.ElicitSlot: the answer fills the slot the skill asked for ---------------------
class _WaterHandler(AbstractRequestHandler):  # type: ignore[misc]
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("WaterIntent")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        request: Any = handler_input.request_envelope.request
        intent = request.intent
        plant = intent.slots["plant"].value
        builder = handler_input.response_builder
        if not plant:
            return (
                builder.speak("Which plant?")
                .ask("Which plant?")
                .add_directive(
                    ElicitSlotDirective(
                        slot_to_elicit="plant",
                        updated_intent=Intent(name="WaterIntent", slots=intent.slots),
                    )
                )
                .response
            )
        state = request.dialog_state
        return builder.speak(f"Watering {plant} ({state.value if state else 'none'}).").response


class _Fallback(AbstractRequestHandler):  # type: ignore[misc]
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Hm?").ask("Hm?").response


def test_an_elicited_slot_is_filled_by_the_next_answer() -> None:
    language = {
        "invocationName": "garden helper",
        "intents": [
            {
                "name": "WaterIntent",
                "slots": [{"name": "plant", "type": "PlantType"}],
                "samples": ["water the {plant}", "water my plants"],
            },
            {"name": "AMAZON.StopIntent", "samples": []},
        ],
        "types": [{"name": "PlantType", "values": [{"name": {"value": "roses"}}]}],
    }
    model = InteractionModel.from_language_model(language, phrases=Phrases.load(phrases_path()))
    builder = SkillBuilder()
    builder.add_request_handler(_WaterHandler())
    builder.add_request_handler(_Fallback())
    spy = Spy(builder.create())
    session = Session(spy, Matcher(model))  # type: ignore[arg-type]
    out = run(session, "water my plants", "the roses")
    assert out.texts() == ["Which plant?", "Watering roses (IN_PROGRESS)."]
    # A clear command still wins over free text.
    out = run(session, "water my plants", "stop")
    assert spy.requests[-2].request.intent.name == "AMAZON.StopIntent"


def test_silence_does_not_run_out_while_someone_is_talking(session: Session, spy: Spy) -> None:
    out = Recorder()
    inputs = Inputs(["start our evening check in", SILENCE, SILENCE, "seven", END])
    Bedside(session, out, inputs, hearing=lambda: True).run()
    assert [k for k, _ in out.said] == ["response", "response"]
    assert [r.request.intent.name for r in spy.requests[:2]] == [
        "EveningCheckInIntent",
        "PainLevelIntent",
    ]


def test_while_the_first_answer_is_on_its_way_nothing_is_awaited(tmp_path: Path) -> None:
    """Wake mode hears all the time. Between the opening request and the skill's answer
    the session is open but has said nothing yet: a bare number heard then (as "oh" for
    "zero") was a pain report. Nothing is awaited until the skill says what it awaits."""
    from local_speaker import context

    seen: list[context.Expecting] = []

    class Watching:
        def __init__(self, skill: Any) -> None:
            self.skill = skill

        def invoke(self, request_envelope: RequestEnvelope, context: Any = None) -> Any:
            seen.append(expects_now())
            return self.skill.invoke(request_envelope=request_envelope, context=context)

    skill = build_skill(Config(db_path=tmp_path / "couple.sqlite3"))
    session = Session(Watching(skill), MATCHER)  # type: ignore[arg-type]

    def expects_now() -> context.Expecting:
        return context.expecting(session.open, session.attributes)

    session.hear("start our evening check in")
    assert seen and not seen[0].allowed & {context.NUMBER, context.YES_NO}, seen[0]
    assert context.NUMBER in expects_now().allowed, "then the pain step awaits a number"


def test_after_a_question_the_bedside_hears_unmatched_speech_as_the_couple_talking(
    tmp_path: Path,
) -> None:
    """The question gives them time to talk: the skill says so ('talk' awaited), so the
    bedside passes what it cannot match to the skill (which keeps quiet longer) instead of
    saying 'Sorry, I didn't catch that' over their conversation."""
    from local_speaker import context

    session = Session(build_skill(Config(db_path=tmp_path / "couple.sqlite3")), MATCHER)
    session.hear("give us a question")
    assert context.expecting(session.open, session.attributes).talk
    session.hear("hug timer for ten seconds")
    assert not context.expecting(session.open, session.attributes).talk


@pytest.mark.parametrize(
    "decline", ["not right now", "not today", "i'd rather not", "let's not", "we'll pass"]
)
def test_a_polite_no_to_the_hug_is_a_no(
    session: Session, spy: Spy, store: SQLiteAdapter, decline: str
) -> None:
    """Said to 'would you like a twenty second hug?', a decline ends kindly, the first
    time: never the hug asked again."""
    out = run(session, *TO_THE_HUG, decline)
    texts = out.texts()
    assert "hug" in texts[6]
    assert "hug" not in texts[7].lower() and "catch" not in texts[7].lower(), texts[7]
    assert not session.open
    assert [e["kind"] for e in store.load(USER)["practice_log"]] == ["checkin"]
