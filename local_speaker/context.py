"""What the skill is waiting for, and so which spoken phrases may count.

The skill says it in its session attributes: `"expects"` is a list among "number" (a pain
level is awaited), "yes_no" (a yes/no question is pending) and "talk" (the couple is
talking to each other: what is not a command is them still talking, sent to the skill as
its fallback intent rather than answered with "I didn't catch that"). A bare number or a
bare yes/no is heard only when awaited, so "not right now" said across the pillow or a
number in the noise never answers a question nobody asked.

With no conversation open nothing is awaited. A skill that does not send the key yet
(an open session without "expects") gets what it always had: everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_speaker.matcher import SLOT_IN_SAMPLE
from local_speaker.model import NUMBER as NUMBER_SLOT
from local_speaker.model import Intent, Phrases
from local_speaker.normalize import tokens
from skill.engine.tracks import PLAYS_ONCE

NUMBER, YES_NO, TALK = "number", "yes_no", "talk"
GATED = frozenset({NUMBER, YES_NO})
YES_NO_INTENTS = frozenset({"AMAZON.YesIntent", "AMAZON.NoIntent"})
# Loop and shuffle, which Alexa's audio player requires: a ritual plays once, so all the
# skill can answer them is that it does. They are never listened for (typing still
# reaches them): "can you turn off the lamp" was heard as "can you turn off loop".
NEVER_SPOKEN = "never_spoken"
NOT_LISTENED_FOR = frozenset(PLAYS_ONCE)


@dataclass(frozen=True)
class Expecting:
    """Which gated phrases may be heard now, and whether the couple is mid-talk."""

    allowed: frozenset[str] = frozenset()
    talk: bool = False

    @property
    def key(self) -> str:
        """A stable name for this set (one recogniser search each)."""
        return "+".join(sorted(self.allowed)) or "none"


EVERYTHING = Expecting(GATED)
NOTHING = Expecting()


def expecting(session_open: bool, attributes: Mapping[str, Any] | None) -> Expecting:
    """From the skill's last response (its session attributes)."""
    if not session_open:
        return NOTHING
    raw = (attributes or {}).get("expects")
    if not isinstance(raw, list | tuple):
        return EVERYTHING  # a skill that does not say: today's behaviour
    names = {str(name) for name in raw}
    return Expecting(frozenset(names & GATED), talk=TALK in names)


def needs(intent: Intent, sample: str | None, phrases: Phrases) -> str | None:
    """The context a sample needs to count, or None for a command that stands alone.

    Yes and no need a pending question; a sample that is a number and nothing more
    ("{level}", "a {level}") needs a number to be awaited; loop and shuffle are never
    awaited.
    """
    if intent.name in NOT_LISTENED_FOR:
        return NEVER_SPOKEN
    if intent.name in YES_NO_INTENTS:
        return YES_NO
    if sample is None:
        return None
    slots = [intent.slots.get(found.group(1)) for found in SLOT_IN_SAMPLE.finditer(sample)]
    if NUMBER_SLOT not in slots:
        return None
    words = tokens(SLOT_IN_SAMPLE.sub(" ", sample), phrases)
    optional = phrases.optional_in_samples | phrases.determiners | phrases.fillers
    return NUMBER if all(w in optional for w in words) else None


def allows(expect: Expecting | None, intent: Intent, sample: str | None, phrases: Phrases) -> bool:
    """May this sample be heard now? (None: no context known, everything may.)"""
    needed = needs(intent, sample, phrases)
    return needed is None or expect is None or needed in expect.allowed
