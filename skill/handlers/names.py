"""Names, always optional: 'our names are Sam and Alex', 'call me Sam', 'forget our names',
and 'this is Sam' to link a recognised voice (an Alexa voice profile) to a name.

Known names take the place of "whoever would like to go first" in turn-taking; a linked
voice is greeted, and addressed at its own turns, by Alexa's rendering of its name.
"""

from __future__ import annotations

import re

from skill.engine import offers, rituals
from skill.engine.context import Reply
from skill.engine.ssml import Speech
from skill.handlers import Handler, Turn, slot_value

MAX_NAME_CHARS = 30
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")


def clean_name(raw: str | None) -> str | None:
    """A first name as it should be spoken back, or None if it isn't one."""
    if raw is None:
        return None
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME_CHARS or not _NAME.match(name):
        return None
    return " ".join(part[:1].upper() + part[1:] for part in name.split(" "))


class SetNamesHandler(Handler):
    """'our names are Sam and Alex': the first name said goes first in turn-taking."""

    INTENTS = ("SetNamesIntent",)

    def respond(self, turn: Turn) -> Reply:
        first = clean_name(slot_value(turn.hi, "first"))
        second = clean_name(slot_value(turn.hi, "second"))
        if first is None or second is None or first.lower() == second.lower():
            return turn.ask(Speech().say(turn.say("names.unclear")), turn.say("names.reprompt"))
        known = turn.couple.names
        if len(known) == 2 and {n.lower() for n in known} != {first.lower(), second.lower()}:
            # Names they gave are replaced only when they say so: a name misheard (or
            # room talk heard as names, on the bedside) never overwrites theirs.
            known_as = f"{known[0]} and {known[1]}"
            question = turn.say("names.change", name=known_as, first=first, second=second)
            reprompt = turn.say("names.change_reprompt", first=first, second=second)
            return turn.offer(offers.RENAME, Speech(), question, reprompt, f"{first}|{second}")
        return offers.save_names(turn, first, second)


class CallMeHandler(Handler):
    """'call me Sam': one name at a time, the first partner's, then the second's."""

    INTENTS = ("CallMeIntent",)

    def respond(self, turn: Turn) -> Reply:
        name = clean_name(slot_value(turn.hi, "name"))
        if name is None:
            return turn.ask(Speech().say(turn.say("names.unclear")), turn.say("names.reprompt"))
        names = turn.couple.names
        if any(n.lower() == name.lower() for n in names):
            speech = Speech().say(turn.say("names.already", name=name))
            return turn.ask(speech, turn.say("launch.reprompt"))
        if len(names) >= 2:
            speech = Speech().say(turn.say("names.both_known", first=names[0], second=names[1]))
            return turn.ask(speech, turn.say("names.reprompt"))
        turn.couple.names = [*names, name]
        turn.changed()
        key = "names.saved_one" if len(turn.couple.names) == 1 else "names.saved_second"
        speech = Speech().say(turn.say(key, name=name))
        return turn.ask(speech, turn.say("launch.reprompt"))


class ForgetNamesHandler(Handler):
    """'forget our names': back to 'whoever would like to go first'."""

    INTENTS = ("ForgetNamesIntent",)

    def respond(self, turn: Turn) -> Reply:
        had = bool(turn.couple.names)
        voices = bool(turn.couple.voices)
        turn.couple.names = []
        turn.couple.voices = {}
        turn.changed()
        key = "voices.forgotten" if voices else "names.forgotten" if had else "names.none_to_forget"
        return turn.ask(Speech().say(turn.say(key)), turn.say("launch.reprompt"))


class ThisIsHandler(Handler):
    """'this is Sam': the voice Alexa recognised is Sam's from now on (one voice per name)."""

    INTENTS = ("ThisIsIntent",)

    def respond(self, turn: Turn) -> Reply:
        name = clean_name(slot_value(turn.hi, "name"))
        if name is None:
            return turn.ask(Speech().say(turn.say("names.unclear")), turn.say("names.reprompt"))
        person = turn.person
        talking = rituals.at_talk_step(turn)
        named = {n.lower() for n in turn.couple.names}
        if person is None and talking is not None and name.lower() not in named:
            # "It's painful", "this is scary", said to each other at a talk step.
            return rituals.on_unclear(turn, talking)
        if person is None:
            return self.then(turn, Speech().say(turn.say("voices.no_profile")))
        names = turn.couple.names
        known = next((n for n in names if n.lower() == name.lower()), None)
        if known is None and len(names) >= 2:
            speech = Speech().say(turn.say("voices.not_one_of", first=names[0], second=names[1]))
            return turn.ask(speech, turn.say("voices.which_reprompt"))
        if known is None:
            known = name
            turn.couple.names = [*names, name]
        links = {p: n for p, n in turn.couple.voices.items() if p != person and n != known}
        turn.couple.voices = {**links, person: known}
        turn.changed()
        return self.then(turn, Speech().say(turn.say("voices.linked", name=known)))

    @staticmethod
    def then(turn: Turn, speech: Speech) -> Reply:
        progress = turn.ritual
        if progress is not None:
            return rituals.carry_on_later(turn, progress, speech)
        return turn.ask(speech, turn.say("launch.reprompt"))
