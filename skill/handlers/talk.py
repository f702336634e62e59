"""Things to talk about: question decks, words for hard moments, and 'another one'.

A couple never hears one of their last fifty deck questions again, across sessions:
the record keeps compact ids such as "emotional:12". Words for hard moments avoid the
lines already offered in this session.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.engine.ssml import Speech
from skill.engine.state import RECENT_DECK_LIMIT
from skill.handlers import ANOTHER, Handler, slot_id
from skill.handlers.menu import pick_from_menu
from skill.handlers.turn import Turn

# Deck ids, the content keys "deck.<id>", and the words people use for each.
DECKS: dict[str, tuple[str, ...]] = {
    "emotional": ("feelings", "feeling", "heartfelt", "heart", "deep", "emotions"),
    "intellectual": ("thinking", "thoughtful", "ideas", "curious", "mind", "big ideas"),
    "physical": ("physical affection", "affection", "affectionate", "touch", "cuddly"),
    "experiential": ("experience", "shared experience", "adventure", "fun", "memories"),
    "spiritual": ("meaning", "values", "soul", "purpose", "big picture", "faith"),
    "everyday": (
        "daily",
        "light",
        "easy",
        "simple",
        "better than how was your day",
        "how was your day",
        "day to day",
    ),
}
# Situations, the content keys "words.<id>", and the words people use for each.
SITUATIONS: dict[str, tuple[str, ...]] = {
    "opening": (
        "starting a hard conversation",
        "a hard conversation",
        "starting a hard talk",
        "bringing something up",
        "raising something",
        "getting started",
    ),
    "validating": (
        "validation",
        "showing i understand",
        "understanding",
        "when my partner is upset",
        "feeling heard",
    ),
    "pausing": (
        "taking a break",
        "needing a break",
        "a break",
        "pausing",
        "slowing down",
        "stopping",
    ),
    "listening": (
        "listen",
        "listening or suggesting",
        "just listening",
        "when to listen",
        "suggestions",
    ),
    "reassuring": ("reassurance", "comfort", "comforting", "feeling rejected", "rejection"),
    "asking": (
        "asking for what i need",
        "asking for closeness",
        "what i need",
        "asking for something",
        "needs",
    ),
}
WORDS_SEEN = "words_seen"


def deck_question(turn: Turn, kind: str | None) -> tuple[str, str, bool]:
    """(deck, question, moved): a question not among the couple's last fifty heard.

    When every question of the asked-for deck was heard lately, one comes from another
    deck rather than repeat (`moved` is then True)."""
    recent = turn.couple.recent_deck
    heard = set(recent)
    rng = turn.deps.rng
    others = [k for k in DECKS if k != kind]
    rng.shuffle(others)
    order = ([kind] if kind else []) + others
    for deck in order:
        questions = turn.content.variants(f"deck.{deck}")
        fresh = [i for i in range(len(questions)) if f"{deck}:{i}" not in heard]
        if fresh:
            index = rng.choice(fresh)
            break
    else:  # every question heard lately (only with tiny decks): the longest ago
        deck, _, number = recent[0].partition(":")
        index = int(number) if number.isdigit() else 0
    question_id = f"{deck}:{index}"
    turn.couple.recent_deck = [q for q in recent if q != question_id][-(RECENT_DECK_LIMIT - 1) :]
    turn.couple.recent_deck.append(question_id)
    turn.changed()
    return deck, turn.content.line(f"deck.{deck}", index), kind is not None and deck != kind


def ask_question(turn: Turn, kind: str | None) -> Response:
    deck, question, moved = deck_question(turn, kind)
    turn.session[ANOTHER] = f"deck:{kind or 'any'}"
    speech = Speech()
    if moved:
        speech.say(turn.say(f"question.deck_heard.{kind}"))
    speech.say(turn.say(f"question.intro.{deck}"), question)
    speech.say(turn.say("talk.invite")).pause(turn.deps.config.talk_seconds * 1000)
    speech.say(turn.say("question.after"))
    return turn.ask(speech, turn.say("question.reprompt"))


def offer_words(turn: Turn, situation: str | None) -> Response:
    rng = turn.deps.rng
    chosen = situation or rng.choice(list(SITUATIONS))
    lines = turn.content.variants(f"words.{chosen}")
    seen = turn.session.get(WORDS_SEEN)
    seen = [s for s in seen if isinstance(s, str)] if isinstance(seen, list) else []
    fresh = [i for i in range(len(lines)) if f"{chosen}:{i}" not in seen]
    index = rng.choice(fresh or list(range(len(lines))))
    turn.session[WORDS_SEEN] = (seen + [f"{chosen}:{index}"])[-20:]
    turn.session[ANOTHER] = f"words:{chosen}"
    speech = Speech().say(turn.say(f"words_intro.{chosen}"), lines[index])
    if situation is None:
        speech.say(turn.say("words_help.options"))
    speech.say(turn.say("words_help.after"))
    return turn.ask(speech, turn.say("words_help.reprompt"))


class QuestionHandler(Handler):
    """'ask us a question' / 'give us a spiritual question'."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("QuestionIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        return ask_question(turn, slot_id(turn.hi, "deck", DECKS))


class WordsHandler(Handler):
    """'help me say something' (about a situation, or any)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("WordsIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        return offer_words(turn, slot_id(turn.hi, "situation", SITUATIONS))


class AnotherOneHandler(Handler):
    """'another one': more of whatever was just offered; a question if nothing was."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name("AnotherOneIntent")(handler_input))

    def respond(self, turn: Turn) -> Response:
        turn.expect(None)
        last = turn.session.get(ANOTHER)
        what, _, which = last.partition(":") if isinstance(last, str) else ("deck", "", "any")
        if what == "words":
            return offer_words(turn, which if which in SITUATIONS else None)
        if what == "menu":
            return pick_from_menu(turn)
        return ask_question(turn, which if which in DECKS else None)
