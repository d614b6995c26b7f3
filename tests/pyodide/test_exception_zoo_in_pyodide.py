"""The exception zoo (tests/py/exception_zoo.py) inside real Pyodide: every way node
code can fail is that node's error, with its traceback, and neither the run nor the
bridge nor Pyodide goes down. Held to exactly the expectations CPython is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WHEELS = REPO / "studio" / "generated" / "wheels"
RUNNER = Path(__file__).with_name("run_in_pyodide.mjs")
sys.path.insert(0, str(REPO / "tests" / "py"))  # the zoo is defined once, beside the CPython tests

from exception_zoo import check_zoo_events, zoo_flow  # noqa: E402


def test_the_zoo_in_pyodide(tmp_path: Path) -> None:
    if not any(WHEELS.glob("headrace-*.whl")):
        pytest.fail(f"no headrace wheel in {WHEELS}: build the studio first (`make build`)")
    flow = tmp_path / "zoo.json"
    flow.write_text(json.dumps(zoo_flow()), encoding="utf-8")
    done = subprocess.run(
        ["node", str(RUNNER), str(WHEELS), str(flow)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    events: list[dict[str, Any]] = [json.loads(line) for line in done.stdout.splitlines()[1:]]
    check_zoo_events(events)
    # The runner stopped the run after it went idle: Pyodide was still answering.
    assert events[-1]["event"] == "run_stopped"
