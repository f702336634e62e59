"""Teaching the bedside speaker the couple's own voices.

pocketsphinx's acoustic model was trained on many speakers and hears any one of them
only roughly: a reworded request ("tell us a little more") comes out as "do us a legal
more". Each partner reads a few ordinary sentences aloud once; the model's means are
then adapted to both voices together (MAP, with CMU Sphinx's own training tools,
`sphinx_fe`, `bw` and `map_adapt`, from Debian's sphinxtrain and sphinxbase-utils).
One model for the two of them: a model adapted to one voice alone hears the other worse
than the stock one.

What is kept: the adapted means (about 0.8 MB), nothing else. The
recordings and the sentences' features live in a temporary folder while the tools run
and are deleted with it. The adapted model is derived from their voices, so it is
erased with everything else when they ask the skill to forget them, and
`close-together enrol --forget` erases it alone.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import wave
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from local_speaker import pitch

SAMPLE_RATE = 16_000
SENTENCES = Path(__file__).with_name("enrolment.en.txt")
# sphinxtrain installs its programs outside PATH.
SPHINXTRAIN = (Path("/usr/lib/sphinxtrain"), Path("/usr/libexec/sphinxtrain"))
TOOLS = {  # program -> the Debian package that has it
    "sphinx_fe": "sphinxbase-utils",
    "bw": "sphinxtrain",
    "map_adapt": "sphinxtrain",
    "pocketsphinx_mdef_convert": "pocketsphinx",
}
# What is kept: the means alone, the rest is the stock model's. Variances learnt from a
# couple of minutes of one quiet room fit too tightly: in noise they hear worse (on the
# tuning set, pink noise at 10 dB: 62 of 88 commands with them, 72 with the means alone).
ADAPTED = ("means",)
MADE = "made"  # the time the model was made, for erasure (see erased_since)
LOG_BASE = 1.0001  # pocketsphinx's log base for the quantised mixture weights
SENDUMP_SHIFT = 10  # and its shift (ptm_mgau.c, read_sendump)
MIN_RECORDINGS = 8  # fewer sentences than this adapt too little to be worth it
MAX_SENTENCE_S = 15.0  # a sentence read aloud is over by then
END_PAUSE_S = 1.0  # a pause this long after speech ends a sentence (a comma's is shorter)
LEAD_S = 0.5  # the room kept before the first word


class EnrolmentError(RuntimeError):
    """The voices could not be learnt (a tool missing or failing, too little speech)."""


@dataclass(frozen=True)
class Recording:
    """One sentence read aloud: 16 kHz mono 16-bit PCM and the words read."""

    pcm: bytes
    text: str


def sentences(path: Path = SENTENCES) -> list[str]:
    """The sentences partners read, in order."""
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def transcript(text: str) -> str:
    """The words of a sentence as the dictionary spells them."""
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())


def folder_for(db_path: Path, user_id: str) -> Path:
    """Where a couple's adapted model lives: beside the skill's own data, one folder per
    user (named by a hash, so the folder's name says nothing about who they are)."""
    digest = hashlib.sha256(b"close-together voices\0" + user_id.encode()).hexdigest()[:24]
    return db_path.expanduser().parent / "voices" / digest


def saved(folder: Path) -> dict[str, str] | None:
    """The pocketsphinx settings that hear with a saved model, or None without one."""
    if not all((folder / name).is_file() for name in (*ADAPTED, MADE)):
        return None
    return {"mean": str(folder / "means")}


def made_at(folder: Path) -> float | None:
    try:
        return float((folder / MADE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def erase(folder: Path) -> bool:
    """Delete a couple's adapted model; True if there was one."""
    if not folder.exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return not folder.exists()


def missing_tools() -> list[str]:
    """The Debian packages still needed (empty when every tool is there)."""
    return sorted({package for tool, package in TOOLS.items() if _tool(tool) is None})


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in SPHINXTRAIN:
        if (folder / name).is_file():
            return str(folder / name)
    return None


def stock_model() -> tuple[Path, Path]:
    """The bundled acoustic model's folder and its dictionary."""
    import pocketsphinx

    base = Path(pocketsphinx.get_model_path())
    return base / "en-us" / "en-us", base / "en-us" / "cmudict-en-us.dict"


def adapt(
    recordings: Sequence[Recording],
    out: Path,
    *,
    clock: Callable[[], float] = time.time,
) -> Path:
    """Adapt the stock model to these recordings and save it in `out` (replacing what was
    there only once the new model is complete)."""
    usable = [r for r in recordings if r.pcm and transcript(r.text)]
    if len(usable) < MIN_RECORDINGS:
        raise EnrolmentError(
            f"too few sentences to learn from ({len(usable)}; at least {MIN_RECORDINGS})"
        )
    if missing := missing_tools():
        raise EnrolmentError(f"learning voices needs: sudo apt-get install {' '.join(missing)}")
    model, dictionary = stock_model()
    out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # theirs alone, as the store
    with tempfile.TemporaryDirectory(prefix="close-together-enrol-") as work_name:
        work = Path(work_name)
        hmm = work / "hmm"
        hmm.mkdir()
        for name in ("means", "variances", "transition_matrices", "noisedict", "feat.params"):
            os.symlink(model / name, hmm / name)
        _run(["pocketsphinx_mdef_convert", "-text", str(model / "mdef"), str(hmm / "mdef.txt")])
        write_mixture_weights(model / "sendump", hmm / "mixture_weights")
        # Features as the recogniser will compute them: each recording with the frequency
        # warp its voice's pitch asks for (local_speaker/pitch.py).
        by_warp: dict[float, list[str]] = defaultdict(list)
        lines = []
        for n, recording in enumerate(usable):
            name = f"s{n:03d}"
            with wave.open(str(work / f"{name}.wav"), "wb") as out_wav:
                out_wav.setnchannels(1)
                out_wav.setsampwidth(2)
                out_wav.setframerate(SAMPLE_RATE)
                out_wav.writeframes(recording.pcm)
            by_warp[pitch.warp_for(pitch.pitch(recording.pcm))].append(name)
            lines.append(f"<s> {transcript(recording.text)} </s> ({name})")
        for warp, names in by_warp.items():
            listing = work / f"warp{warp}.fileids"
            listing.write_text("\n".join(names) + "\n", encoding="utf-8")
            _run(
                [
                    "sphinx_fe",
                    "-argfile", str(model / "feat.params"),
                    "-samprate", str(SAMPLE_RATE),
                    "-c", str(listing),
                    "-di", str(work), "-do", str(work),
                    "-ei", "wav", "-eo", "mfc", "-mswav", "yes",
                    "-warp_type", "inverse_linear", "-warp_params", str(warp),
                ]
            )  # fmt: skip
        ids = work / "all.fileids"
        ids.write_text("\n".join(f"s{n:03d}" for n in range(len(usable))) + "\n", encoding="utf-8")
        words = work / "all.transcription"
        words.write_text("\n".join(lines) + "\n", encoding="utf-8")
        accum = work / "accum"
        accum.mkdir()
        _run(
            [
                "bw",
                "-hmmdir", str(hmm), "-moddeffn", str(hmm / "mdef.txt"), "-ts2cbfn", ".ptm.",
                "-feat", "1s_c_d_dd", "-svspec", "0-12/13-25/26-38", "-cmn", "current",
                "-agc", "none", "-dictfn", str(dictionary), "-fdictfn", str(hmm / "noisedict"),
                "-ctlfn", str(ids), "-lsnfn", str(words), "-cepdir", str(work),
                "-accumdir", str(accum),
            ]
        )  # fmt: skip
        adapted = work / "adapted"
        adapted.mkdir()
        _run(
            [
                "map_adapt",
                "-moddeffn", str(hmm / "mdef.txt"), "-ts2cbfn", ".ptm.",
                "-meanfn", str(hmm / "means"), "-varfn", str(hmm / "variances"),
                "-mixwfn", str(hmm / "mixture_weights"),
                "-tmatfn", str(hmm / "transition_matrices"), "-accumdir", str(accum),
                "-mapmeanfn", str(adapted / "means"), "-mapvarfn", str(adapted / "variances"),
                "-mapmixwfn", str(adapted / "mixture_weights"),
                "-maptmatfn", str(adapted / "transition_matrices"),
            ]
        )  # fmt: skip
        for name in ADAPTED:
            if not (adapted / name).is_file():
                raise EnrolmentError("the voices could not be learnt (no model came out)")
        # Complete in a folder of its own first, then swapped in: a model half written
        # (a full disk, a power cut) is never the one heard with.
        staging = Path(tempfile.mkdtemp(prefix=".enrol-", dir=out.parent))
        for name in ADAPTED:
            shutil.copyfile(adapted / name, staging / name)
        (staging / MADE).write_text(repr(clock()), encoding="utf-8")
        for path in staging.iterdir():
            path.chmod(0o600)
        old = out.with_name(out.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    return out


def _run(command: list[str]) -> None:
    program = _tool(command[0])
    if program is None:
        raise EnrolmentError(f"{command[0]} is missing: sudo apt-get install {TOOLS[command[0]]}")
    try:
        done = subprocess.run(
            [program, *command[1:]], capture_output=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnrolmentError(f"{command[0]} failed: {exc}") from exc
    if done.returncode != 0:
        last = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()[-1:]
        raise EnrolmentError(f"{command[0]} failed: {' '.join(last) or done.returncode}")


def write_mixture_weights(sendump: Path, out: Path) -> None:
    """pocketsphinx ships its mixture weights quantised (`sendump`, 8 bits a weight);
    the training tools read SphinxTrain's float file. Each byte q is -log(p) in units of
    pocketsphinx's log base, shifted right by SENDUMP_SHIFT bits (ptm_mgau.c)."""
    data = sendump.read_bytes()
    offset = 0

    def text() -> str | None:
        nonlocal offset
        (size,) = struct.unpack_from("<i", data, offset)
        offset += 4
        if size == 0:
            return None
        found = data[offset : offset + size]
        offset += size
        return found.rstrip(b"\0").decode("ascii")

    text()  # title
    text()  # format line
    header = {}
    while (line := text()) is not None:
        key, _, value = line.partition(" ")
        if value.isdigit():
            header[key] = int(value)
    if header.get("cluster_count", 0) != 0:
        raise EnrolmentError("this acoustic model's mixture weights are clustered")
    features = header.get("feature_count", 1)
    densities, senones = struct.unpack_from("<ii", data, offset)
    offset += 8
    if offset + features * densities * senones != len(data):
        raise EnrolmentError("the acoustic model's mixture weights were not understood")
    table = [math.pow(LOG_BASE, -(q << SENDUMP_SHIFT)) for q in range(256)]
    values: list[float] = []
    stride = densities * senones
    for senone in range(senones):
        for feature in range(features):
            start = offset + feature * stride + senone
            row = [table[data[start + d * senones]] for d in range(densities)]
            total = sum(row) or 1.0
            values.extend(p / total for p in row)
    with out.open("wb") as handle:
        handle.write(b"s3\nversion 1.0\nendhdr\n")
        handle.write(struct.pack("<I", 0x11223344))
        handle.write(struct.pack("<IIII", senones, features, densities, len(values)))
        handle.write(struct.pack(f"<{len(values)}f", *values))


class Voices:
    """A couple's adapted model on this bedside, gone as soon as the skill forgets them.

    `erased_at` says when the skill last erased the couple (the store's tombstone), or
    None; a model made before that moment is deleted the next time anyone asks for it.
    """

    def __init__(self, folder: Path, erased_at: Callable[[], float | None]) -> None:
        self.folder = folder
        self.erased_at = erased_at

    def settings(self) -> dict[str, str] | None:
        """The recogniser's settings for their voices, or None (none learnt, or erased)."""
        self.forget_if_erased()
        return saved(self.folder)

    def forget_if_erased(self) -> bool:
        """Erase the model if the couple was erased after it was made; True if it was."""
        made = made_at(self.folder)
        if made is None:
            return False
        gone = self.erased_at()
        if gone is None or gone < made:
            return False
        return erase(self.folder)


def record(
    stream: IO[bytes],
    *,
    done: threading.Event | None = None,
    max_s: float = MAX_SENTENCE_S,
    pause_s: float = END_PAUSE_S,
) -> bytes:
    """One sentence read aloud, from a 16 kHz mono 16-bit stream: until a pause of
    `pause_s` after speech (commas are shorter), the stream ends, `done` is set, or
    `max_s`. The room before the first word is kept, as bw expects some silence."""
    from pocketsphinx import Vad

    vad = Vad(Vad.LOOSE, SAMPLE_RATE)
    frame_bytes = vad.frame_bytes
    frame_s = frame_bytes / 2 / SAMPLE_RATE
    frames: list[bytes] = []
    spoke = False
    quiet = 0.0
    while len(frames) * frame_s < max_s and not (done is not None and done.is_set()):
        frame = stream.read(frame_bytes)
        if len(frame) < frame_bytes:
            break
        frames.append(frame)
        if vad.is_speech(frame):
            spoke, quiet = True, 0.0
        elif spoke:
            quiet += frame_s
            if quiet >= pause_s:
                break
        elif len(frames) * frame_s > LEAD_S:
            frames.pop(0)  # keep only the last moment of the room before the words
    return b"".join(frames) if spoke else b""
