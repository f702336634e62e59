"""Pain-aware ideas and scripts: 'my pain is at seven', 'a high pain day', 'touch hurts'.

Each answer fits the day: the least painful kinds of touch first, emotional closeness and
shared experiences when pain is high, and a sentence the couple can say to each other.
Care information (when touch keeps hurting) waits behind "tell me more". What they said
shapes this conversation only (skill.engine.comfort); it is never stored.
"""

from __future__ import annotations

from skill.engine import comfort, offers, rituals
from skill.engine.context import Reply
from skill.engine.session import level_bucket
from skill.engine.spoken import number_words
from skill.engine.ssml import Speech
from skill.engine.state import MASSAGE
from skill.handlers import Handler, Turn, audio


def answer(
    turn: Turn,
    *,
    level: int | None = None,
    touch_hurts: bool = False,
    high_day: bool = False,
    lead: str | None = None,
) -> Reply:
    """Tonight's comfort from the newest report ("touch hurts" holds once said: see
    comfort.report). Outside a ritual: ideas that fit it and a sentence to say to each
    other, then an offer; inside one, a short note and back to it (the ritual's own steps
    consult the new comfort)."""
    changed = comfort.report(turn, level=level, touch_hurts=touch_hurts, high_day=high_day)
    fit = comfort.bucket(turn)
    words = number_words(level) if level is not None else ""
    speech = Speech().say(lead) if lead else Speech()
    if level is not None:
        speech.say(turn.say(f"pain.heard_level.{level_bucket(level)}", level=words))
    else:
        speech.say(turn.say(f"pain.heard_{fit}"))
    if changed:
        speech.say(changed)
    if fit == "touch":
        turn.session.more = "care:touch"  # who can help, behind "tell me more"
    progress = turn.ritual
    if progress is not None and fit == "touch" and progress.ritual == MASSAGE:
        turn.keep(None)  # a massage is touch: it stops here, and touch-free ideas follow
        speech.say(turn.say("massage.stopped_touch_hurts"))
        progress = None
    elif fit == "touch" and audio.stop_massage(turn):  # the device's massage track
        speech.say(turn.say("massage.stopped_touch_hurts"))
    if progress is not None:
        return rituals.carry_on_later(turn, progress, speech)
    speech.say(turn.say(f"pain.ideas.{fit}"))
    said_level = level is not None and fit != "touch"  # touch hurting says the most
    script = f"pain.script.{fit}" if said_level else f"pain.script.{fit}_day"
    speech.say(turn.say(script, level=words))
    if fit == "high" and not changed:
        speech.say(turn.say("pain.still_counts"))
    if fit == "touch":
        speech.say(turn.say("pain.more_care"))
    return turn.offer(
        offers.PAIN_NEXT, speech, turn.say("pain.offer_next"), turn.say("pain.offer_reprompt")
    )


class HighPainDayHandler(Handler):
    """'it's a high pain day'."""

    INTENTS = ("HighPainDayIntent",)

    def respond(self, turn: Turn) -> Reply:
        return answer(turn, high_day=True)


class TouchHurtsHandler(Handler):
    """'touch hurts today'."""

    INTENTS = ("TouchHurtsIntent",)

    def respond(self, turn: Turn) -> Reply:
        return answer(turn, touch_hurts=True)
