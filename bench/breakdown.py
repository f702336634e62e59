"""Where one request's time goes, stage by stage, without a profiler's overhead.

    .venv/bin/python bench/breakdown.py [N]

Wraps the stages of the full service (SQLite, verification on) and of the bare floor with
perf_counter timers, sends N requests of each type (launch, hug timer, check-in step, unknown
intent; couples with 100-entry practice logs) through Flask's test client, and prints the mean
microseconds per request spent in each stage. Stages nest (the skill's stages are inside
"skill.invoke"); "rest" is the test client, Flask and everything not wrapped.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench.run as run  # noqa: E402
from skill.engine import state
from skill.frontends import web
from skill.frontends.logs import JsonFormatter, quiet_record_details  # noqa: E402
from skill.handlers import interceptors  # noqa: E402  # noqa: E402
from skill.stores import sqlite as persistence

TIMES: dict[str, float] = defaultdict(float)


def timed(owner: Any, name: str, label: str) -> Callable[[], None]:
    """Wrap owner.name so its wall time adds up under `label`; returns an undo function."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - start

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


def main(n: int = 500) -> None:
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    quiet_record_details()  # as `close-together serve` does
    tmp = Path(tempfile.mkdtemp(prefix="ct-breakdown-"))
    pki = run.TestPKI()
    prepared = run.prepare(pki, 100)
    config = run.Config(db_path=tmp / "b.sqlite3", verify=True, skill_ids=(run.SKILL_ID,))
    store = run.SQLiteAdapter(config.db_path)
    run.seed(store, 100)
    full = run.test_client_poster(run.full_app(config, store, run.make_verifier(pki)))
    bare = run.test_client_poster(run.create_bare_app())
    requests = [prepared[k][i % 100] for i in range(n) for k in run.REQUEST_TYPES]
    for req in requests[:200]:
        full(req)
        bare(req)

    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_core.skill import CustomSkill

    from skill.engine import changes
    from skill.frontends.serialize import FastSerializer
    from skill.frontends.verification import RequestVerifier

    wraps = [
        (RequestVerifier, "verify", "verification"),
        (FastSerializer, "from_json", "ask-sdk: envelope JSON -> model (full)"),
        (DefaultSerializer, "deserialize", "ask-sdk: envelope JSON -> model (floor)"),
        (DefaultSerializer, "serialize", "ask-sdk: response model -> dict"),
        (CustomSkill, "invoke", "skill.invoke (all below)"),
        (persistence.SQLiteAdapter, "load", "  SQLite read + JSON decode"),
        (state.Couple, "from_attributes", "  Couple.from_attributes (log parse)"),
        (persistence.SQLiteAdapter, "save", "  SQLite save (diff, compare-and-swap write)"),
        (changes, "diff", "    of which changes.diff"),
        (state.Couple, "to_attributes", "  Couple.to_attributes"),
        (interceptors.LogInterceptor, "process", "  log line (JSON)"),
        (web, "jsonify", "Flask jsonify"),
    ]
    results = {}
    for name, post in (("full (SQLite, verify on)", full), ("bare floor", bare)):
        TIMES.clear()
        undo = [timed(owner, attr, label) for owner, attr, label in wraps]
        start = time.perf_counter()
        for req in requests:
            post(req)
        total = time.perf_counter() - start
        for u in undo:
            u()
        results[name] = (total, dict(TIMES))
    count = len(requests)
    labels = [label for _, _, label in wraps]
    print(f"mean µs per request over {count} mixed requests (timer overhead included)")
    print(f"{'stage':44} " + " ".join(f"{name:>26}" for name in results))
    for label in labels:
        cells = [f"{times.get(label, 0.0) / count * 1e6:26.0f}" for _, times in results.values()]
        print(f"{label:44} " + " ".join(cells))
    print(
        f"{'total per request':44} "
        + " ".join(f"{t / count * 1e6:26.0f}" for t, _ in results.values())
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
