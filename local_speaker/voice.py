"""SSML -> one exact audio timeline: trimmed speech, sample-exact quiet, local chimes.

Every piece of speech is synthesised on its own and trimmed of the silence the
synthesiser adds around it; the quiet of a `<break>` is then inserted as an exact
number of samples. So the time from the last sound of a cue to the first sound of the
chime is the requested duration, to the sample — on the speaker as in a WAV file.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from local_speaker import audio, sounds, ssml_render
from local_speaker.audio import RATE, Pcm
from local_speaker.ssml_render import Gap, Say, Sound
from local_speaker.tts import Synthesizer

log = logging.getLogger("close_together.speaker")

NATURAL_PAUSE_MS = 300  # between two sounds with no <break> between them
CHUNK_SAMPLES = RATE // 20  # 50 ms


@dataclass(frozen=True)
class Segment:
    """A stretch of the timeline: speech, a sound, or quiet."""

    kind: str  # "speech" | "sound" | "quiet"
    start: int  # first sample
    length: int  # samples
    pcm: Pcm | None = None
    text: str = ""

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass
class Rendered:
    """A response as audio: segments back to back at one sample rate."""

    rate: int = RATE
    segments: list[Segment] = field(default_factory=list)
    text: str = ""

    @property
    def samples(self) -> int:
        return self.segments[-1].end if self.segments else 0

    @property
    def seconds(self) -> float:
        return self.samples / self.rate

    def add(self, kind: str, length: int, pcm: Pcm | None = None, text: str = "") -> None:
        if length <= 0:
            return
        last = self.segments[-1] if self.segments else None
        if kind == "quiet" and last is not None and last.kind == "quiet":
            self.segments[-1] = Segment("quiet", last.start, last.length + length)
            return
        self.segments.append(Segment(kind, self.samples, length, pcm, text))

    def chunks(self, size: int = CHUNK_SAMPLES) -> Iterator[bytes]:
        """The timeline as raw 16-bit PCM, `size` samples at a time (quiet made lazily)."""
        for segment in self.segments:
            if segment.pcm is None:
                full, rest = divmod(segment.length, size)
                block = audio.silence_bytes(size)
                for _ in range(full):
                    yield block
                if rest:
                    yield audio.silence_bytes(rest)
            else:
                yield from audio.chunked(segment.pcm.to_bytes(), size * audio.SAMPLE_WIDTH)

    def write_wav(self, path: Path | str) -> None:
        audio.write_wav(path, self.chunks(), self.rate)

    def quiet_at(self, sample: int) -> Segment | None:
        """The quiet segment playing at this sample, if any."""
        for segment in self.segments:
            if segment.start <= sample < segment.end:
                return segment if segment.kind == "quiet" else None
        return None


class Voice:
    """Renders SSML with a synthesiser and the local sounds."""

    def __init__(
        self,
        synthesizer: Synthesizer,
        *,
        volume: float = 1.0,
        natural_pause_ms: float = NATURAL_PAUSE_MS,
        sound_for: Callable[[str, int], Pcm | None] = sounds.sound_for,
        cache_size: int = 64,
    ) -> None:
        self.synthesizer = synthesizer
        self.volume = max(0.0, volume)
        self.natural_pause_ms = natural_pause_ms
        self.sound_for = sound_for
        self._cache: OrderedDict[tuple[str, float, float], Pcm] = OrderedDict()
        self._cache_size = cache_size

    def _speech(self, say: Say) -> Pcm:
        key = (say.text, say.style.rate, say.style.pitch)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        raw = self.synthesizer.synthesize(say.text, rate=say.style.rate, pitch=say.style.pitch)
        pcm = audio.trim(audio.resample(raw, RATE))
        self._cache[key] = pcm
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return pcm

    def render(self, ssml: str) -> Rendered:
        # Drop what cannot sound (web audio offline, bare punctuation) before planning,
        # so it leaves no extra pause behind.
        items = [
            item
            for item in ssml_render.parse(ssml)
            if not (isinstance(item, Say) and not any(ch.isalnum() for ch in item.text))
            and not (isinstance(item, Sound) and self.sound_for(item.src, RATE) is None)
        ]
        rendered = Rendered(text=" ".join(i.text for i in items if isinstance(i, Say)))
        pending_quiet = 0
        for step in ssml_render.plan(items, self.natural_pause_ms):
            if isinstance(step, Gap):
                pending_quiet += round(step.ms * RATE / 1000)
                continue
            pcm: Pcm | None
            if isinstance(step, Say):
                pcm = audio.scaled(self._speech(step), step.style.volume * self.volume)
                kind, text = "speech", step.text
            else:
                found = self.sound_for(step.src, RATE)
                assert found is not None
                pcm, kind, text = audio.scaled(found, self.volume), "sound", ""
            if not pcm.samples:
                continue
            rendered.add("quiet", pending_quiet)
            pending_quiet = 0
            rendered.add(kind, len(pcm.samples), pcm, text)
        rendered.add("quiet", pending_quiet)
        return rendered
