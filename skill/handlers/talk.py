"""Things to talk about: question decks, words for hard moments, and 'another one'.

A couple never hears one of their last fifty deck questions again, across sessions:
the record keeps compact ids such as "emotional:12". Words for hard moments avoid the
lines already offered in this session.
"""

from __future__ import annotations

from skill.engine import comfort, rituals
from skill.engine.context import Reply
from skill.engine.ssml import Speech
from skill.engine.state import RECENT_DECK_LIMIT
from skill.engine.synonyms import slot_synonyms
from skill.handlers import Handler, Turn, slot_id, slot_value
from skill.handlers.menu import pick_from_menu
from skill.handlers.progress import practice_idea

DECK, SITUATION = "DeckKind", "WordsSituation"


def decks(turn: Turn) -> list[str]:
    """The question decks (the model's DeckKind values), the content keys "deck.<id>"."""
    return list(slot_synonyms("en-US", DECK))


def situations() -> list[str]:
    """Hard moments with words (the model's WordsSituation values), keys "words.<id>"."""
    return list(slot_synonyms("en-US", SITUATION))


def deck_question(turn: Turn, kind: str | None) -> tuple[str, str, bool]:
    """(deck, question, moved): a question not among the couple's last fifty heard.

    When every question of the asked-for deck was heard lately, or it is about touch and
    touch hurts tonight, one comes from another deck (`moved` is then True)."""
    recent = turn.couple.recent_deck
    heard = set(recent)
    rng = turn.deps.rng
    allowed = [k for k in decks(turn) if comfort.allows_deck(turn, k)]
    others = [k for k in allowed if k != kind]
    rng.shuffle(others)
    order = ([kind] if kind in allowed else []) + others
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


def ask_question(turn: Turn, kind: str | None) -> Reply:
    deck, question, moved = deck_question(turn, kind)
    # Moved off the deck asked for (about touch on a night it hurts, or every question
    # heard lately): said once, and "another one" goes on from any deck without saying
    # it again.
    turn.session.another = f"deck:{'any' if moved else (kind or 'any')}"
    speech = Speech()
    if moved and not comfort.allows_deck(turn, kind or ""):
        speech.say(turn.say("question.not_touch_tonight"))
    elif moved:
        speech.say(turn.say(f"question.deck_heard.{kind}"))
    speech.say(turn.say(f"question.intro.{deck}"), question)
    speech.say(turn.say("talk.invite")).pause(turn.deps.config.talk_seconds * 1000)
    speech.say(turn.say("question.after"))
    turn.session.talking = True
    return turn.ask(speech, turn.say("question.reprompt"), "talk")


def said_to_each_other(turn: Turn) -> Reply | None:
    """Words meant for each other while they talk (at a ritual's talk step, or after a
    question): more quiet for them; None anywhere else."""
    talking = rituals.at_talk_step(turn)
    if talking is not None:
        return rituals.on_unclear(turn, talking)
    if turn.after_question:
        return still_talking(turn)
    return None


def still_talking(turn: Turn) -> Reply:
    """Words that matched nothing after a question: the couple talking it over, as at a
    ritual's talk step: more quiet, and how to go on when they are done."""
    turn.session.talking = True
    speech = Speech().pause(rituals.STILL_TALKING_SECONDS * 1000)
    speech.say(turn.say("question.still_talking"))
    return turn.ask(speech, turn.say("question.reprompt"), "talk")


def offer_words(turn: Turn, situation: str | None) -> Reply:
    rng = turn.deps.rng
    chosen = situation or rng.choice(situations())
    lines = turn.lines(f"words.{chosen}")
    seen = turn.session.words_seen
    fresh = [i for i in range(len(lines)) if f"{chosen}:{i}" not in seen]
    index = rng.choice(fresh or list(range(len(lines))))
    turn.session.words_seen = [*seen, f"{chosen}:{index}"]
    turn.session.another = f"words:{chosen}"
    speech = Speech().say(turn.say(f"words_intro.{chosen}"), lines[index])
    if situation is None:
        speech.say(turn.say("words_help.options"))
    speech.say(turn.say("words_help.after"))
    return turn.ask(speech, turn.say("words_help.reprompt"))


class QuestionHandler(Handler):
    """'ask us a question' / 'give us a spiritual question'."""

    INTENTS = ("QuestionIntent",)

    def respond(self, turn: Turn) -> Reply:
        return ask_question(turn, slot_id(turn.hi, "deck", DECK))


class WordsHandler(Handler):
    """'help me say something' (about a situation, or any)."""

    INTENTS = ("WordsIntent",)

    def respond(self, turn: Turn) -> Reply:
        situation = slot_id(turn.hi, "situation", SITUATION)
        if situation is None and slot_value(turn.hi, "situation") is not None:
            # "Help me with the laundry tomorrow", said to each other while they talk: not
            # a situation the words are for, so the couple is still talking.
            reply = said_to_each_other(turn)
            if reply is not None:
                return reply
        return offer_words(turn, situation)


class AnotherOneHandler(Handler):
    """'another one': more of whatever was just offered; a question if nothing was."""

    INTENTS = ("AnotherOneIntent",)

    def respond(self, turn: Turn) -> Reply:
        progress = turn.ritual
        step = rituals.step_of(progress) if progress is not None else None
        if progress is not None and step is not None and step.on_no == rituals.ANOTHER:
            return rituals.on_skip(turn, progress)  # a different question at this step
        if progress is not None and step is not None and step.kind == "idea":
            progress.idea += 1  # a different closeness idea, fitting tonight as the first
            turn.keep(progress)
            return rituals.step_speech(turn, progress)
        talking = rituals.at_talk_step(turn)
        if talking is not None and not turn.session.another:
            return rituals.on_unclear(turn, talking)  # "one more", said to each other
        last = turn.session.another
        what, _, which = last.partition(":") if last else ("deck", "", "any")
        if what == "words":
            return offer_words(turn, which if which in situations() else None)
        if what == "menu":
            return pick_from_menu(turn)
        if what == "practice":
            return practice_idea(
                turn, which if which in slot_synonyms("en-US", "TimeOfDay") else None
            )
        return next_question(turn)


def next_question(turn: Turn) -> Reply:
    """Another question from the deck the last one came from."""
    last = turn.session.another or ""
    which = last.partition(":")[2] if last.startswith("deck:") else "any"
    return ask_question(turn, which if which in decks(turn) else None)
