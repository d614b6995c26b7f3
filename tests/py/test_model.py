"""A validated flow as the engine holds it: which ports are required, the limits
that apply to each node, and an export that gives back the document it came from."""

from __future__ import annotations

from typing import Any

from conftest import data, edge, flow_doc, script
from hypothesis import given
from hypothesis import strategies as st

from headrace import Flow
from headrace.model import DEFAULT_QUEUE_LIMIT, FlowSpec

ADD = "def add(x, y=10):\n    return x + y\n"


def spec_of(document: dict[str, Any]) -> FlowSpec:
    return Flow.load(document).spec


def test_a_port_is_required_when_fed_or_without_a_default() -> None:
    unfed = spec_of(flow_doc([data("a", "x = 1"), script("s", ADD)], [edge("a.x", "s.add.x")]))
    fed = spec_of(flow_doc([data("a", "x = 1"), script("s", ADD)], [edge("a.x", "s.add.x"), edge("a.x", "s.add.y")]))
    for spec, y_required in ((unfed, False), (fed, True)):
        node = spec.node("s")
        x, y = node.shape.ports_of("add")
        assert spec.is_required(node, x) and spec.is_required(node, y) is y_required
    assert unfed.fed_ports() == {"s": {"add.x"}} and fed.fed_ports() == {"s": {"add.x", "add.y"}}


def test_the_fed_ports_follow_edges_added_after_loading() -> None:
    spec = spec_of(flow_doc([data("a", "x = 1"), script("s", ADD)]))
    assert not spec.has_incoming("s", "add.x")
    spec.edges.append(spec_of(flow_doc([data("a", "x = 1"), script("s", ADD)], [edge("a.x", "s.add.x")])).edges[0])
    assert spec.has_incoming("s", "add.x")


def test_a_nodes_own_time_limit_wins_over_the_flows() -> None:
    spec = spec_of(flow_doc([data("a", "x = 1"), data("b", "y = 1", time_limit=2)], time_limit=30))
    assert spec.time_limit_of(spec.node("a")) == 30 and spec.time_limit_of(spec.node("b")) == 2
    assert spec_of(flow_doc([data("a", "x = 1")])).time_limit_of(spec.node("a")) is None


def test_a_port_holds_the_flows_queue_limit_or_the_default() -> None:
    assert spec_of(flow_doc([], queue_limit=5)).held_values_limit == 5
    assert spec_of(flow_doc([])).held_values_limit == DEFAULT_QUEUE_LIMIT


def test_a_node_is_known_by_its_name_or_else_its_id() -> None:
    spec = spec_of(flow_doc([data("a", "x = 1", name="Source"), data("b", "y = 1")]))
    assert (spec.node("a").label, spec.node("b").label) == ("Source", "b")


def test_sticky_ports_are_the_ones_the_file_marks() -> None:
    spec = spec_of(flow_doc([script("s", ADD, ports={"add.y": {"sticky": True}})]))
    node = spec.node("s")
    x, y = node.shape.ports_of("add")
    assert not node.is_sticky(x) and node.is_sticky(y)


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8)


@given(
    name=NAMES,
    description=st.none() | NAMES,
    time_limit=st.none() | st.integers(1, 100),
    queue_limit=st.none() | st.integers(1, 100),
    ui=st.none() | st.dictionaries(NAMES, st.integers(), max_size=2),
)
def test_the_export_is_the_document_loaded(
    name: str, description: str | None, time_limit: int | None, queue_limit: int | None, ui: dict[str, int] | None
) -> None:
    top: dict[str, Any] = {"name": name}
    for key, value in (("description", description), ("time_limit", time_limit), ("queue_limit", queue_limit)):
        if value is not None:
            top[key] = value
    if ui is not None:
        top["ui"] = ui
    document = flow_doc([data("a", "x = 1"), script("s", ADD)], [edge("a.x", "s.add.x", "e1")], **top)
    exported = spec_of(document).to_json()
    assert exported == document
    if ui is not None:
        exported["ui"]["changed"] = 1
        assert "changed" not in spec_of(document).to_json()["ui"]
