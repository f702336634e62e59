"""Counts from the walk-everything test: how often each conversation rule is broken.

    .venv/bin/python bench/walk_report.py [--json]

Runs the walk the way the test suite does (pytest builds the app, the clock and the
SQLite file from tests/conftest.py, so the walk needs no knowledge of how the skill is
assembled), has it write its findings as JSON, and prints each count with up to five
examples: where the couple was, what they said, and what they heard.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.walk import format_report  # noqa: E402

# The one test that only needs the walk to have run (the rule tests may fail).
WALK_TEST = "tests/test_walk.py::test_the_walk_sends_every_intent_from_every_step"


def run_walk() -> dict:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "walk.json"
        env = {**os.environ, "CLOSE_TOGETHER_WALK_REPORT": str(target)}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                WALK_TEST,
                "-q",
                "--no-header",
                "-p",
                "no:cacheprovider",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if not target.exists():
            sys.exit(f"the walk did not finish:\n{done.stdout}\n{done.stderr}")
        if done.returncode != 0:
            print(f"note: {WALK_TEST} failed:\n{done.stdout[-2000:]}", file=sys.stderr)
        return json.loads(target.read_text())  # type: ignore[no-any-return]


def main() -> None:
    found = run_walk()
    if "--json" in sys.argv[1:]:
        print(json.dumps(found, indent=2))
    else:
        print(format_report(found))


if __name__ == "__main__":
    main()
