"""SSML -> timeline: exact pauses, sounds, honoured and dropped tags (with a fake voice)."""

from __future__ import annotations

import array
from typing import Any

import pytest

from local_speaker import audio, sounds, ssml_render
from local_speaker.audio import RATE, Pcm
from local_speaker.output import transcript
from local_speaker.voice import Voice
from skill.engine.ssml import CHIME, Speech

CHIME_S = sounds.CHIME_SECONDS


class FakeSynth:
    """Speech as a tone: 50 ms per character at rate 1, with silence either side to trim."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []

    def synthesize(self, text: str, *, rate: float = 1.0, pitch: float = 1.0) -> Pcm:
        self.calls.append((text, rate, pitch))
        body = int(len(text) * 0.05 * RATE / rate)
        pad = [0] * (RATE // 10)
        return Pcm(
            array.array("h", pad + [8000 if i % 20 < 10 else -8000 for i in range(body)] + pad),
            RATE,
        )

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def synth() -> FakeSynth:
    return FakeSynth()


@pytest.fixture
def voice(synth: FakeSynth) -> Voice:
    return Voice(synth)


def kinds(voice: Voice, ssml: str) -> list[tuple[str, float]]:
    return [(s.kind, round(s.length / RATE, 3)) for s in voice.render(ssml).segments]


def test_breaks_are_exact_and_chained(voice: Voice) -> None:
    speech = Speech().say("Hold on.").pause(20_000).sound(CHIME).say("Done.")
    assert kinds(voice, speech.ssml) == [
        ("speech", 0.4),
        ("quiet", 20.0),
        ("sound", CHIME_S),
        ("quiet", 0.3),
        ("speech", 0.25),
    ]


def test_speech_is_trimmed_so_silence_cannot_leak_into_the_quiet(voice: Voice) -> None:
    rendered = voice.render('<speak>Go.<break time="6s"/>Stop.</speak>')
    quiet = [s for s in rendered.segments if s.kind == "quiet"]
    assert [q.length for q in quiet] == [6 * RATE]
    first = rendered.segments[0]
    assert first.pcm is not None and audio.first_sound(first.pcm.samples) == 0


@pytest.mark.parametrize(
    ("tag", "ms"),
    [
        ('<break time="500ms"/>', 500),
        ('<break time="1.5s"/>', 1500),
        ('<break strength="strong"/>', 700),
        ("<break/>", 400),
        ('<break strength="none"/>', 0),
    ],
)
def test_break_forms(voice: Voice, tag: str, ms: int) -> None:
    got = kinds(voice, f"<speak>One.{tag}Two.</speak>")
    expected = [("speech", 0.2)] + ([("quiet", ms / 1000)] if ms else []) + [("speech", 0.2)]
    assert got == expected


def test_natural_pauses_never_add_to_an_explicit_break(voice: Voice) -> None:
    got = kinds(voice, '<speak><p>One.</p><break time="2s"/><p>Two.</p><s>Three.</s></speak>')
    assert got == [
        ("speech", 0.2),
        ("quiet", 2.0),
        ("speech", 0.2),
        ("quiet", 0.7),
        ("speech", 0.3),
    ]


def test_leading_and_trailing_quiet_are_kept(voice: Voice) -> None:
    assert kinds(voice, '<speak><break time="1s"/>Hi.<break time="3s"/></speak>') == [
        ("quiet", 1.0),
        ("speech", 0.15),
        ("quiet", 3.0),
    ]


def test_prosody_emphasis_and_volume(voice: Voice, synth: FakeSynth) -> None:
    rendered = voice.render(
        '<speak>Plain. <prosody rate="slow" pitch="high">Slow high.</prosody> '
        '<prosody rate="150%">Quick.</prosody> <emphasis level="strong">Now.</emphasis> '
        '<prosody volume="x-soft">Soft.</prosody></speak>'
    )
    rates = {text: (rate, pitch) for text, rate, pitch in synth.calls}
    assert rates["Plain."] == (1.0, 1.0)
    assert rates["Slow high."] == (0.85, 1.15)
    assert rates["Quick."] == (1.5, 1.0)
    assert rates["Now."][0] < 1.0 and rates["Now."][1] > 1.0
    peaks = {s.text: max(abs(v) for v in s.pcm.samples) for s in rendered.segments if s.pcm}
    assert peaks["Soft."] == pytest.approx(8000 * 0.5, abs=1)
    assert peaks["Now."] > peaks["Plain."]


def test_other_tags_are_dropped_cleanly_keeping_their_words(voice: Voice, synth: FakeSynth) -> None:
    voice.render(
        '<speak><amazon:effect name="whispered">Quietly now.</amazon:effect> '
        '<lang xml:lang="fr-FR">Bonsoir.</lang> <voice name="Joanna">Hello.</voice> '
        '<phoneme alphabet="ipa" ph="pɪˈkɑːn">pecan</phoneme> <w role="amazon:VB">read</w> '
        '<mark name="here"/><sub alias="for example">e.g.</sub> '
        '<say-as interpret-as="characters">ABC</say-as> '
        '<say-as interpret-as="cardinal">12</say-as></speak>'
    )
    spoken = " ".join(text for text, _, _ in synth.calls)
    assert spoken == ("Quietly now. Bonsoir. Hello. pecan read for example A B C 12")


def test_sounds_offline(voice: Voice) -> None:
    # Another library sound still rings (the default chime); web audio is dropped.
    got = kinds(
        voice,
        '<speak>A.<audio src="soundbank://soundlibrary/other/sfx_99"/>'
        '<audio src="https://example.com/a.mp3"/>B.</speak>',
    )
    assert got == [
        ("speech", 0.1),
        ("quiet", 0.3),
        ("sound", CHIME_S),
        ("quiet", 0.3),
        ("speech", 0.1),
    ]


def test_unreadable_ssml_is_spoken_as_text(voice: Voice, synth: FakeSynth) -> None:
    voice.render("<speak>Fish &amp; chips <break time='1s'></speak>")
    assert synth.calls == [("Fish & chips", 1.0, 1.0)]


def test_punctuation_alone_says_nothing(voice: Voice, synth: FakeSynth) -> None:
    assert kinds(voice, '<speak>…<break time="2s"/>!</speak>') == [("quiet", 2.0)]
    assert synth.calls == []


def test_volume_scales_speech_and_chimes(synth: FakeSynth) -> None:
    quiet = Voice(synth, volume=0.25).render(Speech().say("Hi.").sound(CHIME).ssml)
    loud = Voice(synth).render(Speech().say("Hi.").sound(CHIME).ssml)

    def peaks(r: Any) -> list[int]:
        return [max(abs(v) for v in s.pcm.samples) for s in r.segments if s.pcm]

    for soft, full in zip(peaks(quiet), peaks(loud), strict=True):
        assert soft == pytest.approx(full * 0.25, abs=2)


def test_the_rendered_timeline_streams_and_writes_the_same_audio(
    voice: Voice, tmp_path: Any
) -> None:
    rendered = voice.render(Speech().say("Hold on.").pause(1500).sound(CHIME).ssml)
    path = tmp_path / "out.wav"
    rendered.write_wav(path)
    pcm = audio.read_wav(path)
    assert pcm.rate == RATE and len(pcm.samples) == rendered.samples
    assert b"".join(rendered.chunks(1000)) == pcm.samples.tobytes()
    assert rendered.quiet_at(int(rendered.segments[1].start + 10)) is rendered.segments[1]
    assert rendered.quiet_at(0) is None


def test_transcript_marks_quiet_and_chimes() -> None:
    text = transcript(Speech().say("Hold on.").pause(20_000).sound(CHIME).say("Done.").ssml)
    assert text == "Hold on. (20 s of quiet) ♪ Done."


def test_the_shipped_chime_is_the_generated_one() -> None:
    shipped = audio.read_wav(sounds.SOUNDS_DIR / "chime.wav")
    made = sounds.make_chime()
    assert shipped.rate == made.rate and shipped.samples == made.samples
    onset = audio.first_sound(made.samples)
    assert onset is not None and onset < RATE // 1000  # rings within a millisecond
    assert sounds.sound_for(CHIME) is not None


def test_parse_keeps_items_in_order() -> None:
    items = ssml_render.parse(Speech().say("A").pause(10_000).pause(5_000).sound(CHIME).ssml)
    assert [type(i).__name__ for i in items] == ["Say", "Pause", "Pause", "Sound"]
    plan = ssml_render.plan(items, 300)
    assert [getattr(p, "ms", None) for p in plan] == [None, 15_000, None]
