"""The engine in real Pyodide gives exactly the events it gives in CPython.

Runs every template flow through ``headrace.bridge`` inside Pyodide 314 (Python 3.14,
under Node.js, from the npm ``pyodide`` package) with the wheel built from this
repository, and compares the event stream, event by event, with the same flows
through the same bridge in CPython. Only the run id and the elapsed time may differ.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pyodide_node import REPO, WHEELS, run_flow_files

from headrace.bridge import Bridge

# Not the examples that reach the network (http-fetch.json, sources.json): what they emit
# depends on it (tests/py/test_examples.py runs them against a local origin, the
# end-to-end tests in the browser); nor live-* ones (they stream for seconds on purpose
# and draw noise).
ONLINE = {"http-fetch.json", "sources.json"}
FLOWS = sorted(
    p for p in (REPO / "templates" / "flows").glob("*.json") if p.name not in ONLINE and not p.name.startswith("live-")
)
VOLATILE = ("run", "elapsed_ms")


def comparable(line: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(line)
    for key in VOLATILE:
        event.pop(key, None)
    if event.get("event") == "node_error":  # CPython 3.11 and 3.14 underline differently
        event["traceback"] = event["traceback"].splitlines()[-1]
    if event.get("event") == "emit" and event.get("socket") == "error":
        event["value"]["traceback"] = event["value"]["traceback"].splitlines()[-1]
    return event


def by_flow(lines: list[str]) -> dict[str, list[dict[str, Any]]]:
    flows: dict[str, list[dict[str, Any]]] = {}
    current: list[dict[str, Any]] = []
    for line in lines:
        obj = json.loads(line)
        if "flow" in obj and "event" not in obj:
            current = flows.setdefault(Path(obj["flow"]).name, [])
        else:
            current.append(comparable(line))
    return flows


async def run_in_cpython(doc: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    idle = asyncio.Event()

    def push(batch: str) -> None:
        for event in json.loads(batch):
            lines.append(json.dumps(event))
            if event["event"] == "run_idle":
                idle.set()

    bridge = Bridge(push)
    reply = json.loads(await bridge.handle(json.dumps({"cmd": "run", "flow": doc, "schedules": False})))
    assert reply["ok"], reply
    await idle.wait()
    await bridge.handle(json.dumps({"cmd": "stop", "run": reply["value"]["run"]}))
    return lines


@pytest.fixture(scope="module")
def pyodide_events() -> dict[str, list[dict[str, Any]]]:
    return by_flow(run_flow_files(*FLOWS))


def test_pyodide_is_python_3_14() -> None:
    done = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            "import {loadPyodide} from 'pyodide'; const p = await loadPyodide(); "
            "console.log(p.runPython('import sys; sys.version.split()[0]'))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip().startswith("3.14"), done.stderr[-2000:]


@pytest.mark.parametrize("path", FLOWS, ids=[p.stem for p in FLOWS])
def test_same_events_in_pyodide_and_cpython(path: Path, pyodide_events: dict[str, list[dict[str, Any]]]) -> None:
    expected = [comparable(line) for line in asyncio.run(run_in_cpython(json.loads(path.read_text())))]
    assert pyodide_events[path.name] == expected


def test_schedules_read_zones_inside_pyodide() -> None:
    # Pyodide has no system zone database: the tzdata wheel served with the engine
    # must provide it, daylight-saving rules included.
    script = """
import fs from 'node:fs';
import { loadPyodide } from 'pyodide';
const dir = process.argv[1];
const py = await loadPyodide();
for (const f of fs.readdirSync(dir).filter((f) => /^(packaging|cronsim|tzdata|headrace)-.*\\.whl$/.test(f))) {
  py.unpackArchive(new Uint8Array(fs.readFileSync(`${dir}/${f}`)), 'wheel');
}
console.log(py.runPython(`
import datetime as dt
from headrace.cron import Cron, zone
berlin = zone("Europe/Berlin")
start = dt.datetime(2026, 3, 28, 12, 0, tzinfo=berlin)
" ".join(t.isoformat() for t in Cron("30 1 * * *").next_times(start, 2))
`));
"""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, str(WHEELS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.split() == ["2026-03-29T01:30:00+01:00", "2026-03-30T01:30:00+02:00"], done.stderr[-2000:]
