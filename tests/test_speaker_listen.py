"""Offline voice input: the grammar from the model, and pocketsphinx on synthesised speech.

The utterances are spoken by espeak-ng, resampled to 16 kHz by sox, given a faint noise
floor (about -60 dBFS: a microphone never delivers digital zeros, and pocketsphinx's
cepstral normalisation misreads exact silence), and fed through the same microphone
path `speaker --listen` uses: a command whose standard output is the audio.
"""

from __future__ import annotations

import array
import functools
import random
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local_speaker import context
from local_speaker.context import Expecting
from local_speaker.matcher import Matcher
from local_speaker.model import FALLBACK, InteractionModel
from local_speaker.runner import END, Bedside, Heard, Inputs
from tests.test_speaker_matcher import RITUALS

pytest.importorskip("pocketsphinx")
if not (shutil.which("espeak-ng") and shutil.which("sox")):
    pytest.skip("espeak-ng and sox are needed to synthesise test speech", allow_module_level=True)

from local_speaker.listen import Listener, Recognizer  # noqa: E402

MODEL = InteractionModel.load()
MATCHER = Matcher(MODEL)
HEADLINES = [
    ("start our evening check in", "EveningCheckInIntent"),
    ("start a hug timer", "HugTimerIntent"),
    ("six second kiss", "KissIntent"),
    ("highs and lows", "HighsAndLowsIntent"),
    ("my pain is at seven", "PainLevelIntent"),
    ("skip", "SkipIntent"),
    ("next", "AMAZON.NextIntent"),
    ("give us more time", "MoreTimeIntent"),
    ("continue", "ContinueIntent"),
    ("i need a break", "AMAZON.PauseIntent"),
]
NOT_COMMANDS = [
    "what is the weather like",
    "turn off the lights",
    "set an alarm for seven",
    "call my mother",
]


@functools.lru_cache(maxsize=64)
def clean_speech(text: str, lead_s: float, tail_s: float) -> bytes:
    """16 kHz 16-bit mono PCM of espeak-ng saying `text`, padded with digital silence."""
    wav = subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "--stdout", text],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return subprocess.run(
        [
            "sox",
            "-R",  # repeatable: sox dithers at random otherwise, a new input every run
            "-t",
            "wav",
            "-",
            "-t",
            "raw",
            "-r",
            "16000",
            "-e",
            "signed",
            "-b",
            "16",
            "-c",
            "1",
            "-",
            "pad",
            str(lead_s),
            str(tail_s),
        ],
        input=wav,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout


@functools.lru_cache(maxsize=4)
def _noise(seed: int) -> array.array:
    rng = random.Random(seed)
    return array.array("h", (int(rng.gauss(0, 30)) for _ in range(16_000 * 8)))


def speech(text: str, rng: random.Random, lead_s: float = 0.3, tail_s: float = 0.6) -> bytes:
    """The same, with a faint noise floor as any microphone has."""
    samples = array.array("h")
    samples.frombytes(clean_speech(text, lead_s, tail_s))
    noise = _noise(rng.randrange(4))
    offset = rng.randrange(len(noise) - len(samples)) if len(samples) < len(noise) else 0
    for i, value in enumerate(samples):
        samples[i] = max(-32767, min(32767, value + noise[(offset + i) % len(noise)]))
    return samples.tobytes()


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(MODEL)


def listener_for(
    recognizer: Recognizer, audio_file: Path, inputs: Inputs | None = None, **kwargs: Any
) -> Listener:
    return Listener(
        recognizer, MATCHER, inputs or Inputs(), mic_command=f"cat {audio_file}", **kwargs
    )


def test_grammar_covers_the_model(recognizer: Recognizer) -> None:
    text = recognizer.grammar.jsgf
    dropped = set(recognizer.grammar.dropped)
    for intent in MODEL.intents:
        sayable = [
            s
            for s in (*intent.samples, *intent.builtin_phrases)
            if f"{intent.name}: {s}" not in dropped
        ]
        rule = f"<i_{intent.name.lower().replace('.', '_')}> = "
        listened_for = bool(sayable) and intent.name not in context.NOT_LISTENED_FOR
        assert (rule in text) == listened_for, intent.name
        assert intent.name == FALLBACK or sayable or intent.name.endswith("MenuIntent")
    assert "<slot_amazon_number> = " in text and " seven " in f" {text} "
    assert "thirty seconds" in text and "two minutes" in text
    for values in MODEL.slot_types.values():
        assert any(v.name in text for v in values)
    # Only free text (and words the dictionary lacks) is left out; every word is known.
    for left_out in recognizer.grammar.dropped:
        name, sample = left_out.split(": ", 1)
        slot_types = MODEL.intent(name).slots
        free = any(
            f"{{{name}}}" in sample and kind == "AMAZON.SearchQuery"
            for name, kind in slot_types.items()
        )
        unknown = any(
            recognizer.decoder.lookup_word(w) is None
            for w in sample.lower().replace("{", " ").replace("}", " ").split()
            if w not in slot_types
        )
        assert free or unknown, left_out
    assert all(recognizer.decoder.lookup_word(w) is not None for w in recognizer.grammar.words)


def test_headline_utterances_are_understood(recognizer: Recognizer, tmp_path: Path) -> None:
    """At least 9 in 10 right, over two different noise floors (20 utterances)."""
    right = total = 0
    audio_s = decode_s = 0.0
    missed = []
    for seed in (1, 2):
        rng = random.Random(seed)
        for text, intent in HEADLINES:
            path = tmp_path / "utterance.raw"
            path.write_bytes(speech(text, rng))
            listener = listener_for(recognizer, path)
            heard = listener.listen_once()
            decoded = listener.last_decoded
            assert decoded is not None
            audio_s += decoded.audio_s
            decode_s += decoded.decode_s
            got = MATCHER.understand(heard.text).intent if heard and heard.text else None
            total += 1
            right += got == intent
            if got != intent:
                missed.append((text, got))
            # A miss is "didn't catch that", never somebody else's ritual.
            assert got is None or got == intent or got not in RITUALS, (text, got)
    rtf = decode_s / audio_s
    print(
        f"\npocketsphinx: {right}/{total} right, real-time factor {rtf:.3f} "
        f"({audio_s:.1f} s of speech), missed {missed}"
    )
    assert right * 10 >= total * 9
    assert rtf < 1.0


def test_other_speech_is_not_caught_rather_than_acted_on(
    recognizer: Recognizer, tmp_path: Path
) -> None:
    rng = random.Random(5)
    rejected = 0
    for text in NOT_COMMANDS:
        path = tmp_path / "other.raw"
        path.write_bytes(speech(text, rng))
        heard = listener_for(recognizer, path).listen_once()
        intent = MATCHER.understand(heard.text).intent if heard and heard.text else None
        assert intent not in RITUALS, (text, intent)
        rejected += heard is None or heard.text is None
    print(f"\nother speech: {rejected}/{len(NOT_COMMANDS)} not caught (the rest matched no ritual)")
    assert rejected >= 3


def test_not_caught_is_said_and_nothing_is_sent() -> None:
    class Said:
        last_latency_s: float | None = None

        def __init__(self) -> None:
            self.said: list[str] = []

        def speak(self, ssml: str, **_: Any) -> bool:
            self.said.append(ssml)
            return True

        def notice(self, text: str) -> None:
            pass

        def close(self) -> None:
            pass

    class NoSkill:
        def invoke(self, **_: Any) -> Any:
            raise AssertionError("nothing may reach the skill")

    from local_speaker.session import Session

    out = Said()
    session = Session(NoSkill(), MATCHER)  # type: ignore[arg-type]
    Bedside(
        session,
        out,
        Inputs([Heard(None, "voice"), END]),  # type: ignore[arg-type]
        not_caught="Sorry, I didn't catch that.",
    ).run()
    assert out.said == ["<speak>Sorry, I didn't catch that.</speak>"]


def test_wake_phrase_mode(recognizer: Recognizer, tmp_path: Path) -> None:
    wake_recognizer = Recognizer(MODEL, wake="")
    assert wake_recognizer.grammar.wake == ("close", "together")
    rng = random.Random(3)
    stream = tmp_path / "room.raw"
    stream.write_bytes(
        speech("start a hug timer", rng, tail_s=1.5)  # not addressed to the speaker
        + speech("close together, six second kiss", rng, tail_s=1.5)
        + speech("close together", rng, tail_s=1.5)
    )
    inputs = Inputs()
    listener = listener_for(wake_recognizer, stream, inputs, wake=True, session_open=lambda: False)
    listener.start()
    listener.join(timeout=60)
    items = []
    while (item := inputs.get(0)) is not None:
        items.append(item)
    # The microphone's stream ended: the speaker ends too (and says why), not deaf.
    assert items[-1] is END and listener.mic_lost == "the microphone command ended"
    heard = items[:-1]
    assert all(isinstance(h, Heard) for h in heard)
    assert [(h.source, MATCHER.understand(h.text or "").intent) for h in heard] == [
        ("voice", "KissIntent"),
        ("button", None),
    ]


def test_push_to_talk_puts_what_was_heard_on_the_queue(
    recognizer: Recognizer, tmp_path: Path
) -> None:
    path = tmp_path / "ptt.raw"
    path.write_bytes(speech("six second kiss", random.Random(1)))
    inputs = Inputs()
    listener = listener_for(recognizer, path, inputs)
    done = threading.Event()
    original = inputs.put

    def put(item: Any) -> None:
        original(item)
        done.set()

    inputs.put = put  # type: ignore[method-assign]
    listener.push_to_talk()
    assert done.wait(30)
    item = inputs.get(0)
    assert isinstance(item, Heard) and item.source == "voice"
    assert MATCHER.understand(item.text or "").intent == "KissIntent"


class _Stub:
    """Stands in for the recogniser where only its wake phrase matters."""

    class grammar:  # noqa: N801 - mirrors Recognizer.grammar
        wake = ("close", "together")

    spoken_edits = 4  # the stock model's (listen.MAX_SPOKEN_EDITS)


def decoded(text: str, garbage: bool = False) -> Any:
    from local_speaker.listen import Decoded

    return Decoded(tuple(text.split()), garbage, 1.0, 0.1)


def wake_listener(*, session_open: bool, playing: Callable[[float], bool]) -> Listener:
    """A wake-mode listener with no microphone, to be handed decodings."""
    return Listener(
        _Stub(),  # type: ignore[arg-type]
        MATCHER,
        Inputs(),
        mic_command="true",
        wake=True,
        session_open=lambda: session_open,
        playing=playing,
    )


@pytest.mark.parametrize(
    ("text", "garbage", "session_open", "playing", "expected"),
    [
        ("close together start a hug timer", False, False, False, ("voice", "HugTimerIntent")),
        ("start a hug timer", False, False, False, None),  # room talk
        ("next", False, True, False, ("voice", "AMAZON.NextIntent")),  # answering
        ("next", False, True, True, None),  # the speaker hearing itself say "next"
        ("close together next", False, True, True, ("voice", "AMAZON.NextIntent")),
        ("close together", False, False, False, ("button", None)),
        ("close together open close together", False, False, False, ("button", None)),
        ("oh my", True, False, False, None),  # room talk while nobody is answered
        ("oh my", True, True, False, None),  # not said to it, though it waits for an answer
        ("oh my", True, True, True, None),  # nor while a massage's quiet plays
        ("we should paint the hall", False, True, False, None),  # words, not a command
        ("close together oh my", True, True, False, ("voice", "not caught")),  # said to it
        ("close together the highs and", False, False, False, ("voice", "not caught")),
    ],
)
def test_wake_mode_decides_what_was_for_us(
    text: str, garbage: bool, session_open: bool, playing: bool, expected: Any
) -> None:
    listener = wake_listener(session_open=session_open, playing=lambda since: playing)
    heard = listener.heard(decoded(text, garbage), at=0.0)
    if expected is None:
        assert heard is None
        return
    assert heard is not None
    source, intent = expected
    got = "not caught" if heard.text is None else MATCHER.understand(heard.text).intent
    assert (heard.source, got) == (source, intent)


@pytest.mark.parametrize(("playing", "expected"), [(False, FALLBACK), (True, "nothing")])
def test_wake_mode_at_a_talk_step_hears_the_couple_still_talking(
    playing: bool, expected: str
) -> None:
    """At a talk step what is not a command is the couple talking: the skill hears its
    fallback intent and gives more quiet; while the talk time itself plays, nothing."""
    listener = wake_listener(session_open=True, playing=lambda since: playing)
    talk = Expecting(frozenset(), talk=True)
    heard = listener.heard(decoded("i felt so tired today", True), at=0.0, expect=talk)
    assert (heard.intent if heard is not None else "nothing") == expected


def test_wake_mode_ignores_the_speaker_s_own_last_words(tmp_path: Path) -> None:
    """Its last words ('... say next when you're ready') end as playing does, so the
    stretch that holds them is decoded after: what began while it played is its own voice."""
    stopped_playing = 9.5
    listener = wake_listener(session_open=True, playing=lambda since: stopped_playing >= since)
    echo = listener.heard(decoded("next", False), at=10.0, since=9.0)  # "... say next"
    assert echo is None
    answer = listener.heard(decoded("next", False), at=12.0, since=11.0)
    assert answer is not None and answer.intent == "AMAZON.NextIntent"


def test_push_to_talk_stops_playback_at_once_and_a_silent_press_is_answered() -> None:
    inputs = Inputs()
    listener = Listener(
        _Stub(),  # type: ignore[arg-type]
        MATCHER,
        inputs,
        mic_command="true",  # a microphone that hears nothing
    )
    listener.push_to_talk()
    assert inputs.pending.is_set()
    for _ in range(100):
        if not listener.capturing:
            break
        threading.Event().wait(0.01)
    assert not listener.capturing
    item = inputs.get(0)  # nothing was heard: "Sorry, I didn't catch that", never silence
    assert isinstance(item, Heard) and item.text is None and item.source == "voice"


class _Ears:
    """Stands in for the recogniser: keeps the audio it is given, hears nothing."""

    grammar = _Stub.grammar

    def __init__(self) -> None:
        self.given: list[bytes] = []

    def decode(self, pcm: bytes, **_: Any) -> Any:
        self.given.append(pcm)
        return decoded("", garbage=True)


def _onsets(parts: list[bytes]) -> list[float]:
    """Where each part's words begin in the joined stream, in seconds."""
    found, start = [], 0
    for part in parts:
        samples = array.array("h")
        samples.frombytes(part)
        first = next(i for i, value in enumerate(samples) if abs(value) > 1000)
        found.append((start + 2 * first) / 32_000)
        start += len(part)
    return found


@pytest.mark.parametrize("wake", [False, True])
def test_the_decoder_hears_the_room_just_before_the_words(wake: bool, tmp_path: Path) -> None:
    from local_speaker.listen import PRE_ROLL_S

    rng = random.Random(5)
    parts = [speech(text, rng, lead_s=1.0, tail_s=1.5) for text in ("skip this one", "next")]
    stream = b"".join(parts if wake else parts[:1])
    path = tmp_path / "room.raw"
    path.write_bytes(stream)
    ears = _Ears()
    listener = listener_for(ears, path, wake=wake)  # type: ignore[arg-type]
    if wake:
        listener.start()
        listener.join(timeout=30)
    else:
        assert listener.listen_once() is not None
    assert len(ears.given) == (2 if wake else 1)
    for pcm, onset in zip(ears.given, _onsets(parts), strict=False):
        offset = stream.find(pcm)
        assert offset >= 0 and offset % 2 == 0  # one unbroken stretch of what the mic gave
        lead = onset - offset / 32_000
        assert PRE_ROLL_S - 0.08 <= lead <= PRE_ROLL_S + 0.08  # the room, then the words


FRAME_BYTES, FRAME_S = 960, 0.03  # pocketsphinx's endpointer at 16 kHz


def _steady(frames: int, loudness: int, rng: random.Random) -> bytes:
    """Noise the voice-activity detector hears as speech (loud) or as the room (faint);
    every frame differs, so `stream.find` shows where a stretch came from."""
    n = frames * FRAME_BYTES // 2
    return array.array(
        "h", (max(-32767, min(32767, int(rng.gauss(0, loudness)))) for _ in range(n))
    ).tobytes()


def _stretches(stream: bytes, tmp_path: Path, *, wake: bool) -> list[bytes]:
    path = tmp_path / "mic.raw"
    path.write_bytes(stream)
    ears = _Ears()
    listener = listener_for(ears, path, wake=wake, session_open=lambda: True)  # type: ignore[arg-type]
    if wake:
        listener.start()
        listener.join(timeout=30)
    else:
        listener.listen_once()
    return ears.given


@pytest.mark.parametrize("wake", [False, True])
def test_speech_from_the_first_sample_is_heard_whole(wake: bool, tmp_path: Path) -> None:
    from local_speaker.listen import PRE_ROLL_S

    rng = random.Random(1)
    stream = b"".join(_steady(40, loud, rng) for loud in (6000, 20, 6000, 20))
    given = _stretches(stream, tmp_path, wake=wake)
    assert len(given) == (2 if wake else 1)
    assert stream.startswith(given[0])  # no room before it to give: nothing lost or made up
    if wake:  # the next stretch, 80 frames in, gets the room before it again
        assert stream.find(given[1]) == (80 - round(PRE_ROLL_S / FRAME_S)) * FRAME_BYTES


def test_wake_mode_goes_on_after_a_cut_at_the_longest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local_speaker import listen

    monkeypatch.setattr(listen, "MAX_UTTERANCE_S", 1.0)
    pre = round(listen.PRE_ROLL_S / FRAME_S)
    rng = random.Random(2)
    onset = 30
    stream = b"".join(  # 3 s of speech (cut twice, goes on), a pause, then a short stretch
        _steady(frames, loud, rng) for frames, loud in ((onset, 20), (100, 6000), (40, 20))
    ) + b"".join(_steady(frames, loud, rng) for frames, loud in ((20, 6000), (40, 20)))
    given = _stretches(stream, tmp_path, wake=True)
    offsets = [stream.find(pcm) for pcm in given]
    assert all(offset >= 0 for offset in offsets)  # each one unbroken
    assert offsets[0] == (onset - pre) * FRAME_BYTES  # the room before the first words
    long = [i for i, offset in enumerate(offsets) if offset < (onset + 100) * FRAME_BYTES]
    assert len(long) >= 3
    for i in long[1:]:  # each piece starts where the one before stopped: none lost or twice
        assert offsets[i] == offsets[i - 1] + len(given[i - 1])
    voiced = [len(given[0]) // FRAME_BYTES - pre] + [len(p) // FRAME_BYTES for p in given[1:-1]]
    assert max(voiced) <= round(1.0 / FRAME_S) + 1  # no piece longer than the longest allowed
    assert offsets[-1] == (onset + 100 + 40 - pre) * FRAME_BYTES  # after the pause: the room
