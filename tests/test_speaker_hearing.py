"""The bedside speaker's hearing: never a crash, never a silent press, only what is for it.

Real speech (espeak-ng for the shapes of streams, flite for the held-out subset) goes
through `Listener.listen_once`, the path a press of the button takes.
"""

from __future__ import annotations

import array
import importlib.metadata
import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from local_speaker import context, grammar, language_model, listen, normalize
from local_speaker.matcher import Matcher
from local_speaker.model import FALLBACK, InteractionModel
from local_speaker.runner import END, Bedside, Heard, Inputs
from tests.test_speaker_matcher import RITUALS

MODEL = InteractionModel.load()
MATCHER = Matcher(MODEL)
BINARY = Path(sys.executable).with_name("close-together")
ROOT = Path(__file__).resolve().parents[1]


# -- what may be heard, from the skill's session attributes ----------------------------
def decoded(text: str, *, garbage: bool = False, log_ratio: float = 0.0, free: bool = False) -> Any:
    from local_speaker.listen import Decoded

    return Decoded(tuple(text.split()), garbage, 1.0, 0.1, log_ratio, free=free)


class _Stub:
    class grammar:  # noqa: N801 - mirrors Recognizer.grammar
        wake = ("close", "together")

    spoken_edits = listen.MAX_SPOKEN_EDITS


class _Learnt(_Stub):
    """A recogniser with the couple's voices learnt."""

    spoken_edits = listen.MAX_SPOKEN_EDITS_LEARNT


def listener(
    expect: context.Expecting, *, wake: bool = False, open_: bool = True, learnt: bool = False
) -> Any:
    from local_speaker.listen import Listener

    return Listener(
        _Learnt() if learnt else _Stub(),  # type: ignore[arg-type]
        MATCHER,
        Inputs(),
        mic_command="true",
        wake=wake,
        session_open=lambda: open_,
        expecting=lambda: expect,
    )


def became(heard: Heard | None) -> str | None:
    if heard is None:
        return None
    return "not caught" if heard.text is None else heard.intent


@pytest.mark.parametrize(
    ("session_open", "attributes", "seven", "yes", "hug"),
    [
        # A skill that says what it awaits: only that is heard.
        (True, {"expects": ["number"]}, "PainLevelIntent", "not caught", "HugTimerIntent"),
        (True, {"expects": ["yes_no"]}, "not caught", "AMAZON.YesIntent", "HugTimerIntent"),
        (True, {"expects": ["talk"]}, "not caught", "not caught", "HugTimerIntent"),
        (True, {"expects": []}, "not caught", "not caught", "HugTimerIntent"),
        # A skill that does not say (today's): everything, as before.
        (True, {"ritual": "checkin"}, "PainLevelIntent", "AMAZON.YesIntent", "HugTimerIntent"),
        # No conversation: nothing is awaited, commands still start one.
        (False, {}, "not caught", "not caught", "HugTimerIntent"),
    ],
)
def test_bare_numbers_and_yes_no_count_only_when_awaited(
    session_open: bool, attributes: dict[str, Any], seven: str, yes: str, hug: str
) -> None:
    expect = context.expecting(session_open, attributes)
    hearing = listener(expect, open_=session_open)
    assert became(hearing.heard(decoded("seven"), at=0.0)) == seven
    assert became(hearing.heard(decoded("yes"), at=0.0)) == yes
    assert became(hearing.heard(decoded("start a hug timer"), at=0.0)) == hug
    # A full sentence with a number is a command of its own, awaited or not.
    assert became(hearing.heard(decoded("my pain is at seven"), at=0.0)) == "PainLevelIntent"


def test_the_grammar_leaves_out_what_is_not_awaited() -> None:
    known = lambda w: True  # noqa: E731
    nothing = grammar.build(MODEL, known, expect=context.NOTHING).jsgf
    number = grammar.build(MODEL, known, expect=context.Expecting(frozenset({"number"}))).jsgf
    assert "<i_amazon_yesintent>" not in nothing and "<i_amazon_nointent>" not in nothing
    rule = next(line for line in nothing.splitlines() if line.startswith("<i_painlevelintent>"))
    assert " | <slot_amazon_number> |" not in f" | {rule.split(' = ', 1)[1][:-1]} |"
    rule = next(line for line in number.splitlines() if line.startswith("<i_painlevelintent>"))
    assert " | <slot_amazon_number> |" in f" | {rule.split(' = ', 1)[1][:-1]} |"


def test_loop_and_shuffle_are_never_listened_for() -> None:
    """A ritual plays once, so "loop" and "shuffle" could only ever be told so; heard by
    voice they were mostly the room ("turn off the lamp" as "turn off loop"). Typed, they
    still reach the skill."""
    known = lambda w: True  # noqa: E731
    for expect in (context.NOTHING, context.EVERYTHING):
        assert "loop" not in grammar.build(MODEL, known, expect=expect).words
        assert "off loop" not in language_model.build(MODEL, known, expect)
        hearing = listener(expect)
        assert hearing.heard(decoded("can you turn off loop", free=True), at=0.0).text is None
    assert MATCHER.understand("turn off loop").intent == "AMAZON.LoopOffIntent"


def test_rejected_speech_is_never_an_action() -> None:
    hearing = listener(context.EVERYTHING)
    for d in (
        decoded("did you feed the cat", garbage=True),  # everyday words, no command
        decoded("start a hug timer", log_ratio=-3.0),  # forced on, far worse than free words
        decoded("give us five minute"),  # the grammar's words, but not a whole sample
        decoded(""),  # the decoder found nothing
    ):
        heard = hearing.heard(d, at=0.0)
        assert heard is not None and heard.text is None, d  # "Sorry, I didn't catch that"
    # In wake mode with nobody being answered, the same does nothing at all.
    quiet = listener(context.NOTHING, wake=True, open_=False)
    assert quiet.heard(decoded("did you feed the cat", garbage=True), at=0.0) is None
    assert quiet.heard(decoded(""), at=0.0) is None


def test_at_a_talk_step_other_speech_is_the_skills_fallback(tmp_path: Path) -> None:
    from local_speaker.session import Session
    from skill.builder import build_skill
    from skill.config import Config

    skill = build_skill(Config(db_path=tmp_path / "db.sqlite3", verify=False))
    sent: list[str] = []
    invoke = skill.invoke

    def recording(**kwargs: Any) -> Any:
        request = kwargs["request_envelope"].request
        sent.append(getattr(getattr(request, "intent", None), "name", None) or request.object_type)
        return invoke(**kwargs)

    skill.invoke = recording  # type: ignore[method-assign]
    session = Session(skill, MATCHER)
    session.hear("start our evening check in")
    assert session.open
    expect = context.expecting(True, {**session.attributes, "expects": ["talk"]})
    heard = listener(expect).heard(decoded("oh my", garbage=True), at=0.0)
    assert heard is not None and heard.text is None and heard.intent == FALLBACK

    class Out:
        last_latency_s = None
        said: list[str] = []

        def speak(self, ssml: str, **_: Any) -> bool:
            self.said.append(ssml)
            return True

        def notice(self, text: str) -> None:
            pass

    out = Out()
    Bedside(session, out, Inputs([heard, END]), not_caught="(front end)").run()  # type: ignore[arg-type]
    assert sent[-2:] == [FALLBACK, "SessionEndedRequest"]  # the skill decides what it means
    assert "<speak>(front end)</speak>" not in out.said


def test_free_words_are_understood_as_typing_is_and_the_grammar_s_only_whole() -> None:
    hearing = listener(context.EVERYTHING)
    wrapped = "um could you please start a hug timer for us"
    assert became(hearing.heard(decoded(wrapped, free=True), at=0.0)) == "HugTimerIntent"
    assert became(hearing.heard(decoded("so how are we doing lately", free=True), at=0.0)) == (
        "HowAreWeDoingIntent"
    )
    # Words around a request as typing takes them, once the couple's voices are learnt
    # (heard words are then nearly what was said); with the stock model, one at most.
    wordy = decoded("help us breathe together for a little while", free=True)
    assert became(hearing.heard(wordy, at=0.0)) == "not caught"
    learnt = listener(context.EVERYTHING, learnt=True)
    assert became(learnt.heard(wordy, at=0.0)) == "BreathingIntent"
    assert became(learnt.heard(decoded("did you lock the front door", free=True), at=0.0)) == (
        "not caught"
    )
    # Forced onto the grammar, only a whole sample counts.
    assert became(hearing.heard(decoded("so how are we doing lately"), at=0.0)) == "not caught"
    # One word alone counts only as a sample, wrapped or not; typing keeps its tolerance.
    assert became(hearing.heard(decoded("okay next", free=True), at=0.0)) == "AMAZON.NextIntent"
    assert became(hearing.heard(decoded("hug", free=True), at=0.0)) == "HugTimerIntent"  # a hug
    assert became(hearing.heard(decoded("minute", free=True), at=0.0)) == "not caught"
    assert MATCHER.understand("minute").intent == "MoreTimeIntent"
    # Free words that mean nothing to the skill never become an action.
    assert became(hearing.heard(decoded("did you lock the front door", free=True), at=0.0)) == (
        "not caught"
    )


# -- natural phrasing -----------------------------------------------------------------
def test_wrappers_come_from_the_model_and_serve_both_matcher_and_hearing() -> None:
    wrapping = normalize.wrappers(MODEL)
    prefixes = {" ".join(p) for p in wrapping.prefixes}
    assert {"can you", "please", "um", "okay", "let us", "let us do"} <= prefixes
    assert "let us do" not in {p.lower() for p in MODEL.phrases.polite_prefixes}  # mined
    assert "for us" in {" ".join(s) for s in wrapping.suffixes}
    # The free search's language model has them around the commands.
    grams = _grams(language_model.build(MODEL, lambda w: True, context.NOTHING))
    assert ("<s>", "can", "you") in grams and ("let", "us", "do") in grams
    assert ("hug", "timer", "for") in grams and ("for", "us", "</s>") in grams


def _grams(arpa: str) -> set[tuple[str, ...]]:
    return {tuple(line.split("\t")[1].split()) for line in arpa.splitlines() if "\t" in line}


def test_the_language_model_knows_the_room_and_awaits_numbers_only_when_asked() -> None:
    known = lambda w: True  # noqa: E731
    nothing = _grams(language_model.build(MODEL, known, context.NOTHING))
    number = _grams(language_model.build(MODEL, known, context.Expecting(frozenset({"number"}))))
    # Everyday words are there for talk that is not for the speaker.
    assert {("weather",), ("mother",), ("door",), ("tomorrow",)} <= nothing
    # A bare number is a whole sentence only while one is awaited; "my pain is seven" always.
    assert ("<s>", "seven", "</s>") in number and ("<s>", "seven", "</s>") not in nothing
    assert ("pain", "is", "seven") in nothing


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can you time a hug for us", "HugTimerIntent"),
        ("um let's do highs and lows please", "HighsAndLowsIntent"),
        ("okay could you start the evening check in for us", "EveningCheckInIntent"),
        ("what are our highs and lows tonight", "HighsAndLowsIntent"),  # unknown words
        ("so how are we doing lately", "HowAreWeDoingIntent"),
        # A hedge before an answer is a way of giving it, not talk.
        ("i think my pain is around a four", "PainLevelIntent"),
        ("i guess we need a break", "AMAZON.PauseIntent"),
        ("i think the cat is hungry", FALLBACK),
        ("remind me to call my mother", FALLBACK),
        ("set an alarm for six thirty", FALLBACK),
        ("let's call it a night", FALLBACK),
        # Plans for another day are talk between them, not a request now; tonight is now.
        ("we need a minute tomorrow", FALLBACK),
        ("let's do the hug later", FALLBACK),
        ("what is on our menu on friday", FALLBACK),
        ("what is on our menu tonight", "ListMenuIntent"),
        ("add a walk on sunday to our menu", "AddToMenuIntent"),
    ],
)
def test_typed_paraphrases(text: str, intent: str) -> None:
    assert MATCHER.understand(text).intent == intent


# -- streams that used to crash or stay silent ------------------------------------------
needs_speech = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("sox")), reason="espeak-ng and sox needed"
)


def espeak(
    text: str,
    *,
    tail: bool = True,
    voice: str = "en-us",
    condition: str = "clean",
    speed: int = 150,
) -> bytes:
    """espeak-ng's words in a quiet room (a microphone's noise floor), 16 kHz raw; `speed`
    in words a minute."""
    from bench.heldout.generate import LEAD_S, RATE, render

    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    raw = ["-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1"]
    words = subprocess.run(
        ["sox", "-R", "-t", "wav", "-", *raw, "-", "norm", "-3"],  # -R: no random dither
        input=wav,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    room = render(words, condition, seed=len(text))
    return room if tail else room[: 2 * int(LEAD_S * RATE) + len(words)]


@pytest.fixture(scope="module")
def recognizer() -> Any:
    pytest.importorskip("pocketsphinx")
    from local_speaker.listen import Recognizer

    return Recognizer(MODEL)


@needs_speech
def test_a_stream_that_ends_mid_word_on_a_frame_boundary(recognizer: Any, tmp_path: Path) -> None:
    from local_speaker.listen import Listener, new_endpointer

    frame = new_endpointer().frame_bytes
    pcm = espeak("start our evening check in", tail=False)
    cut = pcm[: (len(pcm) * 3 // 4) // frame * frame]  # mid-speech, a whole number of frames
    assert len(cut) % frame == 0
    clip = tmp_path / "cut.raw"
    clip.write_bytes(cut)
    heard = Listener(recognizer, MATCHER, Inputs(), mic_command=f"cat {clip}").listen_once()
    assert heard is not None  # an answer or "didn't catch that", never a dead thread


def test_a_recording_whose_likeliest_readings_include_an_empty_one(recognizer: Any) -> None:
    """espeak-ng's "hug timer", resampled once with dither: pocketsphinx's N-best list for
    it holds an empty entry, which crashed the listener (and `hear`, and the wake loop)."""
    from local_speaker.listen import Listener

    clip = ROOT / "tests" / "fixtures" / "audio" / "hug_timer_empty_nbest.raw"
    heard = Listener(recognizer, MATCHER, Inputs(), mic_command=f"cat {clip}").listen_once()
    assert heard is not None  # an answer or "didn't catch that", never a dead thread


@needs_speech
def test_an_utterance_cut_at_the_longest_allowed(
    recognizer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local_speaker import listen

    monkeypatch.setattr(listen, "MAX_UTTERANCE_S", 0.6)
    clip = tmp_path / "long.raw"
    clip.write_bytes(espeak("please start our weekly check in and then the evening check in"))
    heard = listen.Listener(recognizer, MATCHER, Inputs(), mic_command=f"cat {clip}").listen_once()
    assert heard is not None


# -- a grammar sentence must fit the words' time -----------------------------------------
def _heard_in_a_fresh_room(texts: list[str], **speech: Any) -> list[str | None]:
    """Each text said (espeak-ng) to a new recogniser with a question pending, in turn:
    the intent each became, or None when turned away."""
    from local_speaker.listen import Listener, Recognizer

    recognizer = Recognizer(MODEL)
    out = []
    for text in texts:
        listener = Listener(
            recognizer, MATCHER, Inputs(), mic_command="", session_open=lambda: True
        )
        heard = listener.listen_once(io.BytesIO(espeak(text, **speech)))
        out.append(heard.intent if heard is not None and heard.text else None)
    return out


@needs_speech
def test_talk_is_not_a_command_stretched_over_it() -> None:
    """Talk across the pillow, one sentence after another: "what's on my calendar
    tomorrow" fits the grammar's "what's on the menu" only by holding "the" for about
    400 ms a phone. It would have read out their menu; it is turned away."""
    pytest.importorskip("pocketsphinx")
    talk = ["that movie was really good", "call my mom", "what's on my calendar tomorrow"]
    assert _heard_in_a_fresh_room(talk, voice="en-us+f4")[-1] is None


def test_a_grammar_sentence_needs_one_of_its_words_heard(
    recognizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grammar's second look may find a sentence that explains the audio about as well
    as the free words ("i think it's going to rain", heard freely as "thinking you", forced
    to "repeat that"). Unless the free search heard one of its words in one of its
    likeliest readings, it is not taken: nothing speaks over them."""
    free = ("thinking", "you")
    free_segments = [("<sil>", 0, 9, -50.0), ("thinking", 10, 40, -1000.0),
                     ("you", 41, 69, -900.0), ("</s>", 70, 70, -900.0)]  # fmt: skip
    forced = ("repeat", "that")
    forced_segments = [("<sil>", 0, 3, -20.0), ("repeat", 4, 40, -1050.0),
                       ("that", 41, 69, -880.0), ("</s>", 70, 70, -880.0)]  # fmt: skip

    def hear(readings: list[tuple[str, ...]]) -> Any:
        monkeypatch.setattr(
            recognizer, "_free", lambda pcm, search: (free, free_segments, readings)
        )
        monkeypatch.setattr(recognizer, "_search", lambda pcm, search: (forced, forced_segments))
        return recognizer.decode(bytes(32_000))

    turned_away = hear([free, ("on", "thinking", "you")])
    assert not turned_away.accepted and turned_away.said == free
    assert hear([free, ("repeat", "thinking", "you")]).words == forced  # "repeat" was heard


@needs_speech
def test_commands_said_slowly_are_still_heard() -> None:
    """As slowly as espeak-ng speaks (80 words a minute), every word drawn out. One of six
    may be lost: the free search hears such slow speech poorly, and a grammar sentence
    needs one of its words heard freely ("another question" is heard as "i'm on for where
    us to and")."""
    pytest.importorskip("pocketsphinx")
    said = {
        "hug timer": "HugTimerIntent",
        "another question": "AnotherOneIntent",
        "read our menu": "ListMenuIntent",
        "being touched hurts": "TouchHurtsIntent",
        "it's a high pain day": "HighPainDayIntent",
        "let's take a break": "AMAZON.PauseIntent",
    }
    heard = _heard_in_a_fresh_room(list(said), speed=80)
    assert None not in said.values() and set(heard) <= {*said.values(), None}
    assert sum(got == meant for got, meant in zip(heard, said.values(), strict=True)) >= 5, heard


# -- each voice heard as itself, each utterance on its own -------------------------------
@needs_speech
@pytest.mark.parametrize("condition", ["clean", "pink10"])
def test_a_higher_voice_is_heard_with_more_warp_than_a_deeper_one(condition: str) -> None:
    pytest.importorskip("numpy")
    from local_speaker import pitch

    text = "we would like a hug timer please"
    deep = pitch.pitch(espeak(text, condition=condition))
    high = pitch.pitch(espeak(text, voice="en-us+f3", condition=condition))
    assert deep is not None and 85 <= deep <= 130, deep
    assert high is not None and 170 <= high <= 240, high
    assert pitch.warp_for(deep) == 1.1 and pitch.warp_for(high) in (1.2, 1.3)


@pytest.mark.parametrize("hz", [100, 150, 200, 250])
def test_a_voice_s_pitch_is_its_own_not_an_octave_below(hz: int) -> None:
    """Glottal pulses through a resonance, as a voice makes: two periods repeat as well as
    one, and a higher voice was measured an octave down (200 Hz as 67 to 100 Hz)."""
    pytest.importorskip("numpy")
    from local_speaker import pitch

    pulses = [0.0] * 32_000
    for n in range(0, 32_000, round(16_000 / hz)):
        pulses[n] = 20_000.0
    ring = [math.exp(-k / 30) * math.sin(0.3 * k) for k in range(200)]
    voice = array.array("h", [0] * 32_000)
    for n, p in enumerate(pulses):
        if p:
            for k, r in enumerate(ring[: 32_000 - n]):
                voice[n + k] = max(-32767, min(32767, voice[n + k] + int(p * r)))
    heard = pitch.pitch(voice.tobytes())
    assert heard is not None and abs(heard - hz) < 0.05 * hz, heard
    # Nothing voiced (the room alone) keeps the deeper voices' warp.
    assert pitch.pitch(bytes(32_000)) is None and pitch.warp_for(None) == 1.1


@needs_speech
def test_a_mains_hum_is_not_taken_for_a_voice() -> None:
    """A 50 Hz hum alone has no pitch; under a deeper voice, as loud as the voice, it
    does not make the voice a higher one."""
    pytest.importorskip("numpy")
    from local_speaker import pitch

    def with_hum(pcm: bytes, rms: float) -> bytes:
        samples = array.array("h", pcm)
        for i, x in enumerate(samples):
            wave = rms * math.sqrt(2) * math.sin(2 * math.pi * 50 * i / 16_000)
            samples[i] = max(-32767, min(32767, int(x + wave)))
        return samples.tobytes()

    assert pitch.pitch(with_hum(bytes(64_000), 3000.0)) is None
    voice = espeak("we would like a hug timer please")
    loudness = math.sqrt(sum(x * x for x in array.array("h", voice)) / (len(voice) // 2))
    heard = pitch.pitch(with_hum(voice, loudness))
    assert heard is not None and heard < 130 and pitch.warp_for(heard) == 1.1


@needs_speech
def test_a_higher_voice_s_command_is_heard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command in a higher voice that one warp for every voice (1.1) misheard ("next"
    as "stop")."""
    pytest.importorskip("pocketsphinx")
    from local_speaker import pitch
    from local_speaker.listen import Recognizer, meaning

    clip = espeak("next", voice="en-us+f3")

    def heard(recognizer: Any) -> str | None:
        decoded = recognizer.decode(clip)
        found = meaning(MATCHER, decoded.words, context.EVERYTHING) if decoded.accepted else None
        return found.intent if found else None

    assert heard(Recognizer(MODEL)) == "AMAZON.NextIntent"
    monkeypatch.setattr(pitch, "warp_for", lambda hz: 1.1)
    assert heard(Recognizer(MODEL)) != "AMAZON.NextIntent"


@needs_speech
def test_after_the_other_partner_spoke_the_room_is_still_known() -> None:
    """In a noisy room, a deeper voice's command after a higher voice (a new warp, a new
    front end) is heard as after another deeper one: the noise the room makes is not
    forgotten ("next" was heard as "yep", a yes)."""
    pytest.importorskip("pocketsphinx")
    from local_speaker.listen import Recognizer

    after_deep, after_high = Recognizer(MODEL), Recognizer(MODEL)
    line = "did you lock the front door"
    deep = espeak(line, condition="pink10")
    high = espeak(line, voice="en-us+f3", condition="pink10")
    for command in ("next", "start a hug timer"):
        clip = espeak(command, condition="pink10")
        after_deep.decode(deep)
        after_high.decode(high)
        expected = after_deep.decode(clip)
        assert after_high.decode(clip).words == expected.words, command


# -- close-together hear -----------------------------------------------------------------
@needs_speech
def test_hear_prints_one_line_per_recording(tmp_path: Path) -> None:
    pytest.importorskip("pocketsphinx")
    import wave

    wav = tmp_path / "hug.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(espeak("start a hug timer"))
    raw = tmp_path / "cut.raw"
    raw.write_bytes(espeak("six second kiss", tail=False)[: 960 * 30])
    done = subprocess.run(
        [str(BINARY), "hear", str(wav), str(raw), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(wav), str(raw)]
    assert lines[0]["intent"] == "HugTimerIntent" and not lines[0]["rejected"]
    assert 0.5 <= lines[0]["confidence"] <= 1.0
    assert lines[1]["rejected"] or lines[1]["intent"]
    plain = subprocess.run(
        [str(BINARY), "hear", str(wav)], capture_output=True, text=True, timeout=120
    )
    assert plain.stdout.strip().endswith(")") and "HugTimerIntent" in plain.stdout


def recording(path: Path, text: str, *, rate: int, channels: int = 1, hiss: bool = False) -> Path:
    """`text` in a quiet room as a phone or recorder might save it: a 16-bit WAV at
    `rate`; with `hiss`, loud noise above the speech band (9 kHz and up, as a phone's
    microphone picks up), which resampling without a filter folds onto the words."""
    raw = ["-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1"]
    subprocess.run(
        ["sox", "-R", *raw, "-", "-r", str(rate), "-c", str(channels), "-b", "16", str(path)],
        input=espeak(text), check=True, timeout=30,
    )  # fmt: skip
    if hiss:
        from local_speaker import audio

        pcm = audio.read_wav(path)
        noise = subprocess.run(
            ["sox", "-R", "-n", *raw[:2], "-r", str(rate), *raw[4:], "-", "synth",
             f"{pcm.seconds:.3f}", "whitenoise", "sinc", "9000", "vol", "0.5"],
            capture_output=True, check=True, timeout=30,
        ).stdout  # fmt: skip
        hiss_samples = array.array("h", noise)
        halved = (v // 2 + n for v, n in zip(pcm.samples, hiss_samples, strict=False))
        pcm.samples = array.array("h", halved)
        audio.write_wav(path, [pcm.to_bytes()], rate)
    return path


def extensible(path: Path) -> Path:
    """The same WAV with the WAVE_FORMAT_EXTENSIBLE header many recorders write."""
    import struct
    import wave

    with wave.open(str(path), "rb") as wav:
        channels, rate, frames = wav.getnchannels(), wav.getframerate(), wav.readframes(-1)
    align = 2 * channels
    guid = b"\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * align, align, 16, 22, 16, 3)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt + guid)) + fmt + guid
    body += b"data" + struct.pack("<I", len(frames)) + frames
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def test_hear_shows_what_was_said_not_the_command_it_turned_away() -> None:
    """A grammar sentence that explains the audio too poorly is only the nearest command:
    `hear` shows the words most likely said, so a couple setting up a microphone does not
    read "that will be all" for what they said across the pillow."""
    from local_speaker.listen import Decoded

    said = ("that", "movie", "was", "really", "good")
    nearest = ("that", "will", "be", "all")
    turned_away = Decoded(nearest, False, 1.0, 0.1, log_ratio=-2.0, free_words=said)
    acted_on = Decoded(nearest, False, 1.0, 0.1, log_ratio=-0.5, free_words=said)
    assert not turned_away.accepted and turned_away.said == said
    assert acted_on.accepted and acted_on.said == nearest


@needs_speech
def test_hear_takes_a_wav_at_a_phone_s_rate_mono_or_stereo(tmp_path: Path) -> None:
    pytest.importorskip("pocketsphinx")
    files = [
        recording(tmp_path / "usual.wav", "start a hug timer", rate=16000),
        recording(tmp_path / "phone.wav", "start a hug timer", rate=48000, channels=2),
        recording(tmp_path / "hiss.wav", "start a hug timer", rate=44100, hiss=True),
        extensible(recording(tmp_path / "rec.wav", "start a hug timer", rate=48000, channels=2)),
    ]
    done = subprocess.run(
        [str(BINARY), "hear", *map(str, files), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    heard = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["intent"] for line in heard] == ["HugTimerIntent"] * 4, heard


@pytest.mark.parametrize("rate", [48000, 44100, 22050])
def test_downsampling_keeps_the_speech_band_and_drops_what_would_fold_onto_it(rate: int) -> None:
    """What the recogniser hears of a recording: tones up to 6 kHz (the acoustic model's
    band) within 2 dB, and tones above 8 kHz, which would fold back into that band,
    50 to 60 dB down; one output sample per 1/16000 s."""
    from local_speaker import audio

    def level(hz: int) -> float:
        tone = array.array(
            "h", (round(10_000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(rate))
        )
        out = audio.downsampled(audio.Pcm(tone, rate), 16_000)
        assert len(out.samples) == 16_000
        middle = out.samples[2_000:-2_000]
        rms = math.sqrt(sum(v * v for v in middle) / len(middle))
        return 20 * math.log10(max(rms, 1e-3) / (10_000 / math.sqrt(2)))

    for hz in (200, 1_000, 3_000, 6_000):
        assert abs(level(hz)) < 2, hz
    # Folded, these would land at 6.5 and 5.5 kHz, inside the band the model listens to.
    for hz, most in ((9_500, -50), (10_500, -60)):
        assert level(hz) < most, hz


def test_a_recording_that_is_not_16_bit_says_how_to_make_one(tmp_path: Path) -> None:
    import wave

    from local_speaker.cli import read_recording

    odd = tmp_path / "eight.wav"
    with wave.open(str(odd), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes(800))
    with pytest.raises(ValueError, match=r"16-bit.*sox eight\.wav -b 16"):
        read_recording(odd)
    header = b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 0, 0, 2, 16)
    no_rate = tmp_path / "no_rate.wav"
    no_rate.write_bytes(b"RIFF" + struct.pack("<I", 36) + header + b"data" + bytes(4))
    with pytest.raises(ValueError, match="no sample rate"):
        read_recording(no_rate)


# -- the held-out set, a few clips ------------------------------------------------------------
def test_a_few_held_out_clips(tmp_path: Path) -> None:
    """Two held-out voices, four commands and two sentences for each other, clean: never a
    crash or a silent press, room talk never starts a ritual, most commands are heard."""
    pytest.importorskip("pocketsphinx")
    from bench.heldout.generate import generate, missing_tools, phrases
    from bench.recognition import _hearing, press

    if missing_tools(["flite_slt", "flite_rms"]):
        pytest.skip("flite and sox are needed (scripts/test.sh installs them)")
    chosen = [
        p
        for p in phrases()
        if p.text
        in (
            "start a hug timer",
            "six second kiss",
            "highs and lows",
            "give us more time",
            "i love you so much",
            "did you lock the front door",
        )
    ]
    clips = generate(
        tmp_path, voices=["flite_slt", "flite_rms"], conditions=["clean"], chosen=chosen
    )
    recognizer, matcher = _hearing()
    outcomes = [press(recognizer, matcher, clip) for clip in clips]
    for outcome in outcomes:
        assert not outcome.crashed and not outcome.silent, outcome
        if outcome.kind == "unrelated":  # may be misheard, but never starts a ritual
            assert outcome.got not in RITUALS, outcome
    commands = [o for o in outcomes if o.kind != "unrelated"]
    assert len(commands) == 8
    assert sum(o.right for o in commands) >= 6, [(o.voice, o.text, o.got) for o in commands]


# -- it installs and speaks -----------------------------------------------------------------
def test_speech_is_an_ordinary_dependency() -> None:
    required = importlib.metadata.requires("close-together") or []
    plain = {r.split(">")[0].split("=")[0].strip().lower() for r in required if "extra" not in r}
    assert {"pyttsx3", "rich"} <= plain


def test_without_espeak_ng_one_line_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    from local_speaker import tts

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    line = tts._why_no_engine(OSError("libespeak-ng.so.1: cannot open shared object file"))
    assert line == tts.ESPEAK_MISSING and "\n" not in line and "apt-get install espeak-ng" in line


@pytest.mark.parametrize("mic", ["false", "no-such-microphone-command"])
def test_wake_mode_ends_with_a_failure_when_the_microphone_goes(tmp_path: Path, mic: str) -> None:
    """An unplugged microphone (its command ends or never starts) ends the speaker with a
    line saying so and a failing exit, so systemd restarts it; it never sits there deaf."""
    pytest.importorskip("pocketsphinx")
    done = subprocess.run(
        [str(BINARY), "speaker", "--listen", "--wake", "--mic-command", mic,
         "--db", str(tmp_path / "couple.sqlite3")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "microphone" in done.stderr.splitlines()[-1]


def test_hear_turns_away_what_is_not_audio_in_one_line_and_goes_on(tmp_path: Path) -> None:
    """An MP3 or a text file is not taken for raw audio (it was 'heard nothing', like a
    silent microphone); each says why in one line and the rest are still heard."""
    pytest.importorskip("pocketsphinx")
    notes = tmp_path / "notes.txt"
    notes.write_text("start a hug timer\n")
    song = tmp_path / "song.mp3"
    song.write_bytes(b"ID3\x04\x00" + bytes(4000))
    quiet = tmp_path / "quiet.raw"
    quiet.write_bytes(bytes(32_000))
    done = subprocess.run(
        [str(BINARY), "hear", str(notes), str(song), str(quiet)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 2 and all("not a WAV file" in line for line in errors), errors
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith(f"{quiet}: heard nothing -> rejected")


@pytest.mark.parametrize("where", ["folder", "missing/x.wav"])
def test_say_to_a_wav_it_cannot_write_says_so_in_one_line(tmp_path: Path, where: str) -> None:
    (tmp_path / "folder").mkdir()
    done = subprocess.run(
        [str(BINARY), "say", "hug timer", "--wav", str(tmp_path / where)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"close-together: cannot write {tmp_path / where}")


def test_a_wake_phrase_it_cannot_hear_says_so_in_one_line(tmp_path: Path) -> None:
    pytest.importorskip("pocketsphinx")
    done = subprocess.run(
        [str(BINARY), "speaker", "--listen", "--wake", "zorblax", "--mic-command", "true",
         "--db", str(tmp_path / "couple.sqlite3")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "zorblax" in done.stderr.strip().splitlines()[-1]


@needs_speech
def test_under_systemd_the_journal_is_not_told_what_was_heard(tmp_path: Path) -> None:
    """In wake mode the terminal shows the intent each stretch became ('· PainLevelIntent'
    is a health report); with stdout as systemd's journal it shows none."""
    pytest.importorskip("pocketsphinx")
    clip = tmp_path / "room.raw"
    clip.write_bytes(espeak("close together, my pain is seven"))
    with (tmp_path / "journal").open("w+") as journal:
        status = os.fstat(journal.fileno())
        subprocess.run(
            [str(BINARY), "speaker", "--listen", "--wake", "--mic-command", f"cat {clip}",
             "--db", str(tmp_path / "couple.sqlite3"), "--wav-dir", str(tmp_path / "wav")],
            stdin=subprocess.DEVNULL, stdout=journal, stderr=journal, text=True, timeout=120,
            env={**os.environ, "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}"},
        )  # fmt: skip
        journal.seek(0)
        printed = journal.read()
    assert list((tmp_path / "wav").iterdir()), "it was heard and answered"
    assert "Pain" not in printed and "seven" not in printed, printed


def test_a_systemd_stop_is_a_clean_stop_not_a_lost_microphone(tmp_path: Path) -> None:
    """systemd stops the service by sending SIGTERM to all its processes, the microphone
    command too: the speaker ends with 0, not with 'microphone ... ended' and a failure."""
    pytest.importorskip("pocketsphinx")
    import signal

    proc = subprocess.Popen(
        [str(BINARY), "speaker", "--listen", "--wake", "--mic-command", "sleep 60",
         "--db", str(tmp_path / "couple.sqlite3")],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the welcome: the microphone is open
            if "Close Together, offline" in line:
                break
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0 and "microphone" not in err, err


def test_a_press_on_a_stalled_microphone_still_ends_in_an_answer(
    recognizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A microphone command that writes nothing at all (a stalled device) used to leave the
    press 'listening…' for ever; once the press has had all the time it could use, the
    command is stopped and the couple hears "Sorry, I didn't catch that"."""
    from local_speaker import listen

    monkeypatch.setattr(listen, "NO_SPEECH_S", 0.3)
    monkeypatch.setattr(listen, "MAX_UTTERANCE_S", 0.3)
    listener = listen.Listener(recognizer, MATCHER, Inputs(), mic_command="sleep 60")
    started = time.monotonic()
    heard = listener.listen_once()
    assert heard is not None and heard.text is None, "not caught: said so, not silence"
    assert time.monotonic() - started < 10
