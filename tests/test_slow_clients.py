"""Slow clients can't stall the service: `close-together serve` with its defaults, sixteen
connections trickling a byte a second, and a real request still answered within a second.
Bounded: sixteen connections, 127.0.0.1 only, a few seconds."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from tests.alexa import envelope
from tests.test_cli import BIN, env_for, free_port, wait_healthy

SLOW_CLIENTS = 16
LIMIT_SECONDS = 1.0


def trickle(port: int, stop: threading.Event) -> None:
    """Sixteen clients, each sending a request a byte a second until told to stop."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(SLOW_CLIENTS)]
    request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    try:
        for byte in request:
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(bytes([byte]))
            if stop.wait(1.0):
                return
    finally:
        for sock in socks:
            sock.close()


def timed_request(port: int) -> float:
    body = json.dumps(envelope("IntentRequest", "KissIntent")).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.monotonic()
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        json.load(resp)
    return time.monotonic() - started


def test_sixteen_trickling_connections_do_not_delay_a_real_request(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--no-verify", "--port", str(port)],
        env=env_for(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = threading.Event()
    slow = threading.Thread(target=trickle, args=(port, stop))
    try:
        wait_healthy(port, proc)
        timed_request(port)  # warm: the first request opens the store
        slow.start()
        time.sleep(1.5)  # every slow client has connected and sent its first bytes
        latencies = [timed_request(port) for _ in range(3)]
    finally:
        stop.set()
        slow.join(5)
        proc.terminate()
        proc.wait(10)
    print(f"latency with {SLOW_CLIENTS} slow clients: {max(latencies):.3f} s")
    assert max(latencies) < LIMIT_SECONDS, latencies
