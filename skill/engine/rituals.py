"""The guided rituals as data (their steps) plus the few rules that move between steps.

Two shapes of ritual share one engine. Talk rituals (check-ins, highs and lows) are fixed
flows of steps with talk time between them. Timed rituals (breathing, the massage timer)
are quiet split into parts short enough for one Alexa response; the couple says
"continue" between parts, and the stored progress lets them pick up later.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from ask_sdk_model import Response

from skill.engine.spoken import duration_words
from skill.engine.ssml import CHIME, Speech
from skill.engine.state import (
    BREATHING,
    CHECKIN,
    CHECKIN_SHORT,
    HIGHS_LOWS,
    MASSAGE,
    TIMED,
    WEEKLY,
    MenuItem,
    PainNote,
    Progress,
)
from skill.handlers.turn import Turn

PAIN, QUESTION, IDEA, APPRECIATION, OFFER_HUG, HIGH, LOW = (
    "pain",
    "question",
    "idea",
    "appreciation",
    "offer_hug",
    "high",
    "low",
)
WORKING, WOULD_HELP, FEEL, PART = "working", "would_help", "feel", "part"


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
    # The high-pain-day version of the check-in: one appreciation each, then a hug.
    CHECKIN_SHORT: (
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
    WEEKLY: (
        Step(WORKING, talk=True),
        Step(WOULD_HELP, talk=True),
        Step(FEEL, 0, talk=True),
        Step(FEEL, 1, talk=True),
    ),
}

OPENING = {
    CHECKIN: "checkin.opening",
    CHECKIN_SHORT: "checkin.short_opening",
    HIGHS_LOWS: "highs.opening",
    WEEKLY: "weekly.opening",
    BREATHING: "breathing.opening",
    MASSAGE: "massage.opening",
}
PROMPT = {
    (CHECKIN, PAIN): "checkin.ask_pain",
    (CHECKIN, APPRECIATION): "checkin.appreciation",
    (CHECKIN, OFFER_HUG): "checkin.offer_hug",
    (CHECKIN_SHORT, APPRECIATION): "checkin.appreciation",
    (CHECKIN_SHORT, OFFER_HUG): "checkin.offer_hug",
    (HIGHS_LOWS, HIGH): "highs.high",
    (HIGHS_LOWS, LOW): "highs.low",
    (HIGHS_LOWS, APPRECIATION): "highs.appreciation",
    (WEEKLY, WORKING): "weekly.working",
    (WEEKLY, WOULD_HELP): "weekly.would_help",
    (WEEKLY, FEEL): "weekly.feel",
}
# What each finished ritual is logged as (the short check-in is still a check-in).
PRACTICE_OF = {CHECKIN_SHORT: CHECKIN}
CLOSING = {
    HIGHS_LOWS: "highs.goodnight",
    WEEKLY: "weekly.close",
    BREATHING: "breathing.close",
    MASSAGE: "massage.close",
}
HUG_SECONDS = 20
MIN_HUG_SECONDS, MAX_HUG_SECONDS = 5, 180
KISS_SECONDS = 6

# Timed rituals.
BREATH_IN_MS = 4_000
BREATH_OUT_MS = 6_000
BREATH_CYCLE_SECONDS = (BREATH_IN_MS + BREATH_OUT_MS) // 1000
BREATHING_SECONDS = 120
MIN_BREATHING_SECONDS, MAX_BREATHING_SECONDS = 60, 300
MASSAGE_SECONDS = 600
MIN_MASSAGE_SECONDS, MAX_MASSAGE_SECONDS = 300, 600

# One part's quiet stays well under Alexa's 240 s per response, leaving room for the
# opening, up to thirty-six spoken breathing cues (about a second each) and the chime.
MAX_PART_SECONDS = 180
CONTINUES, SWITCH, DONE = "continues", "switch", "done"


@dataclass(frozen=True)
class Length:
    """How long a timed practice may last, when the couple names a length: the default,
    the bounds, the step it is rounded to, and the content keys' prefix for the notes
    ('hug' -> 'hug.unclear', 'hug.clamped_short', 'hug.clamped_long')."""

    default: int
    low: int
    high: int
    step: int
    key: str


HUG_LENGTH = Length(HUG_SECONDS, MIN_HUG_SECONDS, MAX_HUG_SECONDS, 1, "hug")
BREATHING_LENGTH = Length(
    BREATHING_SECONDS,
    MIN_BREATHING_SECONDS,
    MAX_BREATHING_SECONDS,
    BREATH_CYCLE_SECONDS,
    "breathing",
)
MASSAGE_LENGTH = Length(MASSAGE_SECONDS, MIN_MASSAGE_SECONDS, MAX_MASSAGE_SECONDS, 60, "massage")


# How long a pain level said out loud counts as "today".
PAIN_TODAY_SECONDS = 16 * 3600


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


# -- pain today and the couple's closeness menu ----------------------------------
PAIN_RANK = {"low": 0, "middle": 1, "high": 2, "touch": 3}


def note_pain(turn: Turn, bucket: str, level: int | None = None) -> PainNote:
    """Remember what they said about pain today; like the check-in, the hardest answer
    of the day (from either partner) is the one that shapes tonight's ideas."""
    today = pain_today(turn)
    if today is not None:
        kept = (PAIN_RANK[today.bucket], today.level or 0)
        if kept > (PAIN_RANK[bucket], level or 0):
            return today
    note = PainNote(bucket=bucket, at=turn.now, level=level)
    turn.couple.pain = note
    turn.changed()
    return note


def pain_today(turn: Turn) -> PainNote | None:
    note = turn.couple.pain
    if note is None or not 0 <= turn.now - note.at <= PAIN_TODAY_SECONDS:
        return None
    return note


def is_hard_day(turn: Turn) -> bool:
    """A high pain day, or a day when touch itself hurts."""
    note = pain_today(turn)
    return note is not None and note.bucket in ("high", "touch")


# Which columns of the menu suit a pain level, gentlest first for the hard days.
FITTING_KINDS = {
    "low": ("physical",),
    "middle": ("physical", "shared"),
    "high": ("emotional", "shared"),
    "touch": ("emotional", "shared"),
    "unknown": ("physical", "emotional", "shared"),
}
STARTER_KEYS = {kind: f"menu.starter.{kind}" for kind in ("physical", "emotional", "shared")}


def starter_menu(turn: Turn) -> list[MenuItem]:
    """The three columns every couple starts from (content data, not code)."""
    items = []
    for kind, key in STARTER_KEYS.items():
        for text in turn.content.variants(key):
            items.append(MenuItem(text=text[:1].lower() + text[1:], kind=kind))
    return items


def menu_items(turn: Turn) -> list[MenuItem]:
    menu = turn.couple.menu
    return list(menu) if menu is not None else starter_menu(turn)


def pick_menu_item(
    turn: Turn, bucket: str, avoid: str | None = None, rng: random.Random | None = None
) -> MenuItem | None:
    """A menu item that fits the pain bucket, chosen at random (from `rng` if given, else
    the skill's); None if the menu is empty."""
    items = menu_items(turn)
    if not items:
        return None
    kinds = FITTING_KINDS.get(bucket, FITTING_KINDS["unknown"])
    fitting = [i for i in items if i.kind in kinds] or items
    fresh = [i for i in fitting if i.text != avoid] or fitting
    return (rng or turn.deps.rng).choice(fresh)


def closeness_idea(turn: Turn, progress: Progress, bucket: str) -> str:
    """Tonight's closeness idea: from the couple's own menu once they have made one. The
    same idea each time the step is spoken, so 'repeat' repeats it."""
    if turn.couple.menu:
        rng = random.Random(steady_number(progress, "menu"))
        item = pick_menu_item(turn, bucket, rng=rng)
        if item is not None:
            return steady_say(turn, progress, "checkin.idea_from_menu", idea=item.text)
    return steady_say(turn, progress, f"idea.{'high' if bucket == 'touch' else bucket}")


# -- timed rituals ---------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    """A stretch of timed quiet and what happens when it ends."""

    seconds: int
    ends: str


def split_evenly(total: int, most: int) -> list[int]:
    """`total` split into the fewest near-equal whole pieces of at most `most`."""
    pieces = max(1, math.ceil(total / most))
    base, extra = divmod(total, pieces)
    return [base + 1] * extra + [base] * (pieces - extra)


def breathing_parts(seconds: int) -> tuple[Part, ...]:
    cycles = split_evenly(seconds // BREATH_CYCLE_SECONDS, MAX_PART_SECONDS // BREATH_CYCLE_SECONDS)
    last = len(cycles) - 1
    return tuple(
        Part(n * BREATH_CYCLE_SECONDS, DONE if i == last else CONTINUES)
        for i, n in enumerate(cycles)
    )


def massage_parts(seconds: int) -> tuple[Part, ...]:
    """Two equal halves, each in parts short enough for one response; switch between."""
    half = split_evenly(seconds // 2, MAX_PART_SECONDS)
    first = [Part(s, CONTINUES) for s in half[:-1]] + [Part(half[-1], SWITCH)]
    second = [Part(s, CONTINUES) for s in half[:-1]] + [Part(half[-1], DONE)]
    return tuple(first + second)


def parts_of(progress: Progress) -> tuple[Part, ...]:
    if progress.ritual == BREATHING:
        return breathing_parts(progress.seconds or BREATHING_SECONDS)
    if progress.ritual == MASSAGE:
        return massage_parts(progress.seconds or MASSAGE_SECONDS)
    return ()


def flow_of(progress: Progress) -> tuple[Step, ...]:
    if progress.ritual in TIMED:
        return tuple(Step(PART) for _ in parts_of(progress))
    return FLOWS[progress.ritual]


def breathing_cues(turn: Turn, speech: Speech, seconds: int) -> Speech:
    """Paced cues: in for four seconds, out for six; the quiet adds up to `seconds`."""
    for cycle in range(seconds // BREATH_CYCLE_SECONDS):
        first = cycle == 0
        speech.say(turn.say("breathing.in_first" if first else "breathing.in"))
        speech.pause(BREATH_IN_MS)
        speech.say(turn.say("breathing.out_first" if first else "breathing.out"))
        speech.pause(BREATH_OUT_MS)
    return speech


def part_speech(turn: Turn, progress: Progress, speech: Speech) -> Response:
    """Play the next part of a timed ritual, then wait for 'continue' (or close)."""
    part = parts_of(progress)[progress.step]
    if progress.ritual == BREATHING:
        breathing_cues(turn, speech, part.seconds)
    else:
        speech.pause(part.seconds * 1000)
    # The part is played in full within this response, so the next one is what's pending.
    progress.step += 1
    progress.updated_at = turn.now
    turn.changed()
    if part.ends == DONE:
        return finish(turn, progress, speech.sound(CHIME))
    if part.ends == SWITCH:
        speech.sound(CHIME).say(turn.say("massage.switch"))
        return turn.ask(speech, turn.say("massage.switch_reprompt"))
    speech.say(turn.say(f"{progress.ritual}.part_done"))
    return turn.ask(speech, turn.say("timed.reprompt"))


# -- progress -------------------------------------------------------------------
def fresh_progress(turn: Turn, ritual: str, seconds: int | None = None) -> Progress:
    progress = Progress(
        ritual=ritual,
        started_at=turn.now,
        updated_at=turn.now,
        talk_seconds=turn.deps.config.talk_seconds,
        seconds=seconds,
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
    if progress.step >= len(flow_of(progress)):
        return None
    return progress


def stale(turn: Turn) -> Progress | None:
    progress = turn.couple.progress
    return progress if progress is not None and current(turn) is None else None


def step_of(progress: Progress) -> Step:
    return flow_of(progress)[progress.step]


# -- speech for steps -----------------------------------------------------------
def steady_number(progress: Progress, purpose: str) -> int:
    """A number fixed for this run of the ritual, its current step and `purpose`. Choices
    that must not change when a step is said again ('repeat', or 'continue' tomorrow) are
    made from it rather than drawn afresh: the wording of a prompt, tonight's idea."""
    seed = f"{progress.ritual}:{int(progress.started_at)}:{progress.step}:{purpose}"
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


def steady_say(turn: Turn, progress: Progress, key: str, **values: object) -> str:
    """One variant of `key`, the same one every time the current step is spoken."""
    return turn.content.line(key, steady_number(progress, key), **values)


def talk_time(
    turn: Turn, speech: Speech, seconds: int, say: Callable[..., str] | None = None
) -> Speech:
    say = say or turn.say
    return speech.say(say("talk.invite")).pause(seconds * 1000).say(say("talk.after"))


def pick_question(turn: Turn) -> int:
    questions = turn.content.variants("checkin.questions")
    recent = turn.couple.recent_questions
    choices = [i for i in range(len(questions)) if i not in recent] or list(range(len(questions)))
    chosen = turn.deps.rng.choice(choices)
    turn.couple.recent_questions = (recent + [chosen])[-(len(questions) // 2) :]
    turn.changed()
    return chosen


def reprompt_key(progress: Progress) -> str:
    """What to say when the couple is quiet at the step the ritual is waiting on."""
    if progress.ritual in TIMED:
        return "timed.reprompt"
    step = step_of(progress)
    if step.kind == IDEA:
        return "checkin.idea_reprompt"
    if step.talk:
        return "talk.reprompt"
    if step.kind == PAIN:
        return "checkin.pain_reprompt"
    return "checkin.offer_hug_reprompt"


def step_speech(turn: Turn, progress: Progress, speech: Speech | None = None) -> Response:
    """Speak the current step and wait for the couple; said again, it says the same."""
    speech = speech or Speech()
    flow = flow_of(progress)
    step = flow[progress.step]
    key = PROMPT.get((progress.ritual, step.kind))
    label = partner_label(turn, flow, progress.step) if step.partner is not None else ""
    say = functools.partial(steady_say, turn, progress)
    if step.kind == PART:
        return part_speech(turn, progress, speech)
    if step.kind == QUESTION:
        if progress.question is None:
            progress.question = pick_question(turn)
            turn.changed()
        speech.say(
            say("checkin.question_intro"),
            turn.content.line("checkin.questions", progress.question),
            say("listen.reminder"),
        )
    elif step.kind == IDEA:
        bucket = idea_bucket(progress.highest_pain)
        today = pain_today(turn)
        if bucket == "unknown" and today is not None:
            bucket = today.bucket
        speech.say(
            say("checkin.idea_intro"),
            closeness_idea(turn, progress, bucket),
            say("checkin.idea_after"),
        )
    elif key:
        speech.say(say(key, partner=label))
    if step.talk:
        talk_time(turn, speech, progress.talk_seconds, say)
    return turn.ask(speech, turn.say(reprompt_key(progress)))


def carry_on_later(turn: Turn, progress: Progress, speech: Speech) -> Response:
    """After a one-off practice in the middle of a ritual (a hug, a kiss): nothing in the
    ritual moves on; say how to carry on with it, and wait."""
    if progress.ritual in TIMED:
        back = "back_to_ritual.timed"
    else:
        back = {PAIN: "back_to_ritual.pain", OFFER_HUG: "back_to_ritual.offer_hug"}.get(
            step_of(progress).kind, "back_to_ritual.talk"
        )
    progress.updated_at = turn.now
    turn.changed()
    speech.say(turn.say(back, ritual_name=ritual_name(turn, progress.ritual)))
    return turn.ask(speech, turn.say(reprompt_key(progress)))


def opening(turn: Turn, ritual: str, seconds: int | None) -> str:
    if ritual == BREATHING:
        return turn.say(OPENING[ritual], duration=duration_words(seconds or BREATHING_SECONDS))
    if ritual == MASSAGE:
        half = (seconds or MASSAGE_SECONDS) // 2
        return turn.say(OPENING[ritual], duration=duration_words(half))
    return turn.say(OPENING[ritual])


def start(
    turn: Turn, ritual: str, speech: Speech | None = None, seconds: int | None = None
) -> Response:
    """Begin a ritual at its first step (after anything already in `speech`)."""
    progress = fresh_progress(turn, ritual, seconds)
    speech = (speech or Speech()).say(opening(turn, ritual, seconds))
    return step_speech(turn, progress, speech)


def advance(turn: Turn, progress: Progress, speech: Speech | None = None) -> Response:
    """Move to the next step, or finish the ritual after the last one."""
    progress.step += 1
    progress.reasks = 0
    progress.updated_at = turn.now
    turn.changed()
    if progress.step >= len(flow_of(progress)):
        return finish(turn, progress, speech or Speech())
    return step_speech(turn, progress, speech)


def proceed(turn: Turn, progress: Progress, speech: Speech | None = None) -> Response:
    """'next': a talk ritual moves on; a timed one plays the part that is waiting."""
    if progress.ritual in TIMED:
        progress.updated_at = turn.now
        return step_speech(turn, progress, speech)
    return advance(turn, progress, speech)


def finish(
    turn: Turn, progress: Progress, speech: Speech, hug_seconds: int | None = None
) -> Response:
    """Close a ritual warmly, log it, and clear its progress (nothing left to resume)."""
    turn.couple.progress = None
    ritual = progress.ritual
    turn.record_practice(
        PRACTICE_OF.get(ritual, ritual), progress.seconds if ritual in TIMED else None
    )
    if ritual == WEEKLY:
        turn.couple.weekly_at = turn.now
    if ritual in CLOSING:
        return turn.tell(speech.say(turn.say(CLOSING[ritual])))
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
