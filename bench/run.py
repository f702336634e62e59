"""Benchmark the full service against a bare ask-sdk-core + Flask floor, in one command.

    .venv/bin/python bench/run.py            # full run, about three minutes on two cores
    .venv/bin/python bench/run.py --quick    # a smoke run (small counts)

What it measures (all on this machine, 127.0.0.1 only, every loop bounded by count and time):

1. In-process latency through Flask's test client, p50/p99 per request type (launch, hug
   timer, a check-in step that loads and saves, an unknown intent), for the bare floor and the
   full service with SQLite or DynamoDB (dynalite), verification off or on (cached chain,
   TestPKI + injected fetch). Variants and request types are interleaved in one loop, in a
   shuffled order each round, so drift and noise hit every variant alike.
2. How the per-request cost grows with the couple's practice log (0, 100, 1000 entries).
3. A cProfile of the full service (SQLite, verification on), grouped by where time goes.
4. HTTP throughput and latency under load: ``close-together serve --workers 2`` vs the bare app
   under gunicorn with the same worker settings (2 workers, gthread, 4 threads), in alternating
   rounds; plus the full service with verification on under the same gunicorn settings.
5. Cold start: process start to first answered request (web server and Lambda handler).
6. Peak memory (VmHWM / ru_maxrss) of the server workers and of a Lambda-style process.

Results go to bench/results/latest.json, docs/benchmarks.md (between the results markers; the
hand-written analysis around them is kept) and docs/benchmarks.png.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import logging
import math
import os
import platform
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Dummy credentials: DynamoDB here is always dynalite on 127.0.0.1.
os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_EC2_METADATA_DISABLED="true",
)

from bench.bare_skill import create_bare_app  # noqa: E402
from bench.http_load import (  # noqa: E402
    LoadResult,
    Server,
    clean_env,
    free_port,
    http_request,
    run_load,
    venv_bin,
)
from bench.peer_skill import SQLitePersistenceAdapter, create_peer_app  # noqa: E402
from skill.builder import build_skill  # noqa: E402
from skill.config import Config  # noqa: E402
from skill.frontends.logs import JsonFormatter, quiet_record_details  # noqa: E402
from skill.frontends.verification import RequestVerifier  # noqa: E402
from skill.frontends.web import create_app  # noqa: E402
from skill.stores.sqlite import SQLiteAdapter  # noqa: E402
from tests.alexa import envelope  # noqa: E402
from tests.certs import NOW_TS, SKILL_ID, TestPKI  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks.png"
RESULTS = ROOT / "bench" / "results" / "latest.json"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"

REQUEST_TYPES = ("launch", "hug timer", "check-in step", "unknown intent")
BARE = "bare floor"
PEER = "idiomatic peer (SQLite adapter, no verify)"
SQLITE_OFF = "full, SQLite, verify off"
SQLITE_ON = "full, SQLite, verify on"
DYNAMO_OFF = "full, DynamoDB, verify off"
DYNAMO_ON = "full, DynamoDB, verify on"
SEED_LOG = 100  # practice-log entries per couple: a few months of hugs and check-ins


# --------------------------------------------------------------------------- requests


def request_envelope(kind: str, user: str) -> dict[str, Any]:
    intent = {
        "launch": None,
        "hug timer": "HugTimerIntent",
        "check-in step": "EveningCheckInIntent",  # starts the ritual: loads, then saves
        "unknown intent": "NoSuchThingIntent",
    }[kind]
    env = envelope("IntentRequest" if intent else "LaunchRequest", intent, user=user, now=NOW_TS)
    env["session"]["application"]["applicationId"] = SKILL_ID
    env["context"]["System"]["application"]["applicationId"] = SKILL_ID
    return env


@dataclass(frozen=True)
class Prepared:
    kind: str
    body: bytes
    headers: dict[str, str]  # Alexa's signature headers (ignored where verification is off)


def prepare(pki: TestPKI, users: int) -> dict[str, list[Prepared]]:
    """Signed request bodies, one per couple and request type (signing is not timed)."""
    out: dict[str, list[Prepared]] = {}
    for kind in REQUEST_TYPES:
        out[kind] = []
        for u in range(users):
            body = json.dumps(request_envelope(kind, user_id(u)), separators=(",", ":")).encode()
            out[kind].append(Prepared(kind, body, pki.headers_for(body)))
    return out


def user_id(n: int) -> str:
    return f"amzn1.ask.account.BENCH{n:05d}"


def seed_record(entries: int) -> dict[str, Any]:
    base = NOW_TS - entries * 86400 / 2
    log = [
        {"id": f"{i:08x}-seed", "kind": ("hug", "checkin", "kiss")[i % 3], "at": base + i * 43200}
        | ({"seconds": 20} if i % 3 == 0 else {})
        for i in range(entries)
    ]
    return {"first_seen": base, "names": [], "recent_questions": [1, 4], "practice_log": log}


def seed(store: Any, users: int, entries: int = SEED_LOG) -> None:
    for u in range(users):
        store.save(user_id(u), seed_record(entries))


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    return {
        "n": len(s),
        "p50": percentile(s, 50),
        "p90": percentile(s, 90),
        "p99": percentile(s, 99),
        "mean": statistics.fmean(s) if s else math.nan,
    }


# --------------------------------------------------------------------------- in-process


@dataclass
class Variant:
    name: str
    post: Callable[[Prepared], int]


def test_client_poster(app: Any) -> Callable[[Prepared], int]:
    client = app.test_client()

    def post(req: Prepared) -> int:
        resp = client.post("/", data=req.body, headers=req.headers, content_type="application/json")
        return int(resp.status_code)

    return post


def full_app(config: Config, store: Any, verifier: RequestVerifier | None) -> Any:
    skill = build_skill(config, store=store)
    return create_app(config, skill=skill, verifier=verifier)


def make_verifier(pki: TestPKI) -> RequestVerifier:
    return RequestVerifier(
        [SKILL_ID], clock=lambda: NOW_TS, fetch=pki.fetcher(), trust_roots=pki.root_pem
    )


def build_variants(
    tmp: Path, pki: TestPKI, users: int, dynamo_endpoint: str | None
) -> list[Variant]:
    variants = [Variant(BARE, test_client_poster(create_bare_app()))]
    peer_db = tmp / "peer.sqlite3"
    seed(SQLitePersistenceAdapter(str(peer_db)), users)
    variants.append(Variant(PEER, test_client_poster(create_peer_app(str(peer_db)))))
    for name, verify in ((SQLITE_OFF, False), (SQLITE_ON, True)):
        config = Config(db_path=tmp / f"{name}.sqlite3", verify=verify, skill_ids=(SKILL_ID,))
        store = SQLiteAdapter(config.db_path)
        seed(store, users)
        app = full_app(config, store, make_verifier(pki) if verify else None)
        variants.append(Variant(name, test_client_poster(app)))
    if dynamo_endpoint:
        from skill.stores.dynamo import make_dynamodb_adapter

        for name, verify in ((DYNAMO_OFF, False), (DYNAMO_ON, True)):
            config = Config(
                store="dynamodb",
                dynamodb_table=f"bench-{random.getrandbits(32):08x}",
                dynamodb_endpoint=dynamo_endpoint,
                verify=verify,
                skill_ids=(SKILL_ID,),
            )
            dynamo = make_dynamodb_adapter(config)
            seed(dynamo, users)
            app = full_app(config, dynamo, make_verifier(pki) if verify else None)
            variants.append(Variant(name, test_client_poster(app)))
    return variants


def run_in_process(
    variants: list[Variant], prepared: dict[str, list[Prepared]], rounds: int, seed_: int = 1
) -> tuple[dict[str, dict[str, list[float]]], dict[str, list[float]]]:
    """Interleaved: each round visits every variant and request type in a shuffled order.

    Returns wall-clock samples per variant and request type, and per variant the CPU time
    the benchmark thread itself spent on each request (time.thread_time: it excludes the
    time the process waited for a core, so it separates our own cost from other load on the
    machine; it does not see dynalite's work, which runs in another process).
    """
    rng = random.Random(seed_)
    samples: dict[str, dict[str, list[float]]] = {
        v.name: {k: [] for k in REQUEST_TYPES} for v in variants
    }
    cpu: dict[str, list[float]] = {v.name: [] for v in variants}
    users = len(prepared[REQUEST_TYPES[0]])
    for v in variants:  # warm-up (caches, connections, the chain cache), and check answers
        for i in range(30):
            for kind in REQUEST_TYPES:
                status = v.post(prepared[kind][i % users])
                if status != 200:
                    raise RuntimeError(f"{v.name} answered {status} to {kind}")
    clock, cpu_clock = time.perf_counter, time.thread_time
    for i in range(rounds):
        order = variants[:]
        rng.shuffle(order)
        for v in order:
            kinds = list(REQUEST_TYPES)
            rng.shuffle(kinds)
            for kind in kinds:
                req = prepared[kind][i % users]
                cpu_start, start = cpu_clock(), clock()
                v.post(req)
                samples[v.name][kind].append((clock() - start) * 1000)
                cpu[v.name].append((cpu_clock() - cpu_start) * 1000)
    return samples, cpu


def log_size_sensitivity(
    tmp: Path, pki: TestPKI, sizes: tuple[int, ...], n: int
) -> dict[str, dict[str, float]]:
    """p50 of launch and hug (SQLite, verify on) for logs of different sizes, and the floor's.

    The floor runs in the same interleaved loop, so each row can be read as a ratio to it.
    """
    prepared = prepare(pki, 1)
    bare = test_client_poster(create_bare_app())
    variants: list[tuple[str, SQLiteAdapter | None, int, Callable[[Prepared], int]]] = [
        ("floor", None, 0, bare)
    ]
    for size in sizes:
        config = Config(db_path=tmp / f"log{size}.sqlite3", verify=True, skill_ids=(SKILL_ID,))
        store = SQLiteAdapter(config.db_path)
        post = test_client_poster(full_app(config, store, make_verifier(pki)))
        variants.append((str(size), store, size, post))
    results: dict[str, dict[str, list[float]]] = {
        name: {"launch": [], "hug timer": []} for name, _, _, _ in variants
    }
    rng = random.Random(2)
    for i in range(n):
        rng.shuffle(variants)
        for name, kept, size, send in variants:
            for kind in ("launch", "hug timer"):
                if kept is not None and i % 25 == 0:
                    kept.save(user_id(0), seed_record(size))  # keep the log at its size
                start = time.perf_counter()
                send(prepared[kind][0])
                results[name][kind].append((time.perf_counter() - start) * 1000)
    out: dict[str, dict[str, float]] = {}
    for name in ["floor", *map(str, sizes)]:
        out[name] = {kind: summary(v)["p50"] for kind, v in results[name].items()}
    return out


def dynamo_record_formats(endpoint: str, sizes: tuple[int, ...], n: int) -> dict[str, Any]:
    """Load and save p50 (ms) for one record stored as a JSON string vs a native DynamoDB map."""
    from skill.stores.dynamo import make_dynamodb_adapter

    table = f"bench-formats-{random.getrandbits(32):08x}"
    config = Config(store="dynamodb", dynamodb_table=table, dynamodb_endpoint=endpoint)
    adapters = {fmt: make_dynamodb_adapter(config, record_format=fmt) for fmt in ("json", "map")}
    out: dict[str, Any] = {}
    for size in sizes:
        record = seed_record(size)
        row: dict[str, float] = {}
        for fmt, adapter in adapters.items():
            key = f"{fmt}-{size}"
            adapter.save(key, record)
            loads, saves = [], []
            for _ in range(n):
                start = time.perf_counter()
                adapter.load(key)
                loads.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                adapter.save(key, record)  # a fresh read, the merge, a conditional put
                saves.append((time.perf_counter() - start) * 1000)
            row[f"{fmt}_load"] = summary(loads)["p50"]
            row[f"{fmt}_save"] = summary(saves)["p50"]
        out[str(size)] = row
    return out


# --------------------------------------------------------------------------- profile

CATEGORIES = (
    (
        "request verification (RSA, chain cache, checks)",
        ("skill/frontends/verification.py", "cryptography"),
    ),
    ("skill: state records (practice log parse/build)", ("skill/engine/state.py",)),
    ("skill: persistence (SQLite)", ("skill/stores/sqlite.py", "sqlite3")),
    ("skill: operations (changes.diff)", ("skill/engine/changes.py",)),
    ("skill: handlers, content, SSML, interceptors", ("skill/",)),
    (
        "ask-sdk (dispatch, model (de)serialisation)",
        ("ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime"),
    ),
    ("dateutil (timestamp parsing in ask-sdk models)", ("dateutil",)),
    ("Flask / Werkzeug (incl. test client)", ("flask", "werkzeug")),
    ("json", ("json/",)),
    ("logging", ("logging/",)),
)


def profile_full(pki: TestPKI, tmp: Path, users: int, n: int) -> dict[str, Any]:
    config = Config(db_path=tmp / "profile.sqlite3", verify=True, skill_ids=(SKILL_ID,))
    store = SQLiteAdapter(config.db_path)
    seed(store, users)
    post = test_client_poster(full_app(config, store, make_verifier(pki)))
    prepared = prepare(pki, users)
    reqs = [prepared[k][i % users] for i in range(n) for k in REQUEST_TYPES]
    for r in reqs[:200]:
        post(r)
    profiler = cProfile.Profile()
    profiler.enable()
    for r in reqs:
        post(r)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    shares: dict[str, float] = {name: 0.0 for name, _ in CATEGORIES}
    shares["other (builtins, stdlib)"] = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        for name, needles in CATEGORIES:
            if any(needle in filename for needle in needles):
                shares[name] += tottime
                break
        else:
            shares["other (builtins, stdlib)"] += tottime
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    top = "\n".join(line for line in text.getvalue().splitlines() if line.strip() and "/" in line)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "profile.txt").write_text(text.getvalue())
    return {
        "requests": len(reqs),
        "ms_per_request_under_profiler": total / len(reqs) * 1000,
        "share": {k: v / total for k, v in sorted(shares.items(), key=lambda kv: -kv[1])},
        "top_tottime": top.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", ""),
    }


# --------------------------------------------------------------------------- HTTP


HTTP_LABELS = {
    "bare": "bare floor (gunicorn, 2 workers × 4 threads)",
    "peer": "idiomatic peer, no verification (gunicorn, 2 workers × 4 threads)",
    "full": "`close-together serve --workers 2` (SQLite, verify off)",
    "full-verify": "full service, verify on (cached chain), serve's gunicorn settings",
}
HTTP_SERVERS = ("bare", "peer", "full", "full-verify")
LOAD = {"connections": 16, "reconnect_every": 20}
GUNICORN_OPTIONS = [  # gunicorn's usual threaded settings, for the floor and the peer
    "--workers", "2", "--worker-class", "gthread", "--threads", "4",
    "--graceful-timeout", "10", "--timeout", "30", "--error-logfile", "-",
]  # fmt: skip
SERVE_OPTIONS = [  # what `close-together serve --workers 2` uses
    "--workers", "2", "--worker-class", "gevent", "--worker-connections", "200",
    "--graceful-timeout", "10", "--timeout", "30", "--error-logfile", "-",
]  # fmt: skip


def start_server(kind: str, tmp: Path, pki_file: Path, db: Path) -> Server:
    port = free_port()
    env = clean_env(CLOSE_TOGETHER_DB=str(db), CLOSE_TOGETHER_LOG_LEVEL="INFO")
    bind = ["--bind", f"127.0.0.1:{port}"]
    if kind == "bare":
        args = [
            venv_bin("gunicorn"),
            *GUNICORN_OPTIONS,
            *bind,
            "bench.bare_skill:create_bare_app()",
        ]
    elif kind == "peer":
        args = [
            venv_bin("gunicorn"),
            *GUNICORN_OPTIONS,
            *bind,
            "bench.peer_skill:create_peer_app()",
        ]
    elif kind == "full":
        args = [venv_bin("close-together"), "serve", "--workers", "2", "--port", str(port)]
        args += ["--no-verify"]
    elif kind == "full-verify":
        env.update(CLOSE_TOGETHER_BENCH_PKI=str(pki_file), CLOSE_TOGETHER_SKILL_ID=SKILL_ID)
        args = [venv_bin("gunicorn"), *SERVE_OPTIONS, *bind, "bench.apps:full_app_verifying()"]
    else:
        raise ValueError(kind)
    return Server(args, port, env, tmp / f"server-{kind}-{port}.log", ROOT)


def probe(pki: TestPKI) -> tuple[bytes, dict[str, str]]:
    """A signed launch request: what the servers must answer to count as ready."""
    body = json.dumps(request_envelope("launch", user_id(0))).encode()
    return body, pki.headers_for(body)


def http_benchmark(
    tmp: Path, pki: TestPKI, prepared: dict[str, list[Prepared]], seconds: float, rounds: int
) -> dict[str, Any]:
    pki_file = tmp / "pki.json"
    pki_file.write_text(
        json.dumps(
            {
                "root_pem": pki.root_pem.decode(),
                "chain_pem": pki.chain_pem.decode(),
                "skill_ids": [SKILL_ID],
                "now": NOW_TS,
            }
        )
    )
    users = len(prepared[REQUEST_TYPES[0]])
    servers: dict[str, Server] = {}
    results: dict[str, LoadResult] = {}
    try:
        for kind in HTTP_SERVERS:
            db = tmp / f"http-{kind}.sqlite3"
            seed(SQLitePersistenceAdapter(str(db)) if kind == "peer" else SQLiteAdapter(db), users)
            server = start_server(kind, tmp, pki_file, db)
            servers[kind] = server
            server.wait_ready(*probe(pki))
        wire = {
            kind: [
                http_request(server.port, p.body, p.headers)
                for i in range(users)
                for p in (prepared[k][i] for k in REQUEST_TYPES)
            ]
            for kind, server in servers.items()
        }
        for kind, server in servers.items():  # warm-up
            run_load(server.port, wire[kind], seconds=2, max_requests=400, **LOAD)
            results[kind] = LoadResult()
        order = list(servers)
        for r in range(rounds):
            for kind in order[r % len(order) :] + order[: r % len(order)]:  # rotate the order
                cpu_before = servers[kind].cpu_seconds()
                res = run_load(
                    servers[kind].port, wire[kind], seconds=seconds, max_requests=200_000, **LOAD
                )
                res.server_cpu_seconds = servers[kind].cpu_seconds() - cpu_before
                results[kind].add(res)
        memory = {kind: s.peak_rss_mib() for kind, s in servers.items()}
    finally:
        for s in servers.values():
            s.stop()
    out: dict[str, Any] = {}
    for kind, res in results.items():
        lat = summary(res.latencies_ms)
        pids = memory.get(kind, {})
        master = servers[kind].process.pid
        workers = [v for pid, v in pids.items() if pid != master]
        out[kind] = {
            "requests": res.ok,
            "errors": res.errors,
            "seconds": res.seconds,
            "rps": res.rps,
            "p50_ms": lat["p50"],
            "p99_ms": lat["p99"],
            "server_cpu_ms_per_request": res.cpu_ms_per_request,
            "worker_peak_rss_mib": max(workers) if workers else math.nan,
            "master_peak_rss_mib": pids.get(master, math.nan),
        }
    return out


# --------------------------------------------------------------------------- cold start

LAMBDA_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from skill.frontends.lambda_function import handler
t1 = time.perf_counter()
event = json.loads(sys.argv[1])
body = handler(event, None)
t2 = time.perf_counter()
assert body["response"]["outputSpeech"]
print(json.dumps({"import_s": t1 - t0, "first_request_s": t2 - t1}), flush=True)
for _ in range(300):
    handler(event, None)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the pre-exec (forked) parent.
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"peak_rss_mib": int(hwm) / 1024}))
"""


def lambda_cold_start(tmp: Path, repeats: int) -> dict[str, Any]:
    event = json.dumps(request_envelope("hug timer", user_id(0)))
    walls, imports, firsts, rss = [], [], [], []
    for i in range(repeats):
        env = clean_env(CLOSE_TOGETHER_DB=str(tmp / f"lambda{i}.sqlite3"))
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", LAMBDA_CHILD, event],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        first = json.loads(child.stdout.readline())
        walls.append(time.perf_counter() - start)
        imports.append(first["import_s"])
        firsts.append(first["first_request_s"])
        rss.append(json.loads(child.stdout.readline())["peak_rss_mib"])
        child.wait(timeout=60)
    return {
        "process_start_to_first_answer_s": statistics.median(walls),
        "import_s": statistics.median(imports),
        "build_and_first_request_s": statistics.median(firsts),
        "peak_rss_mib_after_300_requests": max(rss),
    }


def server_cold_start(tmp: Path, pki: TestPKI, kind: str, repeats: int) -> float:
    times = []
    for i in range(repeats):
        server = start_server(kind, tmp, tmp / "no-pki.json", tmp / f"cold-{kind}-{i}.sqlite3")
        try:
            times.append(server.wait_ready(*probe(pki)))
        finally:
            server.stop()
    return statistics.median(times)


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = math.nan
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    versions = {}
    for dist in ("ask-sdk-core", "Flask", "Werkzeug", "gunicorn", "boto3", "cryptography"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "node": node.stdout.strip(),
        "packages": versions,
    }


@contextlib.contextmanager
def dynalite_running(enabled: bool) -> Iterator[str | None]:
    if not enabled:
        yield None
        return
    from tests.dynalite import start_dynalite

    try:
        server = start_dynalite()
    except RuntimeError as exc:
        print(f"DynamoDB variants skipped: {exc}", file=sys.stderr)
        yield None
        return
    try:
        yield server.endpoint
    finally:
        server.stop()


# --------------------------------------------------------------------------- report


def ms(value: float) -> str:
    return f"{value:.2f}"


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = results["machine"]
    add(
        f"Measured {results['when']} with `{results['command']}`. Load average (1 min) "
        f"{results['load_before']:.1f} before and {results['load_after']:.1f} after the run: "
        "other work on the machine shows up as noise, most in requests/s and p99."
    )
    add("")
    add(f"**Machine:** {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB memory, ")
    add(f"Python {m['python']}, {m['platform']}, node {m['node']}; ")
    add(", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".")
    add("")
    add("### Targets")
    add("")
    add("| target | measured | met |")
    add("|---|---|---|")
    for t in results["targets"]:
        add(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
    add("")
    ip = results["in_process"]
    add(f"### In-process latency (Flask test client), ms — {ip['rounds']} interleaved rounds")
    add("")
    add(
        f"Each couple has a practice log of {SEED_LOG} entries; {ip['users']} couples rotate. "
        "*CPU time* is the benchmark thread's own CPU time per request (all request types): "
        "wall time minus the waits for a core that other work on the machine causes (for "
        "DynamoDB it leaves out dynalite's own work)."
    )
    add("")
    header = "| variant | " + " | ".join(f"{k} p50 / p99" for k in REQUEST_TYPES)
    add(header + " | all p50 / p99 | p50 vs floor | CPU time p50 / p99 |")
    add("|---" * (len(REQUEST_TYPES) + 4) + "|")
    floor = ip["summary"][BARE]["all"]["p50"]
    for name, per_kind in ip["summary"].items():
        cells = [f"{ms(per_kind[k]['p50'])} / {ms(per_kind[k]['p99'])}" for k in REQUEST_TYPES]
        overall = per_kind["all"]
        add(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {ms(overall['p50'])} / {ms(overall['p99'])} | {overall['p50'] / floor:.1f}× "
            f"| {ms(per_kind['cpu']['p50'])} / {ms(per_kind['cpu']['p99'])} |"
        )
    add("")
    add("### Cost per request vs the size of the couple's practice log (SQLite, verify on), p50 ms")
    add("")
    add("| log entries | launch | hug timer | vs floor |")
    add("|---|---|---|---|")
    sizes = results["log_size"]
    floor_row = sizes["floor"]
    for size, row in sizes.items():
        label = "bare floor (no store)" if size == "floor" else size
        ratio = (row["launch"] + row["hug timer"]) / (floor_row["launch"] + floor_row["hug timer"])
        add(f"| {label} | {ms(row['launch'])} | {ms(row['hug timer'])} | {ratio:.1f}× |")
    add("")
    if results.get("dynamo_formats"):
        add("### DynamoDB (dynalite): one record as a JSON string vs a native map, p50 ms")
        add("")
        add(
            "`save` is what a save costs without a read from the same request: a consistent read, "
            "the diff and a conditional put. The records are given in the old layout (the whole "
            "log); the store keeps today's (the last week and counts), so size hardly matters."
        )
        add("")
        add("| log entries | JSON load | map load | JSON save | map save |")
        add("|---|---|---|---|---|")
        for size, row in results["dynamo_formats"].items():
            add(
                f"| {size} | {ms(row['json_load'])} | {ms(row['map_load'])} | "
                f"{ms(row['json_save'])} | {ms(row['map_save'])} |"
            )
        add("")
    h = results["http"]
    add(
        f"### HTTP under load on 127.0.0.1 — {h['connections']} keep-alive connections "
        f"(each reconnects every {h['reconnect_every']} requests), {h['rounds']} rotating "
        f"rounds of {h['seconds']:.0f} s per server"
    )
    add("")
    add(
        "The four request types, mixed, for 100 couples. *Server CPU* is the user+system time "
        "of the gunicorn master and workers per answered request: unlike requests/s it hardly "
        "depends on what else the machine is doing."
    )
    add("")
    add(
        "| server | requests/s | vs floor | p50 ms | p99 ms | errors | server CPU ms/request "
        "| worker peak RSS MiB |"
    )
    add("|---|---|---|---|---|---|---|---|")
    base = h["results"]["bare"]["rps"]
    for kind, r in h["results"].items():
        add(
            f"| {HTTP_LABELS[kind]} | {r['rps']:.0f} | {r['rps'] / base:.0%} | "
            f"{ms(r['p50_ms'])} | {ms(r['p99_ms'])} | {r['errors']} | "
            f"{r['server_cpu_ms_per_request']:.2f} | {r['worker_peak_rss_mib']:.0f} |"
        )
    add("")
    c = results["cold_start"]
    add("### Cold start and memory")
    add("")
    add("| what | median |")
    add("|---|---|")
    add(
        f"| `close-together serve --workers 2`: process start → first answered request | "
        f"{c['serve_s'] * 1000:.0f} ms |"
    )
    add(
        f"| bare floor under gunicorn: process start → first answered request | "
        f"{c['bare_s'] * 1000:.0f} ms |"
    )
    lam = c["lambda"]
    add(
        f"| Lambda: process start → first answered request | "
        f"{lam['process_start_to_first_answer_s'] * 1000:.0f} ms |"
    )
    add(f"| Lambda: `import skill.frontends.lambda_function` | {lam['import_s'] * 1000:.0f} ms |")
    add(
        f"| Lambda: build the skill + first request | "
        f"{lam['build_and_first_request_s'] * 1000:.0f} ms |"
    )
    add(
        f"| Lambda process peak RSS after 300 requests | "
        f"{lam['peak_rss_mib_after_300_requests']:.0f} MiB |"
    )
    add(
        f"| benchmark process peak RSS (all variants in one process) | "
        f"{results['bench_peak_rss_mib']:.0f} MiB |"
    )
    add("")
    p = results["profile"]
    add(
        "### Where the time goes: cProfile, full service, SQLite, verify on "
        f"({p['requests']} mixed requests)"
    )
    add("")
    add("| share of own time | component |")
    add("|---|---|")
    for name, share in p["share"].items():
        add(f"| {share:.0%} | {name} |")
    add("")
    add("Top functions by own time (full listing in `bench/results/profile.txt`):")
    add("")
    add("```")
    add(p["top_tottime"])
    add("```")
    add("")
    add("![latency and throughput](benchmarks.png)")
    return "\n".join(lines)


def write_doc(block: str) -> None:
    if DOC.exists():
        text = DOC.read_text()
        if START in text and END in text:
            head, _, rest = text.partition(START)
            _, _, tail = rest.partition(END)
            DOC.write_text(f"{head}{START}\n{block}\n{END}{tail}")
            return
    DOC.write_text(
        f"# Benchmarks\n\nRun: `.venv/bin/python bench/run.py`\n\n{START}\n{block}\n{END}\n"
    )


def plot(results: dict[str, Any]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no plot", file=sys.stderr)
        return
    summary_ = results["in_process"]["summary"]
    names = list(summary_)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5), gridspec_kw={"width_ratios": [3, 1.3]})
    width = 0.8 / len(names)
    kinds = [*REQUEST_TYPES, "all"]
    for i, name in enumerate(names):
        xs = [k + (i - (len(names) - 1) / 2) * width for k in range(len(kinds))]
        p50 = [summary_[name][k]["p50"] for k in kinds]
        p99 = [summary_[name][k]["p99"] for k in kinds]
        bars = ax1.bar(xs, p50, width, label=name)
        ax1.scatter(xs, p99, marker="_", s=120, color=bars.patches[0].get_facecolor(), zorder=3)
    ax1.axhline(5, color="grey", linestyle=":", linewidth=1)
    ax1.text(-0.5, 5, "p99 target 5 ms", ha="left", va="bottom", fontsize=8)
    ax1.set_xticks(range(len(kinds)), kinds)
    ax1.set_ylabel("ms per request (bar: p50, dash: p99)")
    ax1.set_title("In-process latency through Flask's test client")
    ax1.legend(fontsize=8)
    http = results["http"]["results"]
    labels = {
        "bare": "bare floor",
        "peer": "idiomatic\npeer",
        "full": "close-together\nserve",
        "full-verify": "full,\nverify on",
    }
    kinds_h = list(http)
    colors = ["#999", "#bbb", "#1f77b4", "#2ca02c", "#ff7f0e"][: len(kinds_h)]
    ax2.bar(range(len(kinds_h)), [http[k]["rps"] for k in kinds_h], color=colors)
    for i, k in enumerate(kinds_h):
        ax2.text(
            i,
            http[k]["rps"],
            f"p99 {http[k]['p99_ms']:.1f} ms",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax2.axhline(http["peer"]["rps"], color="grey", linestyle=":", linewidth=1)
    ax2.set_xticks(range(len(kinds_h)), [labels[k] for k in kinds_h], fontsize=8)
    ax2.set_ylabel("requests per second")
    ax2.set_title("HTTP, 2 workers, 127.0.0.1")
    ax2.text(1.5, http["peer"]["rps"], "the peer", va="bottom", fontsize=8)
    fig.suptitle(
        "Close Together vs a bare ask-sdk + Flask skill and an idiomatic peer — "
        f"{results['machine']['nproc']} CPUs, {results['machine']['cpu']}"
    )
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    s = results["in_process"]["summary"]
    floor = s[BARE]["all"]["p50"]
    full = s[SQLITE_ON]["all"]
    worst_p99 = max(s[SQLITE_ON][k]["p99"] for k in REQUEST_TYPES)
    http = results["http"]["results"]
    peer_cpu = http["peer"]["server_cpu_ms_per_request"]
    verify_cpu = http["full-verify"]["server_cpu_ms_per_request"]
    in_process_cpu = s[SQLITE_ON]["cpu"]["p50"] / s[PEER]["cpu"]["p50"]
    sizes = results["log_size"]

    def cost(row: dict[str, float]) -> float:
        return row["launch"] + row["hug timer"]

    growth = cost(sizes["1000"]) / cost(sizes["0"])
    throughput = http["full"]["rps"] / http["peer"]["rps"]
    cold = results["cold_start"]["serve_s"]
    lambda_cold = results["cold_start"]["lambda"]["process_start_to_first_answer_s"]
    return [
        {
            "target": "server CPU per request, verifying every request ≤ the peer's (no "
            "verification)",
            "measured": f"HTTP: {verify_cpu:.2f} vs {peer_cpu:.2f} ms = "
            f"{verify_cpu / peer_cpu:.2f}×; in process (CPU-time p50, SQLite, verify on): "
            f"{in_process_cpu:.2f}×",
            "met": verify_cpu <= peer_cpu,
        },
        {
            "target": "cost at 1,000 practice-log entries within 1.1× of the cost at none",
            "measured": f"{cost(sizes['1000']):.2f} vs {cost(sizes['0']):.2f} ms "
            f"(launch + hug p50) = {growth:.2f}×",
            "met": growth <= 1.1,
        },
        {
            "target": "HTTP throughput, 2 workers ≥ the peer's",
            "measured": f"{http['full']['rps']:.0f} vs {http['peer']['rps']:.0f} req/s "
            f"= {throughput:.0%}",
            "met": throughput >= 1.0,
        },
        {
            "target": "in-process p99 (SQLite, verify on) < 5 ms",
            "measured": f"{full['p99']:.2f} ms (worst request type {worst_p99:.2f} ms); "
            f"p50 {full['p50']:.2f} ms = {full['p50'] / floor:.1f}× the bare floor",
            "met": full["p99"] < 5,
        },
        {
            "target": "cold start < 1 s",
            "measured": f"{cold * 1000:.0f} ms (serve), {lambda_cold * 1000:.0f} ms (Lambda)",
            "met": cold < 1,
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--rounds", type=int, help="in-process rounds (default 1500)")
    parser.add_argument("--http-seconds", type=float, help="seconds per HTTP round (default 6)")
    parser.add_argument("--no-dynamodb", action="store_true", help="skip the dynalite variants")
    parser.add_argument("--no-write", action="store_true", help="print, don't write docs/")
    args = parser.parse_args(argv)
    rounds = args.rounds or (60 if args.quick else 1500)
    http_seconds = args.http_seconds or (1.5 if args.quick else 6.0)
    http_rounds = 2 if args.quick else 4
    users = 100
    command = "python bench/run.py" + (" --quick" if args.quick else "")

    # Log like `close-together serve` does (one JSON line per request), into the void.
    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the whole run
    handler = logging.StreamHandler(devnull)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    quiet_record_details()
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": command,
        "machine": machine(),
        "load_before": os.getloadavg()[0],
    }
    pki = TestPKI()
    prepared = prepare(pki, users)
    with tempfile.TemporaryDirectory(prefix="ct-bench-") as tmpname:
        tmp = Path(tmpname)
        print(f"in-process: {rounds} interleaved rounds …", flush=True)
        with dynalite_running(not args.no_dynamodb) as endpoint:
            variants = build_variants(tmp, pki, users, endpoint)
            samples, cpu_samples = run_in_process(variants, prepared, rounds)
            if endpoint:
                print("DynamoDB record formats …", flush=True)
                results["dynamo_formats"] = dynamo_record_formats(
                    endpoint, (10, SEED_LOG, 1000), 10 if args.quick else 40
                )
        summary_ = {
            name: {
                **{k: summary(v) for k, v in per.items()},
                "all": summary([x for v in per.values() for x in v]),
                "cpu": summary(cpu_samples[name]),
            }
            for name, per in samples.items()
        }
        results["in_process"] = {"rounds": rounds, "users": users, "summary": summary_}
        print("log-size sensitivity …", flush=True)
        results["log_size"] = log_size_sensitivity(
            tmp, pki, (0, SEED_LOG, 1000), 40 if args.quick else 400
        )
        print("profile …", flush=True)
        results["profile"] = profile_full(pki, tmp, users, 50 if args.quick else 500)
        results["bench_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"HTTP: {http_rounds} rounds × {http_seconds:.0f} s per server …", flush=True)
        results["http"] = {
            **LOAD,
            "rounds": http_rounds,
            "seconds": http_seconds,
            "results": http_benchmark(tmp, pki, prepared, http_seconds, http_rounds),
        }
        print("cold start …", flush=True)
        repeats = 2 if args.quick else 5
        results["cold_start"] = {
            "serve_s": server_cold_start(tmp, pki, "full", repeats),
            "bare_s": server_cold_start(tmp, pki, "bare", repeats),
            "lambda": lambda_cold_start(tmp, repeats),
        }
    results["load_after"] = os.getloadavg()[0]
    results["targets"] = targets(results)
    block = render(results)
    print(block)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
        write_doc(block)
        plot(results)
        print(
            f"\nwrote {DOC.relative_to(ROOT)}, {PLOT.relative_to(ROOT)}, "
            f"{RESULTS.relative_to(ROOT)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
