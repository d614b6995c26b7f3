"""Flows on a real Dask LocalCluster (two worker processes) emit what they emit
in-process: argument holding, per-socket order, error routing and consoles hold."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from distributed import Client, LocalCluster

from headrace import Flow
from headrace.dask import DaskExecutor
from headrace.protocol import Emit, Event, NodeError, Output

REPO = Path(__file__).resolve().parents[2]
# Examples named live-* stream for seconds on purpose and draw noise: not for comparing runs.
FLOWS = sorted(p for p in (REPO / "templates" / "flows").glob("*.json") if not p.name.startswith("live-"))


@pytest.fixture(scope="module")
def cluster() -> Any:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:  # fmt: skip
        yield local


@pytest.fixture
async def executor(cluster: Any) -> AsyncIterator[DaskExecutor]:
    client = await Client(cluster.scheduler_address, asynchronous=True)
    try:
        yield DaskExecutor(client)
    finally:
        await client.close()


def per_socket(events: list[Event]) -> dict[tuple[str, str], list[Any]]:
    """Values by socket, in order: what a scale-out run must preserve (the order
    across sockets may differ, as calls finish in parallel)."""
    out: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for e in events:
        if isinstance(e, Emit):
            value = e.value
            if e.socket == "error":
                value = {k: v for k, v in value.items() if k != "traceback"}
            out[(e.node, e.socket)].append(json.dumps(value, sort_keys=True, default=repr))
    return dict(out)


def consoles(events: list[Event]) -> dict[str, str]:
    out: dict[str, str] = defaultdict(str)
    for e in events:
        if isinstance(e, Output):
            out[e.node] += e.text
    return dict(out)


@pytest.mark.parametrize("path", FLOWS, ids=[p.stem for p in FLOWS])
async def test_templates_emit_the_same_on_a_cluster(path: Path, executor: DaskExecutor) -> None:
    flow = Flow.load(path)
    local = await flow.run()
    remote_events: list[Event] = []
    run = flow.start(on_event=remote_events.append, executor=executor)
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    await run.stop()
    assert per_socket(remote_events) == per_socket(local.events)
    assert consoles(remote_events) == consoles(local.events)
    assert [e.type for e in remote_events if isinstance(e, NodeError)] == [e.type for e in local.errors]


async def test_calls_of_one_node_run_in_parallel_when_spread(cluster: Any) -> None:
    code = "import time, os\n\ndef work(x):\n    time.sleep(0.3)\n    return os.getpid()\n"
    flow = Flow.load({
        "headrace": 1, "name": "spread",
        "nodes": [
            {"id": "src", "type": "script", "name": "", "code": "def each(n=4):\n    yield from range(n)\n"},
            {"id": "w", "type": "script", "name": "", "code": code},
        ],
        "edges": [{"from": {"node": "src", "socket": "each"}, "to": {"node": "w", "port": "work.x"}}],
    })  # fmt: skip
    client = await Client(cluster.scheduler_address, asynchronous=True)
    try:
        events: list[Event] = []
        run = flow.start(on_event=events.append, executor=DaskExecutor(client, spread=True))
        await run.start()
        run.trigger_sources()
        await asyncio.wait_for(run.wait_idle(), 30)
        await run.stop()
    finally:
        await client.close()
    pids = {e.value for e in events if isinstance(e, Emit) and e.node == "w"}
    assert len(pids) == 2  # both worker processes took calls


BOOM = "def boom(x=1):\n    print('about to fail')\n    return 1 / 0\n"


async def test_a_failing_call_on_a_worker_is_routed_with_its_traceback(executor: DaskExecutor) -> None:
    flow = Flow.load({
        "headrace": 1, "name": "fail",
        "nodes": [
            {"id": "s", "type": "script", "name": "", "code": BOOM},
            {"id": "r", "type": "script", "name": "", "code": "def report(e):\n    return e['type']\n"},
        ],
        "edges": [{"from": {"node": "s", "socket": "error"}, "to": {"node": "r", "port": "report.e"}}],
    })  # fmt: skip
    events: list[Event] = []
    run = flow.start(on_event=events.append, executor=executor)
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    await run.stop()
    errors = [e for e in events if isinstance(e, NodeError)]
    assert len(errors) == 1 and errors[0].routed and errors[0].type == "ZeroDivisionError"
    assert "line 3, in boom" in errors[0].traceback and "return 1 / 0" in errors[0].traceback
    assert [e.value for e in events if isinstance(e, Emit) and e.node == "r"] == ["ZeroDivisionError"]
    assert [e.text for e in events if isinstance(e, Output)] == ["about to fail\n"]


async def test_values_of_classes_node_code_defines_cross_to_workers_and_back(executor: DaskExecutor) -> None:
    # A DataFrame-like object of a class a data node defines, into a script node on a
    # worker, and one of a class the script defines, back. Pickled by name, neither
    # class could be imported there: the call hung for ever.
    table = "class Table:\n    def __init__(self, rows):\n        self.rows = rows\n\ntable = Table([1, 2, 3])\n"
    wrap = (
        "class Total:\n    def __init__(self, n):\n        self.n = n\n    def __repr__(self):\n"
        "        return f'Total({self.n})'\n\ndef total(t):\n    return Total(sum(t.rows))\n"
    )
    flow = Flow.load({
        "headrace": 1, "name": "classes",
        "nodes": [
            {"id": "d", "type": "data", "name": "", "code": table},
            {"id": "s", "type": "script", "name": "", "code": wrap},
        ],
        "edges": [{"from": {"node": "d", "socket": "table"}, "to": {"node": "s", "port": "total.t"}}],
    })  # fmt: skip
    events: list[Event] = []
    run = flow.start(on_event=events.append, executor=executor)
    await run.start()
    run.trigger_sources()
    await asyncio.wait_for(run.wait_idle(), 30)
    await run.stop()
    assert not [e for e in events if isinstance(e, NodeError)]
    assert [repr(e.value) for e in events if isinstance(e, Emit) and e.node == "s"] == ["Total(6)"]
