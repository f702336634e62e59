"""Playing a rendered timeline on a real audio device, paced, and stoppable mid-way.

Audio is streamed as raw 16-bit mono PCM to one player process (pw-play, paplay, aplay
or sox's play) or to PortAudio via `sounddevice`, in 50 ms chunks kept a little ahead
of the clock. Quiet is streamed as zero samples, so the device plays the exact timeline
(the gap cannot drift with process start-up). Between chunks the player checks whether
someone spoke (barge-in: "next" during talk time) and reports the position so the
terminal can count down.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from local_speaker.voice import CHUNK_SAMPLES, Rendered

log = logging.getLogger("close_together.speaker")

LEAD_S = 0.25  # how far ahead of the listener the stream is kept

COMMANDS = {
    "pw-play": "pw-play --format s16 --rate {rate} --channels 1 -",
    "paplay": "paplay --raw --format=s16le --channels=1 --rate={rate}",
    "aplay": "aplay -q -t raw -f S16_LE -c 1 -r {rate} -",
    "play": "play -q -t raw -r {rate} -e signed -b 16 -c 1 -",
}

Tick = Callable[[int], None]  # called with the sample now playing


class PlaybackError(RuntimeError):
    """The audio device or player failed."""


class Player(Protocol):
    name: str

    def play(
        self,
        rendered: Rendered,
        *,
        interrupt: threading.Event | None = None,
        on_tick: Tick | None = None,
        on_first_audio: Callable[[], None] | None = None,
    ) -> bool:
        """Play to the end (True) or until `interrupt` is set (False)."""
        ...


def _paced(
    rendered: Rendered,
    write: Callable[[bytes], None],
    *,
    interrupt: threading.Event | None,
    on_tick: Tick | None,
    on_first_audio: Callable[[], None] | None,
    clock: Callable[[], float],
    wait: Callable[[float], bool],
) -> bool:
    """Write chunks no more than LEAD_S ahead of real time; stop early if interrupted."""
    start = clock()
    chunk_s = CHUNK_SAMPLES / rendered.rate
    for index, chunk in enumerate(rendered.chunks(CHUNK_SAMPLES)):
        due = start + index * chunk_s - LEAD_S
        delay = due - clock()
        if delay > 0 and wait(delay):
            return False
        if interrupt is not None and interrupt.is_set():
            return False
        write(chunk)
        if index == 0 and on_first_audio is not None:
            on_first_audio()
        if on_tick is not None:
            on_tick(max(0, int((clock() - start) * rendered.rate)))
    # Let the last chunks reach the listener before saying we are done.
    remaining = start + rendered.seconds - clock()
    return not (remaining > 0 and wait(remaining))


class CommandPlayer:
    """Streams raw PCM into a player command's standard input."""

    def __init__(
        self, command: str, *, name: str | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.command = command
        self.name = name or shlex.split(command)[0]
        self.clock = clock

    def play(
        self,
        rendered: Rendered,
        *,
        interrupt: threading.Event | None = None,
        on_tick: Tick | None = None,
        on_first_audio: Callable[[], None] | None = None,
    ) -> bool:
        argv = shlex.split(self.command.format(rate=rendered.rate))
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as exc:
            raise PlaybackError(f"cannot start {self.name}: {exc}") from exc
        assert proc.stdin is not None
        stdin = proc.stdin
        stop = interrupt or threading.Event()

        def write(chunk: bytes) -> None:
            try:
                stdin.write(chunk)
                stdin.flush()
            except BrokenPipeError as exc:
                raise PlaybackError(f"{self.name} stopped early") from exc

        finished = False
        try:
            finished = _paced(
                rendered,
                write,
                interrupt=interrupt,
                on_tick=on_tick,
                on_first_audio=on_first_audio,
                clock=self.clock,
                wait=stop.wait,
            )
        finally:
            with contextlib.suppress(BrokenPipeError, OSError):
                stdin.close()
            if not finished:
                proc.kill()
            try:
                code = proc.wait(timeout=5 + LEAD_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            problem = _stderr(proc)
        if finished and code != 0:
            raise PlaybackError(f"{self.name} failed ({code}): {problem}")
        return finished


def _stderr(proc: subprocess.Popen[bytes]) -> str:
    """The player's complaint, if any (and close the pipe)."""
    if proc.stderr is None:
        return ""
    with proc.stderr:
        try:
            return proc.stderr.read().decode(errors="replace").strip()[:200]
        except (OSError, ValueError):
            return ""


class SoundDevicePlayer:
    """PortAudio through the `sounddevice` package (blocking writes pace themselves)."""

    name = "sounddevice"

    def __init__(self, module: object) -> None:
        self.sd = module

    def play(
        self,
        rendered: Rendered,
        *,
        interrupt: threading.Event | None = None,
        on_tick: Tick | None = None,
        on_first_audio: Callable[[], None] | None = None,
    ) -> bool:
        stream = self.sd.RawOutputStream(  # type: ignore[attr-defined]
            samplerate=rendered.rate, channels=1, dtype="int16"
        )
        stop = interrupt or threading.Event()
        with stream:
            return _paced(
                rendered,
                stream.write,
                interrupt=interrupt,
                on_tick=on_tick,
                on_first_audio=on_first_audio,
                clock=time.monotonic,
                wait=stop.wait,
            )


def _has_alsa_card(cards: Path) -> bool:
    try:
        text = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(text.strip()) and "no soundcards" not in text


def find_player(
    command: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    alsa_cards: Path = Path("/proc/asound/cards"),
    sounddevice_loader: Callable[[], object | None] | None = None,
) -> tuple[Player | None, str]:
    """The best way to play sound here, and a human reason when there is none."""
    if command:
        return CommandPlayer(command), f"using {shlex.split(command)[0]}"
    env = os.environ if environ is None else environ
    runtime = Path(env.get("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}"))
    if which("pw-play") and (runtime / "pipewire-0").exists():
        return CommandPlayer(COMMANDS["pw-play"], name="pw-play"), "using PipeWire"
    if which("paplay") and (env.get("PULSE_SERVER") or (runtime / "pulse" / "native").exists()):
        return CommandPlayer(COMMANDS["paplay"], name="paplay"), "using PulseAudio"
    if _has_alsa_card(alsa_cards):
        if which("aplay"):
            return CommandPlayer(COMMANDS["aplay"], name="aplay"), "using ALSA"
        module = (sounddevice_loader or _load_sounddevice)()
        if module is not None:
            return SoundDevicePlayer(module), "using PortAudio"
        if which("play"):
            return CommandPlayer(COMMANDS["play"], name="play"), "using sox"
    return None, "no audio device found (no PipeWire, PulseAudio or ALSA sound card)"


def _load_sounddevice() -> object | None:
    try:
        import sounddevice
    except (ImportError, OSError):
        return None
    try:
        sounddevice.query_devices(kind="output")
    except (ValueError, OSError, sounddevice.PortAudioError):
        return None
    return sounddevice
