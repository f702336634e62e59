"""The couple's closeness menu, and the weekly challenge of ten ways to be close.

The menu starts as three columns from content data (physical, emotional, shared
experience). The first add or remove makes it the couple's own, stored with their record.
"""

from __future__ import annotations

import unicodedata

from skill.engine import comfort, rituals
from skill.engine.content import Content
from skill.engine.context import Reply, sentences
from skill.engine.spoken import choice_words, join_words, number_words
from skill.engine.ssml import Speech
from skill.engine.state import (
    CHALLENGE_SIZE,
    MENU_ITEM_CHARS,
    MENU_KINDS,
    MENU_LIMIT,
    Challenge,
    MenuItem,
)
from skill.engine.timeutil import WEEK
from skill.handlers import Handler, Turn, slot_value

CHUNK = 6  # items read in one go; "more" reads on

# Content keys listing words that tell which column something the couple adds belongs
# in. Touch first (it matters most on painful days), then talk; else a shared experience.
COLUMN_WORDS = {
    "physical": "menu.column_words.physical",
    "emotional": "menu.column_words.emotional",
}
SMALL_WORDS = frozenset({"a", "an", "the", "our", "some", "my", "your"})


def words_of(text: str) -> list[str]:
    """The words said, in lower case, letters of every alphabet (and their accents) kept
    and apostrophes inside a word too: 'Café dates!' -> ['café', 'dates']."""
    text = unicodedata.normalize("NFC", text.lower()).replace("\u2019", "'")
    kept = "".join(c if c == "'" or unicodedata.category(c)[0] in "LMN" else " " for c in text)
    return [w for w in (word.strip("'") for word in kept.split()) if w]


def key_words(text: str) -> list[str]:
    """Words that carry meaning, case-folded and singular: 'the foot rub' and 'Foot Rubs'
    match."""
    folded = (w.casefold() for w in words_of(text))
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in folded
        if w not in SMALL_WORDS
    ]


def column_for(content: Content, text: str) -> str:
    """The menu column for something the couple adds, from the words in it."""
    words = {w.casefold() for w in words_of(text)}
    for kind, key in COLUMN_WORDS.items():
        listed = {w.casefold() for line in content.variants(key) for w in words_of(line)}
        if words & listed:
            return kind
    return "shared"


def _same(a: str, b: str) -> bool:
    return key_words(a) == key_words(b)


def matching_items(items: list[MenuItem], said: str) -> list[MenuItem]:
    """The items the couple may mean, by the closest kind of match that finds any: the
    same words; else what they said inside an item (or an item inside it); else the items
    sharing the most words, at least half. More than one means: ask which."""
    exact = [item for item in items if _same(item.text, said)]
    if exact:
        return exact
    said_words = " ".join(key_words(said))
    if not said_words:
        return []
    inside = []
    for item in items:
        item_words = " ".join(key_words(item.text))
        if item_words and (
            f" {said_words} " in f" {item_words} " or f" {item_words} " in f" {said_words} "
        ):
            inside.append(item)
    if inside:
        return inside
    wanted = set(key_words(said))
    scores = []
    for item in items:
        have = set(key_words(item.text))
        scores.append(len(wanted & have) / max(len(wanted | have), 1))
    best = max(scores, default=0.0)
    return [item for item, score in zip(items, scores, strict=True) if score == best >= 0.5]


def own_menu(turn: Turn) -> list[MenuItem]:
    """The couple's menu as a list they own (the starter menu copied on first change)."""
    if turn.couple.menu is None:
        turn.couple.menu = comfort.starter_menu(turn.content)
    return turn.couple.menu


def chunks(items: list[MenuItem]) -> list[tuple[str, list[MenuItem]]]:
    """The menu column by column, in pieces short enough to hear in one go."""
    out = []
    for kind in MENU_KINDS:
        column = [i for i in items if i.kind == kind]
        start = 0
        for size in rituals.split_evenly(len(column), CHUNK) if column else []:
            out.append((kind, column[start : start + size]))
            start += size
    return out


def read_menu(turn: Turn, offset: int = 0) -> Reply:
    """The menu, a piece at a time; while touch hurts, without its touch column (which
    stays on the menu, and the couple hears so at the end)."""
    items = comfort.menu_items(turn)
    resting = comfort.bucket(turn) == "touch" and any(i.kind == "physical" for i in items)
    if resting:
        items = [i for i in items if i.kind != "physical"]
    pieces = chunks(items)
    turn.session.more = None
    if not pieces:
        key = "menu.touch_resting" if resting else "menu.empty"
        return turn.ask(Speech().say(turn.say(key)), turn.say("menu.reprompt"))
    offset = min(max(offset, 0), len(pieces) - 1)
    kind, items = pieces[offset]
    speech = Speech()
    if offset == 0:
        speech.say(turn.say("menu.list_intro"))
    speech.say(turn.say(f"menu.column.{kind}", idea=join_words([i.text for i in items])))
    if offset + 1 < len(pieces):
        turn.session.more = f"menu:{offset + 1}"
        speech.say(turn.say("menu.say_more"))
        return turn.ask(speech, turn.say("menu.more_reprompt"))
    if resting:
        speech.say(turn.say("menu.touch_resting"))
    speech.say(turn.say("menu.list_end"))
    return turn.ask(speech, turn.say("menu.reprompt"))


def pick_from_menu(turn: Turn) -> Reply:
    """Something from their menu that fits tonight's pain, if they told me about it."""
    fit = comfort.bucket(turn)
    last = turn.session.another
    avoid = last.partition(":")[2] if last and last.startswith("menu:") else None
    item = comfort.pick_menu_item(turn, fit, avoid=avoid)
    if item is None:
        key = "menu.empty" if not comfort.menu_items(turn) else "menu.nothing_fits"
        return turn.ask(Speech().say(turn.say(key)), turn.say("menu.reprompt"))
    turn.session.another = f"menu:{item.text}"
    speech = Speech()
    if fit != "unknown":
        speech.say(turn.say(f"menu.pick_fit.{fit}"))
    speech.say(turn.say("menu.pick", idea=item.text), turn.say("menu.pick_after"))
    return turn.ask(speech, turn.say("menu.pick_reprompt"))


# Words that stand for an idea without naming one ("add something to our menu").
PLACEHOLDERS = frozenset(
    {"something", "some things", "something new", "an idea", "a new idea", "idea", "a thing",
     "things", "stuff", "it", "this", "that", "one", "a new one", "anything"}
)  # fmt: skip


class AddToMenuHandler(Handler):
    """'add reading aloud to our menu'."""

    INTENTS = ("AddToMenuIntent",)

    def respond(self, turn: Turn) -> Reply:
        said = slot_value(turn.hi, "item")
        text = " ".join(words_of(said or ""))
        if not text or text in PLACEHOLDERS:  # "add something to our menu": add what?
            return turn.ask(Speech().say(turn.say("menu.add_unclear")), turn.say("menu.reprompt"))
        if len(text) > MENU_ITEM_CHARS:
            return turn.ask(Speech().say(turn.say("menu.add_too_long")), turn.say("menu.reprompt"))
        items = comfort.menu_items(turn)
        if any(_same(i.text, text) for i in items):
            speech = Speech().say(turn.say("menu.already", idea=text))
            return turn.ask(speech, turn.say("menu.reprompt"))
        if len(items) >= MENU_LIMIT:
            return turn.ask(Speech().say(turn.say("menu.full")), turn.say("menu.reprompt"))
        own_menu(turn).append(MenuItem(text=text, kind=column_for(turn.content, text)))
        turn.changed()
        return turn.ask(Speech().say(turn.say("menu.added", idea=text)), turn.say("menu.reprompt"))


class RemoveFromMenuHandler(Handler):
    """'take foot rubs off our menu'."""

    INTENTS = ("RemoveFromMenuIntent",)

    def respond(self, turn: Turn) -> Reply:
        said = slot_value(turn.hi, "item")
        if said is None:
            return turn.ask(
                Speech().say(turn.say("menu.remove_unclear")), turn.say("menu.reprompt")
            )
        found = matching_items(comfort.menu_items(turn), said)
        if not found:
            speech = Speech().say(turn.say("menu.not_found", idea=" ".join(words_of(said))))
            return turn.ask(speech, turn.say("menu.reprompt"))
        if len(found) > 1:
            # Never guess which one to delete: name them and let the couple say.
            names = choice_words([item.text for item in found[:CHUNK]])
            speech = Speech().say(turn.say("menu.remove_which", idea=names))
            return turn.ask(speech, turn.say("menu.remove_which_reprompt"))
        chosen = found[0]
        menu = own_menu(turn)
        turn.couple.menu = [i for i in menu if not _same(i.text, chosen.text)]
        turn.changed()
        speech = Speech().say(turn.say("menu.removed", idea=chosen.text))
        return turn.ask(speech, turn.say("menu.reprompt"))


class ListMenuHandler(Handler):
    """'what's on our menu' (read in short pieces; 'more' reads on)."""

    INTENTS = ("ListMenuIntent",)

    def respond(self, turn: Turn) -> Reply:
        return read_menu(turn)


class PickFromMenuHandler(Handler):
    """'pick something from our menu' (fitted to today's pain when known)."""

    INTENTS = ("PickFromMenuIntent",)

    def respond(self, turn: Turn) -> Reply:
        return pick_from_menu(turn)


# -- the weekly challenge -------------------------------------------------------------
def active_challenge(turn: Turn) -> Challenge | None:
    """This week's challenge, while it runs (a week, or until all ten are done)."""
    challenge = turn.couple.challenge
    if challenge is None or challenge.done >= CHALLENGE_SIZE:
        return None
    if not 0 <= turn.now - challenge.started_at < WEEK:
        return None
    return challenge


def next_way(turn: Turn, challenge: Challenge) -> str:
    """The next of the ten ways. One about touch (its stand-in is `challenge.gentle.N`,
    N counting from one) gives way to its gentler stand-in on a night when touch hurts
    or pain is high, saying why; the count goes on as usual."""
    gentle = f"challenge.gentle.{challenge.done % CHALLENGE_SIZE + 1}"
    if comfort.is_hard_day(turn) and gentle in turn.content:
        # Stable words, as for the ten: said again only on purpose (challenge_status).
        lead = turn.content.line("challenge.gentle_intro", challenge.done)
        return f"{lead} {turn.content.line(gentle, 0)}"
    return turn.content.line("challenge.ways", challenge.done)


def challenge_status(turn: Turn, speech: Speech) -> Reply:
    challenge = active_challenge(turn)
    if challenge is None:
        old = turn.couple.challenge
        if old is not None and old.done:
            speech.say(turn.say("challenge.last_time", count=number_words(old.done)))
        speech.say(turn.say("challenge.none"))
        return turn.ask(speech, turn.say("challenge.start_reprompt"))
    if challenge.done:
        speech.say(turn.say("challenge.status", count=number_words(challenge.done)))
    else:
        speech.say(turn.say("challenge.status_none_yet"))
    way = next_way(turn, challenge)
    if not set(sentences([way])) <= set(turn.session.sentences):  # not when just said
        speech.say(turn.say("challenge.next_intro"), way)
    return turn.ask(speech, turn.say("challenge.reprompt"))


class StartChallengeHandler(Handler):
    """'start the weekly challenge': ten ways to be close, one at a time."""

    INTENTS = ("StartChallengeIntent",)

    def respond(self, turn: Turn) -> Reply:
        if active_challenge(turn) is not None:
            # Never throw away progress on a repeated 'start': tell them where they are.
            return challenge_status(turn, Speech().say(turn.say("challenge.running")))
        challenge = Challenge(started_at=turn.now)
        turn.couple.challenge = challenge
        turn.changed()
        speech = Speech().say(turn.say("challenge.start"))
        speech.say(turn.say("challenge.first_intro"), next_way(turn, challenge))
        speech.say(turn.say("challenge.how_to_mark"))
        return turn.ask(speech, turn.say("challenge.reprompt"))


class ChallengeDoneHandler(Handler):
    """'we did one': one more of the ten, and the next idea."""

    INTENTS = ("ChallengeDoneIntent",)

    def respond(self, turn: Turn) -> Reply:
        challenge = active_challenge(turn)
        if challenge is None:
            speech = Speech().say(turn.say("challenge.done_without"))
            return turn.ask(speech, turn.say("challenge.start_reprompt"))
        challenge.done += 1
        turn.record_practice("challenge")
        if challenge.done >= CHALLENGE_SIZE:
            return turn.ask(
                Speech().say(turn.say("challenge.complete")), turn.say("launch.reprompt")
            )
        speech = Speech().say(turn.say("challenge.done", count=number_words(challenge.done)))
        speech.say(turn.say("challenge.next_intro"), next_way(turn, challenge))
        return turn.ask(speech, turn.say("challenge.reprompt"))


class ChallengeStatusHandler(Handler):
    """'how's our challenge going'."""

    INTENTS = ("ChallengeStatusIntent",)

    def respond(self, turn: Turn) -> Reply:
        return challenge_status(turn, Speech())
