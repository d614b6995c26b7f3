"""The public face of the engine: ``Flow.load`` from whatever a user has at hand,
refusals that name the place at fault, a run's events and what ``RunResult``
makes of them."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from conftest import data, edge, flow_doc, script
from hypothesis import given
from hypothesis import strategies as st

from headrace import Flow, FlowError
from headrace.protocol import Emit, NodeError, RunStarted, RunStopped

DOUBLE = flow_doc(
    [data("a", "x = 21"), script("s", "def double(x):\n    print('doubling', x)\n    return 2 * x\n")],
    [edge("a.x", "s.double.x")],
    name="double",
)


def test_a_flow_loads_from_a_dict_text_bytes_or_a_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "double.json"
    path.write_text(json.dumps(DOUBLE), encoding="utf-8")
    sources: list[Any] = [DOUBLE, json.dumps(DOUBLE), json.dumps(DOUBLE).encode(), path, str(path)]
    for source in sources:
        flow = Flow.load(source)
        assert flow.name == "double" and [n.id for n in flow.spec.nodes] == ["a", "s"]
    assert Flow.loads(json.dumps(DOUBLE).encode()).to_json() == Flow.load(DOUBLE).to_json()


def test_a_flow_exports_what_it_loaded() -> None:
    assert Flow.load(DOUBLE).to_json() == Flow.load(Flow.load(DOUBLE).to_json()).to_json()
    assert Flow.load(DOUBLE).to_json()["nodes"][1]["code"] == DOUBLE["nodes"][1]["code"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            flow_doc([script("s", "def f(x:\n    pass\n")]),
            "nodes[0].code: SyntaxError at line 1: '(' was never closed",
        ),
        (flow_doc([data("a", "x = 1"), data("a", "y = 1")]), "nodes[1].id: duplicate id 'a' (also nodes[0])"),
        (
            flow_doc([data("a", "x = 1"), script("s", "def f(x): return x")], [edge("a.nope", "s.f.x")]),
            "edges[0].from.socket: node 'a' has no socket 'nope' (sockets: x, error)",
        ),
        (flow_doc([{**data("a", "x = 1"), "type": "lambda"}]), 'nodes[0].type: unknown node type "lambda"'),
        ({**flow_doc([]), "headrace": 2}, "headrace: format version 2 is newer than this headrace reads"),
        ([], "$: expected a flow object, got a list"),
    ],
)
def test_a_malformed_flow_is_refused_naming_the_place_at_fault(document: Any, message: str) -> None:
    with pytest.raises(FlowError) as caught:
        Flow.loads(json.dumps(document))
    assert str(caught.value).startswith(message), str(caught.value)
    assert str(caught.value).startswith(caught.value.path + ": ")


def test_a_syntax_error_points_at_the_line_and_column() -> None:
    with pytest.raises(FlowError) as caught:
        Flow.load(flow_doc([data("a", "x = 1"), script("s", "def f(x):\n    return (x\n")]))
    assert caught.value.path == "nodes[1].code" and caught.value.line == 2 and caught.value.column


def test_a_broken_or_missing_file_is_a_flow_error(tmp_path: pathlib.Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"headrace": 1,', encoding="utf-8")
    with pytest.raises(FlowError, match=r"^\$: not valid JSON"):
        Flow.load(broken)
    with pytest.raises(FlowError, match=r"^\$: no such file: .*missing\.json"):
        Flow.load(tmp_path / "missing.json")


@given(st.text(max_size=40))
def test_loads_takes_text_as_json_never_as_a_path(text: str) -> None:
    """An answer fetched over the network (empty, HTML, a file name) is never opened."""
    try:
        Flow.loads(text)
    except FlowError as exc:
        assert "no such file" not in str(exc)


def test_a_run_reports_its_values_output_and_errors() -> None:
    result = Flow.load(DOUBLE).run_sync()
    assert isinstance(result.events[0], RunStarted) and isinstance(result.events[-1], RunStopped)
    assert result.values("s") == [42] and result.values("s", "double") == [42] and result.values("a") == [21]
    assert result.output("s") == "doubling 21\n"
    assert result.errors == [] and result.unrouted_errors == []


def test_an_error_is_reported_and_known_as_unrouted_or_routed() -> None:
    failing = flow_doc(
        [
            data("a", "x = 0"),
            script("s", "def inv(x):\n    return 1 / x\n"),
            script("log", "def got(e):\n    return e"),
        ],
        [edge("a.x", "s.inv.x")],
    )
    result = Flow.load(failing).run_sync()
    (error,) = result.errors
    assert isinstance(error, NodeError) and error.node == "s" and error.type == "ZeroDivisionError"
    assert result.unrouted_errors == [error]
    routed = Flow.load({**failing, "edges": [*failing["edges"], edge("s.error", "log.got.e")]}).run_sync()
    assert routed.errors and routed.unrouted_errors == []
    (record,) = routed.values("log", "got")  # the error, as a value the next node takes
    assert record["type"] == "ZeroDivisionError" and record["node"] == "s"


def test_a_run_triggers_nothing_when_asked_not_to() -> None:
    result = Flow.load(DOUBLE).run_sync(trigger="none")
    assert result.emits == [] and isinstance(result.events[-1], RunStopped)


async def test_events_arrive_one_by_one_and_end_with_the_stop() -> None:
    events = [event async for event in Flow.load(DOUBLE).events()]
    assert isinstance(events[-1], RunStopped)
    assert [e.value for e in events if isinstance(e, Emit)] == [21, 42]
