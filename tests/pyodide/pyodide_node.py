"""Running flows in real Pyodide under Node.js (run_in_pyodide.mjs), for the tests here.

The runner loads the headrace wheel built from this repository into Pyodide, runs each
flow file through the bridge and prints the Python version, then one JSON event a line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WHEELS = REPO / "studio" / "generated" / "wheels"
RUNNER = Path(__file__).with_name("run_in_pyodide.mjs")


def run_flow_files(*flows: Path) -> list[str]:
    """The runner's output lines for `flows` (failing the test if it cannot run)."""
    if shutil.which("node") is None:
        pytest.fail("Node.js is needed to run Pyodide outside the browser")
    if not any(WHEELS.glob("headrace-*.whl")):
        pytest.fail(f"no headrace wheel in {WHEELS}: build the studio first (`make build`)")
    done = subprocess.run(
        ["node", str(RUNNER), str(WHEELS), *map(str, flows)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


def run_document(tmp_path: Path, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of one flow document, run in Pyodide (the version line dropped)."""
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps(doc), encoding="utf-8")
    return [json.loads(line) for line in run_flow_files(flow)[1:]]
