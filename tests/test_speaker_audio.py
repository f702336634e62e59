"""Real pyttsx3 + espeak-ng to WAV, measured: exact quiet, talk time, several utterances.

The skill's answers go through the local front end and are written by the same WAV
output the `--wav` options use; the files are then read back with `wave` and measured
by amplitude: quiet is where no sample exceeds about -40 dBFS.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from local_speaker import audio, sounds, ssml_render
from local_speaker.matcher import Matcher
from local_speaker.model import InteractionModel
from local_speaker.output import WavOutput
from local_speaker.runner import END, Bedside, Inputs
from local_speaker.session import Session
from local_speaker.tts import Pyttsx3Synthesizer
from local_speaker.voice import Voice
from skill.builder import build_skill
from skill.config import Config
from skill.engine import ssml
from skill.stores.sqlite import SQLiteAdapter

pytest.importorskip("pyttsx3")
TOLERANCE_S = 0.1
MATCHER = Matcher(InteractionModel.load())


@pytest.fixture(scope="module")
def voice() -> Any:
    synthesizer = Pyttsx3Synthesizer()
    yield Voice(synthesizer)
    synthesizer.close()


def speak_to_wav(
    lines: list[str], path: Path, voice: Voice, config: Config, store: SQLiteAdapter, clock: Any
) -> list[str]:
    """Drive the skill with typed lines; every answer goes into one WAV file."""
    skill = build_skill(config, store=store, clock=clock, rng=random.Random(3))
    session = Session(skill, MATCHER, clock=clock)
    output = WavOutput(Console(quiet=True), voice, file=path)
    said: list[str] = []
    original = output.speak

    def keep(ssml_text: str, **kwargs: Any) -> bool:
        said.append(ssml_text)
        return original(ssml_text, **kwargs)

    output.speak = keep  # type: ignore[method-assign,assignment]
    Bedside(session, output, Inputs([*lines, END])).run()
    output.close()
    return said


def quiet_gaps(path: Path) -> tuple[audio.Pcm, list[audio.Span]]:
    pcm = audio.read_wav(path)
    return pcm, audio.quiet_gaps(pcm.samples, pcm.rate, min_gap_s=1.0)


@pytest.mark.parametrize(
    ("utterance", "seconds"), [("start a hug timer", 20.0), ("six second kiss", 6.0)]
)
def test_timer_quiet_is_exact(
    utterance: str,
    seconds: float,
    voice: Voice,
    tmp_path: Path,
    config: Config,
    store: SQLiteAdapter,
    clock: Any,
) -> None:
    wav = tmp_path / "timer.wav"
    said = speak_to_wav([utterance], wav, voice, config, store, clock)
    assert ssml.measure(said[0]).total_break_ms == seconds * 1000
    pcm, gaps = quiet_gaps(wav)
    assert len(gaps) == 1, [g.seconds(pcm.rate) for g in gaps]
    gap = gaps[0]
    assert gap.seconds(pcm.rate) == pytest.approx(seconds, abs=TOLERANCE_S)
    # Speech before the quiet, the chime right after it (sample for sample), then words.
    chime = sounds.sound_for(ssml.CHIME)
    assert chime is not None
    onset = audio.first_sound(chime.samples)
    assert onset is not None
    start = gap.end - onset
    assert pcm.samples[start : start + 2000] == chime.samples[:2000]
    assert gap.start > pcm.rate  # the cue was spoken first
    assert (audio.last_sound(pcm.samples) or 0) > start + len(chime.samples)  # closing line


def test_highs_and_lows_turns_have_their_talk_time(
    voice: Voice, tmp_path: Path, config: Config, store: SQLiteAdapter, clock: Any
) -> None:
    wav = tmp_path / "turn.wav"
    speak_to_wav(["highs and lows"], wav, voice, config, store, clock)
    pcm, gaps = quiet_gaps(wav)
    longest = max(gaps, key=lambda g: g.end - g.start)
    assert longest.seconds(pcm.rate) == pytest.approx(45.0, abs=TOLERANCE_S)
    assert (audio.last_sound(pcm.samples) or 0) > longest.end  # "say next when ready" follows


def test_every_pause_of_the_breathing_ritual_is_kept(
    voice: Voice, tmp_path: Path, config: Config, store: SQLiteAdapter, clock: Any
) -> None:
    if "BreathingIntent" not in {i.name for i in MATCHER.model.intents}:
        pytest.skip("the interaction model has no breathing ritual")
    wav = tmp_path / "breathing.wav"
    said = speak_to_wav(["breathe together"], wav, voice, config, store, clock)
    planned = [
        step.ms / 1000
        for step in ssml_render.plan(ssml_render.parse(said[0]), 300)
        if isinstance(step, ssml_render.Gap) and step.explicit and step.ms >= 1000
    ]
    assert planned and {4.0, 6.0} <= set(planned)
    pcm, gaps = quiet_gaps(wav)
    measured = [g.seconds(pcm.rate) for g in gaps]
    assert len(measured) == len(planned)
    for want, got in zip(planned, measured, strict=True):
        assert got == pytest.approx(want, abs=TOLERANCE_S)


def test_three_utterances_in_one_process_all_produce_audio(voice: Voice) -> None:
    lines = [
        "Wrap your arms around each other.",
        "Breathe in slowly.",
        "Thank you for making the time tonight, both of you.",
    ]
    rendered = [voice.render(f"<speak>{line}</speak>") for line in lines]
    for line, out in zip(lines, rendered, strict=True):
        speech = [s for s in out.segments if s.kind == "speech"]
        assert len(speech) == 1 and speech[0].pcm is not None
        assert audio.first_sound(speech[0].pcm.samples) is not None, line
        assert out.seconds > 0.5
    # Longer text, longer speech: each file holds its own words, not a stale one.
    assert rendered[2].seconds > rendered[0].seconds > rendered[1].seconds


def test_rate_changes_apply_in_order_across_runs() -> None:
    """The second-runAndWait trap: properties set between runs must not be lost."""
    synthesizer = Pyttsx3Synthesizer()
    try:
        text = "Six seconds can say a lot to someone you love."
        lengths = [synthesizer.synthesize(text, rate=r).seconds for r in (1.0, 0.6, 1.0, 1.5)]
    finally:
        synthesizer.close()
    normal, slow, again, fast = lengths
    assert again == pytest.approx(normal, rel=0.02)
    assert slow > normal * 1.4 and fast < normal * 0.8


def test_prosody_and_emphasis_are_heard(voice: Voice) -> None:
    plain = voice.render("<speak>Take a slow breath together.</speak>")
    slow = voice.render(
        '<speak><prosody rate="x-slow">Take a slow breath together.</prosody></speak>'
    )
    quiet = voice.render(
        '<speak><prosody volume="x-soft">Take a slow breath together.</prosody></speak>'
    )
    assert slow.seconds > plain.seconds * 1.2

    def peak(r: Any) -> int:
        return max(abs(v) for s in r.segments if s.pcm for v in s.pcm.samples)

    assert peak(quiet) < peak(plain) * 0.6
