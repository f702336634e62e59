"""Starting, moving through, pausing and resuming the guided rituals."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.engine import rituals
from skill.engine.spoken import number_words
from skill.engine.ssml import Speech
from skill.engine.state import CHECKIN, CHECKIN_SHORT, HIGHS_LOWS, TIMED, WEEKLY
from skill.handlers import Handler, slot_value
from skill.handlers.pain import pain_next, pain_reply
from skill.handlers.turn import Turn, pending

SHORT_OFFER = "short_offer"
WEEKLY_OFFER = "weekly_offer"
RESUME_OFFER = "resume"


def _menu(turn: Turn, speech: Speech) -> Response:
    return turn.ask(speech.say(turn.say("yes.nothing_pending")), turn.say("launch.reprompt"))


def _waiting(turn: Turn) -> Response:
    """Between the parts of a timed ritual: no rush, the next part waits for 'continue'."""
    return turn.ask(Speech().say(turn.say("timed.no_rush")), turn.say("timed.reprompt"))


class StartRitualHandler(Handler):
    """'start our evening check in' / 'highs and lows' / 'weekly check in': begins afresh.

    On a high pain day the evening check-in first offers its short version."""

    INTENTS = {
        "EveningCheckInIntent": CHECKIN,
        "HighsAndLowsIntent": HIGHS_LOWS,
        "WeeklyCheckInIntent": WEEKLY,
    }

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.INTENTS)

    def respond(self, turn: Turn) -> Response:
        intent = getattr(turn.hi.request_envelope.request, "intent", None)
        ritual = self.INTENTS[getattr(intent, "name", "")]
        offered = turn.awaiting == SHORT_OFFER
        turn.expect(None)
        if ritual == CHECKIN and not offered and rituals.is_hard_day(turn):
            turn.expect(SHORT_OFFER)
            return turn.ask(
                Speech().say(turn.say("checkin.short_offer")), turn.say("checkin.short_reprompt")
            )
        return rituals.start(turn, ritual)


class OfferAnswerHandler(Handler):
    """Yes or no to something just offered: the short check-in, or the weekly check-in."""

    OFFERS = (SHORT_OFFER, WEEKLY_OFFER)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return pending(handler_input) in self.OFFERS and bool(
            is_intent_name("AMAZON.YesIntent")(handler_input)
            or is_intent_name("AMAZON.NoIntent")(handler_input)
        )

    def respond(self, turn: Turn) -> Response:
        offer = turn.awaiting
        yes = bool(is_intent_name("AMAZON.YesIntent")(turn.hi))
        turn.expect(None)
        if offer == SHORT_OFFER:
            return rituals.start(turn, CHECKIN_SHORT if yes else CHECKIN)
        if yes:
            return rituals.start(turn, WEEKLY)
        return turn.ask(Speech().say(turn.say("weekly.declined")), turn.say("launch.reprompt"))


class ContinueHandler(Handler):
    """'continue' (or Resume): pick up a ritual from the store if it is recent."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(
            is_intent_name("ContinueIntent")(handler_input)
            or is_intent_name("AMAZON.ResumeIntent")(handler_input)
        )

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        progress = rituals.current(turn)
        if progress is not None:
            session = turn.hi.request_envelope.session
            if progress.ritual in TIMED and session is not None and not session.new:
                # Straight on from the last part, in the same conversation.
                speech = Speech().say(turn.say("timed.resume"))
            else:
                speech = Speech().say(
                    turn.say(
                        "continue.welcome_back",
                        ritual_name=rituals.ritual_name(turn, progress.ritual),
                    )
                )
            progress.updated_at = turn.now
            turn.changed()
            return rituals.step_speech(turn, progress, speech)
        old = rituals.stale(turn)
        if old is not None:
            turn.couple.progress = None
            turn.changed()
            speech = Speech().say(
                turn.say("continue.expired", ritual_name=rituals.ritual_name(turn, old.ritual))
            )
            return rituals.start(turn, old.ritual, speech, seconds=old.seconds)
        return _menu(turn, Speech().say(turn.say("continue.nothing")))


class NextHandler(Handler):
    """'next' / 'skip': move on; at a pain question this is a skip, at the hug offer a no."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(
            is_intent_name("AMAZON.NextIntent")(handler_input)
            or is_intent_name("SkipIntent")(handler_input)
        )

    def respond(self, turn: Turn) -> Response:
        progress = rituals.current(turn)
        if progress is None:
            return _menu(turn, Speech())
        kind = rituals.step_of(progress).kind
        speech = Speech()
        if kind == rituals.PAIN:
            speech.say(turn.say("checkin.pain_skipped"))
        if kind == rituals.OFFER_HUG:
            return rituals.finish(turn, progress, speech)
        return rituals.proceed(turn, progress, speech)


class PainLevelHandler(Handler):
    """A pain or energy level: inside the check-in it is that partner's answer."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("PainLevelIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        level = _level(slot_value(turn.hi, "level"))
        progress = rituals.current(turn)
        at_pain_step = progress is not None and rituals.step_of(progress).kind == rituals.PAIN
        if progress is not None and at_pain_step:
            if level is None:
                if progress.reasks == 0:
                    progress.reasks = 1
                    turn.changed()
                    return turn.ask(
                        Speech().say(turn.say("checkin.pain_reask")),
                        turn.say("checkin.pain_reprompt"),
                    )
                return rituals.advance(
                    turn, progress, Speech().say(turn.say("checkin.pain_give_up"))
                )
            partner = rituals.step_of(progress).partner or 0
            progress.pain[partner] = level
            rituals.note_pain(turn, rituals.idea_bucket(level), level)
            return rituals.advance(
                turn,
                progress,
                Speech().say(turn.say("checkin.pain_thanks", level=number_words(level))),
            )
        if level is None:
            return turn.ask(Speech().say(turn.say("pain.invalid")), turn.say("pain.reprompt"))
        speech = pain_reply(turn, rituals.idea_bucket(level), level)
        if progress is not None:
            return turn.ask(speech.say(turn.say("pain.in_ritual")), turn.say("talk.reprompt"))
        return pain_next(turn, speech)


def _level(raw: str | None) -> int | None:
    """A whole number 0..10, or None for anything else (missing, '?', 12, 'seven')."""
    if raw is None or not (raw.isascii() and raw.isdigit()):
        return None
    level = int(raw)
    return level if 0 <= level <= 10 else None


class MoreTimeHandler(Handler):
    """'give us more time': longer talk turns from now on in this ritual."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("MoreTimeIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        progress = rituals.current(turn)
        if progress is not None and progress.ritual in TIMED:
            return _waiting(turn)
        if progress is None or not rituals.step_of(progress).talk:
            speech = Speech().say(turn.say("talk.no_clock"))
            if progress is not None:
                return rituals.step_speech(turn, progress, speech)
            return _menu(turn, speech)
        progress.talk_seconds = turn.deps.config.more_talk_seconds
        progress.updated_at = turn.now
        turn.changed()
        speech = Speech().say(turn.say("talk.more"))
        rituals.talk_time(turn, speech, progress.talk_seconds)
        return turn.ask(speech, turn.say("talk.reprompt"))


class RepeatHandler(Handler):
    """'repeat': the current step again, or the last thing said."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AMAZON.RepeatIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        progress = rituals.current(turn)
        if progress is not None and progress.ritual in TIMED:
            return _waiting(turn)
        if progress is not None:
            return rituals.step_speech(turn, progress)
        last = turn.session.get("last_ssml")
        if isinstance(last, str) and last.startswith("<speak>"):
            speech = Speech(parts=[last[len("<speak>") : -len("</speak>")]])
            return turn.ask(speech, turn.say("launch.reprompt"))
        return _menu(turn, Speech())


class StartOverHandler(Handler):
    """'start over': the current ritual from its first step."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AMAZON.StartOverIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        progress = rituals.current(turn)
        if progress is None:
            return _menu(turn, Speech())
        speech = Speech().say(
            turn.say("start_over", ritual_name=rituals.ritual_name(turn, progress.ritual))
        )
        return rituals.start(turn, progress.ritual, speech, seconds=progress.seconds)


class YesHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AMAZON.YesIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        awaiting = turn.awaiting
        turn.expect(None)
        progress = rituals.current(turn)
        if progress is not None and rituals.step_of(progress).kind == rituals.OFFER_HUG:
            return rituals.finish(turn, progress, Speech(), hug_seconds=rituals.HUG_SECONDS)
        if awaiting == RESUME_OFFER and progress is not None:
            speech = Speech().say(
                turn.say(
                    "continue.welcome_back", ritual_name=rituals.ritual_name(turn, progress.ritual)
                )
            )
            return rituals.step_speech(turn, progress, speech)
        if progress is not None:
            return rituals.step_speech(turn, progress)
        return _menu(turn, Speech())


class NoHandler(Handler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AMAZON.NoIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        awaiting = turn.awaiting
        turn.expect(None)
        progress = rituals.current(turn)
        if progress is not None and rituals.step_of(progress).kind == rituals.OFFER_HUG:
            return rituals.finish(turn, progress, Speech())
        if awaiting == RESUME_OFFER:
            return turn.ask(Speech().say(turn.say("no.resume")), turn.say("launch.reprompt"))
        if progress is not None and progress.ritual in TIMED:
            return _waiting(turn)
        if progress is not None:
            return rituals.step_speech(turn, progress)
        return turn.ask(Speech().say(turn.say("no.nothing_pending")), turn.say("launch.reprompt"))
