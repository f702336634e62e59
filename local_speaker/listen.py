"""Offline voice input: microphone -> pocketsphinx (grammar from the model) -> heard text.

Two ways to talk. Push-to-talk (default): press Enter, speak, and the utterance ends at
the first pause. Wake phrase (`--wake`): the microphone stays open, every stretch of
speech is decoded, and it counts only if it starts with the wake phrase — or, while
the skill is waiting for an answer, without it, as with an Echo.

What may be heard depends on what the skill waits for (`context`): a bare number or
yes/no only when awaited, one grammar per context. Each hypothesis gets a confidence:
how much better the grammar explains the audio than a free phone loop does (a
likelihood ratio per frame). Speech that fits the grammar's own garbage loop, scores
too low, or matches no intent is "not caught": in push-to-talk the speaker says "Sorry,
I didn't catch that" and does nothing else (at a talk step the skill hears its fallback
intent: the couple is still talking); in wake mode nothing happens. A press always ends
in an answer, even when nothing was heard. Nothing heard is logged; the terminal shows
only the intent's name.
"""

from __future__ import annotations

import logging
import math
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from local_speaker import context, grammar
from local_speaker.context import Expecting
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
# Search beams: with pocketsphinx's defaults (1e-48, 7e-29, 30,000 HMMs a frame) noise
# keeps almost every path alive, and decoding took up to 1.75x real time. The
# cap on HMMs a frame bounds the cost; a word beam tighter than the default loses short
# final words ("close together" alone).
BEAM, WORD_BEAM, PHONE_BEAM, MAX_HMMS_PER_FRAME = 1e-48, 7e-29, 1e-48, 800
# A hypothesis counts when the grammar's words explain their stretch of audio better
# than a free loop of phones does: the acoustic log-likelihood ratio per 10 ms frame of
# the words is above this. Chosen on espeak-ng speech (25 commands, 18 other sentences,
# clean, white noise 20 dB, pink noise 10 dB), never on the held-out set: at 0.5, 51 of
# 54 right commands pass and 8 of the 22 other sentences that fit the grammar stop.
MIN_LOG_RATIO = 0.5
CONFIDENCE_SCALE = 0.5  # log ratio per frame that moves the confidence most of the way
NO_SPEECH_S = 5.0  # push-to-talk: give up if nobody starts speaking
MAX_UTTERANCE_S = 10.0
VAD_WINDOW_S = 0.3
VAD_MODE = "LOOSE"  # pocketsphinx.Vad's; stricter modes clip the words' edges
ANSWER, WAKE, PHONES = "answer", "wake", "phones"  # the searches (see Recognizer)
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
    log_ratio: float = 1.0  # per frame, against a free phone loop (see MIN_LOG_RATIO)

    @property
    def real_time_factor(self) -> float:
        return self.decode_s / self.audio_s if self.audio_s else 0.0

    @property
    def confidence(self) -> float:
        """0 to 1: how sure the recogniser is these words were said (0 for garbage)."""
        if self.garbage or not self.words:
            return 0.0
        return 1 / (1 + math.exp(-(self.log_ratio - MIN_LOG_RATIO) / CONFIDENCE_SCALE))

    @property
    def accepted(self) -> bool:
        """Words of the grammar, said clearly enough to act on."""
        return bool(self.words) and not self.garbage and self.log_ratio >= MIN_LOG_RATIO


class Recognizer:
    """pocketsphinx with grammars generated from the interaction model, one per context."""

    def __init__(self, model: InteractionModel, *, wake: str | None = None) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise ListenError(
                "voice input needs pocketsphinx: pip install 'close-together[listen]'"
            ) from exc
        # lm=None: only our grammars are searched, and the general English language
        # model (about 100 MB in memory) is never loaded.
        self.decoder = Decoder(
            loglevel="FATAL",
            lm=None,
            wip=WORD_INSERTION_PENALTY,
            lw=LANGUAGE_WEIGHT,
            beam=BEAM,
            wbeam=WORD_BEAM,
            pbeam=PHONE_BEAM,
            maxhmmpf=MAX_HMMS_PER_FRAME,
        )
        for word, phone in grammar.garbage_words().items():
            self.decoder.add_word(word, phone, False)
        known = lambda w: self.decoder.lookup_word(w) is not None  # noqa: E731
        self.model = model
        # Everything allowed: what the skill gets when it does not say what it awaits.
        self.grammar = grammar.build(model, known, wake=wake, wake_required=False)
        searches = {}
        for allowed in ((), (context.NUMBER,), (context.YES_NO,), tuple(context.GATED)):
            expect = Expecting(frozenset(allowed))
            searches[f"{ANSWER}:{expect.key}"] = (
                self.grammar
                if expect.allowed == context.GATED
                else grammar.build(model, known, wake=wake, wake_required=False, expect=expect)
            )
        if wake is not None:
            # Nobody is being answered: the wake phrase is required and nothing is awaited.
            searches[WAKE] = grammar.build(
                model, known, wake=wake, wake_required=True, expect=context.NOTHING
            )
        try:
            for name, built in searches.items():
                self.decoder.add_jsgf_string(name, built.jsgf)
        except ValueError as exc:
            raise ListenError(f"the generated grammar was refused: {exc}") from exc
        # The free phone loop the confidence compares with: the garbage words, any number.
        self.decoder.add_jsgf_string(PHONES, grammar.phone_loop())
        self.decoder.activate_search(f"{ANSWER}:{context.EVERYTHING.key}")
        if self.grammar.dropped:
            log.info(
                "%d sample(s) cannot be spoken offline (free text or unknown words)",
                len(self.grammar.dropped),
            )
        self._lock = threading.Lock()

    @staticmethod
    def search_for(expect: Expecting | None, *, wake_required: bool = False) -> str:
        if wake_required:
            return WAKE
        return f"{ANSWER}:{(expect or context.EVERYTHING).key}"

    def decode(
        self, pcm: bytes, *, expect: Expecting | None = None, wake_required: bool = False
    ) -> Decoded:
        """A whole utterance of 16 kHz 16-bit mono PCM, heard in this context."""
        with self._lock:
            started = time.process_time()
            search = self.search_for(expect, wake_required=wake_required)
            words, segments = self._search(pcm, search)
            garbage = any(grammar.is_garbage(w) for w in words)
            log_ratio = 0.0
            spoken = [seg for seg in segments if not _is_filler(seg[0])]
            if words and not garbage and spoken:
                # Compare over the frames of the words alone: silence around them would
                # water the ratio down, more for short words than for long ones.
                first, last = spoken[0][1], spoken[-1][2]
                _, free = self._search(pcm, PHONES)
                free_score = sum(
                    score * _overlap(start, end, first, last) for _, start, end, score in free
                )
                own_score = sum(score for _, _, _, score in spoken)
                log_ratio = (own_score - free_score) / max(last - first + 1, 1)
            return Decoded(
                words,
                garbage,
                len(pcm) / 2 / SAMPLE_RATE,
                time.process_time() - started,
                log_ratio,
            )

    def _search(
        self, pcm: bytes, search: str
    ) -> tuple[tuple[str, ...], list[tuple[str, int, int, float]]]:
        """The words found, and each segment: word, first and last frame, log-likelihood."""
        if self.decoder.current_search() != search:
            self.decoder.activate_search(search)
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        words = tuple(hyp.hypstr.split()) if hyp is not None and hyp.hypstr else ()
        # The bindings give each segment's acoustic score as a probability.
        segments = [
            (seg.word, seg.start_frame, seg.end_frame, math.log(max(seg.ascore, 1e-300)))
            for seg in (self.decoder.seg() if hyp is not None else None) or ()
        ]
        return words, segments


def _is_filler(word: str) -> bool:
    return word.startswith("<") or word.startswith("[") or word.startswith("++")


def _overlap(start: int, end: int, first: int, last: int) -> float:
    """The share of a segment's frames that fall between `first` and `last`."""
    inside = min(end, last) - max(start, first) + 1
    return max(0, inside) / max(end - start + 1, 1)


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
        expecting: Callable[[], Expecting] | None = None,
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
        # What the skill awaits; without a way to ask, the session being open says all.
        self.expecting = expecting or (
            lambda: context.EVERYTHING if self.session_open() else context.NOTHING
        )
        self.console = console
        self._busy = threading.Lock()
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.last_decoded: Decoded | None = None

    # -- what was heard ---------------------------------------------------------------
    def heard(
        self, decoded: Decoded | None, *, at: float, expect: Expecting | None = None
    ) -> Heard | None:
        """Turn a decoding into input: words, a wake-only press, not caught, or nothing.

        None means "do nothing at all": only in wake mode, for speech not for us.
        """
        expect = expect or self.expecting()
        confidence = decoded.confidence if decoded is not None else 0.0
        not_caught = Heard(
            None, "voice", at, intent=FALLBACK if expect.talk else None, confidence=confidence
        )
        addressed = not self.wake or self.session_open()
        if decoded is None or not decoded.words:
            return not_caught if not self.wake else None  # a press always gets an answer
        if not decoded.accepted:
            return not_caught if addressed else None  # room talk nobody asked for
        words = list(decoded.words)
        wake = list(self.recognizer.grammar.wake)
        if self.wake:
            if wake and words[: len(wake)] == wake:
                words = words[len(wake) :]
                if all(w in self.matcher.phrases.fillers for w in words):
                    return Heard("", "button", at, confidence=confidence)  # "close together"
            elif not self.session_open() or self.playing():
                return None  # talk in the room (or the speaker itself), not addressed to us
        text = " ".join(words)
        understanding = self.matcher.understand(text)
        closing = {suffix[0] for suffix in self.matcher.wrapping.suffixes}
        while not understanding.exact and len(words) > 1 and words[-1] in closing:
            # The search ran out inside a closing wrapper ("how are we doing for", the
            # room's noise heard as the start of "for us"): the command is what came before.
            words = words[:-1]
            text = " ".join(words)
            understanding = self.matcher.understand(text)
        if understanding.launch:
            return Heard("", "button", at, confidence=confidence)  # "open close together"
        if understanding.intent in (None, FALLBACK) or not understanding.exact:
            # Not a whole sentence of the grammar: the search ran out before the end.
            return not_caught
        intent = self.matcher.model.intent(understanding.intent)
        if not context.allows(expect, intent, understanding.sample, self.matcher.phrases):
            return not_caught  # a bare number or yes/no nobody asked for
        if self.console is not None:
            self.console.print(Text(f"   · {understanding.intent}", style="dim"))
        return Heard(text, "voice", at, intent=understanding.intent, confidence=confidence)

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
        except Exception:  # noqa: BLE001 - the press still gets an answer
            log.exception("listening failed")
            self.inputs.put(Heard(None, "voice"))
        finally:
            self._busy.release()

    def listen_once(self, stream: IO[bytes] | None = None) -> Heard | None:
        """Record one utterance (from the microphone, or `stream`) and say what it was."""
        expect = self.expecting()
        decoded, at = self._capture(stream, expect)
        self.last_decoded = decoded
        if self._stop.is_set():
            return None
        return self.heard(decoded, at=at, expect=expect)

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

    def _capture(
        self, source: IO[bytes] | None = None, expect: Expecting | None = None
    ) -> tuple[Decoded | None, float]:
        """From the microphone (or `source`) until the first pause after speech."""
        endpointer = new_endpointer()
        stream = source if source is not None else self._open_mic()
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
            speech.extend(_rest(endpointer, partial))
            at = time.perf_counter()
        finally:
            if source is None:
                self._close_mic()
        if not speech:
            return None, at
        return self.recognizer.decode(b"".join(speech), expect=expect), at

    # -- wake phrase -------------------------------------------------------------------
    def start(self) -> None:
        """With a wake phrase: listen continuously in the background."""
        if self.wake:
            self._thread = threading.Thread(target=self._wake_loop, name="wake", daemon=True)
            self._thread.start()

    def _wake_loop(self) -> None:
        try:
            stream = self._open_mic()
        except ListenError as exc:
            if self.console is not None:
                self.console.print(Text(f"   microphone: {exc}", style="yellow"))
            return
        endpointer = new_endpointer()
        speech: list[bytes] = []
        try:
            while not self._stop.is_set():
                frame = stream.read(endpointer.frame_bytes)
                if len(frame) < endpointer.frame_bytes:
                    speech.extend(_rest(endpointer, frame))  # the stream ended mid-speech
                    if speech:
                        self._wake_heard(speech)
                    break
                was_speaking = endpointer.in_speech
                voiced = endpointer.process(frame)
                if voiced is None:
                    continue
                speech.append(voiced)
                if (was_speaking and not endpointer.in_speech) or (
                    len(speech) * endpointer.frame_length > MAX_UTTERANCE_S
                ):
                    self._wake_heard(speech)
                    speech = []
        finally:
            self._close_mic()

    def _wake_heard(self, speech: list[bytes]) -> None:
        at = time.perf_counter()
        answering = self.session_open()
        expect = self.expecting()
        self.last_decoded = self.recognizer.decode(
            b"".join(speech), expect=expect, wake_required=not answering
        )
        item = self.heard(self.last_decoded, at=at, expect=expect)
        if item is not None:
            self.inputs.put(item)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the wake-phrase listener to finish (its microphone command ended)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._close_mic()


def new_endpointer() -> Any:
    """pocketsphinx's voice-activity endpointer, set as the bedside uses it."""
    from pocketsphinx import Endpointer, Vad

    return Endpointer(window=VAD_WINDOW_S, vad_mode=getattr(Vad, VAD_MODE))


def _rest(endpointer: Any, partial: bytes) -> list[bytes]:
    """What the endpointer still holds when the stream ends (never raises).

    `end_stream` wants a final frame of at most `frame_bytes` and refuses an empty one;
    a stream that ends on a frame boundary (or an utterance cut at MAX_UTTERANCE_S)
    has none, so it gets a frame of silence.
    """
    if not endpointer.in_speech:
        return []
    partial = partial[: len(partial) - len(partial) % 2] or bytes(endpointer.frame_bytes)
    try:
        tail = endpointer.end_stream(partial)
    except (IndexError, ValueError):
        log.debug("the endpointer refused the end of the stream", exc_info=True)
        return []
    return [tail] if tail else []


def start_listener(
    matcher: Matcher,
    inputs: Inputs,
    *,
    wake: str | None,
    mic_command: str | None,
    session_open: Callable[[], bool],
    expecting: Callable[[], Expecting] | None = None,
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
        expecting=expecting,
        playing=playing,
        console=console,
    )
    listener.start()
    return listener
