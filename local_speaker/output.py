"""Where the skill's answers go: a loudspeaker, WAV files, or (with neither) the terminal.

Every output also shows a transcript on the terminal — the skill's words, its quiet as
"(20 s of quiet)" and its chimes as "♪" — never anything the couple said.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import wave
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Protocol

from rich.console import Console
from rich.text import Text

from local_speaker import ssml_render
from local_speaker.audio import RATE, SAMPLE_WIDTH, silence_bytes
from local_speaker.countdown import Countdown
from local_speaker.playback import Player
from local_speaker.voice import Rendered, Voice

BETWEEN_ANSWERS_S = 1.0  # in a single WAV holding several answers
CHIME_MARK = "♪"


def transcript(ssml: str) -> str:
    """What is said, with quiet and chimes marked, as one line of text."""
    parts: list[str] = []
    for step in ssml_render.plan(ssml_render.parse(ssml), 0):
        if isinstance(step, ssml_render.Say):
            parts.append(step.text)
        elif isinstance(step, ssml_render.Sound):
            parts.append(CHIME_MARK)
        elif step.explicit and step.ms >= 1000:
            seconds = step.ms / 1000
            shown = f"{seconds:.0f}" if seconds == int(seconds) else f"{seconds:.1f}"
            parts.append(f"({shown} s of quiet)")
    return " ".join(parts)


class Output(Protocol):
    last_latency_s: float | None
    words: bool  # may what was said (and the answers) be printed here

    def speak(
        self,
        ssml: str,
        *,
        kind: str = "response",
        interrupt: threading.Event | None = None,
        heard_at: float | None = None,
    ) -> bool:
        """Say it; False if cut short by someone speaking."""
        ...

    def notice(self, text: str) -> None: ...

    def close(self) -> None: ...


class TextOutput:
    """No sound: print what would be said (unless `words` is off: see
    `words_belong_on_stdout`; then nothing of it is printed, here or by the outputs with
    sound, which show the words as well)."""

    words = True

    def __init__(self, console: Console) -> None:
        self.console = console
        self.last_latency_s: float | None = None

    def show(self, ssml: str) -> None:
        line = transcript(ssml)
        if line and self.words:
            self.console.print(Text(line, style="bold"))

    def speak(
        self,
        ssml: str,
        *,
        kind: str = "response",
        interrupt: threading.Event | None = None,
        heard_at: float | None = None,
    ) -> bool:
        """Show the words, then deliver the sound; latency counts from `heard_at` if given."""
        started = heard_at if heard_at is not None else time.perf_counter()
        self.show(ssml)
        return self.deliver(ssml, kind=kind, interrupt=interrupt, started=started)

    def deliver(
        self, ssml: str, *, kind: str, interrupt: threading.Event | None, started: float
    ) -> bool:
        """Where the sound goes; False if cut short. Printing the words is all it takes here."""
        return True

    def notice(self, text: str) -> None:
        self.console.print(Text(text, style="dim"))

    def close(self) -> None:
        pass


def words_belong_on_stdout(
    environ: Mapping[str, str] = os.environ, stdout: IO[str] | None = None
) -> bool:
    """False when stdout is systemd's journal: a log keeps what it is given, and the
    answers repeat what was said ("seven out of ten tonight"). systemd names the stream it
    connected in JOURNAL_STREAM (device:inode), so a terminal started from a session that
    inherited the variable still shows the words."""
    stream = environ.get("JOURNAL_STREAM", "")
    device, _, inode = stream.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return True
    try:
        status = os.fstat((stdout or sys.stdout).fileno())
    except (OSError, ValueError):
        return True
    return (status.st_dev, status.st_ino) != (int(device), int(inode))


def _private(path: str, flags: int) -> int:
    """Open for `open(..., opener=)`: audio of an answer is as private as the database
    (a file already there from before is made so too)."""
    handle = os.open(path, flags, 0o600)
    os.fchmod(handle, 0o600)
    return handle


class PlayedOutput(TextOutput):
    """Speak through the audio device, counting down long quiet on the terminal."""

    def __init__(self, console: Console, voice: Voice, player: Player) -> None:
        super().__init__(console)
        self.voice = voice
        self.player = player
        self.playing = threading.Event()  # the microphone may hear the speaker meanwhile
        self.played_until = float("-inf")  # perf_counter when the last answer stopped

    def played_since(self, since: float) -> bool:
        """Whether anything played at or after `since` (perf_counter): speech heard from
        then on may be the speaker's own voice."""
        return self.playing.is_set() or self.played_until >= since

    def deliver(
        self, ssml: str, *, kind: str, interrupt: threading.Event | None, started: float
    ) -> bool:
        rendered = self.voice.render(ssml)

        def first_audio() -> None:
            self.last_latency_s = time.perf_counter() - started

        self.playing.set()
        try:
            with Countdown(self.console, rendered) as countdown:
                return self.player.play(
                    rendered,
                    interrupt=interrupt,
                    on_tick=countdown.tick,
                    on_first_audio=first_audio,
                )
        finally:
            self.played_until = time.perf_counter()
            self.playing.clear()


class WavOutput(TextOutput):
    """Write the audio instead of playing it: one file per answer, or all in one file."""

    def __init__(
        self,
        console: Console,
        voice: Voice,
        *,
        directory: Path | None = None,
        file: Path | None = None,
    ) -> None:
        super().__init__(console)
        if (directory is None) == (file is None):
            raise ValueError("give a directory or a file")
        self.voice = voice
        self.directory = directory
        self.file = file
        self._count = 0
        self._written: list[Path] = []
        self._writer: wave.Wave_write | None = None
        self._file: IO[bytes] | None = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def deliver(
        self, ssml: str, *, kind: str, interrupt: threading.Event | None, started: float
    ) -> bool:
        rendered = self.voice.render(ssml)
        self._count += 1
        if self.directory is not None:
            path = self.directory / f"{self._count:03d}-{kind}.wav"
            self._write(rendered, path, started)
            self._written.append(path)
            self.notice(f"   wrote {path}")
        else:
            self._append(rendered, started)
        return True

    def forget(self) -> None:
        """Delete the answers written so far (they repeat what was said: "seven out of
        ten"), as the skill has just forgotten the couple."""
        for path in self._written:
            path.unlink(missing_ok=True)
        self._written.clear()

    def _write(self, rendered: Rendered, path: Path, started: float) -> None:
        with open(path, "wb", opener=_private) as file, wave.open(file, "wb") as out:
            self._frames(out, rendered, started, fresh=True)

    def _append(self, rendered: Rendered, started: float) -> None:
        assert self.file is not None
        fresh = self._writer is None
        if self._writer is None:
            # Stays open across answers; closed (with its file) in close().
            self._file = open(self.file, "wb", opener=_private)  # noqa: SIM115
            self._writer = wave.open(self._file, "wb")  # noqa: SIM115
        elif rendered.samples:
            self._writer.writeframes(silence_bytes(int(BETWEEN_ANSWERS_S * rendered.rate)))
        self._frames(self._writer, rendered, started, fresh=fresh)

    def _frames(
        self, out: wave.Wave_write, rendered: Rendered, started: float, *, fresh: bool
    ) -> None:
        if fresh:
            out.setnchannels(1)
            out.setsampwidth(SAMPLE_WIDTH)
            out.setframerate(rendered.rate)
        for index, chunk in enumerate(rendered.chunks()):
            out.writeframes(chunk)
            if index == 0:
                self.last_latency_s = time.perf_counter() - started

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            if self._file is not None:
                self._file.close()
                self._file = None
        elif self.file is not None:
            # Nothing was said (say with no answer): still leave a valid, empty WAV.
            with open(self.file, "wb", opener=_private) as file, wave.open(file, "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(SAMPLE_WIDTH)
                out.setframerate(RATE)
        super().close()
