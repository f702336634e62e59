"""Every yes/no question the skill asks, and what its yes and its no do: in one place.

A question is registered with `Turn.offer(kind, ...)` and lives exactly one turn. Only a
yes or a no can answer it (`answer`); an unclear answer (fallback, help, repeat) asks it
once more (`reask`); anything else leaves it behind, so a stale question never answers
a later "yes".
"""

from __future__ import annotations

from collections.abc import Callable

from skill.engine import comfort, reminders, rituals
from skill.engine.context import Reply, Turn
from skill.engine.session import Offer
from skill.engine.ssml import Speech
from skill.engine.state import CHECKIN, CHECKIN_SHORT, WEEKLY

FORGET, SHORT_CHECKIN, WEEKLY_OFFER, RESUME, PAIN_NEXT, RENAME = (
    "forget",
    "short_checkin",
    "weekly",
    "resume",
    "pain_next",
    "rename",
)


def choices(turn: Turn, speech: Speech) -> Reply:
    """Nothing else to do: ask which ritual they would like (one question)."""
    return turn.ask(speech.say(turn.say("launch.choices")), turn.say("launch.reprompt"))


def forget_yes(turn: Turn, offer: Offer) -> Reply:
    gone = reminders.forget(turn)
    speech = Speech().say(turn.say("forget.done"))
    if not gone:
        speech.say(turn.say("forget.reminder_left"))
    reply = turn.tell(speech)
    reply.erase = True
    return reply


def forget_no(turn: Turn, offer: Offer) -> Reply:
    speech = Speech().say(turn.say("forget.kept"))
    progress = turn.ritual
    if progress is not None:
        return rituals.carry_on_later(turn, progress, speech)
    return turn.tell(speech)


def resume_yes(turn: Turn, offer: Offer) -> Reply:
    progress = rituals.resumable(turn)
    if progress is None:
        return choices(turn, Speech().say(turn.say("continue.nothing")))
    name = rituals.ritual_name(turn, progress.ritual)
    return rituals.resume(
        turn, progress, Speech().say(turn.say("continue.welcome_back", ritual_name=name))
    )


def resume_no(turn: Turn, offer: Offer) -> Reply:
    turn.couple.resume_declined_at = turn.now
    turn.changed()
    return choices(turn, Speech().say(turn.say("no.resume")))


def weekly_no(turn: Turn, offer: Offer) -> Reply:
    turn.couple.weekly_declined_at = turn.now
    turn.changed()
    return turn.ask(Speech().say(turn.say("weekly.declined")), turn.say("launch.reprompt"))


def pain_next_yes(turn: Turn, offer: Offer) -> Reply:
    item = comfort.pick_menu_item(turn, comfort.bucket(turn))
    if item is None:
        return choices(turn, Speech())
    turn.session.another = f"menu:{item.text}"
    speech = Speech().say(turn.say("menu.pick", idea=item.text), turn.say("menu.pick_after"))
    return turn.ask(speech, turn.say("menu.pick_reprompt"))


def pain_next_no(turn: Turn, offer: Offer) -> Reply:
    return turn.tell(Speech().say(turn.say("pain.no_next")))


def save_names(turn: Turn, first: str, second: str) -> Reply:
    turn.couple.names = [first, second]
    turn.changed()
    speech = Speech().say(turn.say("names.saved", first=first, second=second))
    return turn.ask(speech, turn.say("launch.reprompt"))


def rename_yes(turn: Turn, offer: Offer) -> Reply:
    first, _, second = (offer.value or "").partition("|")
    if not (first and second):
        return turn.ask(Speech().say(turn.say("names.unclear")), turn.say("names.reprompt"))
    return save_names(turn, first, second)


def rename_no(turn: Turn, offer: Offer) -> Reply:
    names = turn.couple.names
    if len(names) == 2:
        speech = Speech().say(turn.say("names.kept", first=names[0], second=names[1]))
    else:
        speech = Speech().say(turn.say("names.unchanged"))
    return turn.ask(speech, turn.say("launch.reprompt"))


Answer = Callable[[Turn, Offer], Reply]
ANSWERS: dict[str, tuple[Answer, Answer]] = {
    FORGET: (forget_yes, forget_no),
    SHORT_CHECKIN: (
        lambda turn, offer: rituals.start(turn, CHECKIN_SHORT),
        lambda turn, offer: rituals.start(turn, CHECKIN),
    ),
    WEEKLY_OFFER: (lambda turn, offer: rituals.start(turn, WEEKLY), weekly_no),
    RESUME: (resume_yes, resume_no),
    PAIN_NEXT: (pain_next_yes, pain_next_no),
    RENAME: (rename_yes, rename_no),
    reminders.REMINDER_OFFER: (reminders.on_yes, reminders.on_no),
}


def answer(turn: Turn, offer: Offer, yes: bool) -> Reply:
    on_yes, on_no = ANSWERS[offer.kind]
    return (on_yes if yes else on_no)(turn, offer)


def reask(turn: Turn, offer: Offer, lead: str = "offer.unclear") -> Reply | None:
    """Ask a pending question once more after an unclear answer; None the second time
    (the question is then left behind)."""
    if offer.reasked:
        return None
    speech = Speech().say(turn.say(lead))
    # Asked again in the reprompt's shorter words (they end in "yes or no").
    reply = turn.offer(offer.kind, speech, offer.reprompt, offer.reprompt, offer.value)
    assert turn.session.offer is not None
    turn.session.offer.reasked = True
    return reply
