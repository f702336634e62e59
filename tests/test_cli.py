"""The `close-together serve` command, run as a real process on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.alexa import envelope

BIN = Path(sys.executable).with_name("close-together")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSE_TOGETHER_")}
    env.update(CLOSE_TOGETHER_DB=str(tmp_path / "db.sqlite3"), **extra)
    return env


def wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not come up")


def test_serve_answers_alexa_requests_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--no-verify", "--port", str(port), "--workers", "2"],
        env=env_for(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        health = wait_healthy(port, proc)
        assert health["verification"] is False
        body = json.dumps(envelope("IntentRequest", "KissIntent")).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            answer = json.load(resp)
        assert "kiss" in answer["response"]["outputSpeech"]["ssml"]
        assert (tmp_path / "db.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert b"Shutting down" in err or b"Handling signal: term" in err


def test_serve_refuses_to_verify_without_a_skill_id(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN), "serve", "--port", str(free_port())],
        env=env_for(tmp_path),
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert b"CLOSE_TOGETHER_SKILL_ID" in result.stderr


def refuse_to_start(tmp_path: Path, **env: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [str(BIN), "serve", "--no-verify", "--port", str(free_port()), "--workers", "2"],
        env={**env_for(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=20,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_dynamodb_without_boto3_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    hide = tmp_path / "no-boto3"
    hide.mkdir()
    (hide / "boto3.py").write_text("raise ImportError(\"No module named 'boto3'\", name='boto3')\n")
    code, out, err = refuse_to_start(
        tmp_path, CLOSE_TOGETHER_STORE="dynamodb", PYTHONPATH=str(hide)
    )
    assert code == 2 and "listening" not in out
    assert err.strip().count("\n") == 0, err
    assert "boto3" in err and "close-together[dynamodb]" in err


def test_an_unwritable_sqlite_path_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, out, err = refuse_to_start(tmp_path, CLOSE_TOGETHER_DB=str(blocker / "db.sqlite3"))
    assert code == 2 and "listening" not in out
    assert err.strip().count("\n") == 0, err
    assert str(blocker / "db.sqlite3") in err and "CLOSE_TOGETHER_DB" in err
