"""App factories gunicorn loads for the HTTP benchmark (``bench.apps:...()``).

`full_app_verifying()` is the project's full service with request verification ON, trusting a
test PKI whose certificates the benchmark runner wrote to CLOSE_TOGETHER_BENCH_PKI: the chain
is "downloaded" from that file once per worker and then served from the verifier's cache, and
the verifier's clock is pinned to the PKI's "now" so the signed test requests stay fresh.
"""

from __future__ import annotations

import json
import logging.config
import os
from pathlib import Path
from typing import Any

from flask import Flask

from skill.builder import build_skill
from skill.config import Config
from skill.frontends.logs import logging_config, quiet_record_details
from skill.frontends.verification import RequestVerifier
from skill.frontends.web import create_app


def full_app_verifying() -> Flask:
    pki: dict[str, Any] = json.loads(Path(os.environ["CLOSE_TOGETHER_BENCH_PKI"]).read_text())
    chain = pki["chain_pem"].encode()
    verifier = RequestVerifier(
        pki["skill_ids"],
        clock=lambda: float(pki["now"]),
        fetch=lambda url: chain,
        trust_roots=pki["root_pem"].encode(),
    )
    config = Config.from_env()
    # Log the way `close-together serve` does (one JSON line per request).
    logging.config.dictConfig(logging_config(config.log_level))
    quiet_record_details()
    return create_app(config, skill=build_skill(config), verifier=verifier)
