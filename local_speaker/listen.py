"""Offline voice input: microphone -> pocketsphinx -> heard text.

Two ways to talk. Push-to-talk (default): press Enter, speak, and the utterance ends at
the first pause. Wake phrase (`--wake`): the microphone stays open, every stretch of
speech is decoded, and it counts only if it starts with the wake phrase — or, while
the skill is waiting for an answer, without it, as with an Echo.

Two searches (see Recognizer). The first hears words freely — the interaction model's
sentences and everyday English — so talk meant for each other is heard as what it is
and the matcher turns it down, while a wrapped or paraphrased command is understood as
typing is. Only when those words are not a command does the grammar get a second look,
and its sentence counts only if it explains the audio nearly as well as the free words.
What may be heard depends on what the skill waits for (`context`): a bare number or
yes/no only when awaited, one model and one grammar per context.

Speech that is not a command is "not caught": in push-to-talk the speaker says "Sorry,
I didn't catch that" and does nothing else (at a talk step the skill hears its fallback
intent: the couple is still talking); in wake mode nothing happens. A press always ends
in an answer, even when nothing was heard. Nothing heard is logged; the terminal shows
only the intent's name.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from local_speaker import context, grammar, language_model, pitch
from local_speaker.context import Expecting
from local_speaker.matcher import Matcher
from local_speaker.model import FALLBACK, FIRST_NAME, InteractionModel
from local_speaker.runner import END, Heard, Inputs

log = logging.getLogger("close_together.speaker")

SAMPLE_RATE = 16_000
# Two searches. First the couple's words, freely: a small language model of the
# interaction model's sentences plus everyday words (language_model.py), whose words the
# matcher understands much as it understands typing, wrappers and all. When those words
# are not a command, the grammar's sentences get a second look: one of the free search's
# likeliest readings (N_BEST) may be one exactly, or the fixed grammar, forced onto the
# audio, may find one that explains it nearly as well as the free words do
# (MIN_LOG_RATIO). Settings chosen on espeak-ng speech (bench/devset: `python -m
# bench.recognition --set dev`), never on the held-out set.
# Frequency warping (pocketsphinx's inverse-linear vocal tract length normalisation),
# chosen for each utterance from the voice's pitch in steps of 0.1 (pitch.py): the acoustic
# model fits deeper voices best, and one warp for both partners fits neither. The front
# end is rebuilt only when the warp changes: otherwise the room's noise estimate carries
# over from one utterance to the next (learned afresh for every utterance, it cost
# commands in a faint noise floor). On the tuning set (`python -m bench.recognition --set
# dev`, all five rooms), against one warp of 1.1 for every voice: 181 against 174 of 320
# paraphrases heard, 22 against 24 of 280 room-talk sentences acted on, 359 of 440
# commands both (with a fresh front end for every utterance: 179, 19 and 350).
# The free search's language weight and word penalty. On the tuning set, a weight of 7
# let 75% more room talk through; 13 heard 4% fewer commands and 17% fewer paraphrases.
WORDS_WEIGHT, WORDS_INSERTION = 10.0, 0.5
WORDS_MAX_HMMS = 3000
N_BEST = 10
# The grammar search: language weight against the acoustics, a word insertion penalty, and
# beams. An HMM cap bounds the cost in noise (pocketsphinx's defaults keep almost every
# path alive: up to 1.75x real time); a tighter word beam loses short final words.
LANGUAGE_WEIGHT = 8.0
WORD_INSERTION_PENALTY = 1e-2
BEAM, WORD_BEAM, PHONE_BEAM, MAX_HMMS_PER_FRAME = 1e-48, 7e-29, 1e-48, 800
# A grammar sentence counts when its acoustic log-likelihood per 10 ms frame is at most
# this much below the free search's, and its words span most of the stretch the free
# words do (the grammar may explain the rest as silence or noise: "restart" alone for
# four words of speech). On the tuning set, against -1.0 with no span asked: 6% more
# commands heard and 11% less room talk acted on. With the room before the words
# (PRE_ROLL_S) the scores moved, and -1.0 now does better than -1.25: 3 fewer of 224
# room-talk sentences acted on (2 of them in a quiet room), 5 fewer of 352 commands heard
# (3 in pink noise 10 dB), the same paraphrases.
MIN_LOG_RATIO = -1.0
MIN_SPAN = 0.8
# Nor does a grammar sentence count when it stretches a word over other speech: "that
# will be all" forced onto "that movie was really good" held "be" for 40 frames (10 ms
# each) a phone, "go on" for "call my mom" held "on" for 40. A word may last at most
# this many frames a phone on average; the last word more (said slowly, drawn out). On
# the tuning set's second looks (all rooms): 7 of 14 wrong sentences turned away, none of
# the 39 right ones, whose longest word was 28 frames a phone (a last word: "day"); its
# room talk acted on fell from 22 to 17 of 280, with the same commands (347 of 440) and
# paraphrases (186 of 320) heard. espeak-ng's slowest speech stays under 29.
MAX_FRAMES_PER_PHONE, MAX_FRAMES_PER_PHONE_LAST = 30, 45
# And one of its words (articles and fillers aside) must be among those the free search
# heard in its likeliest readings: "i think it's going to rain", heard as "thinking you",
# is not "repeat that" however well the two fit the audio. On the tuning set with 24 more
# room-talk sentences: room talk acted on 38 -> 28 of 760 (quiet room 8 -> 5 of 152),
# commands 349 -> 345 of 440 (one in each noisy room), paraphrases 186 of 320 both.
# Free words may differ from a sample as typing may, but less: a filler and one unknown
# word ("what is on our menu tonight"), not a command trailing into other talk ("that will
# be all", then three words more). A name must be one the grammar lists.
MAX_SPOKEN_EDITS = 4
# With the couple's voices learnt (enrolment.py) the free search hears their words nearly
# as said, and they may differ from a sample as typing may: up to three unknown words
# around a request ("help us breathe together for a little while"). On the tuning set
# with 16 wordier paraphrases, after enrolment (clean, pink noise 20 dB): 137 -> 176 of
# 256 paraphrases, room talk acted on 2 -> 2 of 304. With the stock model the same rule
# heard 90 -> 122 there, but in reverb, white and pink noise 10 dB it acted on 16 -> 28
# of 456 room-talk sentences: unsure words are held to the stricter rule.
MAX_SPOKEN_EDITS_LEARNT = 10
# And one word heard alone (wrappers aside) counts only as a sample, give or take an
# article: "next", "okay skip", "hug" (for "a hug"), not "minute" for "just a minute",
# which is more often a short word misheard ("next"). On the tuning set: 2 fewer of 224
# room-talk sentences acted on, no command or paraphrase lost. Typing keeps its tolerance.
CONFIDENCE_SCALE = 0.5  # log ratio per frame that moves the confidence most of the way
NO_SPEECH_S = 5.0  # push-to-talk: give up if nobody starts speaking
MAX_UTTERANCE_S = 10.0
VAD_WINDOW_S = 0.3
VAD_MODE = "LOOSE"  # pocketsphinx.Vad's; stricter modes clip the words' edges
# The room just before the words, handed to the decoder with them: the endpointer starts
# an utterance at its first voiced frame, and a decoder that starts mid-word mishears the
# first word ("skip this one" as "this one"), most of all in noise. On the tuning set
# (`python -m bench.recognition --set dev --conditions clean,reverb,pink20,pink10`),
# against none: 292 against 282 of 352 commands heard (pink noise 20 dB: 77 against 65 of
# 88; clean: 77 against 81), 133 against 123 of 256 paraphrases, room talk acted on 24
# against 25 of 224. In a quick sweep 0.4 s was no better.
PRE_ROLL_S = 0.2
ANSWER, WAKE, WORDS = "answer", "wake", "words"  # the searches (see Recognizer)
WARM = "warm"  # a search of one short word: a pass over audio only to learn the room's noise
MIC_COMMANDS = (
    ("arecord", "arecord -q -t raw -f S16_LE -c 1 -r {rate}"),
    ("parecord", "parecord --raw --format=s16le --channels=1 --rate={rate}"),
    ("pw-record", "pw-record --format s16 --rate {rate} --channels 1 -"),
    ("rec", "rec -q -t raw -r {rate} -e signed -b 16 -c 1 -"),
)

Segments = list[tuple[str, int, int, float]]


class ListenError(RuntimeError):
    """Voice input cannot work here (no pocketsphinx, no microphone command)."""


@dataclass(frozen=True)
class Decoded:
    """One utterance through the recogniser."""

    words: tuple[str, ...]  # what it heard (never logged)
    garbage: bool  # not a command: only everyday words, or nothing the grammar has
    audio_s: float
    decode_s: float
    log_ratio: float = 0.0  # a grammar sentence: per frame, against the free words
    free: bool = False  # heard as free words and understood as a command
    agreement: float = 1.0  # free words: share of the likeliest readings that mean the same
    free_words: tuple[str, ...] = ()  # the free search's words, when a grammar sentence was tried

    @property
    def said(self) -> tuple[str, ...]:
        """The words most likely said: those acted on, or else the free search's (a grammar
        sentence turned away is only the nearest command, not what was heard)."""
        return self.words if self.accepted or not self.free_words else self.free_words

    @property
    def real_time_factor(self) -> float:
        return self.decode_s / self.audio_s if self.audio_s else 0.0

    @property
    def confidence(self) -> float:
        """0 to 1: how sure the recogniser is these words were said (0 for garbage)."""
        if self.garbage or not self.words:
            return 0.0
        if self.free:
            return self.agreement
        return 1 / (1 + math.exp(-(self.log_ratio - MIN_LOG_RATIO) / CONFIDENCE_SCALE))

    @property
    def accepted(self) -> bool:
        """A command, said clearly enough to act on."""
        return (
            bool(self.words) and not self.garbage and (self.free or self.log_ratio >= MIN_LOG_RATIO)
        )


class Recognizer:
    """pocketsphinx: a free search over the model's sentences and everyday words, then the
    grammar generated from the interaction model; one of each per context."""

    def __init__(
        self,
        model: InteractionModel,
        *,
        wake: str | None = None,
        matcher: Matcher | None = None,
        voices: Mapping[str, str] | None = None,
    ) -> None:
        """`voices`: the couple's adapted model (enrolment.saved), or the stock one."""
        try:
            from pocketsphinx import Decoder, NGramModel
        except ImportError as exc:
            raise ListenError(
                "voice input needs pocketsphinx: pip install 'close-together[listen]'"
            ) from exc
        self.model = model
        self.matcher = matcher or Matcher(model)
        # lm=None: only our own models are searched, and the general English language
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
            warp_type="inverse_linear",
            warp_params=str(pitch.warp_for(None)),
            **(voices or {}),
        )
        self.words_decoder = Decoder(
            loglevel="FATAL",
            lm=None,
            wip=WORDS_INSERTION,
            lw=WORDS_WEIGHT,
            fwdflat=True,
            bestpath=True,
            maxhmmpf=WORDS_MAX_HMMS,
            warp_type="inverse_linear",
            warp_params=str(pitch.warp_for(None)),
            **(voices or {}),
        )
        self.voices = dict(voices or {})
        self.wake_phrase = wake
        self.spoken_edits = MAX_SPOKEN_EDITS_LEARNT if voices else MAX_SPOKEN_EDITS
        known = lambda w: self.decoder.lookup_word(w) is not None  # noqa: E731
        searches = {}
        for allowed in ((), (context.NUMBER,), (context.YES_NO,), tuple(context.GATED)):
            expect = Expecting(frozenset(allowed))
            built = grammar.build(model, known, wake=wake, wake_required=False, expect=expect)
            searches[f"{ANSWER}:{expect.key}"] = built
            arpa = language_model.build(model, known, expect, wake=built.wake)
            with tempfile.TemporaryDirectory(prefix="close-together-") as folder:
                path = os.path.join(folder, "words.arpa")
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(arpa)
                lm = NGramModel(self.words_decoder.config, self.words_decoder.logmath, path)
            self.words_decoder.add_lm(f"{WORDS}:{expect.key}", lm)
        # Everything allowed: what the skill gets when it does not say what it awaits.
        self.grammar = searches[f"{ANSWER}:{context.EVERYTHING.key}"]
        if wake is not None:
            # Nobody is being answered: the wake phrase is required and nothing is awaited.
            searches[WAKE] = grammar.build(
                model,
                known,
                wake=wake,
                wake_required=True,
                expect=context.NOTHING,
            )
        for decoder in (self.decoder, self.words_decoder):
            decoder.add_jsgf_string(WARM, "#JSGF V1.0;\ngrammar warm;\npublic <w> = a;\n")
        self._before = b""  # the last utterance (see _fit_voice)
        self._phone_counts: dict[str, int] = {}
        self._light = self.matcher.phrases.fillers | self.matcher.phrases.determiners
        try:
            for name, built in searches.items():
                self.decoder.add_jsgf_string(name, built.jsgf)
        except ValueError as exc:
            raise ListenError(f"the generated grammar was refused: {exc}") from exc
        self.decoder.activate_search(f"{ANSWER}:{context.EVERYTHING.key}")
        self.words_decoder.activate_search(f"{WORDS}:{context.EVERYTHING.key}")
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
            audio_s = len(pcm) / 2 / SAMPLE_RATE
            expect = context.NOTHING if wake_required else (expect or context.EVERYTHING)
            self._fit_voice(pcm)

            def done(words: Sequence[str], **kwargs: Any) -> Decoded:
                return Decoded(
                    tuple(words), audio_s=audio_s, decode_s=time.process_time() - started, **kwargs
                )

            words, segments, readings = self._free(pcm, f"{WORDS}:{expect.key}")
            # The best reading as loosely as typing; the others only word for word.
            for n, reading in enumerate([words, *(r for r in readings if r != words)]):
                if reading and self._means(reading, expect, exact=n > 0):
                    agreement = self._agreement(reading, readings)
                    return done(reading, garbage=False, free=True, agreement=agreement)
            forced, forced_segments = self._search(
                pcm, self.search_for(expect, wake_required=wake_required)
            )
            if (
                forced
                and self._means(forced, expect, exact=True)
                and _spoken(forced_segments) >= MIN_SPAN * _spoken(segments)
                and not self._stretched(forced_segments)
                and self._supported(forced, [words, *readings])
            ):
                frames = max((seg[2] for seg in segments), default=0) + 1
                ratio = (_acoustic(forced_segments) - _acoustic(segments)) / frames
                return done(forced, garbage=False, log_ratio=ratio, free_words=words)
            return done(words, garbage=True)

    def _fit_voice(self, pcm: bytes) -> None:
        """Both searches hear this utterance with the warp its pitch asks for. A new warp
        means a new front end, which first learns the room's noise from the utterance
        before (held in memory only), as the old one had: otherwise the first command
        after the other partner spoke was heard as if the room had just gone quiet."""
        warp = str(pitch.warp_for(pitch.pitch(pcm)))
        for decoder in (self.words_decoder, self.decoder):
            if decoder.config["warp_params"] != warp:
                decoder.config["warp_params"] = warp
                decoder.reinit_feat()
                if self._before:
                    _run(decoder, self._before, WARM)
        self._before = pcm

    def _supported(self, forced: Sequence[str], readings: Sequence[Sequence[str]]) -> bool:
        """Did the free search hear any of the grammar sentence's words (articles and
        fillers aside) in one of its likeliest readings?"""
        heard = {word for reading in readings for word in reading}
        return any(word in heard for word in forced if word not in self._light)

    def _stretched(self, segments: Segments) -> bool:
        """Does a word last longer than a word is said (MAX_FRAMES_PER_PHONE)?"""
        words = [
            (word, last - first + 1) for word, first, last, _ in segments if not _is_filler(word)
        ]
        for n, (word, frames) in enumerate(words):
            limit = MAX_FRAMES_PER_PHONE_LAST if n == len(words) - 1 else MAX_FRAMES_PER_PHONE
            if frames > limit * self._phones(word):
                return True
        return False

    def _phones(self, word: str) -> int:
        """How many phones the dictionary gives this word (or this pronunciation of it)."""
        found = self._phone_counts.get(word)
        if found is None:
            pronunciation = self.decoder.lookup_word(word)
            found = self._phone_counts[word] = len(pronunciation.split()) if pronunciation else 1
        return found

    def _means(self, words: Sequence[str], expect: Expecting, *, exact: bool) -> bool:
        found = meaning(
            self.matcher,
            words,
            expect,
            wake=self.grammar.wake,
            exact=exact,
            max_edits=self.spoken_edits,
        )
        return found is not None

    @staticmethod
    def _agreement(words: Sequence[str], readings: list[tuple[str, ...]]) -> float:
        """How far the likeliest readings agree with these words (0 to 1)."""
        if not readings:
            return 1.0
        return sum(_shared(words, reading) for reading in readings) / len(readings)

    def _free(
        self, pcm: bytes, search: str
    ) -> tuple[tuple[str, ...], Segments, list[tuple[str, ...]]]:
        """The free search: its words, their segments, and its likeliest readings."""
        decoder = self.words_decoder
        words, segments = _run(decoder, pcm, search)
        readings: list[tuple[str, ...]] = []
        if words:
            for hyp in itertools.islice(decoder.nbest(), N_BEST):
                if hyp is None or not hyp.hypstr:  # pocketsphinx may yield an empty one
                    continue
                reading = tuple(w for w in hyp.hypstr.split() if not _is_filler(w))
                if reading and reading not in readings:
                    readings.append(reading)
        return words, segments, readings

    def _search(self, pcm: bytes, search: str) -> tuple[tuple[str, ...], Segments]:
        """The grammar's words found, and each segment."""
        return _run(self.decoder, pcm, search)


@dataclass(frozen=True)
class Meaning:
    """What heard words are to the skill."""

    text: str  # the words, after the wake phrase
    intent: str | None  # None: open the skill (the wake phrase or the invocation alone)


def meaning(
    matcher: Matcher,
    words: Sequence[str],
    expect: Expecting,
    *,
    wake: Sequence[str] = (),
    exact: bool = False,
    max_edits: int = MAX_SPOKEN_EDITS,
) -> Meaning | None:
    """The command heard words are in this context, or None for anything else.

    Words may differ from a sample as typing may, but less (`max_edits`: MAX_SPOKEN_EDITS,
    or MAX_SPOKEN_EDITS_LEARNT with the couple's voices learnt; one word alone only as a
    sample give or take an article, and a name must be one the grammar lists); `exact`:
    only a sample word for word. A bare number or yes/no counts only when awaited.
    """
    words = list(words)
    if wake and words[: len(wake)] == list(wake):
        words = words[len(wake) :]
        if all(w in matcher.phrases.fillers for w in words):
            return Meaning("", None)  # "close together"
    if not words:
        return None
    text = " ".join(words)
    understanding = matcher.understand(text)
    if understanding.launch:
        return Meaning("", None)  # "open close together"
    if understanding.intent in (None, FALLBACK) or (exact and not understanding.exact):
        return None
    said = [w for w in words if w not in matcher.phrases.fillers]
    if understanding.edits > 1 and len(said) < 2:
        return None  # one word alone: a sample, give or take "a" (see MAX_SPOKEN_EDITS)
    if understanding.edits > max_edits:
        return None
    names = [
        fill.value.lower()
        for name, fill in understanding.slots.items()
        if understanding.slot_types.get(name) == FIRST_NAME
    ]
    if names and not set(names) <= {
        n.lower() for n in matcher.phrases.grammar_values.get(FIRST_NAME, ())
    }:
        return None
    intent = matcher.model.intent(understanding.intent)
    if not context.allows(expect, intent, understanding.sample, matcher.phrases):
        return None
    return Meaning(text, understanding.intent)


def _run(decoder: Any, pcm: bytes, search: str) -> tuple[tuple[str, ...], Segments]:
    """One search over the utterance: the words found, and each segment (word, first and
    last frame, acoustic log-likelihood)."""
    if decoder.current_search() != search:
        decoder.activate_search(search)
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    words = (
        tuple(w for w in hyp.hypstr.split() if not _is_filler(w))
        if hyp is not None and hyp.hypstr
        else ()
    )
    # The bindings give each segment's acoustic score as a probability.
    segments = [
        (seg.word, seg.start_frame, seg.end_frame, math.log(max(seg.ascore, 1e-300)))
        for seg in (decoder.seg() if hyp is not None else None) or ()
    ]
    return words, segments


def _acoustic(segments: Segments) -> float:
    """The utterance's acoustic log-likelihood (the end marker repeats the last word's)."""
    return sum(score for word, _, _, score in segments if word != "</s>")


def _spoken(segments: Segments) -> int:
    """Frames of words (not silence, noise or the sentence's ends)."""
    return sum(last - first + 1 for word, first, last, _ in segments if not _is_filler(word))


def _shared(words: Sequence[str], reading: Sequence[str]) -> float:
    """The share of `words` found, in order, in `reading` (longest common subsequence)."""
    above = [0] * (len(words) + 1)
    for heard in reading:
        row = [0] * (len(words) + 1)
        for j, word in enumerate(words):
            row[j + 1] = above[j] + 1 if heard == word else max(above[j + 1], row[j])
        above = row
    return above[-1] / len(words) if words else 0.0


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
        playing: Callable[[float], bool] = lambda since: False,
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
        self.mic_lost: str | None = None  # wake mode: why the microphone stopped

    # -- what was heard ---------------------------------------------------------------
    def heard(
        self,
        decoded: Decoded | None,
        *,
        at: float,
        expect: Expecting | None = None,
        since: float | None = None,
    ) -> Heard | None:
        """Turn a decoding into input: words, a wake-only press, not caught, or nothing.

        None means "do nothing at all": only in wake mode, for speech not for us.
        """
        expect = expect or self.expecting()
        confidence = decoded.confidence if decoded is not None else 0.0
        not_caught = Heard(
            None, "voice", at, intent=FALLBACK if expect.talk else None, confidence=confidence
        )
        if decoded is None or not decoded.words:
            return not_caught if not self.wake else None  # a press always gets an answer
        wake = self.recognizer.grammar.wake if self.wake else ()
        said_wake = bool(wake) and list(decoded.words[: len(wake)]) == list(wake)
        # In wake mode only what was said to the speaker gets "Sorry, I didn't catch that":
        # words after the wake phrase, or the couple still talking at a talk step (the skill
        # then gives them more quiet). Anything else, above all while an answer or a timed
        # ritual's quiet is playing, does nothing at all.
        playing = self.wake and self.playing(at if since is None else since)
        talking = expect.talk and self.session_open() and not playing
        unclear = not_caught if not self.wake or said_wake or talking else None
        if not decoded.accepted:
            return unclear
        if self.wake and not said_wake and (not self.session_open() or playing):
            return None  # talk in the room (or the speaker itself), not addressed to us
        # Free words understand much as typing does; the grammar's must be a whole sentence.
        found = meaning(
            self.matcher,
            decoded.words,
            expect,
            wake=wake,
            exact=not decoded.free,
            max_edits=self.recognizer.spoken_edits,
        )
        if found is None:
            return unclear
        if found.intent is None:
            return Heard("", "button", at, confidence=confidence)  # "close together"
        if self.console is not None:
            self.console.print(Text(f"   · {found.intent}", style="dim"))
        return Heard(found.text, "voice", at, intent=found.intent, confidence=confidence)

    def forget_voices(self) -> threading.Thread | None:
        """The couple's learnt voices were erased: hear with the stock model from now on.
        The new recogniser is built in the background (a few seconds) while the answer
        is spoken; the old one is dropped once it is ready."""
        if not self.recognizer.voices:
            return None
        old = self.recognizer

        def rebuild() -> None:
            self.recognizer = Recognizer(old.model, wake=old.wake_phrase, matcher=old.matcher)

        thread = threading.Thread(target=rebuild, name="forget-voices", daemon=True)
        thread.start()
        return thread

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
            self.inputs.put(Heard(None, "voice"))  # the press still gets an answer
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
        self._proc = start_mic(self.mic_command)
        assert self._proc.stdout is not None
        return self._proc.stdout

    def _stop_mic_command(self) -> None:
        """End the microphone command (its output then ends too); the reader closes it."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def _close_mic(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_mic(proc)

    def _capture(
        self, source: IO[bytes] | None = None, expect: Expecting | None = None
    ) -> tuple[Decoded | None, float]:
        """From the microphone (or `source`) until the first pause after speech."""
        utterance = Utterance()
        stream = source if source is not None else self._open_mic()
        frame_s = utterance.frame_s
        waited = 0.0
        at = time.perf_counter()
        partial = b""
        # A microphone that stalls (its command writes nothing) is stopped once the press
        # has had all the time it could use, so the press still ends in an answer.
        stalled = threading.Timer(NO_SPEECH_S + MAX_UTTERANCE_S + 1.0, self._stop_mic_command)
        stalled.daemon = True
        if source is None:
            stalled.start()
        try:
            while not self._stop.is_set():
                frame = stream.read(utterance.frame_bytes)
                if len(frame) < utterance.frame_bytes:
                    partial = frame
                    break  # the microphone command ended
                if utterance.feed(frame):
                    break
                if not utterance.started:
                    waited += frame_s
                    if waited > NO_SPEECH_S:
                        return None, at
            utterance.end(partial)  # what the endpointer still holds, if cut mid-speech
            at = time.perf_counter()
        finally:
            stalled.cancel()
            if source is None:
                self._close_mic()
        if not utterance.started:
            return None, at
        return self.recognizer.decode(utterance.pcm(), expect=expect), at

    # -- wake phrase -------------------------------------------------------------------
    def start(self) -> None:
        """With a wake phrase: listen continuously in the background."""
        if self.wake:
            self._thread = threading.Thread(target=self._wake_loop, name="wake", daemon=True)
            self._thread.start()

    def _wake_loop(self) -> None:
        """Hear every stretch of speech until stopped. A microphone that cannot start or
        stops on its own (unplugged, its command failed or ended) ends the speaker, with a
        line that says so (`mic_lost`), rather than leaving it running deaf."""
        try:
            stream = self._open_mic()
        except ListenError as exc:
            self._lost(str(exc))
            return
        utterance = Utterance()
        try:
            while not self._stop.is_set():
                frame = stream.read(utterance.frame_bytes)
                if len(frame) < utterance.frame_bytes:
                    utterance.end(frame)  # the stream ended mid-speech
                    if utterance.started:
                        self._wake_heard(utterance.pcm())
                    break
                if utterance.feed(frame):
                    self._wake_heard(utterance.pcm())
                    utterance.next()
        finally:
            self._close_mic()
        if not self._stop.is_set():
            self._lost("the microphone command ended")

    def _lost(self, why: str) -> None:
        self.mic_lost = why  # the command says why, on stderr, as it ends
        self.inputs.put(END)

    def _wake_heard(self, pcm: bytes) -> None:
        """One stretch of speech in wake mode; a failure to hear it loses only it."""
        at = time.perf_counter()
        # When it began: its audio, and the quiet the endpointer waited for after it. The
        # speaker's own last words end as its playing does, so they are heard after it.
        since = at - len(pcm) / (2 * SAMPLE_RATE) - VAD_WINDOW_S
        try:
            answering = self.session_open()
            expect = self.expecting()
            self.last_decoded = self.recognizer.decode(
                pcm, expect=expect, wake_required=not answering
            )
            item = self.heard(self.last_decoded, at=at, expect=expect, since=since)
        except Exception:  # noqa: BLE001 - the next stretch is still heard
            log.exception("hearing one stretch of speech failed")
            return
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


class Utterance:
    """Microphone frames in, one stretch of speech out: the endpointer's voiced frames
    (until the first pause, or MAX_UTTERANCE_S), after PRE_ROLL_S of the room before them.

    `next()` starts on the following stretch of the same stream (wake mode).
    """

    def __init__(self) -> None:
        self.endpointer = new_endpointer()
        self.frame_bytes: int = self.endpointer.frame_bytes
        self.frame_s: float = self.endpointer.frame_length
        self._count = 0  # frames fed since the stream began
        # The endpointer hands out voiced frames a window late: keep the raw frames of
        # that window and the pre-roll before it.
        window = math.ceil((VAD_WINDOW_S + PRE_ROLL_S) / self.frame_s) + 2
        self._recent: deque[tuple[int, bytes]] = deque(maxlen=window)
        self._speech: list[bytes] = []
        self._voiced = 0  # frames of speech in this stretch (the pre-roll not counted)
        self._pre_roll = True

    @property
    def started(self) -> bool:
        return bool(self._speech)

    def feed(self, frame: bytes) -> bool:
        """One whole frame; True once the stretch of speech is over."""
        self._recent.append((self._count, frame))
        self._count += 1
        was_speaking = self.endpointer.in_speech
        voiced = self.endpointer.process(frame)
        if voiced is None:
            return False
        if not self._speech and self._pre_roll:
            first = round(self.endpointer.speech_start / self.frame_s)
            before = first - round(PRE_ROLL_S / self.frame_s)
            self._speech = [raw for n, raw in self._recent if before <= n < first]
        self._speech.append(voiced)
        self._voiced += 1
        return (was_speaking and not self.endpointer.in_speech) or (
            self._voiced * self.frame_s > MAX_UTTERANCE_S
        )

    def end(self, partial: bytes = b"") -> None:
        """No more frames: the stream ended (`partial`: what it gave of a last frame), or
        the utterance was cut mid-speech."""
        self._speech.extend(_rest(self.endpointer, partial))

    def pcm(self) -> bytes:
        return b"".join(self._speech)

    def next(self) -> None:
        self._speech = []
        self._voiced = 0
        # Cut at MAX_UTTERANCE_S mid-speech: the next stretch goes straight on.
        self._pre_roll = not self.endpointer.in_speech


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


def start_mic(command: str) -> subprocess.Popen[bytes]:
    """Start a microphone command (its raw audio on stdout); ListenError if it can't."""
    try:
        return subprocess.Popen(
            shlex.split(command), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
    except OSError as exc:
        raise ListenError(f"cannot start {command.split()[0]}: {exc}") from exc


def stop_mic(proc: subprocess.Popen[bytes]) -> None:
    """End a microphone command (killed if it lingers) and close its output."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def start_listener(
    matcher: Matcher,
    inputs: Inputs,
    *,
    wake: str | None,
    mic_command: str | None,
    session_open: Callable[[], bool],
    expecting: Callable[[], Expecting] | None = None,
    playing: Callable[[float], bool] = lambda since: False,
    console: Console | None = None,
    voices: Mapping[str, str] | None = None,
) -> Listener:
    """Build the recogniser and the listener the `speaker --listen` command uses
    (`voices`: the couple's learnt voices, enrolment.Voices.settings)."""
    command = mic_command or find_mic_command()
    if command is None:
        raise ListenError(
            "no microphone command found (install alsa-utils for arecord, or pass --mic-command)"
        )
    recognizer = Recognizer(matcher.model, wake=wake, voices=voices)
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
