"""`close-together say` and `close-together speaker`, as a user (or a bedside button) runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from local_speaker import audio
from skill.frontends.cli import build_parser, main

BINARY = Path(sys.executable).with_name("close-together")


def env_for(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CLOSE_TOGETHER_DB"] = str(tmp_path / "store.sqlite3")
    env["XDG_RUNTIME_DIR"] = str(tmp_path)  # no sound server here, whatever the host has
    return env


def stored_kinds(db: Path) -> list[str]:
    import json

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM couples").fetchall()
    return [e["kind"] for (data,) in rows for e in json.loads(data).get("practice_log", [])]


def speak_to_files(tmp_path: Path, lines: str, wavs: Path) -> subprocess.CompletedProcess[str]:
    """`close-together speaker --wav-dir WAVS`, these lines typed."""
    return subprocess.run(
        [str(BINARY), "speaker", "--wav-dir", str(wavs)],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for(tmp_path),
    )


def test_say_writes_a_wav_with_six_seconds_of_quiet(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = subprocess.run(
        [str(BINARY), "say", "six second kiss", "--wav", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert "(6 s of quiet) ♪" in done.stdout
    pcm = audio.read_wav(out)
    gaps = audio.quiet_gaps(pcm.samples, pcm.rate)
    assert [round(g.seconds(pcm.rate), 1) for g in gaps] == [6.0]
    assert stored_kinds(tmp_path / "store.sqlite3") == ["kiss"]


def test_speaker_reads_typed_lines_and_writes_each_answer(tmp_path: Path) -> None:
    wavs = tmp_path / "answers"
    lines = "start our evening check in\nseven\nskip\ni need a break\n"
    done = speak_to_files(tmp_path, lines, wavs)
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in wavs.iterdir())
    assert files == ["001-response.wav", "002-response.wav", "003-response.wav", "004-response.wav"]
    question = audio.read_wav(wavs / "003-response.wav")
    longest = max(audio.quiet_gaps(question.samples, question.rate), key=lambda g: g.end - g.start)
    assert longest.seconds(question.rate) == pytest.approx(45.0, abs=0.1)
    assert "continue" in done.stdout.splitlines()[-2]  # the break ends warmly


def test_forgetting_them_deletes_the_answers_written_so_far(tmp_path: Path) -> None:
    """The answers written to --wav-dir repeat what was said ("seven out of ten"): once
    the skill has forgotten the couple they go too; its last words come after."""
    wavs = tmp_path / "answers"
    lines = "start our evening check in\nseven\nplease forget everything about us\nyes\n"
    done = speak_to_files(tmp_path, lines, wavs)
    assert done.returncode == 0, done.stderr
    assert "erased" in done.stdout
    assert sorted(p.name for p in wavs.iterdir()) == ["004-response.wav"]


def test_under_systemd_the_journal_gets_none_of_the_answers_and_the_audio_is_private(
    tmp_path: Path,
) -> None:
    """The answers repeat what was said ("seven out of ten"): with stdout going to the
    journal (systemd sets JOURNAL_STREAM) only the sound goes out, and its files are the
    couple's alone, like the database."""
    wavs = tmp_path / "answers"
    wavs.mkdir()
    (wavs / "001-response.wav").write_bytes(b"")  # left from before, readable by all
    (wavs / "001-response.wav").chmod(0o644)
    with (tmp_path / "journal").open("w+") as journal:
        status = os.fstat(journal.fileno())
        done = subprocess.run(
            [str(BINARY), "speaker", "--wav-dir", str(wavs)],
            input="start our evening check in\nseven\n",
            stdout=journal, stderr=journal, text=True, timeout=60,
            env={**env_for(tmp_path), "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}"},
        )  # fmt: skip
        journal.seek(0)
        printed = journal.read().lower()
    assert done.returncode == 0, printed
    assert "seven" not in printed and "pain" not in printed and "check-in" not in printed
    files = sorted(wavs.iterdir())
    assert len(files) == 2
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in files)


def test_only_the_journal_systemd_connected_hides_the_words(tmp_path: Path) -> None:
    from local_speaker.output import words_belong_on_stdout

    with (tmp_path / "out").open("w") as out, (tmp_path / "other").open("w") as other:
        mine, theirs = os.fstat(out.fileno()), os.fstat(other.fileno())
        journal = {"JOURNAL_STREAM": f"{mine.st_dev}:{mine.st_ino}"}
        assert not words_belong_on_stdout(journal, out)
        # A terminal opened from a session that inherited the variable: words shown.
        inherited = {"JOURNAL_STREAM": f"{theirs.st_dev}:{theirs.st_ino}"}
        assert words_belong_on_stdout(inherited, out)
        assert words_belong_on_stdout({}, out) and words_belong_on_stdout({"JOURNAL_STREAM": "x"})


def test_commands_are_registered_with_their_options() -> None:
    parser = build_parser()
    say = parser.parse_args(
        [
            "say",
            "start a hug timer",
            "--wav",
            "x.wav",
            "--rate",
            "150",
            "--volume",
            "0.4",
            "--voice",
            "en-us",
            "--db",
            "/tmp/x.sqlite3",
        ]
    )
    assert say.utterances == ["start a hug timer"] and say.volume == 0.4 and say.rate == 150
    assert callable(say.func)
    speaker = parser.parse_args(["speaker", "--listen", "--wake", "--wav-dir", "d"])
    assert speaker.listen and speaker.wake == "" and callable(speaker.func)
    with pytest.raises(SystemExit):
        parser.parse_args(["say", "hi", "--volume", "5"])


def test_without_a_device_or_wav_it_says_so_and_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "local_speaker.playback.find_player", lambda command=None: (None, "no audio device found")
    )
    code = main(["say", "start a hug timer", "--db", str(tmp_path / "s.sqlite3")])
    out = capsys.readouterr().out
    assert code == 0
    assert "no audio device found" in out and "--wav" in out
    assert "(20 s of quiet) ♪" in out


def test_timing_and_voices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "say",
                "six second kiss",
                "--wav",
                str(tmp_path / "k.wav"),
                "--timing",
                "--db",
                str(tmp_path / "s.sqlite3"),
            ]
        )
        == 0
    )
    assert "first audio" in capsys.readouterr().out
    assert main(["speaker", "--list-voices"]) == 0
    assert "en-us" in capsys.readouterr().out


def test_wake_needs_listen(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["speaker", "--wake"]) == 2
    assert "--wake needs --listen" in capsys.readouterr().err


def test_errors_are_reported_not_raised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(tmp_path / "s.sqlite3")]
    assert main(["say", "hug", "--model", str(tmp_path / "missing.json"), *db]) == 2
    assert "cannot read interaction model" in capsys.readouterr().err
    wav = ["--wav", str(tmp_path / "x.wav")]
    assert main(["say", "six second kiss", "--voice", "no-such-voice", *wav, *db]) == 1
    assert "speech engine" in capsys.readouterr().err


@pytest.mark.parametrize("locale", ["en-GB", "en-CA", "en-AU", "en-IN"])
def test_the_bedside_speaker_runs_in_every_english_locale(tmp_path: Path, locale: str) -> None:
    """Each locale's model and phrases load, and the answer is spoken in its English."""
    done = subprocess.run(
        [str(BINARY), "say", "start our evening check in", "--locale", locale],
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert "pain" in done.stdout and "ten" in done.stdout


def test_a_systemd_stop_ends_even_a_massage_playing_its_quiet(tmp_path: Path) -> None:
    """systemd stops with SIGTERM and kills what is still running 90 seconds later: a
    stop during an answer (here a massage's five minutes of quiet) ends it at once."""
    import signal
    import time

    with subprocess.Popen(
        [str(BINARY), "speaker", "--player", "dd of=/dev/null status=none"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env_for(tmp_path),
    ) as proc:  # fmt: skip
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("start a massage timer\n")
            proc.stdin.flush()
            for line in proc.stdout:  # the answer is playing: its quiet is counted down
                if "of quiet" in line:
                    break
            time.sleep(0.5)
            stopped = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            assert time.monotonic() - stopped < 10, "ended at once, not after the quiet"
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0


def test_even_verbose_logs_never_say_how_anyone_hurts(tmp_path: Path) -> None:
    """With -v the journal gets each request's shape and timing, but a pain report or
    'touch hurts' only as a health report, never by name."""
    with (tmp_path / "journal").open("w+") as journal:
        status = os.fstat(journal.fileno())
        done = subprocess.run(
            [str(BINARY), "speaker", "-v", "--wav-dir", str(tmp_path / "wav")],
            input="touch hurts today\nmy pain is nine\nit's a high pain day\n",
            stdout=journal, stderr=journal, text=True, timeout=60,
            env={**env_for(tmp_path), "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}"},
        )  # fmt: skip
        journal.seek(0)
        printed = journal.read()
    assert done.returncode == 0, printed
    assert "intent=health-report" in printed, printed
    for telling in ("TouchHurts", "PainLevel", "HighPain", "nine", "touch"):
        assert telling not in printed, (telling, printed)


def test_without_a_device_under_systemd_it_stops_rather_than_run_unheard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under systemd the words are not printed (they may be a pain report), so with no
    sound device nothing could be heard: it says so on stderr and exits 1, and systemd's
    Restart=on-failure tries again (a USB speaker plugged in later), as a lost microphone
    does. Nothing is recorded as done."""
    monkeypatch.setattr(
        "local_speaker.playback.find_player", lambda command=None: (None, "no audio device found")
    )
    monkeypatch.setattr("local_speaker.output.words_belong_on_stdout", lambda: False)
    db = tmp_path / "s.sqlite3"
    code = main(["say", "start a hug timer", "--db", str(db)])
    captured = capsys.readouterr()
    assert code == 1 and "no audio device found" in captured.err and "--player" in captured.err
    assert "quiet" not in captured.out
    assert not db.exists() or stored_kinds(db) == []


@pytest.mark.parametrize(
    ("command", "where"),
    [
        ("say", "a file in /proc"),
        ("speaker", "an existing file"),
        ("speaker", "a folder in /proc"),
    ],
)
def test_answers_that_cannot_be_written_are_one_line_and_nothing_is_logged(
    tmp_path: Path, command: str, where: str
) -> None:
    """A path the answers cannot go to is said in one line before anything happens: no
    traceback, and no hug recorded that was never heard."""
    target = {
        "a file in /proc": ["--wav", "/proc/close-together.wav"],
        "an existing file": ["--wav-dir", str(tmp_path / "afile")],
        "a folder in /proc": ["--wav-dir", "/proc/close-together"],
    }[where]
    (tmp_path / "afile").write_text("")
    args = [str(BINARY), command, *(["hug"] if command == "say" else []), *target]
    done = subprocess.run(
        args, input="hug\n", capture_output=True, text=True, timeout=60, env=env_for(tmp_path)
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "cannot write" in done.stderr
    db = tmp_path / "store.sqlite3"
    assert not db.exists() or stored_kinds(db) == []


@pytest.mark.parametrize("rate", ["0", "-50", "fast", "2000"])
def test_a_speaking_rate_no_one_could_follow_is_refused(
    rate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["say", "hug", "--rate", rate])
    assert stopped.value.code == 2 and "--rate" in capsys.readouterr().err
