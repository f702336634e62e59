"""FastSerializer gives exactly what ask-sdk's DefaultSerializer gives: the same models from
every envelope (real-shaped and fuzzed), the same errors, and the same JSON for answers."""

from __future__ import annotations

import json
import random
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from hypothesis import given, settings

from skill.builder import build_skill
from skill.config import Config
from skill.frontends.serialize import FastSerializer
from tests.test_fuzz import BASES, mutated

DEFAULT, FAST = DefaultSerializer(), FastSerializer()


def both(env: Any) -> tuple[Any, Any]:
    """What each serializer makes of an envelope: a model, or the error's message."""
    out = []
    for make in (
        lambda: DEFAULT.deserialize(json.dumps(env), RequestEnvelope),
        lambda: FAST.from_json(json.loads(json.dumps(env)), RequestEnvelope),
    ):
        try:
            out.append(make())
        except SerializationException as exc:
            out.append(("error", "discriminator" in str(exc)))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            out.append(("error", type(exc).__name__))
    return out[0], out[1]


def test_every_real_shaped_envelope_deserialises_the_same() -> None:
    for env in BASES:
        default, fast = both(env)
        assert default == fast
        assert DEFAULT.serialize(default) == FAST.serialize(fast)


@settings(max_examples=300, deadline=None)
@given(mutated())
def test_fuzzed_envelopes_deserialise_the_same(env: dict[str, Any]) -> None:
    default, fast = both(env)
    assert default == fast


def test_timestamps_are_datetimes_as_before() -> None:
    default, fast = both(BASES[0])
    assert fast.request.timestamp == default.request.timestamp
    assert fast.request.timestamp.utcoffset() == default.request.timestamp.utcoffset()


def test_answers_serialise_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    skill = build_skill(Config(db_path=tmp_path / "s.sqlite3", verify=False), rng=random.Random(3))
    for env in BASES:
        request = DEFAULT.deserialize(json.dumps(env), RequestEnvelope)
        answer = skill.invoke(request_envelope=request, context=None)
        assert FAST.serialize(answer) == DEFAULT.serialize(answer)
