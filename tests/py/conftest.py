"""Shared helpers: build flows inline from small dicts, run them, look at the events.

    result = run_flow(
        [data("a", "x = 1"), data("b", "y = 2"), script("s", "def add(x, y): return x + y")],
        [edge("a.x", "s.add.x"), edge("b.y", "s.add.y")],
    )
    assert result.values("s", "add") == [3]

The conformance tests use the async variants (``arun_flow``, ``live_run``): inside
Pyodide there is no ``asyncio.run``, only the browser's event loop.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

from hypothesis import HealthCheck, settings

from headrace import Flow, Run, RunResult
from headrace.protocol import Event, event_to_dict

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE_FLOWS = ROOT / "templates" / "flows"
#: The examples a test can run to their end quickly: not the live-* ones, which stream
#: for seconds on purpose (a chart to watch); test_examples.py runs those shortened.
QUICK_TEMPLATES = sorted(p for p in TEMPLATE_FLOWS.glob("*.json") if not p.name.startswith("live-"))
FIXTURE_FLOWS = ROOT / "tests" / "flows"
INVALID_FLOWS = FIXTURE_FLOWS / "invalid"
SCHEMA = ROOT / "py" / "headrace" / "schema" / "flow-v1.schema.json"

settings.register_profile("default", max_examples=200, deadline=None)
# HYPOTHESIS_PROFILE=long: every property test with 5,000 examples. (Tests marked
# ``long`` set their own, larger counts; they run with ``pytest -m long``.)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# -- building flows -----------------------------------------------------------


def data(node_id: str, code: str, **extra: Any) -> dict[str, Any]:
    """A data node document."""
    return {"id": node_id, "type": "data", "name": extra.pop("name", ""), "code": code, **extra}


def script(node_id: str, code: str, **extra: Any) -> dict[str, Any]:
    """A script node document."""
    return {"id": node_id, "type": "script", "name": extra.pop("name", ""), "code": code, **extra}


def edge(source: str, target: str, edge_id: str | None = None) -> dict[str, Any]:
    """An edge document from ``"node.socket"`` to ``"node.function.param"``."""
    from_node, _, socket = source.partition(".")
    to_node, _, port = target.partition(".")
    out: dict[str, Any] = {} if edge_id is None else {"id": edge_id}
    out["from"] = {"node": from_node, "socket": socket}
    out["to"] = {"node": to_node, "port": port}
    return out


def flow_doc(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]] = (), **top: Any) -> dict[str, Any]:
    """A whole flow document (format version 1)."""
    return {"headrace": 1, "name": top.pop("name", "test"), **top, "nodes": list(nodes), "edges": list(edges)}


def make_flow(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]] = (), **top: Any) -> Flow:
    return Flow.load(flow_doc(nodes, edges, **top))


# -- running them ---------------------------------------------------------------


def run_flow(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]] = (), **kw: Any) -> RunResult:
    """Load a flow built inline, trigger its sources, run until idle, stop.
    ``kw`` goes to :meth:`Flow.run` (``trigger=``, ``on_event=``)."""
    return make_flow(nodes, edges).run_sync(**kw)


async def arun_flow(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]] = (), **kw: Any) -> RunResult:
    """:func:`run_flow` inside the running event loop."""
    return await make_flow(nodes, edges).run(**kw)


class LiveRun:
    """A started run and the events it has reported so far."""

    def __init__(self, run: Run, events: list[Event]) -> None:
        self.run = run
        self.events = events

    @property
    def result(self) -> RunResult:
        return RunResult(run=self.run.id, events=list(self.events))

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


@contextlib.asynccontextmanager
async def live_run(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]] = ()) -> AsyncIterator[LiveRun]:
    """A started run that nothing has triggered yet; stopped on exit."""
    events: list[Event] = []
    run = make_flow(nodes, edges).start(on_event=events.append)
    await run.start()
    try:
        yield LiveRun(run, events)
    finally:
        await run.stop()


# -- looking at events ------------------------------------------------------------


def wire(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Events in their wire form, without what differs between two runs of the same
    flow (the run id and the elapsed time)."""
    out = []
    for event in events:
        d = event_to_dict(event)
        d.pop("run", None)
        d.pop("elapsed_ms", None)
        out.append(d)
    return out


def emitted(result: RunResult | LiveRun) -> list[tuple[str, str, Any]]:
    """Every emit as ``(node, socket, value)``, in order (``error`` included)."""
    res = result.result if isinstance(result, LiveRun) else result
    return [(e.node, e.socket, e.value) for e in res.emits]
