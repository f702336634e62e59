"""The held-out recognition set: phrases.tsv spoken by voices that are not espeak-ng's.

Six voices from two other synthesisers (Debian's flite and festival), then each clip in
five rooms mixed with sox: clean (a faint microphone floor), room reverb, white noise at
20 dB SNR, pink noise at 20 dB and 10 dB. Clips are raw 16 kHz mono 16-bit PCM, as the
microphone delivers them, with half a second of room before the words and most of a
second after.

    .venv/bin/python -m bench.heldout.generate [--set heldout|dev] [--voices flite_slt,...]

Generated clips are cached (nothing is regenerated that exists); only the phrase list
is committed.
"""

from __future__ import annotations

import argparse
import array
import math
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

RATE = 16_000
PHRASES = Path(__file__).with_name("phrases.tsv")
DEFAULT_OUT = Path(__file__).resolve().parents[2] / ".cache" / "heldout"
LEAD_S, TAIL_S = 0.5, 0.8
FLOOR_RMS = 30.0  # about -60 dBFS: a microphone never delivers digital zeros

# name -> (synthesiser, its voice, how it sounds); none is espeak-ng's default voice.
VOICES = {
    "flite_slt": ("flite", "slt", "US female"),
    "flite_rms": ("flite", "rms", "US male"),
    "flite_awb": ("flite", "awb", "Scottish male"),
    "festival_slt_hts": ("festival", "cmu_us_slt_arctic_hts", "US female, HTS"),
    "festival_kal": ("festival", "kal_diphone", "US male, diphone"),
    "festival_ked": ("festival", "ked_diphone", "US male, diphone"),
}
# The tuning set: espeak-ng voices (the synthesiser the settings may be chosen on) saying
# other phrases (bench/devset/phrases.tsv). Never mixed with the held-out set above.
DEV_VOICES = {
    "espeak_us": ("espeak-ng", "en-us:160", "US male"),
    "espeak_us_f3": ("espeak-ng", "en-us+f3:150", "US female"),
    "espeak_gb_m3": ("espeak-ng", "en-gb+m3:170", "British male"),
    "espeak_us_f4": ("espeak-ng", "en-us+f4:140", "US female, slow"),
}
DEV_PHRASES = Path(__file__).resolve().parents[1] / "devset" / "phrases.tsv"
DEV_OUT = DEFAULT_OUT.with_name("devset")
SETS = {"heldout": (PHRASES, VOICES, DEFAULT_OUT), "dev": (DEV_PHRASES, DEV_VOICES, DEV_OUT)}
ALL_VOICES = {**VOICES, **DEV_VOICES}
# name -> (noise colour or None, SNR in dB or None, reverb)
CONDITIONS = {
    "clean": (None, None, False),
    "reverb": (None, None, True),
    "white20": ("whitenoise", 20.0, False),
    "pink20": ("pinknoise", 20.0, False),
    "pink10": ("pinknoise", 10.0, False),
}


@dataclass(frozen=True)
class Phrase:
    kind: str  # "exact", "paraphrase" or "unrelated"
    intent: str | None  # what the couple means; None for talk that is not for the speaker
    text: str

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "_" for c in self.text.lower())[:48]


@dataclass(frozen=True)
class Clip:
    phrase: Phrase
    voice: str
    condition: str
    path: Path


def phrases(path: Path = PHRASES) -> list[Phrase]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, intent, text = line.split("\t")
        out.append(Phrase(kind, None if intent == "-" else intent, text))
    return out


def missing_tools(voices: Iterable[str] = VOICES) -> list[str]:
    programs = {"flite": "flite", "festival": "text2wave", "espeak-ng": "espeak-ng"}
    needed = {"sox"} | {programs[ALL_VOICES[v][0]] for v in voices}
    return sorted(t for t in needed if shutil.which(t) is None)


def _run(cmd: Sequence[str], data: bytes | None = None) -> bytes:
    return subprocess.run(cmd, input=data, capture_output=True, check=True, timeout=60).stdout


def synthesise(voice: str, text: str) -> bytes:
    """Raw 16 kHz mono PCM of one voice saying `text` (no padding)."""
    engine, name, _ = ALL_VOICES[voice]
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "say.wav"
        if engine == "espeak-ng":
            variant, speed = name.split(":")
            _run(["espeak-ng", "-v", variant, "-s", speed, "-w", str(wav), text])
        elif engine == "flite":
            _run(["flite", "-voice", name, "-t", text, "-o", str(wav)])
        else:
            script = Path(tmp) / "say.txt"
            script.write_text(text + "\n", encoding="utf-8")
            _run(["text2wave", "-eval", f"(voice_{name})", str(script), "-o", str(wav)])
        return _run(
            ["sox", "-R", str(wav), "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16"]
            + ["-c", "1", "-", "norm", "-3"]
        )


def _samples(pcm: bytes) -> array.array:
    out = array.array("h")
    out.frombytes(pcm)
    return out


def _rms(samples: Sequence[int]) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def _noise(colour: str, n: int, seed: int) -> array.array:
    seconds = n / RATE + 0.1
    pcm = _run(
        ["sox", "-R", "-n", "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1"]
        + ["-", "synth", f"{seconds:.3f}", colour, "vol", "0.3"]
    )
    noise = _samples(pcm)
    shift = (seed * 7919) % max(1, len(noise) - n)  # a different stretch per clip
    return noise[shift : shift + n]


def _reverb(pcm: bytes) -> bytes:
    raw = ["-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1"]
    return _run(["sox", "-R", *raw, "-", *raw, "-", "reverb", "50", "50", "80", "gain", "-2"], pcm)


def render(speech: bytes, condition: str, seed: int) -> bytes:
    """Pad the words with room, then add that room's sound."""
    colour, snr_db, reverb = CONDITIONS[condition]
    if reverb:
        speech = _reverb(speech)
    voiced = _samples(speech)
    lead, tail = int(LEAD_S * RATE), int(TAIL_S * RATE)
    out = array.array("h", bytes(2 * lead)) + voiced + array.array("h", bytes(2 * tail))
    if colour is None:
        noise = _noise("whitenoise", len(out), seed)
        gain = FLOOR_RMS / (_rms(noise) or 1.0)
    else:
        noise = _noise(colour, len(out), seed)
        assert snr_db is not None
        gain = _rms(voiced) / (10 ** (snr_db / 20)) / (_rms(noise) or 1.0)
    for i, value in enumerate(out):
        out[i] = max(-32767, min(32767, int(value + gain * noise[i])))
    return out.tobytes()


def clip_path(out: Path, voice: str, condition: str, phrase: Phrase) -> Path:
    return out / voice / condition / f"{phrase.kind}-{phrase.slug}.raw"


def generate(
    out: Path = DEFAULT_OUT,
    *,
    voices: Sequence[str] = tuple(VOICES),
    conditions: Sequence[str] = tuple(CONDITIONS),
    chosen: Sequence[Phrase] | None = None,
) -> list[Clip]:
    """Every clip of the set (made only if it is not there yet)."""
    clips = []
    for v_index, voice in enumerate(voices):
        for p_index, phrase in enumerate(chosen if chosen is not None else phrases()):
            speech: bytes | None = None
            for c_index, condition in enumerate(conditions):
                path = clip_path(out, voice, condition, phrase)
                if not path.exists():
                    if speech is None:
                        speech = synthesise(voice, phrase.text)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    seed = v_index * 1000 + p_index * 10 + c_index
                    path.write_bytes(render(speech, condition, seed))
                clips.append(Clip(phrase, voice, condition, path))
    return clips


def generate_set(
    name: str, *, voices: Sequence[str] | None = None, conditions: Sequence[str] | None = None
) -> list[Clip]:
    """Every clip of the held-out set ("heldout") or the tuning set ("dev")."""
    phrase_file, set_voices, out = SETS[name]
    return generate(
        out,
        voices=voices or tuple(set_voices),
        conditions=conditions or tuple(CONDITIONS),
        chosen=phrases(phrase_file),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=SETS, default="heldout")
    parser.add_argument("--voices", default="")
    parser.add_argument("--conditions", default="")
    args = parser.parse_args(argv)
    voices = args.voices.split(",") if args.voices else list(SETS[args.set][1])
    missing = missing_tools(voices)
    if missing:
        print(
            f"heldout: missing {', '.join(missing)} (apt-get install espeak-ng flite festival "
            "festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox)",
            file=sys.stderr,
        )
        return 2
    conditions = args.conditions.split(",") if args.conditions else None
    clips = generate_set(args.set, voices=voices, conditions=conditions)
    print(f"{len(clips)} clips in {SETS[args.set][2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
