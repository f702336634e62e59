"""Long rituals as audio tracks: a timeline of soft cues over quiet, and its samples.

On a device with AudioPlayer the massage and long breathing play as one stream, so nobody
has to say "continue". A track is the same timing the spoken ritual uses (the breath
lengths and massage halves in `skill.engine.rituals`) written as cues: a rising tone to
breathe in, a falling one to breathe out, a chime to switch, a double chime to close. No
speech and nothing personal is in a track, so every couple shares the same files, named
by what they hold (`massage-600-<digest>.mp3`).

Pure: building the timeline and rendering 16-bit mono samples need no I/O; encoding and
serving live in `skill.frontends.audio_files`.
"""

from __future__ import annotations

import array
import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache

from skill.engine import rituals
from skill.engine.state import BREATHING, MASSAGE

# Loop and shuffle, which Alexa's audio player requires: a ritual's track plays once, so
# all they can be answered is that it does (and the bedside does not listen for them).
PLAYS_ONCE = (
    "AMAZON.LoopOnIntent",
    "AMAZON.LoopOffIntent",
    "AMAZON.ShuffleOnIntent",
    "AMAZON.ShuffleOffIntent",
)

RATE = 22_050  # Hz: MPEG-2 layer III, which Alexa's AudioPlayer (and SSML audio) accepts
IN, OUT, SWITCH, END = "in", "out", "switch", "end"
# Bump when a sound or the rendering changes, so every track gets a new name (and URL).
SOUND_VERSION = 1


@dataclass(frozen=True)
class Tone:
    """A soft tone: a pitch gliding from `start_hz` to `end_hz`, a gentle rise and fall."""

    start_hz: float
    end_hz: float
    seconds: float
    peak: float  # of full scale


@dataclass(frozen=True)
class Bell:
    """A struck bell: inharmonic partials, each decaying on its own; `strikes` apart."""

    hz: tuple[float, ...]  # one pitch per strike
    gap_seconds: float
    ring_seconds: float
    peak: float


BELL_PARTIALS = ((1.0, 1.0, 0.9), (2.0, 0.45, 0.55), (2.76, 0.22, 0.35), (5.4, 0.08, 0.18))
SOUNDS: dict[str, Tone | Bell] = {
    IN: Tone(392.0, 523.25, 1.2, 0.22),  # G4 rising to C5: breathe in
    OUT: Tone(523.25, 349.23, 1.6, 0.18),  # C5 falling to F4: breathe out
    SWITCH: Bell((784.0,), 0.0, 1.6, 0.40),  # one chime: change places
    END: Bell((784.0, 587.33), 0.7, 1.8, 0.40),  # two chimes, the second lower: finished
}


def sound_seconds(kind: str) -> float:
    sound = SOUNDS[kind]
    if isinstance(sound, Tone):
        return sound.seconds
    return sound.gap_seconds * (len(sound.hz) - 1) + sound.ring_seconds


@dataclass(frozen=True)
class Cue:
    at_ms: int
    sound: str


@dataclass(frozen=True)
class Track:
    """One ritual's audio: `seconds` of practice, then the closing chime rings out."""

    ritual: str
    seconds: int
    cues: tuple[Cue, ...]

    @property
    def name(self) -> str:
        return f"{self.ritual}-{self.seconds}"

    @property
    def length_ms(self) -> int:
        return self.seconds * 1000 + round(sound_seconds(END) * 1000)

    @property
    def digest(self) -> str:
        """Names the exact audio: the cues, the sounds and the rate."""
        described = {
            "cues": [(c.at_ms, c.sound) for c in self.cues],
            "length_ms": self.length_ms,
            "sounds": {k: vars(v) for k, v in sorted(SOUNDS.items())},
            "rate": RATE,
            "version": SOUND_VERSION,
        }
        blob = json.dumps(described, sort_keys=True, default=list).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.digest}.mp3"

    def section_start_ms(self, offset_ms: int) -> int:
        """Where the part playing at `offset_ms` began: the switch, or the start."""
        switch = [c.at_ms for c in self.cues if c.sound == SWITCH and c.at_ms <= offset_ms]
        return switch[-1] if switch else 0

    def next_section_ms(self, offset_ms: int) -> int:
        """The next place worth skipping to: the switch, else the closing chime."""
        later = [c.at_ms for c in self.cues if c.sound in (SWITCH, END) and c.at_ms > offset_ms]
        return later[0] if later else self.seconds * 1000


def massage(seconds: int) -> Track:
    """Quiet for each half, one chime at half time, two at the end."""
    return Track(MASSAGE, seconds, (Cue(seconds * 500, SWITCH), Cue(seconds * 1000, END)))


def breathing(seconds: int) -> Track:
    """A rising tone at each in-breath, a falling one at each out-breath, then the chimes."""
    cycle_ms = rituals.BREATH_IN_MS + rituals.BREATH_OUT_MS
    cues = []
    for cycle in range(seconds * 1000 // cycle_ms):
        cues += [
            Cue(cycle * cycle_ms, IN),
            Cue(cycle * cycle_ms + rituals.BREATH_IN_MS, OUT),
        ]
    cues.append(Cue(seconds * 1000, END))
    return Track(BREATHING, seconds, tuple(cues))


def track_for(ritual: str, seconds: int) -> Track:
    if ritual == MASSAGE:
        return massage(seconds)
    if ritual == BREATHING:
        return breathing(seconds)
    raise ValueError(f"no track for {ritual!r}")


def all_tracks() -> tuple[Track, ...]:
    """Every track a couple can ask for: each length the spoken rituals allow."""
    massages = range(
        rituals.MIN_MASSAGE_SECONDS,
        rituals.MAX_MASSAGE_SECONDS + 1,
        rituals.MASSAGE_LENGTH.step,
    )
    breaths = range(
        rituals.MIN_BREATHING_SECONDS,
        rituals.MAX_BREATHING_SECONDS + 1,
        rituals.BREATHING_LENGTH.step,
    )
    return tuple(massage(s) for s in massages) + tuple(breathing(s) for s in breaths)


@lru_cache(maxsize=1)
def _by_filename() -> dict[str, Track]:
    return {track.filename: track for track in all_tracks()}


def by_filename(filename: str) -> Track | None:
    return _by_filename().get(filename)


def by_name(name: str) -> Track | None:
    return next((t for t in all_tracks() if t.name == name), None)


# -- samples ----------------------------------------------------------------------------
@lru_cache(maxsize=len(SOUNDS))
def sound_samples(kind: str, rate: int = RATE) -> array.array[int]:
    """One sound as 16-bit samples; it is audible from its first few milliseconds."""
    sound = SOUNDS[kind]
    count = int(sound_seconds(kind) * rate)
    values = [0.0] * count
    if isinstance(sound, Tone):
        attack, release = int(0.03 * rate), int(0.5 * rate)
        phase = 0.0
        for i in range(count):
            t = i / count
            hz = sound.start_hz + (sound.end_hz - sound.start_hz) * t
            phase += 2 * math.pi * hz / rate
            rise = min(1.0, (i + 1) / attack)
            fall = min(1.0, (count - i) / release)
            values[i] = rise * fall * fall * (math.sin(phase) + 0.15 * math.sin(2 * phase))
        scale = sound.peak
    else:
        ring = int(sound.ring_seconds * rate)
        fade = int(0.05 * rate)
        for strike, hz in enumerate(sound.hz):
            start = int(strike * sound.gap_seconds * rate)
            for i in range(min(ring, count - start)):
                t = i / rate
                value = sum(
                    amp * math.exp(-t / decay) * math.sin(2 * math.pi * hz * ratio * t)
                    for ratio, amp, decay in BELL_PARTIALS
                )
                envelope = min(1.0, (i + 1) / (0.004 * rate)) * min(1.0, (ring - i) / fade)
                values[start + i] += value * envelope
        scale = sound.peak
    top = max(abs(v) for v in values) or 1.0
    return array.array("h", (round(v / top * scale * 32_767) for v in values))


def render(track: Track, rate: int = RATE) -> array.array[int]:
    """The whole track as 16-bit mono samples: quiet, with each cue's sound in place."""
    samples = array.array("h", bytes(2 * (track.length_ms * rate // 1000)))
    for cue in track.cues:
        sound = sound_samples(cue.sound, rate)
        start = cue.at_ms * rate // 1000
        end = min(len(samples), start + len(sound))
        samples[start:end] = sound[: end - start]
    return samples
