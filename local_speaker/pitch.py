"""How high a voice is, and how far to warp its spectrum for the acoustic model.

pocketsphinx's English acoustic model fits deeper voices best: a higher voice's formants
sit higher, and the model hears its vowels as other vowels. Frequency warping (inverse-
linear vocal tract length normalisation) stretches the spectrum back. One fixed warp
cannot fit both partners of a couple, so each utterance gets its own, chosen from the
voice's pitch (its fundamental frequency): pitch is easy to measure, even in noise, and
goes with how long the vocal tract is.

Measured on the tuning set (`python -m bench.recognition --set dev`, four espeak-ng
voices): the deeper voices (about 100 Hz) are heard best at a warp of 1.0 to 1.1, the
higher ones (about 180 and 210 Hz) at 1.3.
"""

from __future__ import annotations

import numpy as np

RATE = 16_000
FRAME = 640  # 40 ms: two periods of the deepest voice looked for
HOP = 320
LOWEST_HZ, HIGHEST_HZ = 60, 400
LOUD = 0.3  # frames at least this loud against the loudest (speech, not the room)
VOICED = 0.5  # a frame is voiced when it repeats itself at least this well
MIN_VOICED_FRAMES = 3
NEARLY = 0.9  # a repeat this good against the best counts as the period
CLIMB = 40  # lags to climb from the first good one to its peak (a period's width)
# A typical man's pitch gets the warp chosen for the tuning set's deeper voices (as one
# warp for everyone, before: 1.1); a typical woman's gets the best warp for its higher
# ones (1.3). Between them the warp rises with pitch in steps of 0.1 (each new warp
# rebuilds the recogniser's front end), and stays put beyond.
DEEP = (120.0, 1.1)
HIGH = (210.0, 1.3)


def pitch(pcm: bytes) -> float | None:
    """The voice's median pitch in Hz over its voiced frames (16 kHz 16-bit mono PCM),
    or None when too little of it is voiced to tell."""
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    shortest, longest = RATE // HIGHEST_HZ, RATE // LOWEST_HZ
    if len(samples) < FRAME + longest + HOP:
        return None
    # Each frame, and what follows it far enough to find it again one period later.
    spans = np.lib.stride_tricks.sliding_window_view(samples, FRAME + longest)[::HOP]
    spans = spans - spans.mean(axis=1, keepdims=True)
    heads = spans[:, :FRAME]
    energy = np.einsum("ij,ij->i", heads, heads)
    loud = energy >= (LOUD**2) * energy.max()
    if not loud.any() or energy.max() <= 0:
        return None
    spans, heads, energy = spans[loud], heads[loud], energy[loud]
    # Normalised cross-correlation of each frame with itself `lag` samples later.
    size = 1 << int(np.ceil(np.log2(FRAME + longest + FRAME)))
    spectra = np.fft.rfft(spans, size) * np.conj(np.fft.rfft(heads, size))
    cross = np.fft.irfft(spectra, size)[:, shortest:longest]
    squares = np.cumsum(np.pad(spans**2, ((0, 0), (1, 0))), axis=1)
    lags = np.arange(shortest, longest)
    later = squares[:, lags + FRAME] - squares[:, lags]
    similarity = cross / np.sqrt(np.maximum(energy[:, None] * later, 1e-9))
    # The period is the shortest lag that repeats nearly as well as the best one: two or
    # three periods repeat as well as one, and the best of them may be any (half the
    # pitch, a higher voice taken for a deeper one).
    top = similarity.max(axis=1)
    good = similarity >= np.maximum(NEARLY * top, VOICED)[:, None]
    best = good.argmax(axis=1)
    rows = np.arange(len(best))
    for _ in range(CLIMB):  # from there, up to the peak of that repeat
        ahead = np.minimum(best + 1, len(lags) - 1)
        best = np.where(similarity[rows, ahead] > similarity[rows, best], ahead, best)
    # A period found at either end of the range is no period (a hum below the deepest
    # voice repeats itself best at the shortest lag).
    inside = (best > 0) & (best < len(lags) - 1)
    voiced = (similarity[rows, best] >= VOICED) & inside
    if voiced.sum() < MIN_VOICED_FRAMES:
        return None
    return float(np.median(RATE / lags[best[voiced]]))


def warp_for(hz: float | None) -> float:
    """The frequency warp for a voice of this pitch (None: the deeper voices')."""
    (low_hz, low_warp), (high_hz, high_warp) = DEEP, HIGH
    if hz is None:
        return low_warp
    share = min(max((hz - low_hz) / (high_hz - low_hz), 0.0), 1.0)
    return round(low_warp + share * (high_warp - low_warp), 1)
