"""Pyodide's interrupt buffer reaches node code that never yields, and the run
tells the host's Stop from node code's own KeyboardInterrupt: with the host's
SIGINT handler calling ``Bridge.request_interrupt()`` the run stops; without it,
the KeyboardInterrupt is the node's error and the run goes on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WHEELS = REPO / "studio" / "generated" / "wheels"
RUNNER = Path(__file__).with_name("interrupt_in_pyodide.mjs")


def interrupted(mode: str) -> list[dict[str, Any]]:
    if not any(WHEELS.glob("headrace-*.whl")):
        pytest.fail(f"no headrace wheel in {WHEELS}: build the studio first (`make build`)")
    done = subprocess.run(
        ["node", str(RUNNER), str(WHEELS), mode], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_hosts_interrupt_stops_the_run() -> None:
    events = interrupted("handler")
    assert not [e for e in events if e["event"] in ("node_error", "emit")]
    assert [(e["event"], e["reason"]) for e in events if e["event"] == "run_stopped"] == [("run_stopped", "stopped")]


def test_an_interrupt_the_host_did_not_announce_is_the_nodes_error() -> None:
    events = interrupted("none")
    assert [(e["node"], e["type"]) for e in events if e["event"] == "node_error"] == [("spin", "KeyboardInterrupt")]
    assert [e for e in events if e["event"] == "run_idle"]  # the run went on, idle, until the runner stopped it
