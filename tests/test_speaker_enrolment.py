"""Teaching the bedside speaker the couple's voices: `close-together enrol`, as a couple
runs it, then hearing with what it learnt; and forgetting it."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from local_speaker import enrolment
from local_speaker.envelopes import LOCAL_USER
from local_speaker.matcher import Matcher
from local_speaker.model import InteractionModel
from local_speaker.runner import Inputs
from tests.test_speaker_hearing import espeak, needs_speech

MODEL = InteractionModel.load()
MATCHER = Matcher(MODEL)
BINARY = Path(sys.executable).with_name("close-together")
needs_tools = pytest.mark.skipif(
    bool(enrolment.missing_tools()), reason="sphinxtrain, sphinxbase-utils, pocketsphinx needed"
)
# A voice the tuning set never used, reading the sentences and then saying requests in
# words of its own (not the model's samples).
VOICE = "en-us+m7"
REWORDED = [
    ("tell us a little more", "MoreIntent"),
    ("we would like to take a short break", "AMAZON.PauseIntent"),
    ("could we do a hug please", "HugTimerIntent"),
    ("give us another question please", "AnotherOneIntent"),
    ("we need a bit more time", "MoreTimeIntent"),
    ("can you breathe with us please", "BreathingIntent"),
    ("what is on our menu tonight", "ListMenuIntent"),
    ("please start our check in", "EveningCheckInIntent"),
]


def test_every_sentence_can_be_read_and_none_is_a_request() -> None:
    """Every word is in the speech dictionary (bw aligns the sentences word by word),
    and none of the sentences asks the skill for anything."""
    pytest.importorskip("pocketsphinx")
    _, dictionary = enrolment.stock_model()
    known = {line.split(" ", 1)[0] for line in dictionary.read_text().splitlines()}
    lines = enrolment.sentences()
    assert len(lines) >= enrolment.MIN_RECORDINGS
    for line in lines:
        assert set(enrolment.transcript(line).split()) <= known, line
        assert MATCHER.understand(line).intent in (None, "AMAZON.FallbackIntent"), line


def test_without_the_tools_one_line_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(enrolment, "SPHINXTRAIN", ())
    monkeypatch.setattr(enrolment.shutil, "which", lambda name: None)
    with pytest.raises(enrolment.EnrolmentError, match="apt-get install pocketsphinx sphinxbase"):
        enrolment.adapt([enrolment.Recording(b"\0\0" * 16000, "a cat")] * 9, tmp_path / "v")
    assert not (tmp_path / "v").exists()


@needs_speech
def test_a_sentence_ends_at_a_pause_not_at_a_comma() -> None:
    first = espeak("the kettle clicked off", tail=False)
    second = espeak("just as the rain began", tail=False)
    comma = bytes(2 * int(0.4 * enrolment.SAMPLE_RATE))
    after = bytes(2 * int(3.0 * enrolment.SAMPLE_RATE))
    stream = io.BytesIO(first + comma + second + after + first)
    pcm = enrolment.record(stream)
    read_s = len(pcm) / 2 / enrolment.SAMPLE_RATE
    spoken_s = len(first + comma + second) / 2 / enrolment.SAMPLE_RATE
    assert spoken_s < read_s < spoken_s + enrolment.END_PAUSE_S + 0.5  # both halves, no more
    assert enrolment.record(io.BytesIO(after)) == b""  # nobody read: nothing to learn from


@pytest.fixture(scope="module")
def enrolled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`close-together enrol --people 1` with one voice reading every sentence into the
    microphone command, as a partner would; the temporary files it used are watched."""
    if enrolment.missing_tools() or not shutil.which("espeak-ng"):
        pytest.skip("sphinxtrain, sphinxbase-utils, pocketsphinx and espeak-ng needed")
    pytest.importorskip("pocketsphinx")
    root = tmp_path_factory.mktemp("enrol")
    readings = root / "readings"
    readings.mkdir()
    for n, line in enumerate(enrolment.sentences()):
        (readings / f"{n:03d}.raw").write_bytes(espeak(line, voice=VOICE))
    counter = root / "next"
    counter.write_text("0")
    # Each start of the microphone command plays the next sentence read aloud.
    mic = root / "mic.sh"
    mic.write_text(
        "#!/bin/sh\n"
        f"n=$(cat {counter}); echo $((n + 1)) > {counter}\n"
        f'exec cat "{readings}/$(printf %03d "$n").raw"\n'
    )
    mic.chmod(mic.stat().st_mode | stat.S_IEXEC)
    scratch = root / "tmp"
    scratch.mkdir()
    env = {**os.environ, "CLOSE_TOGETHER_DB": str(root / "store.sqlite3"), "TMPDIR": str(scratch)}
    done = subprocess.run(
        [str(BINARY), "enrol", "--people", "1", "--mic-command", str(mic)],
        input="\n" * len(enrolment.sentences()),
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    return {"done": done, "root": root, "scratch": scratch, "env": env}


@needs_tools
@needs_speech
def test_enrolment_keeps_the_adapted_model_and_nothing_it_was_made_from(
    enrolled: dict[str, Any],
) -> None:
    done = enrolled["done"]
    assert done.returncode == 0, done.stderr
    assert "now hears you" in done.stdout
    folder = enrolment.folder_for(enrolled["root"] / "store.sqlite3", LOCAL_USER)
    assert enrolment.saved(folder) is not None
    assert sorted(p.name for p in folder.iterdir()) == ["made", "means"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())  # theirs alone
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.parent.stat().st_mode & 0o077 == 0
    assert list(enrolled["scratch"].iterdir()) == []  # recordings and features: gone
    assert not any(p.suffix in (".wav", ".raw", ".mfc") for p in folder.parent.rglob("*"))


@needs_tools
@needs_speech
def test_after_enrolment_reworded_requests_are_heard(enrolled: dict[str, Any]) -> None:
    """The same voice, saying requests in its own words, heard by a press of the button:
    with the stock model and then with the model adapted to it."""
    from local_speaker.listen import Listener, Recognizer

    assert enrolled["done"].returncode == 0, enrolled["done"].stderr
    folder = enrolment.folder_for(enrolled["root"] / "store.sqlite3", LOCAL_USER)

    def heard_right(recognizer: Any) -> int:
        right = 0
        for text, intent in REWORDED:
            listener = Listener(recognizer, MATCHER, Inputs(), mic_command="")
            heard = listener.listen_once(io.BytesIO(espeak(text, voice=VOICE)))
            right += heard is not None and heard.intent == intent
        return right

    stock = heard_right(Recognizer(MODEL))
    learnt = heard_right(Recognizer(MODEL, voices=enrolment.saved(folder)))
    # On this machine: 2 of 8 with the stock model, 6 with the adapted one.
    assert learnt >= 6 and learnt >= stock + 3, (stock, learnt)


@needs_tools
@needs_speech
def test_asking_the_skill_to_forget_them_erases_their_voices(enrolled: dict[str, Any]) -> None:
    """Forgetting, said to the bedside, takes the learnt voices with it; voices learnt
    after that are kept."""
    assert enrolled["done"].returncode == 0, enrolled["done"].stderr
    root = enrolled["root"]
    folder = enrolment.folder_for(root / "store.sqlite3", LOCAL_USER)
    kept = root / "kept"
    shutil.copytree(folder, kept)

    def speaker(lines: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BINARY), "speaker"],
            input=lines,
            capture_output=True,
            text=True,
            timeout=120,
            env={**enrolled["env"], "XDG_RUNTIME_DIR": str(root)},
        )

    done = speaker("please forget everything about us\nyes\n")
    assert done.returncode == 0, done.stderr
    assert not folder.exists()
    # Learnt again afterwards (a new "made" time): a later conversation keeps them.
    shutil.copytree(kept, folder)
    (folder / enrolment.MADE).write_text(repr(float("inf")))
    again = speaker("start a hug timer\n")
    assert again.returncode == 0, again.stderr
    assert enrolment.saved(folder) is not None


@needs_tools
@needs_speech
def test_enrol_forget_erases_only_the_voices(enrolled: dict[str, Any], tmp_path: Path) -> None:
    folder = enrolment.folder_for(enrolled["root"] / "store.sqlite3", LOCAL_USER)
    copy = tmp_path / "voices"
    shutil.copytree(folder.parent, copy)
    env = {**enrolled["env"], "CLOSE_TOGETHER_DB": str(tmp_path / "store.sqlite3")}
    mine = enrolment.folder_for(tmp_path / "store.sqlite3", LOCAL_USER)
    assert mine.exists()
    run = lambda: subprocess.run(  # noqa: E731
        [str(BINARY), "enrol", "--forget"], capture_output=True, text=True, timeout=60, env=env
    )
    first = run()
    assert first.returncode == 0 and "Forgot your voices" in first.stdout
    assert not mine.exists()
    assert "No voices" in run().stdout


def test_a_listener_that_forgets_the_voices_hears_with_the_stock_model() -> None:
    pytest.importorskip("pocketsphinx")
    from local_speaker.listen import Listener, Recognizer

    model, _ = enrolment.stock_model()
    with tempfile.TemporaryDirectory() as folder:
        for name in enrolment.ADAPTED:  # the stock model's own: heard the same way
            shutil.copyfile(model / name, Path(folder) / name)
        (Path(folder) / enrolment.MADE).write_text("0")
        theirs = Recognizer(MODEL, voices=enrolment.saved(Path(folder)))
    listener = Listener(theirs, MATCHER, Inputs(), mic_command="")
    assert listener.recognizer.voices
    thread = listener.forget_voices()
    assert thread is not None
    thread.join(60)
    assert listener.recognizer is not theirs and listener.recognizer.voices == {}
    assert listener.forget_voices() is None  # nothing more to forget


def test_a_microphone_that_cannot_start_is_one_line_not_a_crash(tmp_path: Path) -> None:
    if enrolment.missing_tools():
        pytest.skip("sphinxtrain, sphinxbase-utils, pocketsphinx needed")
    done = subprocess.run(
        [str(BINARY), "enrol", "--mic-command", str(tmp_path / "no-such-recorder")],
        input="\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CLOSE_TOGETHER_DB": str(tmp_path / "store.sqlite3")},
    )
    assert done.returncode == 2
    assert "cannot start the microphone" in done.stderr and "Traceback" not in done.stderr
