"""One turn of the conversation as the engine sees it: no request, no ask-sdk types.

A `Turn` holds the injected world (`Deps`), the conversation's typed `SessionState`, and
the couple's record (loaded on first use by whoever built the turn). Engine functions take
a Turn and return a `Reply`; the handler layer turns a Reply into an Alexa response.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skill.config import Config
from skill.engine.content import Content
from skill.engine.locales import supported
from skill.engine.services import Reminders
from skill.engine.session import Offer, Said, SessionState
from skill.engine.ssml import Speech
from skill.engine.state import Couple, Progress

_SENTENCE = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True)
class Deps:
    """What the engine needs from the world, injected so tests control it."""

    config: Config
    content: Content  # the configured locale's
    clock: Callable[[], float]
    rng: random.Random
    _by_locale: dict[str, Content] = field(default_factory=dict, compare=False, repr=False)

    def content_for(self, locale: str | None) -> Content:
        """The request's locale's content (loaded once each), or the configured locale's
        when the skill does not speak the request's."""
        locale = supported(locale, self.config.locale)
        if locale == self.config.locale:
            return self.content
        if locale not in self._by_locale:
            self._by_locale[locale] = Content.load(locale, self.rng)
        return self._by_locale[locale]


@dataclass
class Reply:
    """What to say, and whether to keep listening (`reprompt` set) or close."""

    speech: Speech
    reprompt: str | None = None
    erase: bool = False  # the couple confirmed "forget everything": the handler erases
    expects: tuple[str, ...] = ()  # what the next turn may bring: "number", "yes_no", "talk"
    shows: str | None = None  # words for a screen to show in large type during talk time
    # A platform permission to ask for ("reminders"): by Alexa's own voice prompt, whose
    # answer comes back as a request of its own carrying `permission_token`; or, where it
    # cannot be asked by voice, as a card in the Alexa app (`permission_card`).
    ask_permission: str | None = None
    permission_token: str = ""
    permission_card: str | None = None

    @property
    def open(self) -> bool:
        return self.reprompt is not None


def sentences(parts: list[str]) -> list[str]:
    """The sentences in speech parts (tags such as pauses and sounds skipped)."""
    found: list[str] = []
    for part in parts:
        if not part.startswith("<"):
            found.extend(s.strip() for s in _SENTENCE.split(part) if s.strip())
    return found


class Turn:
    """One request's working view for the engine. Subclasses decide where the couple's
    record comes from (`load_couple`) and what `changed` does; this base keeps it in memory,
    which is all an engine test needs."""

    # The last response was a question outside any ritual, with time to talk it over.
    after_question = False

    def __init__(
        self,
        deps: Deps,
        session: SessionState | None = None,
        *,
        new_session: bool = True,
        locale: str | None = None,
    ):
        self.deps = deps
        self.content = deps.content_for(locale)
        self.now = deps.clock()
        self.session = session or SessionState()
        self.new_session = new_session
        # The question the last response asked: it answers this turn or never.
        self.pending: Offer | None = self.session.offer
        self.session.offer = None
        self._couple: Couple | None = None
        self.dirty = False
        self.is_new_couple = False
        # Alexa reminders; a request from Alexa replaces this 'not available' one.
        self.reminders = Reminders()
        # Who is speaking, when Alexa recognised a voice profile (its personId), else None.
        self.person: str | None = None

    # -- the couple's record -----------------------------------------------------
    def load_couple(self) -> Couple:
        return Couple()

    @property
    def couple(self) -> Couple:
        if self._couple is None:
            self._couple = self.load_couple()
        return self._couple

    def changed(self) -> None:
        """The couple's record is to be saved once the reply is built."""
        self.dirty = True

    def record_practice(self, kind: str, seconds: float | None = None) -> None:
        entry: dict[str, Any] = {
            "id": f"{int(self.now * 1000):x}-{self.deps.rng.getrandbits(32):08x}",
            "kind": kind,
            "at": self.now,
        }
        if seconds is not None:
            entry["seconds"] = seconds
        self.couple.add_practice(entry)
        self.changed()

    # -- the ritual in this conversation ---------------------------------------------
    @property
    def ritual(self) -> Progress | None:
        """The ritual this conversation is in. A ritual paused in an earlier conversation
        is not: it waits in the couple's record until they ask to continue."""
        return self.session.progress

    def keep(self, progress: Progress | None) -> None:
        """Make `progress` this conversation's ritual and the couple's resume point."""
        if progress is not None:
            progress.updated_at = self.now
        else:
            self.couple.resume_declined_at = None  # nothing left to pick up, or decline
        self.session.progress = progress
        self.couple.progress = progress
        self.changed()

    # -- who is speaking ------------------------------------------------------------
    @property
    def speaker(self) -> int | None:
        """Which partner is speaking (0 or 1, the order of their names), when Alexa
        recognised a voice the couple linked to a name ('this is Sam'); else None."""
        name = self.couple.voices.get(self.person) if self.person else None
        names = self.couple.names
        return names.index(name) if name in names else None

    # -- speech ------------------------------------------------------------------
    def say(self, key: str, **values: object) -> str:
        """A variant of `key` that fits tonight (no touch while it hurts: Content.tonight),
        not one said in the last response when another exists."""
        return self.content.pick(self.lines(key), avoid=self.session.sentences, **values)

    def lines(self, key: str) -> tuple[str, ...]:
        """The variants of `key` that fit tonight (Content.tonight)."""
        comfort = self.session.comfort
        touch_hurts = comfort is not None and comfort.touch_hurts
        return self.content.tonight(key, touch_hurts=touch_hurts)

    def ask(self, speech: Speech, reprompt: str, *expects: str) -> Reply:
        """Speak and keep listening; every open reply carries a reprompt."""
        self._remember(speech, reprompt)
        return Reply(speech, reprompt, expects=expects)

    def tell(self, speech: Speech) -> Reply:
        """Speak and close the conversation."""
        self.session.offer = None
        self._remember(speech, None)
        return Reply(speech)

    def offer(
        self, kind: str, speech: Speech, question: str, reprompt: str, value: str | None = None
    ) -> Reply:
        """Ask a yes/no question whose answer goes to the `kind` answer path."""
        speech.say(question)
        self.session.offer = Offer(kind, question, reprompt, value)
        return self.ask(speech, reprompt, "yes_no")

    def _remember(self, speech: Speech, reprompt: str | None) -> None:
        self.session.sentences = sentences(speech.parts)
        if reprompt is not None:
            self.session.last = Said(list(speech.parts), reprompt)


# -- choices that stay put ------------------------------------------------------------
def steady_number(progress: Progress | None, purpose: str) -> int:
    """A number fixed for this run of the ritual, its current step and `purpose`. Choices
    that must not change when a step is said again ('continue' tomorrow) are made from it
    rather than drawn afresh: the wording of a prompt, tonight's idea."""
    seed = purpose
    if progress is not None:
        seed = f"{progress.ritual}:{int(progress.started_at)}:{progress.step}:{purpose}"
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


def steady_say(turn: Turn, key: str, *, moved: int = 0, **values: object) -> str:
    """One variant of `key`, the same one every time the current step is spoken (moved on
    by one when that variant was just said, as when two partners' steps follow; `moved`:
    on by that many more, for 'another one')."""
    number = steady_number(turn.ritual, key) + moved
    count = len(turn.content.variants(key))
    for shift in range(count):
        line = turn.content.line(key, number + shift, **values)
        if not set(sentences([line])) & set(turn.session.sentences):
            return line
    return turn.content.line(key, number, **values)


def seeded(progress: Progress | None, purpose: str) -> random.Random:
    """A random source fixed like `steady_number`."""
    return random.Random(steady_number(progress, purpose))
