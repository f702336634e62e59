"""Ritual tracks as MP3 files: encoded with LAME, cached on disk, exported for Lambda.

Alexa's AudioPlayer streams MP3 over HTTPS. The tracks are rendered from
`skill.engine.tracks` and encoded at 56 kbit/s constant bitrate, 22,050 Hz mono (MPEG-2
layer III), which AudioPlayer accepts (16 to 384 kbit/s). Not 48: at 22,050 Hz a 48 kbit/s
frame is too small for LAME's gapless tag, and without it decoders play the encoder's
padding, about 80 ms, after the closing chime. A file's name holds a digest of what it holds,
so it never changes under a name and caches may keep it for a year.

The web service encodes a track the first time it is asked for; `close-together
export-audio DIR` writes every track to a folder to upload (for Lambda, with
`CLOSE_TOGETHER_AUDIO_URL` naming where they are served).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from skill.engine import tracks

BITRATE_KBPS = 56
LAME = "lame"
ENCODE_TIMEOUT_S = 120


class EncoderMissing(RuntimeError):
    """The MP3 encoder (Debian package `lame`) is not installed."""


def encode(track: tracks.Track) -> bytes:
    """The track as MP3 bytes (constant bitrate, gapless tag so decoders trim the padding)."""
    lame = shutil.which(LAME)
    if lame is None:
        raise EncoderMissing("the MP3 encoder is missing: install the Debian package 'lame'")
    pcm = tracks.render(track).tobytes()  # native order: little-endian on every target
    command = [lame, "--quiet", "-r", "-s", str(tracks.RATE / 1000), "--signed"]
    command += ["--little-endian", "--bitwidth", "16", "-m", "m", "-b", str(BITRATE_KBPS)]
    command += ["--cbr", "-q", "2", "-"]
    # To a file, not a pipe: LAME rewrites the first frame at the end with the gapless tag
    # (encoder delay and padding), which it cannot do on a pipe.
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "track.mp3"
        subprocess.run(
            [*command, str(out)],
            input=pcm,
            capture_output=True,
            check=True,
            timeout=ENCODE_TIMEOUT_S,
        )
        return out.read_bytes()


def ensure(folder: Path, track: tracks.Track) -> Path:
    """The track's file in `folder`, encoded now if it is not there yet. Safe when several
    processes ask at once: each writes its own temporary file and renames it into place."""
    path = folder / track.filename
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    data = encode(track)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)
    return path


def export(folder: Path) -> list[Path]:
    """Every track a couple can ask for, written to `folder` (existing files are kept)."""
    return [ensure(folder, track) for track in tracks.all_tracks()]
