"""The guided rituals as data (their steps) plus the few rules that move between steps."""

from __future__ import annotations

from dataclasses import dataclass

from ask_sdk_model import Response

from skill.spoken import duration_words
from skill.ssml import CHIME, Speech
from skill.state import CHECKIN, HIGHS_LOWS, Progress
from skill.turn import Turn

PAIN, QUESTION, IDEA, APPRECIATION, OFFER_HUG, HIGH, LOW = (
    "pain",
    "question",
    "idea",
    "appreciation",
    "offer_hug",
    "high",
    "low",
)


@dataclass(frozen=True)
class Step:
    kind: str
    partner: int | None = None
    talk: bool = False


FLOWS: dict[str, tuple[Step, ...]] = {
    CHECKIN: (
        Step(PAIN, 0),
        Step(PAIN, 1),
        Step(QUESTION, talk=True),
        Step(IDEA),
        Step(APPRECIATION, 0, talk=True),
        Step(APPRECIATION, 1, talk=True),
        Step(OFFER_HUG),
    ),
    HIGHS_LOWS: (
        Step(HIGH, 0, talk=True),
        Step(LOW, 0, talk=True),
        Step(HIGH, 1, talk=True),
        Step(LOW, 1, talk=True),
        Step(APPRECIATION, 0, talk=True),
        Step(APPRECIATION, 1, talk=True),
    ),
}

OPENING = {CHECKIN: "checkin.opening", HIGHS_LOWS: "highs.opening"}
PROMPT = {
    (CHECKIN, PAIN): "checkin.ask_pain",
    (CHECKIN, APPRECIATION): "checkin.appreciation",
    (CHECKIN, OFFER_HUG): "checkin.offer_hug",
    (HIGHS_LOWS, HIGH): "highs.high",
    (HIGHS_LOWS, LOW): "highs.low",
    (HIGHS_LOWS, APPRECIATION): "highs.appreciation",
}
HUG_SECONDS = 20
KISS_SECONDS = 6


def ritual_name(turn: Turn, ritual: str) -> str:
    return turn.say(f"ritual.{ritual}")


def idea_bucket(level: int | None) -> str:
    """Which kind of closeness suits the highest pain level given tonight."""
    if level is None:
        return "unknown"
    if level >= 7:
        return "high"
    if level >= 4:
        return "middle"
    return "low"


def names_suffix(turn: Turn) -> str:
    names = turn.couple.names
    if len(names) >= 2:
        return turn.say("names.suffix", first=names[0], second=names[1])
    if names:
        return turn.say("names.suffix_one", first=names[0])
    return ""


def partner_label(turn: Turn, flow: tuple[Step, ...], index: int) -> str:
    """A name when known, otherwise words that make turn-taking clear."""
    step = flow[index]
    partner = step.partner or 0
    names = turn.couple.names
    if partner < len(names):
        return turn.say(
            "partner.first_named" if partner == 0 else "partner.second_named", name=names[partner]
        )
    spoke_before = any(s.partner == partner for s in flow[:index])
    which = "first" if partner == 0 else "second"
    return turn.say(f"partner.{which}_{'again' if spoke_before else 'default'}")


# -- progress -------------------------------------------------------------------
def fresh_progress(turn: Turn, ritual: str) -> Progress:
    progress = Progress(
        ritual=ritual,
        started_at=turn.now,
        updated_at=turn.now,
        talk_seconds=turn.deps.config.talk_seconds,
    )
    turn.couple.progress = progress
    turn.changed()
    return progress


def current(turn: Turn) -> Progress | None:
    """The couple's unfinished ritual, if it is recent enough to pick up."""
    progress = turn.couple.progress
    if progress is None:
        return None
    if turn.now - progress.updated_at > turn.deps.config.resume_hours * 3600:
        return None
    if progress.step >= len(FLOWS[progress.ritual]):
        return None
    return progress


def stale(turn: Turn) -> Progress | None:
    progress = turn.couple.progress
    return progress if progress is not None and current(turn) is None else None


def step_of(progress: Progress) -> Step:
    return FLOWS[progress.ritual][progress.step]


# -- speech for steps -----------------------------------------------------------
def talk_time(turn: Turn, speech: Speech, seconds: int) -> Speech:
    return speech.say(turn.say("talk.invite")).pause(seconds * 1000).say(turn.say("talk.after"))


def pick_question(turn: Turn) -> int:
    questions = turn.content.variants("checkin.questions")
    recent = turn.couple.recent_questions
    choices = [i for i in range(len(questions)) if i not in recent] or list(range(len(questions)))
    chosen = turn.deps.rng.choice(choices)
    turn.couple.recent_questions = (recent + [chosen])[-(len(questions) // 2) :]
    turn.changed()
    return chosen


def step_speech(turn: Turn, progress: Progress, speech: Speech | None = None) -> Response:
    """Speak the current step and wait for the couple."""
    speech = speech or Speech()
    flow = FLOWS[progress.ritual]
    step = flow[progress.step]
    key = PROMPT.get((progress.ritual, step.kind))
    label = partner_label(turn, flow, progress.step) if step.partner is not None else ""
    if step.kind == QUESTION:
        if progress.question is None:
            progress.question = pick_question(turn)
            turn.changed()
        speech.say(
            turn.say("checkin.question_intro"),
            turn.content.line("checkin.questions", progress.question),
            turn.say("listen.reminder"),
        )
    elif step.kind == IDEA:
        bucket = idea_bucket(progress.highest_pain)
        speech.say(
            turn.say("checkin.idea_intro"),
            turn.say(f"idea.{bucket}"),
            turn.say("checkin.idea_after"),
        )
        return turn.ask(speech, turn.say("checkin.idea_reprompt"))
    elif key:
        speech.say(turn.say(key, partner=label))
    if step.talk:
        talk_time(turn, speech, progress.talk_seconds)
        return turn.ask(speech, turn.say("talk.reprompt"))
    if step.kind == PAIN:
        return turn.ask(speech, turn.say("checkin.pain_reprompt"))
    return turn.ask(speech, turn.say("checkin.offer_hug_reprompt"))


def start(turn: Turn, ritual: str, speech: Speech | None = None) -> Response:
    """Begin a ritual at its first step (after anything already in `speech`)."""
    progress = fresh_progress(turn, ritual)
    speech = (speech or Speech()).say(turn.say(OPENING[ritual]))
    return step_speech(turn, progress, speech)


def advance(turn: Turn, progress: Progress, speech: Speech | None = None) -> Response:
    """Move to the next step, or finish the ritual after the last one."""
    progress.step += 1
    progress.reasks = 0
    progress.updated_at = turn.now
    turn.changed()
    if progress.step >= len(FLOWS[progress.ritual]):
        return finish(turn, progress, speech or Speech())
    return step_speech(turn, progress, speech)


def finish(
    turn: Turn, progress: Progress, speech: Speech, hug_seconds: int | None = None
) -> Response:
    """Close a ritual warmly, log it, and clear its progress (nothing left to resume)."""
    turn.couple.progress = None
    turn.record_practice(progress.ritual)
    if progress.ritual == HIGHS_LOWS:
        return turn.tell(speech.say(turn.say("highs.goodnight")))
    if hug_seconds:
        hug_speech(turn, hug_seconds, speech)
        turn.record_practice("hug", hug_seconds)
        return turn.tell(speech.say(turn.say("checkin.close_after_hug")))
    return turn.tell(speech.say(turn.say("checkin.close_no_hug")))


# -- timers ---------------------------------------------------------------------
def hug_speech(turn: Turn, seconds: int, speech: Speech | None = None) -> Speech:
    """Start cue, exactly `seconds` of quiet in chained breaks, a chime, a closing line."""
    speech = speech or Speech()
    speech.say(turn.say("hug.start", duration=duration_words(seconds)))
    speech.pause(seconds * 1000).sound(CHIME).say(turn.say("hug.end"))
    return speech


def kiss_speech(turn: Turn) -> Speech:
    speech = Speech().say(turn.say("kiss.start"))
    return speech.pause(KISS_SECONDS * 1000).sound(CHIME).say(turn.say("kiss.end"))
