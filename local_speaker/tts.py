"""Text -> speech samples through pyttsx3 (espeak-ng on Linux), one engine per process.

Each piece of text is rendered with `engine.save_to_file` + `runAndWait` into a temp
WAV and read back, so the caller can place it on an exact timeline. pyttsx3 2.9x's
espeak driver has a trap with a second `runAndWait`: espeak works asynchronously, and
the driver cancels whatever espeak is still busy with when a new run starts — a
property change, or even the first utterance, which can still be rendering when the
first `runAndWait` returns. The result is empty or stale files and lost rate changes.
So this module (a) waits for pyttsx3's own "finished-utterance" notification (the file
is complete then), and (b) waits for espeak to be idle before and after each run. With
that, one engine is reused for every utterance (measured: ~10 ms per sentence, where a
fresh subprocess per utterance costs ~150 ms).
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from local_speaker.audio import AudioError, Pcm, read_wav

log = logging.getLogger("close_together.speaker")

DEFAULT_WPM = 165  # a little slower than espeak's default: calm, clear at bedtime
MIN_WPM, MAX_WPM = 80, 450
ESPEAK_PITCH = 50  # espeak's neutral pitch (0..100)
_ENGINE_LOCK = threading.Lock()  # pyttsx3 keeps one engine per driver per process


class SpeechError(RuntimeError):
    """The speech engine could not be started or did not produce audio."""


class Synthesizer(Protocol):
    def synthesize(self, text: str, *, rate: float = 1.0, pitch: float = 1.0) -> Pcm:
        """Speech for `text`; `rate` and `pitch` multiply the voice's own."""
        ...

    def warm_up(self) -> None: ...

    def close(self) -> None: ...


ESPEAK_MISSING = (
    "speech needs espeak-ng: sudo apt-get install espeak-ng "
    "(or write audio elsewhere with --wav / --wav-dir)"
)


def _why_no_engine(exc: BaseException) -> str:
    """One line: what to install, when the engine failed because espeak-ng is absent."""
    import ctypes.util
    import sys

    if sys.platform.startswith("linux") and not (
        ctypes.util.find_library("espeak-ng") or ctypes.util.find_library("espeak")
    ):
        return ESPEAK_MISSING
    return f"speech engine failed to start: {exc}"


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]


class Pyttsx3Synthesizer:
    """pyttsx3 speech rendered to WAV; safe to call any number of times in one process."""

    def __init__(
        self,
        *,
        voice: str | None = None,
        words_per_minute: int = DEFAULT_WPM,
        driver: str | None = None,
        timeout: float = 30.0,
        engine_factory: Callable[[str | None], Any] | None = None,
    ) -> None:
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.driver = driver
        self.timeout = timeout
        self._factory = engine_factory
        self._engine: Any = None
        self._done = threading.Event()
        self._errors: list[BaseException] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._count = 0

    # -- engine ------------------------------------------------------------------
    def _start(self) -> Any:
        if self._engine is not None:
            return self._engine
        if self._factory is not None:
            engine = self._factory(self.driver)
        else:
            try:
                import pyttsx3
            except ImportError as exc:
                raise SpeechError("pyttsx3 is missing: pip install close-together") from exc
            try:
                engine = pyttsx3.init(self.driver)
            except (RuntimeError, OSError, ImportError) as exc:
                raise SpeechError(_why_no_engine(exc)) from exc
        engine.connect("finished-utterance", self._finished)
        engine.connect("error", self._error)
        self._engine = engine
        self._tmp = tempfile.TemporaryDirectory(prefix="close-together-tts-")
        self._settle()
        # The first run of a fresh engine queues its commands until the loop starts and
        # can cancel them; one throwaway utterance gets it into its steady state, where
        # property changes apply at once.
        self._run("ready", Path(self._tmp.name) / "warm-up.wav")
        if self.voice:
            self._set("voice", self.voice)
        return engine

    def _finished(self, **_: Any) -> None:
        self._done.set()

    def _error(self, exception: BaseException | None = None, **_: Any) -> None:
        if exception is not None:
            self._errors.append(exception)

    def _espeak_busy(self) -> bool:
        if getattr(self._engine, "driver_name", None) != "espeak":
            return False
        try:
            from pyttsx3.drivers import _espeak
        except ImportError:  # pragma: no cover - only if pyttsx3 changes layout
            return False
        return bool(_espeak.IsPlaying())

    def _settle(self) -> None:
        """Wait until espeak has finished everything queued (see the module docstring)."""
        deadline = time.monotonic() + self.timeout
        while self._espeak_busy():
            if time.monotonic() > deadline:
                raise SpeechError("speech engine stayed busy")
            time.sleep(0.001)

    def _set(self, name: str, value: Any) -> None:
        # Set every time: pyttsx3 shares one engine per driver, so another synthesiser in
        # this process may have changed it since.
        self._engine.setProperty(name, value)
        self._settle()

    def warm_up(self) -> None:
        """Start the engine now, so the first answer is not slower than the rest."""
        with _ENGINE_LOCK:
            self._start()

    # -- speaking ------------------------------------------------------------------
    def synthesize(self, text: str, *, rate: float = 1.0, pitch: float = 1.0) -> Pcm:
        if not any(ch.isalnum() for ch in text):
            raise SpeechError("nothing speakable")
        with _ENGINE_LOCK:
            engine = self._start()
            assert self._tmp is not None
            wpm = int(min(MAX_WPM, max(MIN_WPM, self.words_per_minute * rate)))
            self._set("rate", wpm)
            if getattr(engine, "driver_name", None) == "espeak":
                self._set("pitch", int(min(100, max(0, ESPEAK_PITCH * pitch))))
            self._count += 1
            return self._run(text, Path(self._tmp.name) / f"utterance-{self._count}.wav")

    def _run(self, text: str, path: Path) -> Pcm:
        """One save_to_file + runAndWait, waited for until the file is complete."""
        engine = self._engine
        errors = list(self._errors)
        self._errors.clear()
        self._done.clear()
        engine.save_to_file(text, str(path))
        # The espeak driver prints "Audio saved to ..." from its callback.
        with contextlib.redirect_stdout(io.StringIO()):
            engine.runAndWait()
            finished = self._done.wait(self.timeout)
        self._settle()
        errors += self._errors
        if errors:
            raise SpeechError(f"speech engine error: {errors[0]}")
        if not finished:
            raise SpeechError("speech engine did not finish")
        try:
            return read_wav(path)
        except AudioError as exc:
            raise SpeechError(f"speech engine wrote no audio: {exc}") from exc
        finally:
            path.unlink(missing_ok=True)

    def voices(self) -> list[VoiceInfo]:
        with _ENGINE_LOCK:
            engine = self._start()
            found = engine.getProperty("voices") or []
        return [
            VoiceInfo(str(v.id), str(v.name), tuple(str(x) for x in (v.languages or [])))
            for v in found
        ]

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
