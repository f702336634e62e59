"""A real local DynamoDB (dynalite, from npm) for the DynamoDB tests.

A test module asks for these fixtures with ``pytest_plugins = ("tests.dynalite",)``. One
dynalite process serves the whole session: started by the first test that needs it, on a free
port on 127.0.0.1, and stopped when the session ends.

The install lives in ``.cache/dynalite`` (``scripts/install_dynalite.sh``; override the folder
with CLOSE_TOGETHER_DYNALITE_PREFIX). If node or the install is missing the tests FAIL with the
command to run; set CLOSE_TOGETHER_SKIP_DYNALITE=1 to skip them on purpose instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skill.config import Config

ROOT = Path(__file__).resolve().parents[1]
INSTALL = "scripts/install_dynalite.sh"
START_TIMEOUT = 15.0
CREATE_TABLE_MS = 50  # tables still pass through CREATING, just faster than the default 500


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_path() -> Path:
    prefix = os.environ.get("CLOSE_TOGETHER_DYNALITE_PREFIX") or str(ROOT / ".cache" / "dynalite")
    return Path(prefix) / "node_modules" / "dynalite" / "cli.js"


@dataclass
class Dynalite:
    """A running dynalite process."""

    process: subprocess.Popen[bytes]
    port: int
    log: Any  # dynalite's stderr, a temporary file (a pipe nobody reads could fill up)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()

    def errors(self) -> str:
        self.log.seek(0)
        return str(self.log.read().decode(errors="replace"))[-500:]


def _answers(port: int) -> bool:
    """True once dynalite answers HTTP (any DynamoDB error reply counts as an answer)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


def start_dynalite(*, create_table_ms: int = CREATE_TABLE_MS) -> Dynalite:
    """Start dynalite on a free port and wait until it answers; raise RuntimeError if it can't."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node is not installed: install nodejs and npm, then run {INSTALL}")
    cli = cli_path()
    if not cli.is_file():
        raise RuntimeError(f"dynalite is not installed at {cli}: run {INSTALL}")
    port = free_port()
    args = [node, str(cli), "--host", "127.0.0.1", "--port", str(port)]
    args += ["--createTableMs", str(create_table_ms), "--deleteTableMs", str(create_table_ms)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Dynalite.stop()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
    server = Dynalite(process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(port):
        if process.poll() is not None:
            err = server.errors()
            server.stop()
            raise RuntimeError(f"dynalite exited with {process.returncode}: {err}")
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"dynalite did not answer on port {port} in {START_TIMEOUT:.0f} s")
        time.sleep(0.05)
    return server


@pytest.fixture(scope="session")
def dynalite() -> Iterator[Dynalite]:
    """The session's dynalite process, stopped when the session ends."""
    if os.environ.get("CLOSE_TOGETHER_SKIP_DYNALITE") == "1":
        pytest.skip("CLOSE_TOGETHER_SKIP_DYNALITE=1: DynamoDB tests skipped on purpose")
    try:
        server = start_dynalite()
    except RuntimeError as exc:
        pytest.fail(f"{exc} (or set CLOSE_TOGETHER_SKIP_DYNALITE=1 to skip)", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def dynamo_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials and a region; no real AWS profile, config file or endpoint leaks in."""
    keep = {"AWS_CA_BUNDLE", "CLOSE_TOGETHER_DYNALITE_PREFIX"}
    for name in list(os.environ):
        if name.startswith(("AWS_", "CLOSE_TOGETHER_")) and name not in keep:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def dead_endpoint() -> str:
    """An endpoint on 127.0.0.1 where nothing listens: every call is refused at once."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def dynamo_config(dynalite: Dynalite, table_name: str, tmp_path: Path) -> Config:
    """A configuration that stores couples in a fresh table on the test dynalite."""
    return Config(
        db_path=tmp_path / "unused.sqlite3",
        store="dynamodb",
        dynamodb_table=table_name,
        dynamodb_endpoint=dynalite.endpoint,
        verify=False,
    )


@pytest.fixture
def table_name() -> str:
    """A fresh table per test: the adapter creates it on first use."""
    return f"close-together-{uuid.uuid4().hex[:12]}"
