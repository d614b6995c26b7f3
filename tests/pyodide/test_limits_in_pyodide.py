"""Time and queue limits inside real Pyodide: the trace function and asyncio's
timeout stop runaway node code there too (Python 3.14, the browser's event loop),
and an overflowing port fails the run with the same message as in CPython."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyodide_node import run_document

SPIN = "import time\n\n_end = time.perf_counter() + 30\n"  # a broken limit fails the test, never hangs it
LIMITED = {
    "loop": SPIN + "\n\ndef f():\n    while time.perf_counter() < _end:\n        pass\n    return 'never stopped'\n",
    "sleep": "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(30)\n    return 'never stopped'\n",
    "gen": SPIN
    + "\n\ndef f():\n    yield 1\n    while time.perf_counter() < _end:\n        pass\n    yield 'never stopped'\n",
    "fast": "def f():\n    return 'fast'\n",
}
FLOOD = {
    "a": "def g():\n    yield from range(20)\n",
    "b": "def h():\n    return None\n",
    "j": "def add(x, y):\n    return x + y\n",
}


def node(node_id: str, code: str) -> dict[str, Any]:
    return {"id": node_id, "type": "script", "name": node_id, "code": code}


def run_in_pyodide(tmp_path: Path, doc: dict[str, Any]) -> list[dict[str, Any]]:
    return run_document(tmp_path, doc)


def test_time_limits_in_pyodide(tmp_path: Path) -> None:
    doc = {"headrace": 1, "name": "limits", "time_limit": 0.3, "nodes": [node(k, v) for k, v in LIMITED.items()]}
    events = run_in_pyodide(tmp_path, {**doc, "edges": []})
    errors = {e["node"]: (e["type"], e["message"]) for e in events if e["event"] == "node_error"}
    assert errors == {
        name: ("TimeoutError", f"node '{name}' (f) ran longer than its 0.3 s limit")
        for name in ("loop", "sleep", "gen")
    }
    values = [(e["node"], e["value"]) for e in events if e["event"] == "emit" and e["socket"] == "f"]
    assert sorted(values, key=str) == [("fast", "fast"), ("gen", 1)]


def test_an_overflowing_port_fails_the_run_in_pyodide(tmp_path: Path) -> None:
    edges = [
        {"from": {"node": "a", "socket": "g"}, "to": {"node": "j", "port": "add.x"}},
        {"from": {"node": "b", "socket": "h"}, "to": {"node": "j", "port": "add.y"}},
    ]
    doc = {"headrace": 1, "name": "flood", "queue_limit": 5, "nodes": [node(k, v) for k, v in FLOOD.items()]}
    events = run_in_pyodide(tmp_path, {**doc, "edges": edges})
    stopped = [e for e in events if e["event"] == "run_stopped"]
    assert [(e["reason"], e["message"]) for e in stopped] == [
        (
            "failed",
            "port 'add.x' of node 'j' already holds 5 values, the flow's queue_limit (waiting for add.y): "
            "the run stops rather than hold more",
        )
    ]
