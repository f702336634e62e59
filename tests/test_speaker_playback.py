"""Playing on a device: paced streaming into a player command, barge-in, finding a device."""

from __future__ import annotations

import array
import io
import shlex
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from local_speaker import countdown, playback
from local_speaker.audio import RATE, Pcm
from local_speaker.output import PlayedOutput
from local_speaker.playback import CommandPlayer, PlaybackError, find_player
from local_speaker.voice import Rendered, Voice


def timeline(speech_s: float, quiet_s: float) -> Rendered:
    rendered = Rendered()
    tone = Pcm(
        array.array("h", [6000 if i % 30 < 15 else -6000 for i in range(int(speech_s * RATE))])
    )
    rendered.add("speech", len(tone.samples), tone, "hello")
    rendered.add("quiet", int(quiet_s * RATE))
    return rendered


def recorder(path: Path) -> str:
    code = "import sys; open(sys.argv[1], 'wb').write(sys.stdin.buffer.read())"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {shlex.quote(str(path))}"


def test_the_player_gets_the_exact_timeline_in_real_time(tmp_path: Path) -> None:
    rendered = timeline(0.3, 0.6)
    out = tmp_path / "played.raw"
    ticks: list[int] = []
    first: list[float] = []
    started = time.monotonic()
    finished = CommandPlayer(recorder(out)).play(
        rendered, on_tick=ticks.append, on_first_audio=lambda: first.append(time.monotonic())
    )
    elapsed = time.monotonic() - started
    assert finished
    assert out.read_bytes() == b"".join(rendered.chunks())
    assert elapsed >= rendered.seconds  # paced, not dumped
    assert first and first[0] - started < 0.5
    assert ticks == sorted(ticks) and ticks[-1] > 0


def test_speaking_cuts_playback_short(tmp_path: Path) -> None:
    rendered = timeline(0.2, 5.0)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    finished = CommandPlayer(recorder(tmp_path / "x.raw")).play(rendered, interrupt=stop)
    assert not finished
    assert time.monotonic() - started < 2.0


def test_a_failing_player_is_reported() -> None:
    failing = f"{shlex.quote(sys.executable)} -c 'import sys; sys.exit(3)'"
    with pytest.raises(PlaybackError):
        CommandPlayer(failing).play(timeline(0.1, 0.1))
    with pytest.raises(PlaybackError):
        CommandPlayer("/nonexistent/player").play(timeline(0.1, 0.1))


def _which(*present: str):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_finding_a_device(tmp_path: Path) -> None:
    no_cards = tmp_path / "cards"
    no_cards.write_text("--- no soundcards ---\n")
    env = {"XDG_RUNTIME_DIR": str(tmp_path)}
    player, reason = find_player(
        environ=env,
        which=_which("aplay", "paplay"),
        alsa_cards=no_cards,
        sounddevice_loader=lambda: None,
    )
    assert player is None and "no audio device" in reason

    cards = tmp_path / "cards-present"
    cards.write_text(" 0 [Device  ]: USB-Audio - USB Audio Device\n")
    player, _ = find_player(environ=env, which=_which("aplay"), alsa_cards=cards)
    assert player is not None and player.name == "aplay"

    (tmp_path / "pipewire-0").touch()
    player, _ = find_player(environ=env, which=_which("pw-play", "aplay"), alsa_cards=cards)
    assert player is not None and player.name == "pw-play"

    player, _ = find_player(
        "aplay -D plughw:1,0 -q -t raw -f S16_LE -c 1 -r {rate} -", environ=env, which=_which()
    )
    assert player is not None and player.name == "aplay"
    assert "{rate}" in playback.COMMANDS["aplay"]


def test_countdown_shows_only_during_long_quiet() -> None:
    rendered = timeline(1.0, 20.0)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=60)
    with countdown.Countdown(console, rendered) as shown:
        shown.tick(int(0.5 * RATE))  # speech: nothing
        shown.tick(int(2.0 * RATE))  # 19 s of quiet left
        shown.tick(int(11.2 * RATE))
    text = buffer.getvalue()
    assert "quiet · 0:19" in text and "quiet · 0:10" in text
    assert countdown.label(61).plain.strip() == "quiet · 1:01"


class FakePlayer:
    name = "fake"

    def __init__(self) -> None:
        self.played: list[Rendered] = []

    def play(
        self,
        rendered: Rendered,
        *,
        interrupt=None,
        on_tick=None,  # type: ignore[no-untyped-def]
        on_first_audio=None,
    ) -> bool:
        self.played.append(rendered)
        if on_first_audio:
            on_first_audio()
        for sample in range(0, rendered.samples, RATE):
            if on_tick:
                on_tick(sample)
        return True


def test_played_output_renders_plays_and_shows_the_words() -> None:
    from tests.test_speaker_ssml import FakeSynth

    buffer = io.StringIO()
    player = FakePlayer()
    out = PlayedOutput(Console(file=buffer), Voice(FakeSynth()), player)
    assert out.speak(
        '<speak>Hold on. <break time="6s"/> Done.</speak>', heard_at=time.perf_counter()
    )
    assert len(player.played) == 1 and player.played[0].seconds > 6
    assert "Hold on. (6 s of quiet) Done." in buffer.getvalue()
    assert out.last_latency_s is not None and out.last_latency_s < 1.0


def test_played_output_says_when_it_is_playing() -> None:
    """Wake mode ignores words without the wake phrase while an answer plays (the speaker
    hearing itself, or the room during a massage's quiet): it must know when that is."""
    from tests.test_speaker_ssml import FakeSynth

    player = FakePlayer()
    out = PlayedOutput(Console(file=io.StringIO()), Voice(FakeSynth()), player)
    during: list[bool] = []
    play = player.play

    def noting(*args, **kwargs):  # type: ignore[no-untyped-def]
        during.append(out.playing.is_set())
        return play(*args, **kwargs)

    player.play = noting  # type: ignore[method-assign]
    assert not out.playing.is_set()
    out.speak('<speak>Hold on. <break time="2s"/> Done.</speak>', heard_at=time.perf_counter())
    assert during == [True] and not out.playing.is_set()
