"""Per-request cost of RequestVerifier.verify() with a warm certificate-chain cache.

Run:  .venv/bin/python bench/verify_overhead.py [N]

Builds the test PKI from tests/certs.py, verifies one signed LaunchRequest N times (default
2000) against a cached chain -- so this measures header/URL checks, JSON parsing, timestamp and
app-id checks and the RSA-2048 signature verification, not the one-off download -- and prints
the mean and p50/p99 in microseconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.frontends.verification import RequestVerifier  # noqa: E402
from tests.certs import NOW_TS, SKILL_ID, TestPKI  # noqa: E402


def main(n: int = 2000) -> None:
    pki = TestPKI()
    verifier = RequestVerifier(
        [SKILL_ID], clock=lambda: NOW_TS, fetch=pki.fetcher(), trust_roots=pki.root_pem
    )
    headers, body = pki.signed_request()

    cold_start = time.perf_counter()
    verifier.verify(headers, body)  # first call: parse chain, build trust store, validate path
    cold_us = (time.perf_counter() - cold_start) * 1e6

    for _ in range(50):  # warm-up
        verifier.verify(headers, body)

    samples: list[float] = []
    clock = time.perf_counter
    for _ in range(n):
        start = clock()
        verifier.verify(headers, body)
        samples.append((clock() - start) * 1e6)

    samples.sort()
    p50 = samples[len(samples) // 2]
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"RequestVerifier.verify, cached chain, body {len(body)} bytes, N={n}")
    print(f"  first (cold) verify: {cold_us:9.1f} us")
    print(f"  mean:                {statistics.fmean(samples):9.1f} us")
    print(f"  p50:                 {p50:9.1f} us")
    print(f"  p99:                 {p99:9.1f} us")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
