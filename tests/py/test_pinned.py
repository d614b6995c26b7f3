"""Pin data: a node's sockets pinned to values (a past run's) send those values in its
place, so nodes downstream can be developed without running a slow or costly node again.
The pinned node's code never runs, whatever fires it; what arrives at its ports is dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from conftest import data, edge, flow_doc, script
from hypothesis import given, settings
from hypothesis import strategies as st

from headrace.errors import FlowError
from headrace.flow import Flow
from headrace.protocol import Emit, Event


def run_sources(doc: dict[str, Any], fire: str | None = None) -> list[Event]:
    async def go() -> list[Event]:
        events: list[Event] = []
        run = Flow.load(doc).start(on_event=events.append)
        await run.start()
        if fire is None:
            run.trigger_sources()
        else:
            run.trigger(fire)
        await run.wait_idle()
        await run.stop("finished")
        return events

    return asyncio.run(go())


def emits(events: list[Event], node: str) -> list[Any]:
    return [e.value for e in events if isinstance(e, Emit) and e.node == node]


def costly_flow(tmp_path: Path, pinned: dict[str, Any] | None) -> dict[str, Any]:
    marker = tmp_path / "ran"
    slow = script(
        "fetch",
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('imported')\n\n"
        "def prices():\n    raise RuntimeError('the costly service was called')\n",
    )
    if pinned is not None:
        slow["pinned"] = pinned
    return flow_doc(
        [slow, script("total", "def total(prices):\n    return sum(prices)\n")],
        [edge("fetch.prices", "total.total.prices")],
    )


def test_a_pinned_node_sends_its_values_and_never_runs(tmp_path: Path) -> None:
    doc = costly_flow(tmp_path, {"prices": {"values": [[1, 2], [3, 4]], "run": "run-1-abc"}})
    events = run_sources(doc)
    assert emits(events, "fetch") == [[1, 2], [3, 4]]
    assert emits(events, "total") == [3, 7]
    assert not (tmp_path / "ran").exists(), "the pinned node's module was run"
    # Its ▶ sends them again; unpinned, the node runs (and here fails) as it is.
    assert emits(run_sources(doc, fire="fetch"), "total") == [3, 7]
    unpinned = run_sources(costly_flow(tmp_path, None))
    assert emits(unpinned, "total") == [] and (tmp_path / "ran").exists()


def test_values_arriving_at_a_pinned_node_are_dropped() -> None:
    doc = flow_doc(
        [
            data("src", "x = 5\n"),
            script("mid", "def double(x):\n    return 2 * x\n"),
            script("out", "def show(v):\n    return v\n"),
        ],
        [edge("src.x", "mid.double.x"), edge("mid.double", "out.show.v")],
    )
    doc["nodes"][1]["pinned"] = {"double": {"values": [100]}}
    events = run_sources(doc)
    assert emits(events, "src") == [5]
    assert emits(events, "mid") == [100]  # the pin, once; 5 never doubled
    assert emits(events, "out") == [100]


def test_a_pinned_data_node_and_its_round_trip() -> None:
    doc = flow_doc([data("cfg", "import missing_module\nx = 1\n")], [])
    doc["nodes"][0]["pinned"] = {"x": {"values": [{"k": "v"}]}}
    flow = Flow.load(doc)
    assert flow.spec.to_json()["nodes"][0]["pinned"] == {"x": {"values": [{"k": "v"}]}}
    assert emits(run_sources(doc), "cfg") == [{"k": "v"}]


@pytest.mark.parametrize(
    ("pinned", "why"),
    [
        ({"nope": {"values": [1]}}, "the code has no socket 'nope'"),
        ({"prices": [1, 2]}, "expected an object such as"),
        ({"prices": {}}, "values: missing"),
        ({"prices": {"values": 3}}, "expected a list of values"),
        ({"prices": {"values": [], "run": 7}}, "expected the id of the run"),
        ({"prices": {"values": [], "when": "now"}}, "when"),
    ],
)
def test_a_bad_pin_is_refused_by_where_it_is(tmp_path: Path, pinned: Any, why: str) -> None:
    with pytest.raises(FlowError) as err:
        Flow.load(costly_flow(tmp_path, pinned))
    assert why in str(err.value)
    assert "pinned" in str(err.value)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-1000, 1000), max_size=8))
def test_downstream_gets_exactly_the_pinned_values_in_order(values: list[int]) -> None:
    doc = flow_doc(
        [script("gen", "def value():\n    yield 0\n"), script("inc", "def inc(x):\n    return x + 1\n")],
        [edge("gen.value", "inc.inc.x")],
    )
    doc["nodes"][0]["pinned"] = {"value": {"values": values}}
    assert emits(run_sources(doc), "inc") == [v + 1 for v in values]
