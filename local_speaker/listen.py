"""Offline voice input: microphone -> pocketsphinx (grammar from the model) -> heard text.

Two ways to talk. Push-to-talk (default): press Enter, speak, and the utterance ends at
the first pause. Wake phrase (`--wake`): the microphone stays open, every stretch of
speech is decoded, and it counts only if it starts with the wake phrase — or, while
the skill is waiting for an answer, without it, as with an Echo.

The recogniser's words go through the same text matcher as typed lines. What fits the
grammar's garbage loop better than any command, or matches no intent, is reported as
"not caught" so the speaker says "Sorry, I didn't catch that" and does nothing else.
Nothing heard is logged or shown; the terminal shows only the intent's name.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from rich.console import Console
from rich.text import Text

from local_speaker import grammar
from local_speaker.matcher import Matcher
from local_speaker.model import FALLBACK, InteractionModel
from local_speaker.runner import Heard, Inputs

log = logging.getLogger("close_together.speaker")

SAMPLE_RATE = 16_000
WORD_INSERTION_PENALTY = 1e-2  # makes the phone-by-phone garbage path costly per phone
# Grammar weight against the acoustics. Measured on espeak-ng speech with a noise floor
# (10 headline commands x 6, 4 other sentences x 6): 6.5 (the default) 57/60 right and
# 18/24 others rejected; 7.5 to 10: 57/60 right and 24/24 rejected; 12: 47/60 right.
LANGUAGE_WEIGHT = 8.0
NO_SPEECH_S = 5.0  # push-to-talk: give up if nobody starts speaking
MAX_UTTERANCE_S = 10.0
ANSWER, WAKE = "answer", "wake"  # the two searches (see Recognizer)
MIC_COMMANDS = (
    ("arecord", "arecord -q -t raw -f S16_LE -c 1 -r {rate}"),
    ("parecord", "parecord --raw --format=s16le --channels=1 --rate={rate}"),
    ("pw-record", "pw-record --format s16 --rate {rate} --channels 1 -"),
    ("rec", "rec -q -t raw -r {rate} -e signed -b 16 -c 1 -"),
)


class ListenError(RuntimeError):
    """Voice input cannot work here (no pocketsphinx, no microphone command)."""


@dataclass(frozen=True)
class Decoded:
    """One utterance through the recogniser."""

    words: tuple[str, ...]  # what it heard (never logged)
    garbage: bool  # the garbage loop won: not a command
    audio_s: float
    decode_s: float

    @property
    def real_time_factor(self) -> float:
        return self.decode_s / self.audio_s if self.audio_s else 0.0


class Recognizer:
    """pocketsphinx with the grammar generated from the interaction model."""

    def __init__(self, model: InteractionModel, *, wake: str | None = None) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise ListenError(
                "pocketsphinx is not installed (pip install close-together[speaker])"
            ) from exc
        # lm=None: only our grammars are searched, and the general English language
        # model (about 100 MB in memory) is never loaded.
        self.decoder = Decoder(
            loglevel="FATAL", lm=None, wip=WORD_INSERTION_PENALTY, lw=LANGUAGE_WEIGHT
        )
        for word, phone in grammar.garbage_words().items():
            self.decoder.add_word(word, phone, False)
        known = lambda w: self.decoder.lookup_word(w) is not None  # noqa: E731
        # With a wake phrase, two searches: it is required while nobody is being
        # answered, and optional while the skill waits for an answer.
        self.grammar = grammar.build(model, known, wake=wake, wake_required=False)
        searches = {ANSWER: self.grammar}
        if wake is not None:
            searches[WAKE] = grammar.build(model, known, wake=wake, wake_required=True)
        try:
            for name, built in searches.items():
                self.decoder.add_jsgf_string(name, built.jsgf)
        except ValueError as exc:
            raise ListenError(f"the generated grammar was refused: {exc}") from exc
        self.decoder.activate_search(ANSWER)
        if self.grammar.dropped:
            log.info(
                "%d sample(s) cannot be spoken offline (free text or unknown words)",
                len(self.grammar.dropped),
            )
        self._lock = threading.Lock()

    def decode(self, pcm: bytes, *, search: str = "answer") -> Decoded:
        """A whole utterance of 16 kHz 16-bit mono PCM."""
        with self._lock:
            started = time.perf_counter()
            if self.decoder.current_search() != search:
                self.decoder.activate_search(search)
            self.decoder.start_utt()
            self.decoder.process_raw(pcm, full_utt=True)
            self.decoder.end_utt()
            return self._result(len(pcm) / 2 / SAMPLE_RATE, time.perf_counter() - started)

    def _result(self, audio_s: float, decode_s: float) -> Decoded:
        hyp = self.decoder.hyp()
        words = tuple(hyp.hypstr.split()) if hyp is not None and hyp.hypstr else ()
        garbage = any(grammar.is_garbage(w) for w in words)
        return Decoded(words, garbage, audio_s, decode_s)


def find_mic_command(which: Callable[[str], str | None] = shutil.which) -> str | None:
    for program, command in MIC_COMMANDS:
        if which(program):
            return command.format(rate=SAMPLE_RATE)
    return None


class Listener:
    """Feeds what it hears into the bedside's input queue."""

    def __init__(
        self,
        recognizer: Recognizer,
        matcher: Matcher,
        inputs: Inputs,
        *,
        mic_command: str,
        wake: bool = False,
        session_open: Callable[[], bool] = lambda: False,
        playing: Callable[[], bool] = lambda: False,
        console: Console | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.playing = playing
        self.matcher = matcher
        self.inputs = inputs
        self.mic_command = mic_command
        self.wake = wake
        self.session_open = session_open
        self.console = console
        self._busy = threading.Lock()
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.last_decoded: Decoded | None = None

    # -- what was heard ---------------------------------------------------------------
    def heard(self, decoded: Decoded, *, at: float) -> Heard | None:
        """Turn a decoding into input: words, a wake-only press, not caught, or nothing."""
        words = list(decoded.words)
        if not words and not decoded.garbage:
            return None
        if decoded.garbage:
            if self.wake and not self.session_open():
                return None  # room talk while nobody is being answered: not for us
            return Heard(None, "voice", at)
        wake = list(self.recognizer.grammar.wake)
        if self.wake:
            if wake and words[: len(wake)] == wake:
                words = words[len(wake) :]
                if all(w in self.matcher.phrases.fillers for w in words):
                    return Heard("", "button", at)  # "close together" (um...)
            elif not self.session_open() or self.playing():
                return None  # talk in the room (or the speaker itself), not addressed to us
        text = " ".join(words)
        understanding = self.matcher.understand(text)
        if understanding.launch:
            return Heard("", "button", at)  # "(close together,) open close together"
        if understanding.intent == FALLBACK:
            return Heard(None, "voice", at)
        if self.console is not None:
            self.console.print(Text(f"   · {understanding.intent}", style="dim"))
        return Heard(text, "voice", at)

    # -- push to talk --------------------------------------------------------------------
    @property
    def capturing(self) -> bool:
        return self._busy.locked()

    def push_to_talk(self) -> None:
        """Capture one utterance in the background (ignored if one is being captured)."""
        if not self._busy.acquire(blocking=False):
            return
        self.inputs.pending.set()  # whatever is playing stops: they want to speak
        thread = threading.Thread(target=self._capture_once, name="push-to-talk", daemon=True)
        thread.start()

    def _capture_once(self) -> None:
        try:
            if self.console is not None:
                self.console.print(Text("   listening…", style="dim"))
            item = self.listen_once()
            if item is not None:
                self.inputs.put(item)
        except ListenError as exc:
            if self.console is not None:
                self.console.print(Text(f"   microphone: {exc}", style="yellow"))
        finally:
            self._busy.release()

    def listen_once(self) -> Heard | None:
        """Record one utterance from the microphone command and say what it was."""
        decoded, at = self._capture()
        self.last_decoded = decoded
        return None if decoded is None else self.heard(decoded, at=at)

    def _open_mic(self) -> IO[bytes]:
        try:
            self._proc = subprocess.Popen(
                shlex.split(self.mic_command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError as exc:
            raise ListenError(f"cannot start {self.mic_command.split()[0]}: {exc}") from exc
        assert self._proc.stdout is not None
        return self._proc.stdout

    def _close_mic(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def _capture(self) -> tuple[Decoded | None, float]:
        """From the microphone until the first pause after speech."""
        from pocketsphinx import Endpointer

        endpointer = Endpointer()
        stream = self._open_mic()
        speech: list[bytes] = []
        frame_s = endpointer.frame_length
        waited = 0.0
        at = time.perf_counter()
        partial = b""
        try:
            while not self._stop.is_set():
                frame = stream.read(endpointer.frame_bytes)
                if len(frame) < endpointer.frame_bytes:
                    partial = frame
                    break  # the microphone command ended
                was_speaking = endpointer.in_speech
                voiced = endpointer.process(frame)
                if voiced is not None:
                    speech.append(voiced)
                    if was_speaking and not endpointer.in_speech:
                        break
                elif not speech:
                    waited += frame_s
                    if waited > NO_SPEECH_S:
                        return None, at
                if len(speech) * frame_s > MAX_UTTERANCE_S:
                    break
            tail = endpointer.end_stream(partial) if endpointer.in_speech else None
            if tail:
                speech.append(tail)
            at = time.perf_counter()
        finally:
            self._close_mic()
        if not speech:
            return None, at
        return self.recognizer.decode(b"".join(speech)), at

    # -- wake phrase -------------------------------------------------------------------
    def start(self) -> None:
        """With a wake phrase: listen continuously in the background."""
        if self.wake:
            self._thread = threading.Thread(target=self._wake_loop, name="wake", daemon=True)
            self._thread.start()

    def _wake_loop(self) -> None:
        from pocketsphinx import Endpointer

        try:
            stream = self._open_mic()
        except ListenError as exc:
            if self.console is not None:
                self.console.print(Text(f"   microphone: {exc}", style="yellow"))
            return
        endpointer = Endpointer()
        speech: list[bytes] = []
        try:
            while not self._stop.is_set():
                frame = stream.read(endpointer.frame_bytes)
                if len(frame) < endpointer.frame_bytes:
                    break
                was_speaking = endpointer.in_speech
                voiced = endpointer.process(frame)
                if voiced is None:
                    continue
                speech.append(voiced)
                if (was_speaking and not endpointer.in_speech) or (
                    len(speech) * endpointer.frame_length > MAX_UTTERANCE_S
                ):
                    at = time.perf_counter()
                    search = ANSWER if self.session_open() else WAKE
                    self.last_decoded = self.recognizer.decode(b"".join(speech), search=search)
                    item = self.heard(self.last_decoded, at=at)
                    speech = []
                    if item is not None:
                        self.inputs.put(item)
        finally:
            self._close_mic()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the wake-phrase listener to finish (its microphone command ended)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._close_mic()


def start_listener(
    matcher: Matcher,
    inputs: Inputs,
    *,
    wake: str | None,
    mic_command: str | None,
    session_open: Callable[[], bool],
    playing: Callable[[], bool] = lambda: False,
    console: Console | None = None,
) -> Listener:
    """Build the recogniser and the listener the `speaker --listen` command uses."""
    command = mic_command or find_mic_command()
    if command is None:
        raise ListenError(
            "no microphone command found (install alsa-utils for arecord, or pass --mic-command)"
        )
    recognizer = Recognizer(matcher.model, wake=wake)
    listener = Listener(
        recognizer,
        matcher,
        inputs,
        mic_command=command,
        wake=wake is not None,
        session_open=session_open,
        playing=playing,
        console=console,
    )
    listener.start()
    return listener
