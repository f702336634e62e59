"""A small closed-loop HTTP load generator and server-process helpers for 127.0.0.1 only.

Each connection is a thread that sends prepared keep-alive POSTs back to back and reads the
answers; a run stops at a request count or a deadline, whichever comes first. Raw sockets keep
the generator's own CPU use low, since it shares the machine's cores with the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_request(port: int, body: bytes, headers: Mapping[str, str] | None = None) -> bytes:
    """The bytes of one keep-alive POST / with a JSON body."""
    lines = [
        "POST / HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class LoadResult:
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    server_cpu_seconds: float = 0.0

    def add(self, other: LoadResult) -> None:
        self.ok += other.ok
        self.errors += other.errors
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms
        self.server_cpu_seconds += other.server_cpu_seconds

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu_seconds / self.ok * 1000 if self.ok else float("nan")

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def _read_response(sock: socket.socket, buf: bytearray) -> tuple[int, bool]:
    """Read one HTTP response; return (status, server keeps the connection open)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    keep = True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    buf[:] = rest[length:]
    return status, keep


def run_load(
    port: int,
    requests: Sequence[bytes],
    *,
    seconds: float,
    max_requests: int,
    connections: int = 8,
    reconnect_every: int = 0,
) -> LoadResult:
    """Closed loop: `connections` clients, until `seconds` pass or `max_requests` are sent.

    With `reconnect_every` N, each client opens a new connection after N requests. gunicorn
    workers accept connections greedily and keep-alive pins a connection to its worker, so a
    handful of long-lived connections can leave one worker idle; reconnecting now and then
    lets the less busy worker pick up connections, as it would with many real clients.
    """
    deadline = time.perf_counter() + seconds
    budget = [max_requests]
    lock = threading.Lock()
    results = [LoadResult() for _ in range(connections)]

    def client(n: int) -> None:
        result = results[n]
        sock: socket.socket | None = None
        buf = bytearray()
        i = n
        on_this_connection = 0
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            try:
                if sock is None:
                    sock = socket.create_connection((HOST, port), timeout=10)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    buf.clear()
                    on_this_connection = 0
                start = time.perf_counter()
                sock.sendall(requests[i % len(requests)])
                status, keep = _read_response(sock, buf)
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
                if status == 200:
                    result.ok += 1
                else:
                    result.errors += 1
                on_this_connection += 1
                if not keep or (reconnect_every and on_this_connection >= reconnect_every):
                    sock.close()
                    sock = None
            except OSError:
                result.errors += 1
                if sock is not None:
                    sock.close()
                sock = None
            i += connections
        if sock is not None:
            sock.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = LoadResult(seconds=time.perf_counter() - started)
    for r in results:
        total.ok += r.ok
        total.errors += r.errors
        total.latencies_ms += r.latencies_ms
    return total


class Server:
    """A server process started for the benchmark and stopped (SIGTERM) afterwards."""

    def __init__(
        self, args: Sequence[str], port: int, env: Mapping[str, str], log: Path, cwd: Path
    ) -> None:
        self.port = port
        self.log = log.open("wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(args), env=dict(env), cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_ready(
        self, probe: bytes, headers: Mapping[str, str] | None = None, timeout: float = 20.0
    ) -> float:
        """Poll with a real request until one is answered; seconds since the process started."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early (see {self.log.name})")
            try:
                req = urllib.request.Request(
                    f"http://{HOST}:{self.port}/",
                    data=probe,
                    headers={"Content-Type": "application/json", **(headers or {})},
                )
                with urllib.request.urlopen(req, timeout=2) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.002)
        raise RuntimeError(f"server did not answer within {timeout} s (see {self.log.name})")

    def pids(self) -> list[int]:
        """The master and its worker processes."""
        pid = self.process.pid
        children: list[int] = []
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            children += [int(p) for p in task.read_text().split()]
        return [pid, *children]

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the master and its workers."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def peak_rss_mib(self) -> dict[int, float]:
        """Peak resident memory (VmHWM) of the master and each worker, MiB."""
        peaks = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) / 1024
            except OSError:
                pass
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def venv_bin(name: str) -> str:
    """A console script next to the running interpreter (the project's virtualenv)."""
    import sys

    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSE_TOGETHER_")}
    env.update(extra)
    return env
