"""16-bit mono PCM in pure Python: read and write WAV, trim, resample, gain, find the quiet.

No numpy: a bedside Raspberry Pi needs nothing beyond the standard library here, and
the arrays involved are small (a whole response is a few MB at most).
"""

from __future__ import annotations

import array
import math
import operator
import struct
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

RATE = 22_050  # espeak-ng's native rate; every timeline is assembled at this rate
SAMPLE_WIDTH = 2
FULL_SCALE = 32_767
# A sample this loud counts as sound (about -40 dBFS): well above dither, well below speech.
SOUND_THRESHOLD = 328


class AudioError(ValueError):
    """A WAV file this module cannot read."""


@dataclass
class Pcm:
    """Signed 16-bit mono samples at a sample rate."""

    samples: array.array  # typecode "h"
    rate: int = RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def to_bytes(self) -> bytes:
        return self.samples.tobytes()


def empty(rate: int = RATE) -> Pcm:
    return Pcm(array.array("h"), rate)


def read_wav(path: Path | str) -> Pcm:
    """A 16-bit PCM WAV file as mono samples (stereo is averaged)."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except wave.Error as exc:
        found = _extensible(Path(path))  # what many recorders write; wave refuses it
        if found is None:
            raise AudioError(f"cannot read {Path(path).name}: {exc}") from exc
        channels, width, rate, frames = found
    except EOFError as exc:
        raise AudioError(f"cannot read {Path(path).name}: the file ends early") from exc
    except OSError as exc:
        raise AudioError(f"cannot read {Path(path).name}: {exc.strerror or exc}") from exc
    if width != SAMPLE_WIDTH:
        raise AudioError(f"{Path(path).name}: only 16-bit WAV is supported")
    if rate <= 0:
        raise AudioError(f"{Path(path).name}: the WAV header gives no sample rate")
    samples = array.array("h")
    samples.frombytes(frames)
    if channels == 2:
        samples = array.array(
            "h", ((a + b) // 2 for a, b in zip(samples[::2], samples[1::2], strict=True))
        )
    elif channels != 1:
        raise AudioError(f"{Path(path).name}: {channels} channels")
    return Pcm(samples, rate)


# WAVE_FORMAT_EXTENSIBLE, and the start of its PCM sub-format's GUID.
_EXTENSIBLE, _PCM_GUID_START = 0xFFFE, b"\x01\x00\x00\x00\x00\x00\x10\x00"


def _extensible(path: Path) -> tuple[int, int, int, bytes] | None:
    """Channels, sample width, rate and frames of a WAVE_FORMAT_EXTENSIBLE file holding
    plain PCM (Python's wave module reads only the older header); None for anything else."""
    data = path.read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    at, fmt, frames = 12, None, None
    while at + 8 <= len(data):
        name, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        body = data[at + 8 : at + 8 + size]
        if name == b"fmt ":
            fmt = body
        elif name == b"data":
            frames = body
        at += 8 + size + (size & 1)
    if fmt is None or frames is None or len(fmt) < 40:
        return None
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag != _EXTENSIBLE or fmt[24:32] != _PCM_GUID_START or not channels:
        return None
    width = align // channels
    return channels, width, rate, frames[: len(frames) - len(frames) % align]


def write_wav(path: Path | str, chunks: Iterable[bytes], rate: int = RATE) -> None:
    """Stream 16-bit mono PCM chunks into a WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(rate)
        for chunk in chunks:
            wav.writeframes(chunk)


def first_sound(samples: array.array, threshold: int = SOUND_THRESHOLD) -> int | None:
    for i, value in enumerate(samples):
        if value > threshold or value < -threshold:
            return i
    return None


def last_sound(samples: array.array, threshold: int = SOUND_THRESHOLD) -> int | None:
    for i in range(len(samples) - 1, -1, -1):
        value = samples[i]
        if value > threshold or value < -threshold:
            return i
    return None


def trim(pcm: Pcm, threshold: int = SOUND_THRESHOLD) -> Pcm:
    """Cut the silence a synthesiser leaves before and after its speech."""
    start = first_sound(pcm.samples, threshold)
    if start is None:
        return empty(pcm.rate)
    end = last_sound(pcm.samples, threshold)
    assert end is not None
    return Pcm(pcm.samples[start : end + 1], pcm.rate)


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear-interpolation resampling (speech and chimes only need it rarely)."""
    if pcm.rate == rate or not pcm.samples:
        return Pcm(pcm.samples, rate) if not pcm.samples else pcm
    src = pcm.samples
    count = max(1, round(len(src) * rate / pcm.rate))
    step = (len(src) - 1) / max(1, count - 1)
    out = array.array("h", bytes(2 * count))
    last = len(src) - 1
    for i in range(count):
        pos = i * step
        k = int(pos)
        frac = pos - k
        nxt = src[k + 1] if k < last else src[k]
        out[i] = int(src[k] + (nxt - src[k]) * frac)
    return Pcm(out, rate)


# Band-limited downsampling (recordings for `hear`): a Hann-windowed sinc, cut off just
# under the new Nyquist frequency, spanning this many output samples either side, read
# from a table of this many sub-sample phases.
SINC_HALF_WIDTH, SINC_PHASES, SINC_CUTOFF = 12, 64, 0.9


def downsampled(pcm: Pcm, rate: int) -> Pcm:
    """`pcm` at a lower rate, without aliasing: what lies above the new Nyquist frequency
    (a phone's 48 kHz recording holds up to 24 kHz) is filtered out, not folded into the
    speech band as linear interpolation would. Any other rate change is `resample`'s."""
    if rate >= pcm.rate or not pcm.samples:
        return resample(pcm, rate)
    ratio = pcm.rate / rate
    width = math.ceil(SINC_HALF_WIDTH * ratio)  # input samples either side
    cutoff = SINC_CUTOFF / ratio / 2  # cycles per input sample
    table = []
    for phase in range(SINC_PHASES):
        offset = phase / SINC_PHASES
        taps = []
        for j in range(-width + 1, width + 1):
            x = j - offset
            window = 0.5 + 0.5 * math.cos(math.pi * x / width)
            arg = 2 * math.pi * cutoff * x
            taps.append(window * (math.sin(arg) / arg if arg else 1.0))
        total = sum(taps)
        table.append([t / total for t in taps])
    padded = [0] * width + list(pcm.samples) + [0] * (width + 1)
    count = max(1, round(len(pcm.samples) / ratio))
    out = array.array("h", bytes(2 * count))
    for i in range(count):
        position = i * ratio
        k = int(position)
        taps = table[min(SINC_PHASES - 1, round((position - k) * SINC_PHASES))]
        value = sum(map(operator.mul, taps, padded[k + 1 : k + 2 * width + 1]))
        out[i] = max(-FULL_SCALE - 1, min(FULL_SCALE, round(value)))
    return Pcm(out, rate)


def scaled(pcm: Pcm, factor: float) -> Pcm:
    """Gain, clipped to 16 bits."""
    if factor == 1.0:
        return pcm
    out = array.array(
        "h", (max(-FULL_SCALE, min(FULL_SCALE, int(v * factor))) for v in pcm.samples)
    )
    return Pcm(out, pcm.rate)


def silence_bytes(samples: int) -> bytes:
    return bytes(SAMPLE_WIDTH * samples)


@dataclass(frozen=True)
class Span:
    """A stretch of a signal, in samples."""

    start: int
    end: int  # exclusive

    def seconds(self, rate: int) -> float:
        return (self.end - self.start) / rate


def sounding_spans(
    samples: array.array, rate: int, *, threshold: int = SOUND_THRESHOLD, min_gap_s: float = 1.0
) -> list[Span]:
    """Stretches of sound, merging those separated by less than `min_gap_s` of quiet."""
    spans: list[Span] = []
    min_gap = int(min_gap_s * rate)
    start = last = None
    for i, value in enumerate(samples):
        if value > threshold or value < -threshold:
            if start is None:
                start = i
            elif last is not None and i - last > min_gap:
                spans.append(Span(start, last + 1))
                start = i
            last = i
    if start is not None and last is not None:
        spans.append(Span(start, last + 1))
    return spans


def quiet_gaps(
    samples: array.array, rate: int, *, threshold: int = SOUND_THRESHOLD, min_gap_s: float = 1.0
) -> list[Span]:
    """The silences between stretches of sound (and after the last one), longest kept whole."""
    spans = sounding_spans(samples, rate, threshold=threshold, min_gap_s=min_gap_s)
    gaps = [Span(a.end, b.start) for a, b in zip(spans, spans[1:], strict=False)]
    if spans and len(samples) - spans[-1].end > min_gap_s * rate:
        gaps.append(Span(spans[-1].end, len(samples)))
    return gaps


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]
