"""The guided rituals, each declared once in RITUALS, and the engine that moves through them.

A ritual is a table entry: the intents that start it, its opening and closing lines, what
it is logged as, and its steps. Talk rituals (check-ins, highs and lows) have fixed steps
with talk time between them; each step says what its prompt and reprompt are and what
"no", "skip", an unclear answer and "more time" mean there. Timed rituals (breathing, the
massage) are quiet split into parts short enough for one Alexa response. A new ritual is
one entry here plus its lines in skill/content/.

Everything here is pure: it reads and changes a `Turn` and returns a `Reply`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from skill.engine import comfort, reminders
from skill.engine.context import Reply, Turn, steady_say
from skill.engine.session import level_bucket
from skill.engine.spoken import duration_words, number_words
from skill.engine.ssml import CHIME, Speech, person_name
from skill.engine.state import (
    BREATHING,
    CHECKIN,
    CHECKIN_SHORT,
    HIGHS_LOWS,
    MASSAGE,
    WEEKLY,
    Progress,
)

# What an answer means at a step.
NEXT = "next"  # move on to the next step
ANOTHER = "another"  # a different question at this step (once), then move on
FINISH = "finish"  # close the ritual (without its optional ending)
QUIET = "quiet"  # the couple is still talking: more quiet, same turn
REASK = "reask"  # ask once more, then move on
CLOCK = "clock"  # no talk clock here: say so and ask the step again
LONGER = "longer"  # longer talk turns from now on in this ritual


@dataclass(frozen=True)
class Step:
    """One step of a talk ritual."""

    kind: str
    prompt: str  # content key; "{partner}" in it is filled for partner steps
    reprompt: str
    partner: int | None = None
    talk: bool = False  # quiet talk time follows the prompt
    on_no: str = NEXT
    on_unclear: str = QUIET
    on_more_time: str = CLOCK  # or LONGER
    after: str | None = None  # acknowledgement said when the couple moves on from it
    expects: tuple[str, ...] = ("talk",)


def _talk(
    kind: str,
    prompt: str,
    partner: int | None = None,
    *,
    on_no: str = NEXT,
    after: str | None = None,
) -> Step:
    """A step with talk time: unclear speech is the couple talking, 'more time' lengthens."""
    return Step(
        kind, prompt, "talk.reprompt", partner, talk=True, on_no=on_no, on_more_time=LONGER,
        after=after,
    )  # fmt: skip


def _pain(partner: int) -> Step:
    """A partner's pain level: a number is awaited; 'no' or 'skip' leave it unsaid."""
    return Step("pain", "checkin.ask_pain", "checkin.pain_reprompt", partner, on_unclear=REASK,
                expects=("number",))  # fmt: skip


OFFER_HUG = Step("offer_hug", "checkin.offer_hug", "checkin.offer_hug_reprompt", on_no=FINISH,
                 on_unclear=REASK, expects=("yes_no",))  # fmt: skip
IDEA = Step("idea", "checkin.idea_after", "checkin.idea_reprompt", on_unclear=REASK, expects=())


@dataclass(frozen=True)
class Length:
    """How long a timed practice may last when the couple names a length: the default,
    the bounds, the step it is rounded to, and the content keys' prefix for the notes
    ('hug' -> 'hug.unclear', 'hug.clamped_short', 'hug.clamped_long')."""

    default: int
    low: int
    high: int
    step: int
    key: str


@dataclass(frozen=True)
class Part:
    """A stretch of timed quiet and what happens when it ends."""

    seconds: int
    ends: str


@dataclass(frozen=True)
class Ritual:
    name: str
    intent: str | None  # the intent that starts it (None: reached another way)
    opening: str
    closing: str | None = None  # None: the closing depends on the hug offer
    practice: str | None = None  # what it is logged as (default: its name)
    steps: tuple[Step, ...] = ()
    length: Length | None = None  # timed rituals
    parts: Callable[[int], tuple[Part, ...]] | None = None
    # A question that may follow the closing line (None from it: the ritual just closes).
    follow_up: Callable[[Turn, Progress, Speech], Reply | None] | None = None

    @property
    def timed(self) -> bool:
        return self.parts is not None

    @property
    def logged_as(self) -> str:
        return self.practice or self.name


# -- timing ---------------------------------------------------------------------------
HUG_SECONDS, KISS_SECONDS, CLOSE_SECONDS = 20, 6, 20
BREATH_IN_MS, BREATH_OUT_MS = 4_000, 6_000
BREATH_CYCLE_SECONDS = (BREATH_IN_MS + BREATH_OUT_MS) // 1000
BREATHING_SECONDS, MIN_BREATHING_SECONDS, MAX_BREATHING_SECONDS = 120, 60, 300
MASSAGE_SECONDS, MIN_MASSAGE_SECONDS, MAX_MASSAGE_SECONDS = 600, 300, 600
MIN_HUG_SECONDS, MAX_HUG_SECONDS = 5, 180
# One part's quiet stays well under Alexa's 240 s per response, leaving room for the
# opening, up to thirty-six spoken breathing cues (about a second each) and the chime.
MAX_PART_SECONDS = 180
CONTINUES, SWITCH, DONE = "continues", "switch", "done"
# An unmatched utterance at a talk step is the couple still talking: this much more quiet.
STILL_TALKING_SECONDS = 30

HUG_LENGTH = Length(HUG_SECONDS, MIN_HUG_SECONDS, MAX_HUG_SECONDS, 1, "hug")
BREATHING_LENGTH = Length(
    BREATHING_SECONDS, MIN_BREATHING_SECONDS, MAX_BREATHING_SECONDS, BREATH_CYCLE_SECONDS,
    "breathing",
)  # fmt: skip
MASSAGE_LENGTH = Length(MASSAGE_SECONDS, MIN_MASSAGE_SECONDS, MAX_MASSAGE_SECONDS, 60, "massage")


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


# -- the table ------------------------------------------------------------------------
RITUALS: dict[str, Ritual] = {
    r.name: r
    for r in (
        Ritual(
            CHECKIN, "EveningCheckInIntent", "checkin.opening",
            steps=(
                _pain(0),
                _pain(1),
                _talk("question", "checkin.question_intro", on_no=ANOTHER),
                IDEA,
                _talk("appreciation", "checkin.appreciation", 0),
                _talk("appreciation", "checkin.appreciation", 1),
                OFFER_HUG,
            ),
        ),
        # The high-pain-day version of the check-in: one appreciation each, then a hug.
        Ritual(
            CHECKIN_SHORT, None, "checkin.short_opening", practice=CHECKIN,
            steps=(
                _talk("appreciation", "checkin.appreciation", 0),
                _talk("appreciation", "checkin.appreciation", 1),
                OFFER_HUG,
            ),
        ),
        Ritual(
            HIGHS_LOWS, "HighsAndLowsIntent", "highs.opening", "highs.goodnight",
            steps=(
                _talk("high", "highs.high", 0),
                _talk("low", "highs.low", 0, after="ack.low"),
                _talk("high", "highs.high", 1),
                _talk("low", "highs.low", 1, after="ack.low"),
                _talk("appreciation", "highs.appreciation", 0),
                _talk("appreciation", "highs.appreciation", 1),
            ),
        ),
        Ritual(
            WEEKLY, "WeeklyCheckInIntent", "weekly.opening", "weekly.close",
            follow_up=reminders.offer_after_weekly,
            steps=(
                _talk("working", "weekly.working"),
                _talk("would_help", "weekly.would_help"),
                _talk("feel", "weekly.feel", 0, after="ack.hard"),
                _talk("feel", "weekly.feel", 1, after="ack.hard"),
            ),
        ),
        Ritual(
            BREATHING, "BreathingIntent", "breathing.opening", "breathing.close",
            length=BREATHING_LENGTH, parts=breathing_parts,
        ),
        Ritual(
            MASSAGE, "MassageTimerIntent", "massage.opening", "massage.close",
            length=MASSAGE_LENGTH, parts=massage_parts,
        ),
    )
}  # fmt: skip
BY_INTENT = {r.intent: r for r in RITUALS.values() if r.intent}


def ritual_of(progress: Progress) -> Ritual:
    return RITUALS[progress.ritual]


def parts_of(progress: Progress) -> tuple[Part, ...]:
    ritual = ritual_of(progress)
    if ritual.parts is None or ritual.length is None:
        return ()
    return ritual.parts(progress.seconds or ritual.length.default)


def length_of(progress: Progress) -> int:
    """How many steps (or parts) the ritual has."""
    ritual = ritual_of(progress)
    return len(parts_of(progress)) if ritual.timed else len(order_of(progress))


def order_of(progress: Progress) -> list[int]:
    """The steps this run takes, in the order it takes them: the table's, unless partners
    swapped turns (see on_go_first) or one passed on a turn of their own while it was the
    other's (see on_skip_my_turn: that step is left out). A stored order that does not
    fit is the table's."""
    steps = ritual_of(progress).steps
    table = list(range(len(steps)))
    order = progress.order
    if order is None or len(set(order)) != len(order) or not set(order) <= set(table):
        return table
    if all(i in order or can_be_left_out(steps, order, i) for i in table):
        return list(order)
    return table


def can_be_left_out(steps: tuple[Step, ...], order: list[int], index: int) -> bool:
    """Only a partner's own talk step is ever left out, and only at the other partner's
    step of the same kind, which the run still takes."""
    left = steps[index]
    if not (left.talk or left.kind == "pain") or left.partner is None:
        return False
    return any(
        steps[i].kind == left.kind and steps[i].partner not in (None, left.partner) for i in order
    )


def steps_of(progress: Progress) -> tuple[Step, ...]:
    steps = ritual_of(progress).steps
    return tuple(steps[i] for i in order_of(progress))


def at_talk_step(turn: Turn) -> Progress | None:
    """This conversation's ritual when it waits at a talk step (the couple talking to each
    other: what they say there may be meant for each other), else None."""
    progress = turn.ritual
    step = step_of(progress) if progress is not None else None
    return progress if step is not None and step.talk else None


def at_last_step(progress: Progress) -> bool:
    """The ritual waits on its last talk step (a timed ritual never counts)."""
    return step_of(progress) is not None and progress.step == length_of(progress) - 1


def step_of(progress: Progress) -> Step | None:
    """The talk step the ritual waits on (None for timed rituals)."""
    ritual = ritual_of(progress)
    return None if ritual.timed else steps_of(progress)[progress.step]


def ritual_name(turn: Turn, ritual: str) -> str:
    return turn.content.say(f"ritual.{ritual}")


def spoken_name(turn: Turn, partner: int) -> str:
    """A partner's name: Alexa's own rendering of it when that partner is the one speaking
    (a recognised voice they linked), else the name they gave."""
    name = turn.couple.names[partner]
    if turn.speaker == partner:
        return person_name(turn.person) or name
    return name


def names_suffix(turn: Turn) -> str:
    names = turn.couple.names
    if turn.speaker is not None:  # greet the one Alexa recognised
        return turn.content.say("names.suffix_one", first=spoken_name(turn, turn.speaker))
    if len(names) >= 2:
        return turn.content.say("names.suffix", first=names[0], second=names[1])
    if names:
        return turn.content.say("names.suffix_one", first=names[0])
    return ""


def partner_label(turn: Turn, steps: tuple[Step, ...], index: int) -> str:
    """A name when known, otherwise words that make turn-taking clear."""
    partner = steps[index].partner or 0
    names = turn.couple.names
    if partner < len(names):
        key = "partner.first_named" if partner == 0 else "partner.second_named"
        return turn.content.say(key, name=spoken_name(turn, partner))
    spoke_before = any(s.partner == partner for s in steps[:index])
    which = "first" if partner == 0 else "second"
    return steady_say(turn, f"partner.{which}_{'again' if spoke_before else 'default'}")


# -- progress ---------------------------------------------------------------------------
def resumable(turn: Turn) -> Progress | None:
    """The couple's paused ritual, if it is recent enough to pick up."""
    progress = turn.couple.progress
    if progress is None or progress.ritual not in RITUALS:
        return None
    if turn.now - progress.updated_at > turn.deps.config.resume_hours * 3600:
        return None
    if progress.step >= length_of(progress):
        return None
    return progress


def stale(turn: Turn) -> Progress | None:
    progress = turn.couple.progress
    return progress if progress is not None and resumable(turn) is None else None


def talk_time(turn: Turn, speech: Speech, seconds: int) -> Speech:
    speech.say(turn.say("talk.invite")).pause(seconds * 1000)
    return speech.say(turn.say("talk.after"))


def pick_question(turn: Turn, progress: Progress) -> int:
    questions = turn.content.variants("checkin.questions")
    recent = turn.couple.recent_questions
    choices = [i for i in range(len(questions)) if i not in recent and i != progress.question]
    chosen = turn.deps.rng.choice(choices or list(range(len(questions))))
    turn.couple.recent_questions = (recent + [chosen])[-(len(questions) // 2) :]
    turn.changed()
    return chosen


# -- speaking a step ------------------------------------------------------------------
def fit(turn: Turn, progress: Progress | None = None) -> str:
    """What suits tonight in the check-in: the comfort bucket, or "unsure" when what was
    said about pain is no longer known (it is never kept): the check-in was picked up in
    a new conversation past a pain question (what was lost may have been "touch hurts",
    so only that, said since, is surer), or it is the gentle one, offered only on a hard
    day. Then nothing assumes touch is welcome."""
    bucket = comfort.bucket(turn)
    progress = progress or turn.ritual
    if progress is None:
        return bucket
    if turn.session.pain_unknown and bucket != "touch":
        return "unsure"  # what was lost may have been "touch hurts": only that is surer
    return "unsure" if bucket == "unknown" and progress.ritual == CHECKIN_SHORT else bucket


def close_without_touch(turn: Turn, progress: Progress | None = None) -> bool:
    """Whether the check-in closes with quiet time side by side rather than a hug: when
    touch hurts tonight, or when how tonight feels is no longer known (`fit`)."""
    return fit(turn, progress) in ("touch", "unsure")


def reprompt(turn: Turn, step: Step) -> str:
    """The line that asks the step's question again: at the closing offer while touch
    hurts, the close without touch, never the hug (help, an unclear answer, silence)."""
    if step.kind == "offer_hug" and close_without_touch(turn):
        return turn.say("checkin.offer_close_reprompt")
    return turn.say(step.reprompt)


def step_speech(turn: Turn, progress: Progress, speech: Speech | None = None) -> Reply:
    """Speak the step the ritual waits on, and wait for the couple."""
    speech = speech or Speech()
    turn.session.aside = False
    turn.session.another = None  # "another one" now means the step, not an aside before it
    ritual = ritual_of(progress)
    if ritual.timed:
        return play_part(turn, progress, speech)
    steps = steps_of(progress)
    step = steps[progress.step]
    if step.kind == "pain" and answered_out_of_turn(turn, step):
        name = turn.couple.names[step.partner or 0] if turn.couple.names else ""
        return advance(turn, progress, speech.say(turn.say("voices.already_heard", name=name)))
    label = partner_label(turn, steps, progress.step) if step.partner is not None else ""
    shown = None
    if step.kind == "question":
        if progress.question is None:
            progress.question = pick_question(turn, progress)
            turn.keep(progress)
        shown = turn.content.line("checkin.questions", progress.question)
        speech.say(
            steady_say(turn, "checkin.question_intro"), shown, steady_say(turn, "listen.reminder")
        )
    elif step.kind == "idea":
        speech.say(steady_say(turn, "checkin.idea_intro"), comfort.closeness_idea(turn, fit(turn)))
        speech.say(steady_say(turn, step.prompt))
    elif step.kind == "offer_hug" and close_without_touch(turn, progress):
        offer = (
            "checkin.offer_close"
            if comfort.bucket(turn) == "touch"
            else "checkin.offer_gentle_close"
        )
        speech.say(steady_say(turn, offer))
        return turn.ask(speech, reprompt(turn, step), *step.expects)
    else:
        shown = steady_say(turn, step.prompt, partner=label)
        speech.say(shown)
    if step.talk:
        talk_time(turn, speech, progress.talk_seconds)
    reply = turn.ask(speech, reprompt(turn, step), *step.expects)
    reply.shows = shown if step.talk else None
    return reply


def opening(turn: Turn, ritual: Ritual, seconds: int | None) -> str:
    if ritual.name == BREATHING:
        return turn.say(ritual.opening, duration=duration_words(seconds or BREATHING_SECONDS))
    if ritual.name == MASSAGE:
        half = (seconds or MASSAGE_SECONDS) // 2
        return turn.say(ritual.opening, duration=duration_words(half))
    return turn.say(ritual.opening)


def start(turn: Turn, name: str, speech: Speech | None = None, seconds: int | None = None) -> Reply:
    """Begin a ritual at its first step (after anything already in `speech`)."""
    progress = begin(turn, name, seconds)
    speech = (speech or Speech()).say(opening(turn, RITUALS[name], seconds))
    return step_speech(turn, progress, speech)


def begin(turn: Turn, name: str, seconds: int | None = None) -> Progress:
    """A new run of a ritual, at its first step, not yet spoken."""
    ritual = RITUALS[name]
    turn.session.pain_unknown = False  # a new run asks its own questions
    if ritual.name == CHECKIN or ritual.name == CHECKIN_SHORT:
        turn.session.checkin_pain = [None, None]
    progress = Progress(
        ritual=name,
        started_at=turn.now,
        updated_at=turn.now,
        talk_seconds=turn.deps.config.talk_seconds,
        seconds=seconds,
    )
    turn.session.reasks = 0
    turn.keep(progress)
    return progress


def resume(turn: Turn, progress: Progress, speech: Speech) -> Reply:
    """Pick up a paused ritual in this conversation. Pain levels were never stored, so
    a check-in picked up past its pain questions no longer knows tonight's (`fit`)."""
    turn.session.reasks = 0
    asked = steps_of(progress)[: progress.step]
    # Whatever was said at those steps is gone, whatever has been said since.
    turn.session.pain_unknown = any(step.kind == "pain" for step in asked)
    turn.keep(progress)
    return step_speech(turn, progress, speech)


def advance(turn: Turn, progress: Progress, speech: Speech | None = None) -> Reply:
    """Move to the next step, or finish the ritual after the last one."""
    progress.step += 1
    turn.session.reasks = 0
    turn.keep(progress)
    if progress.step >= length_of(progress):
        return finish(turn, progress, speech or Speech())
    return step_speech(turn, progress, speech)


def finish(
    turn: Turn,
    progress: Progress,
    speech: Speech,
    *,
    hug_seconds: int | None = None,
    asked: bool = False,
    stopping: bool = False,
) -> Reply:
    """Close a ritual warmly, log it, and clear its progress (nothing left to resume).
    A yes to the closing offer is a hug, or the touch-free close offered when touch hurts;
    a hug the couple `asked` for by name is a hug. `stopping`: they said stop or goodnight,
    so nothing more is asked (no reminder offer after the weekly check-in)."""
    ritual = ritual_of(progress)
    turn.keep(None)
    turn.session.pain_unknown = False
    turn.record_practice(ritual.logged_as, progress.seconds if ritual.timed else None)
    if ritual.name == WEEKLY:
        turn.couple.weekly_at = turn.now
    if ritual.closing:
        speech.say(turn.say(ritual.closing))
        follow = ritual.follow_up if ritual.follow_up and not stopping else None
        return (follow(turn, progress, speech) if follow else None) or turn.tell(speech)
    if hug_seconds:
        if close_without_touch(turn, progress) and not asked:
            close_speech(turn, speech)
        else:
            hug_speech(turn, hug_seconds, speech)
            turn.record_practice("hug", hug_seconds)
        return turn.tell(speech.say(turn.say("checkin.close_after_hug")))
    return turn.tell(speech.say(turn.say("checkin.close_no_hug")))


# -- what the couple's answers mean at a step ----------------------------------------
def on_next(turn: Turn, progress: Progress, speech: Speech | None = None) -> Reply:
    """'next' / 'we're done': a talk ritual moves on (with an acknowledgement where the
    step asked for something hard); a timed one plays the part that is waiting."""
    speech = speech or Speech()
    step = step_of(progress)
    if step is None:
        return step_speech(turn, progress, speech)
    if step.kind == "offer_hug":
        return finish(turn, progress, speech)
    if step.kind == "pain":
        speech.say(turn.say("checkin.pain_skipped"))
    if step.after:
        speech.say(turn.say(step.after))
    return advance(turn, progress, speech)


def on_skip(turn: Turn, progress: Progress) -> Reply:
    """'skip' / 'not that one': like 'no' at a talk step, like 'next' elsewhere."""
    step = step_of(progress)
    if step is not None and step.on_no == ANOTHER:
        return on_no(turn, progress)
    speech = Speech()
    if step is not None and step.kind == "pain":
        speech.say(turn.say("checkin.pain_skipped"))
        return advance(turn, progress, speech)
    if step is not None and step.after:  # its thanks are for what was shared, not a skip
        if not at_last_step(progress):  # at the last, the closing follows at once
            speech.say(turn.say("talk.moving_on"))
        return advance(turn, progress, speech)
    return on_next(turn, progress, speech)


def on_no(turn: Turn, progress: Progress) -> Reply:
    """'no' at a step: never the same question again."""
    step = step_of(progress)
    if step is None:  # between the parts of a timed ritual: no rush
        return waiting(turn)
    if step.on_no == FINISH:
        return finish(turn, progress, Speech())
    if step.on_no == ANOTHER and turn.session.reasks == 0:
        turn.session.reasks = 1
        progress.question = pick_question(turn, progress)
        turn.keep(progress)
        speech = Speech().say(turn.say("talk.different_question"))
        question = turn.content.line("checkin.questions", progress.question)
        talk_time(turn, speech.say(question), progress.talk_seconds)
        reply = turn.ask(speech, reprompt(turn, step), *step.expects)
        reply.shows = question
        return reply
    speech = Speech()
    if step.kind == "pain":
        speech.say(turn.say("checkin.pain_skipped"))
    else:
        speech.say(turn.say("talk.moving_on"))
    return advance(turn, progress, speech)


def on_unclear(turn: Turn, progress: Progress) -> Reply:
    """Something that matched nothing: at a talk step the couple is still talking to each
    other (more quiet, same turn); elsewhere ask once more, then move on gently."""
    step = step_of(progress)
    if step is None:
        return waiting(turn)
    if step.on_unclear == QUIET:
        speech = Speech().pause(max(STILL_TALKING_SECONDS, progress.talk_seconds // 2) * 1000)
        speech.say(turn.say("talk.still_talking"))
        progress.updated_at = turn.now
        return turn.ask(speech, reprompt(turn, step), *step.expects)
    if turn.session.reasks == 0:
        turn.session.reasks = 1
        speech = Speech().say(
            turn.say("checkin.pain_reask" if step.kind == "pain" else "ritual.reask")
        )
        if step.kind != "pain":
            speech.say(reprompt(turn, step))
        return turn.ask(speech, reprompt(turn, step), *step.expects)
    if step.kind == "pain":
        return advance(turn, progress, Speech().say(turn.say("checkin.pain_give_up")))
    return on_next(turn, progress)


def on_more_time(turn: Turn, progress: Progress) -> Reply:
    step = step_of(progress)
    if step is None:
        return waiting(turn)
    if step.on_more_time != LONGER:
        speech = Speech().say(turn.say("talk.no_clock"), reprompt(turn, step))
        return turn.ask(speech, reprompt(turn, step), *step.expects)
    progress.talk_seconds = turn.deps.config.more_talk_seconds
    turn.keep(progress)
    speech = Speech().say(turn.say("talk.more"))
    talk_time(turn, speech, progress.talk_seconds)
    return turn.ask(speech, reprompt(turn, step), *step.expects)


def on_pain_level(
    turn: Turn, progress: Progress, level: int | None, *, lead: str | None = None
) -> Reply:
    """A number at a pain step: that partner's answer, confirmed in words (after `lead`)."""
    step = step_of(progress)
    assert step is not None and step.kind == "pain"
    if level is None:
        return on_unclear(turn, progress)
    speaker = turn.speaker
    if speaker is not None and speaker != (step.partner or 0):
        return pain_out_of_turn(turn, progress, step, speaker, level)
    changed = checkin_answer(turn, step.partner or 0, level)
    bucket = level_bucket(level)
    speech = Speech().say(lead) if lead else Speech()
    speech.say(turn.say(f"checkin.pain_heard.{bucket}", level=number_words(level)))
    if changed:
        speech.say(changed)
    return advance(turn, progress, speech)


CHECKIN_CHANGED = "checkin.comfort_changed"  # short: the next step follows in the same breath


def checkin_answer(turn: Turn, partner: int, level: int) -> str | None:
    """A partner's number in the check-in, taken into tonight's comfort. The first number
    given in this run replaces a level reported before it (outside any ritual), while
    "touch hurts" and "a high pain day" said then still hold; anything else only adds
    (the higher number counts, and "touch hurts" or "a high pain day" said in the middle
    of it still holds). Whenever that changes what fits tonight, the line that says so
    (else None)."""
    first = all(p is None for p in turn.session.checkin_pain)
    now = turn.session.comfort
    turn.session.checkin_pain[partner] = level
    if first and (now is None or not now.aside):
        high_day = now is not None and now.high_day  # a number does not undo a hard day
        return comfort.report(turn, level=level, high_day=high_day, changed=CHECKIN_CHANGED)
    return comfort.add(turn, level=level, changed=CHECKIN_CHANGED)


def answered_out_of_turn(turn: Turn, step: Step) -> bool:
    """This partner's pain level was already given in this run, by their own recognised
    voice while it was the other's turn (see pain_out_of_turn)."""
    return turn.session.checkin_pain[step.partner or 0] is not None


def pain_out_of_turn(turn: Turn, progress: Progress, step: Step, speaker: int, level: int) -> Reply:
    """A recognised partner answered while it was the other's turn: keep their answer
    (their own step is then passed over), and ask the one whose turn it is, by name."""
    changed = checkin_answer(turn, speaker, level)
    speech = Speech().say(
        turn.say(
            "voices.out_of_turn",
            name=spoken_name(turn, speaker),
            level=number_words(level),
            partner=turn.couple.names[step.partner or 0],
        )
    )
    if changed:
        speech.say(changed)
    progress.updated_at = turn.now
    return turn.ask(speech, reprompt(turn, step), *step.expects)


def own_step_to_come(progress: Progress, partner: int) -> int | None:
    """Where `partner`'s own step of the kind the ritual waits on (a high, a low, an
    appreciation) comes later in this run; None if it doesn't."""
    steps = steps_of(progress)
    kind = steps[progress.step].kind
    return next(
        (i for i in range(progress.step + 1, len(steps))
         if steps[i].kind == kind and steps[i].partner == partner),
        None,
    )  # fmt: skip


def who_can_go_first(turn: Turn, progress: Progress) -> int | None:
    """The partner whose "I'll go first" would swap turns right now (on_go_first): at the
    other's talk step, the one whose voice is linked to their name and whose own step of
    the same kind is still to come. None anywhere else, so nothing suggests it there."""
    step = step_of(progress)
    names = turn.couple.names
    if step is None or not step.talk or step.partner not in (0, 1) or len(names) < 2:
        return None
    other = 1 - step.partner
    if names[other] not in turn.couple.voices.values():
        return None
    return other if own_step_to_come(progress, other) is not None else None


def speakers_own_to_come(turn: Turn, progress: Progress, *, pain: bool = False) -> int | None:
    """Where the speaker's own step of the kind the ritual waits on comes later in this
    run, when the speaker is a recognised partner and this is the other partner's talk
    step (or, with `pain`, pain step); None otherwise (no recognised voice, already their
    turn, theirs already had)."""
    step = step_of(progress)
    speaker = turn.speaker
    if step is None or not (step.talk or (pain and step.kind == "pain")):
        return None
    if step.partner is None or speaker is None:
        return None
    if speaker == step.partner or step.partner >= len(turn.couple.names):
        return None
    return own_step_to_come(progress, speaker)


def on_go_first(turn: Turn, progress: Progress) -> Reply | None:
    """'I'll go first' from a recognised voice at the other partner's talk step: their own
    step of the same kind (a high, a low, an appreciation) comes now and the other's right
    after, so no one is asked twice and no step is lost. None when it changes nothing here
    (no recognised voice, already their turn, theirs already taken): then it is any other
    words that matched nothing. Only this explicit ask swaps turns; at a talk step the
    other voice is usually just answering what was shared."""
    step = step_of(progress)
    theirs = speakers_own_to_come(turn, progress)
    if step is None or step.partner is None or theirs is None:
        return None
    order = order_of(progress)
    order.insert(progress.step, order.pop(theirs))
    progress.order = order
    turn.session.reasks = 0
    turn.keep(progress)
    lead = turn.say("voices.go_first", partner=turn.couple.names[step.partner])
    return step_speech(turn, progress, Speech().say(lead))


def on_skip_my_turn(turn: Turn, progress: Progress) -> Reply | None:
    """'Skip my turn' from a recognised voice at the other partner's talk or pain step:
    the speaker's own step of the same kind, still to come, is left out of this run. The
    one talking now carries on with the same quiet their step gives; the one whose pain
    number is asked is asked again, by name (their number is never the one passed over).
    None when it would change nothing here (no recognised voice, their own turn, theirs
    already had): then it is 'skip', and the step under way is skipped."""
    step = step_of(progress)
    speaker = turn.speaker
    theirs = speakers_own_to_come(turn, progress, pain=True)
    if step is None or step.partner is None or speaker is None or theirs is None:
        return None
    order = order_of(progress)
    del order[theirs]
    progress.order = order
    progress.updated_at = turn.now
    turn.keep(progress)
    line = "voices.skip_mine_pain" if step.kind == "pain" else "voices.skip_mine"
    speech = Speech().say(
        turn.say(line, name=spoken_name(turn, speaker), partner=turn.couple.names[step.partner])
    )
    if step.talk:
        speech.pause(progress.talk_seconds * 1000).say(turn.say("talk.after"))
    return turn.ask(speech, reprompt(turn, step), *step.expects)


def waiting(turn: Turn) -> Reply:
    """Between the parts of a timed ritual: no rush, the next part waits for 'continue'."""
    return turn.ask(Speech().say(turn.say("timed.no_rush")), turn.say("timed.reprompt"))


def carry_on_later(turn: Turn, progress: Progress, speech: Speech) -> Reply:
    """After a one-off practice in the middle of this conversation's ritual (a hug, a
    kiss, a pain note): nothing in the ritual moves on; say how to carry on, and wait."""
    step = step_of(progress)
    if step is None:
        back = "back_to_ritual.timed"
    else:
        back = {"pain": "back_to_ritual.pain", "offer_hug": "back_to_ritual.offer_hug"}.get(
            step.kind, "back_to_ritual.talk"
        )
        if step.kind == "offer_hug" and close_without_touch(turn, progress):
            back = "back_to_ritual.offer_close"
    turn.keep(progress)
    turn.session.aside = True
    speech.say(turn.say(back, ritual_name=ritual_name(turn, progress.ritual)))
    expects = step.expects if step is not None else ()
    again = reprompt(turn, step) if step is not None else turn.say("timed.reprompt")
    return turn.ask(speech, again, *expects)


# -- timed rituals ----------------------------------------------------------------------
def breathing_cues(turn: Turn, speech: Speech, seconds: int) -> Speech:
    """Paced cues: in for four seconds, out for six; the quiet adds up to `seconds`."""
    for cycle in range(seconds // BREATH_CYCLE_SECONDS):
        first = cycle == 0
        speech.say(turn.say("breathing.in_first" if first else "breathing.in"))
        speech.pause(BREATH_IN_MS)
        speech.say(turn.say("breathing.out_first" if first else "breathing.out"))
        speech.pause(BREATH_OUT_MS)
    return speech


def play_part(turn: Turn, progress: Progress, speech: Speech) -> Reply:
    """Play the next part of a timed ritual, then wait for 'continue' (or close)."""
    part = parts_of(progress)[progress.step]
    if progress.ritual == BREATHING:
        breathing_cues(turn, speech, part.seconds)
    else:
        speech.pause(part.seconds * 1000)
    # The part is played in full within this response, so the next one is what's pending.
    progress.step += 1
    turn.keep(progress)
    if part.ends == DONE:
        return finish(turn, progress, speech.sound(CHIME))
    if part.ends == SWITCH:
        speech.sound(CHIME).say(turn.say("massage.switch"))
        return turn.ask(speech, turn.say("massage.switch_reprompt"))
    speech.say(turn.say(f"{progress.ritual}.part_done"))
    return turn.ask(speech, turn.say("timed.reprompt"))


# -- hugs, kisses, and closeness without touch ---------------------------------------
def hug_speech(turn: Turn, seconds: int, speech: Speech | None = None) -> Speech:
    """Start cue, exactly `seconds` of quiet in chained breaks, a chime, a closing line."""
    speech = speech or Speech()
    speech.say(turn.say("hug.start", duration=duration_words(seconds)))
    return speech.pause(seconds * 1000).sound(CHIME).say(turn.say("hug.end"))


def close_speech(turn: Turn, speech: Speech | None = None) -> Speech:
    """When touch hurts: a stretch of sitting near each other, without touching."""
    speech = speech or Speech()
    speech.say(turn.say("close.start", duration=duration_words(CLOSE_SECONDS)))
    return speech.pause(CLOSE_SECONDS * 1000).sound(CHIME).say(turn.say("close.end"))


def kiss_speech(turn: Turn) -> Speech:
    speech = Speech().say(turn.say("kiss.start"))
    return speech.pause(KISS_SECONDS * 1000).sound(CHIME).say(turn.say("kiss.end"))
