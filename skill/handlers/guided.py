"""Starting, moving through, pausing and resuming the guided rituals, and yes or no.

Each handler only translates: which ritual or answer the request names; the engine
(skill.engine.rituals, skill.engine.offers) decides what happens.
"""

from __future__ import annotations

from skill.engine import comfort, offers, rituals
from skill.engine.context import Reply
from skill.engine.ssml import Speech
from skill.engine.state import CHECKIN
from skill.handlers import Handler, Turn, intent_name, pain, slot_value, talk

YES, NO = "AMAZON.YesIntent", "AMAZON.NoIntent"


def nothing_here(turn: Turn, speech: Speech | None = None) -> Reply:
    """Nothing in this conversation to act on: offer the rituals (one question)."""
    return offers.choices(turn, speech or Speech())


class StartRitualHandler(Handler):
    """'start our evening check in' / 'highs and lows' / 'weekly check in': begins afresh.
    On a hard day (said in this conversation) the evening check-in first offers its short
    version."""

    INTENTS = tuple(
        name for name in rituals.BY_INTENT if name not in ("BreathingIntent", "MassageTimerIntent")
    )

    def respond(self, turn: Turn) -> Reply:
        ritual = rituals.BY_INTENT[intent_name(turn.hi) or ""]
        offered = turn.pending is not None and turn.pending.kind == offers.SHORT_CHECKIN
        if ritual.name == CHECKIN and not offered and comfort.is_hard_day(turn):
            return turn.offer(
                offers.SHORT_CHECKIN,
                Speech(),
                turn.say("checkin.short_offer"),
                turn.say("checkin.short_reprompt"),
            )
        return rituals.start(turn, ritual.name)


class ContinueHandler(Handler):
    """'continue' (or Resume): this conversation's ritual, or the couple's paused one."""

    INTENTS = ("ContinueIntent", "AMAZON.ResumeIntent")

    def respond(self, turn: Turn) -> Reply:
        here = turn.ritual
        if here is not None:
            if rituals.step_of(here) is not None and not turn.session.aside:
                return rituals.on_next(turn, here)  # "carry on" straight after a step
            # Back from a hug or a note: the step said again; or the part that waits.
            return rituals.step_speech(turn, here, Speech().say(turn.say("timed.resume")))
        progress = rituals.resumable(turn)
        if progress is not None:
            name = rituals.ritual_name(turn, progress.ritual)
            speech = Speech().say(turn.say("continue.welcome_back", ritual_name=name))
            return rituals.resume(turn, progress, speech)
        old = rituals.stale(turn)
        if old is not None:
            name = rituals.ritual_name(turn, old.ritual)
            speech = Speech().say(turn.say("continue.expired", ritual_name=name))
            return rituals.start(turn, old.ritual, speech, seconds=old.seconds)
        return nothing_here(turn, Speech().say(turn.say("continue.nothing")))


def still_asked(turn: Turn) -> Reply | None:
    """'next' or 'skip' while a yes/no waits is not its answer: the question is asked once
    more (the second time it is left behind, and the words mean what they say). Right
    after a question outside a ritual, they mean a different question."""
    if turn.pending is not None:
        return offers.reask(turn, turn.pending)
    if turn.after_question and turn.ritual is None:
        return talk.next_question(turn)
    return None


class NextHandler(Handler):
    """'next' / 'we're done': move on."""

    INTENTS = ("AMAZON.NextIntent",)

    def respond(self, turn: Turn) -> Reply:
        asked = still_asked(turn)
        if asked is not None:
            return asked
        progress = turn.ritual
        if progress is None:
            return nothing_here(turn, Speech().say(turn.say("next.nothing")))
        return rituals.on_next(turn, progress)


SKIP_MY_TURN = "SkipMyTurnIntent"


class SkipHandler(Handler):
    """'skip' / 'not that one': a different question at a question step, else move on.

    'Skip my turn' / 'I'll pass' is the same, except from a recognised voice at the other
    partner's talk step: then the speaker's own step still to come is left out, and the
    partner talking now is not cut off (skill.engine.rituals.on_skip_my_turn)."""

    INTENTS = ("SkipIntent", SKIP_MY_TURN)

    def respond(self, turn: Turn) -> Reply:
        asked = still_asked(turn)
        if asked is not None:
            return asked
        progress = turn.ritual
        if progress is None:
            return nothing_here(turn, Speech().say(turn.say("next.nothing")))
        if intent_name(turn.hi) == SKIP_MY_TURN:
            reply = rituals.on_skip_my_turn(turn, progress)
            if reply is not None:
                return reply
        return rituals.on_skip(turn, progress)


class PainLevelHandler(Handler):
    """A pain level (0 = no pain, 10 = the worst): a partner's answer at a check-in's pain
    step; anywhere else, tonight's comfort and ideas that fit it."""

    INTENTS = ("PainLevelIntent",)

    def respond(self, turn: Turn) -> Reply:
        raw = slot_value(turn.hi, "level")
        level = _level(raw)
        # "Eleven" is worse than the worst, not a number to ask for again: a ten, said so.
        lead = None
        if level is None and _whole(raw) in OFF_SCALE:
            level, lead = 10, turn.say("pain.off_scale")
        pending = turn.pending
        if pending is not None and pending.kind == offers.SHORT_CHECKIN and level is not None:
            # A number for "the short check-in, or say no for the full one?": the full
            # check-in they asked for, and this its first answer.
            rituals.begin(turn, CHECKIN)
        progress = turn.ritual
        step = rituals.step_of(progress) if progress is not None else None
        if progress is not None and step is not None and step.kind == "pain":
            return rituals.on_pain_level(turn, progress, level, lead=lead)
        if level is None:
            return turn.ask(
                Speech().say(turn.say("pain.invalid")), turn.say("pain.reprompt"), "number"
            )
        return pain.answer(turn, level=level, lead=lead)


# "Eleven", "twenty", "a hundred": past the top of the scale. Not "fifty six", which is
# more likely two numbers run together ("a five, six") and is asked again.
OFF_SCALE = frozenset({*range(11, 21), 100})


def _whole(raw: str | None) -> int | None:
    """The whole number Alexa heard, if it heard one ('12'; not '?', '-1' or 'seven')."""
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None


def _level(raw: str | None) -> int | None:
    """A whole number 0..10, or None for anything else (missing, '?', 12, 'seven')."""
    level = _whole(raw)
    return level if level is not None and 0 <= level <= 10 else None


class MoreTimeHandler(Handler):
    """'give us more time': longer talk turns from now on in this ritual."""

    INTENTS = ("MoreTimeIntent",)

    def respond(self, turn: Turn) -> Reply:
        progress = turn.ritual
        if progress is None and turn.after_question:  # "we're still talking"
            return talk.still_talking(turn)
        if progress is None:
            return nothing_here(turn, Speech().say(turn.say("talk.no_clock")))
        return rituals.on_more_time(turn, progress)


class StartOverHandler(Handler):
    """'start over': the current ritual from its first step."""

    INTENTS = ("AMAZON.StartOverIntent",)

    def respond(self, turn: Turn) -> Reply:
        progress = turn.ritual
        if progress is None:
            return nothing_here(turn)
        name = rituals.ritual_name(turn, progress.ritual)
        speech = Speech().say(turn.say("start_over", ritual_name=name))
        return rituals.start(turn, progress.ritual, speech, seconds=progress.seconds)


class YesNoHandler(Handler):
    """Yes or no: the pending question's answer first, then what the ritual's step makes
    of it, else an invitation to choose."""

    INTENTS = (YES, NO)

    def respond(self, turn: Turn) -> Reply:
        yes = intent_name(turn.hi) == YES
        if turn.pending is not None:
            return offers.answer(turn, turn.pending, yes)
        progress = turn.ritual
        step = rituals.step_of(progress) if progress is not None else None
        if progress is not None:
            if step is None:  # between the parts of a timed ritual
                return rituals.step_speech(turn, progress) if yes else rituals.waiting(turn)
            if step.kind == "offer_hug":
                if yes:
                    return rituals.finish(turn, progress, Speech(), hug_seconds=rituals.HUG_SECONDS)
                return rituals.finish(turn, progress, Speech())
            if not yes:
                return rituals.on_no(turn, progress)
            if step.kind == "idea":
                return rituals.on_next(turn, progress)
            return rituals.on_unclear(turn, progress)
        if turn.after_question:  # "yeah" or "no" in the middle of their talk
            return talk.still_talking(turn)
        if yes:
            return nothing_here(turn, Speech().say(turn.say("yes.nothing_pending")))
        return turn.tell(Speech().say(turn.say("no.nothing_pending")))
