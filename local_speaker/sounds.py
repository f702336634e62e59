"""Local stand-ins for Alexa's sound library: `soundbank://` URLs -> WAV files in `sounds/`.

`sounds/soundbank.json` maps each URL the skill uses to a file; any other soundbank URL
gets the default sound, so a new chime in the skill still rings rather than falling
silent. Non-soundbank audio (an https URL) is dropped: the bedside speaker is offline.

The chime is synthesised here, deterministically; `python -m local_speaker.sounds`
regenerates `sounds/chime.wav`.
"""

from __future__ import annotations

import array
import json
import logging
import math
from functools import lru_cache
from pathlib import Path

from local_speaker.audio import RATE, AudioError, Pcm, read_wav, resample, write_wav

log = logging.getLogger("close_together.speaker")

SOUNDS_DIR = Path(__file__).resolve().with_name("sounds")
SOUNDBANK_PREFIX = "soundbank://"

# A soft bell: a fundamental and three inharmonic partials, each decaying on its own.
CHIME_HZ = 784.0  # G5
CHIME_PARTIALS = ((1.0, 1.0, 0.9), (2.0, 0.45, 0.55), (2.76, 0.22, 0.35), (5.4, 0.08, 0.18))
CHIME_SECONDS = 1.6
CHIME_ATTACK_S = 0.004
CHIME_PEAK = 0.45  # of full scale: gentle at night


def make_chime(rate: int = RATE) -> Pcm:
    """The short chime, as samples; it sounds from its very first millisecond."""
    count = int(CHIME_SECONDS * rate)
    attack = max(1, int(CHIME_ATTACK_S * rate))
    fade = int(0.05 * rate)
    raw = []
    for i in range(count):
        t = i / rate
        value = sum(
            amp * math.exp(-t / decay) * math.sin(2 * math.pi * CHIME_HZ * ratio * t)
            for ratio, amp, decay in CHIME_PARTIALS
        )
        envelope = min(1.0, (i + 1) / attack) * min(1.0, (count - i) / fade)
        raw.append(value * envelope)
    peak = max(abs(v) for v in raw) or 1.0
    scale = CHIME_PEAK * 32_767 / peak
    return Pcm(array.array("h", (int(v * scale) for v in raw)), rate)


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    path = SOUNDS_DIR / "soundbank.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("sound index unreadable (%s); using the built-in chime", type(exc).__name__)
        return {}
    return {str(k): str(v) for k, v in data.get("sounds", {}).items()} | {
        "": str(data.get("default", "chime.wav"))
    }


@lru_cache(maxsize=16)
def _load_file(name: str, rate: int) -> Pcm:
    try:
        return resample(read_wav(SOUNDS_DIR / name), rate)
    except AudioError as exc:
        log.warning("sound %s unusable (%s); using the built-in chime", name, exc)
        return make_chime(rate)


def sound_for(src: str, rate: int = RATE) -> Pcm | None:
    """The local sound for an <audio src=...>, or None when it cannot be played offline."""
    if not src.startswith(SOUNDBANK_PREFIX):
        log.debug("dropping non-soundbank audio (offline)")
        return None
    index = _index()
    name = index.get(src) or index.get("") or "chime.wav"
    return _load_file(name, rate)


def main() -> None:
    """Regenerate sounds/chime.wav."""
    chime = make_chime()
    write_wav(SOUNDS_DIR / "chime.wav", [chime.to_bytes()], chime.rate)
    print(f"wrote {SOUNDS_DIR / 'chime.wav'} ({chime.seconds:.2f} s)")


if __name__ == "__main__":
    main()
