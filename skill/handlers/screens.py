"""Bedside screens: APL documents for devices that can show them (Echo Show).

The documents are data, one JSON file per screen in `skill/content/apl/`: a dim countdown
for the hug and kiss, a breathing circle, the massage halves, the talk-time question in
large type. Each is filled from a `screen` data source: numbers from the ritual's timing,
words from the content files. A device that does not list `Alexa.Presentation.APL` among
its supported interfaces gets nothing.

The screen appears when the response arrives, while Alexa is still saying the opening;
`leadInMs` (an estimate from the words spoken before the first pause) holds the count
back so that it starts with the quiet.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

from skill.engine import rituals
from skill.engine.spoken import duration_words
from skill.engine.ssml import Speech
from skill.handlers.turn import RequestTurn as Turn

APL_DIR = Path(__file__).resolve().parents[1] / "content" / "apl"
KINDS = ("countdown", "breathing", "massage", "talk")
TOKEN_PREFIX = "close-together:screen:"
APL_INTERFACE = "Alexa.Presentation.APL"
# Alexa speaks about 150 words a minute.
MS_PER_WORD = 400


@lru_cache(maxsize=len(KINDS))
def _document_text(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"no screen called {kind!r}")
    return (APL_DIR / f"{kind}.json").read_text(encoding="utf-8")


def document(kind: str) -> dict[str, Any]:
    """A fresh copy of the screen's APL document."""
    loaded = json.loads(_document_text(kind))
    assert isinstance(loaded, dict)
    return loaded


def supports_apl(supported_interfaces: Any) -> bool:
    """Whether the device lists Alexa.Presentation.APL (an ask-sdk model or plain JSON)."""
    if supported_interfaces is None:
        return False
    if isinstance(supported_interfaces, dict):
        return APL_INTERFACE in supported_interfaces
    return getattr(supported_interfaces, "alexa_presentation_apl", None) is not None


def directive(kind: str, supported_interfaces: Any, **data: Any) -> RenderDocumentDirective | None:
    """The RenderDocument directive for screen `kind` filled with `data`, or None when the
    device cannot show APL. For the talk screen: directive("talk", interfaces, title=...,
    text=question, hint=...)."""
    if not supports_apl(supported_interfaces):
        return None
    return RenderDocumentDirective(
        token=f"{TOKEN_PREFIX}{kind}",
        document=document(kind),
        datasources={"screen": data},
    )


def lead_in_ms(ssml: str) -> int:
    """About how long Alexa speaks before the first pause in `ssml` (all of it if none)."""
    before = ssml.split("<break", 1)[0]
    words = re.sub(r"<[^>]+>", " ", before).split()
    return len(words) * MS_PER_WORD


# -- for handlers: each adds the screen to this turn's response when the device has one ------
def interfaces_of(turn: Turn) -> Any:
    system = getattr(turn.hi.request_envelope.context, "system", None)
    return getattr(getattr(system, "device", None), "supported_interfaces", None)


def attach(turn: Turn, kind: str, **data: Any) -> bool:
    """Add screen `kind` to the response; False when the device has no screen for it."""
    found = directive(kind, interfaces_of(turn), **data)
    if found is None:
        return False
    turn.hi.response_builder.add_directive(found)
    return True


def countdown(turn: Turn, speech: Speech, seconds: int, label_key: str) -> bool:
    """The hug or kiss countdown ('screen.hug', 'screen.kiss')."""
    return attach(
        turn,
        "countdown",
        seconds=seconds,
        leadInMs=lead_in_ms(speech.ssml),
        label=turn.say(label_key),
        doneLabel=turn.say("screen.done"),
    )


def breathing(turn: Turn, speech: Speech, seconds: int) -> bool:
    return attach(
        turn,
        "breathing",
        cycles=seconds // rituals.BREATH_CYCLE_SECONDS,
        inMs=rituals.BREATH_IN_MS,
        outMs=rituals.BREATH_OUT_MS,
        leadInMs=lead_in_ms(speech.ssml),
        readyLabel=turn.say("screen.breathing.ready"),
        inLabel=turn.say("screen.breathing.in"),
        outLabel=turn.say("screen.breathing.out"),
        doneLabel=turn.say("screen.done"),
    )


def massage(turn: Turn, speech: Speech, seconds: int) -> bool:
    return attach(
        turn,
        "massage",
        halfMs=seconds * 500,
        leadInMs=lead_in_ms(speech.ssml),
        firstLabel=turn.say("screen.massage.first"),
        secondLabel=turn.say("screen.massage.second"),
        doneLabel=turn.say("screen.massage.done"),
        halfLabel=turn.say("screen.massage.half", duration=duration_words(seconds // 2)),
    )


def talk(turn: Turn, text: str) -> bool:
    """The talk-time question or prompt in large type (for the talk steps of a ritual)."""
    return attach(
        turn,
        "talk",
        title=turn.say("screen.talk.title"),
        text=text,
        hint=turn.say("screen.talk.hint"),
    )
