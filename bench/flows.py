"""The benchmark flows, in headrace's format: the 10-node chain, the 2-input join, a
one-node flow (boot), a 100,000-message flow (UI under load, memory) and a generated
1,000-node canvas. ``nodered_flows.py`` has their Node-RED equivalents."""

from __future__ import annotations

from typing import Any

CHAIN_LENGTH = 10
INC = "def inc(x):\n    return x + 1\n"
ADD = "def add(a, b):\n    return a + b\n"
CANVAS_COLUMNS = 40
CANVAS_STEP = (260, 140)


def _source(messages: int) -> str:
    return f"def out(n={messages}):\n    yield from range(n)\n"


def _edge(src: str, socket: str, dst: str, port: str) -> dict[str, Any]:
    return {"from": {"node": src, "socket": socket}, "to": {"node": dst, "port": port}}


def chain_flow(messages: int) -> dict[str, Any]:
    """A generator source of ``messages`` integers into 10 nodes that each add 1."""
    nodes = [{"id": "src", "type": "script", "name": "source", "code": _source(messages)}]
    edges = []
    previous = ("src", "out")
    for i in range(CHAIN_LENGTH):
        nodes.append({"id": f"n{i}", "type": "script", "name": f"inc{i}", "code": INC})
        edges.append(_edge(*previous, f"n{i}", "inc.x"))
        previous = (f"n{i}", "inc")
    ui = {f"n{i}": {"x": 80 + 220 * ((i + 1) % 4), "y": 60 + 140 * ((i + 1) // 4)} for i in range(CHAIN_LENGTH)}
    ui["src"] = {"x": 80, "y": 60}
    return {"headrace": 1, "name": "chain", "requirements": [], "nodes": nodes, "edges": edges, "ui": {"nodes": ui}}


def join_flow(messages: int) -> dict[str, Any]:
    """Two generator sources of ``messages`` integers each into one 2-argument function."""
    return {
        "headrace": 1,
        "name": "join",
        "requirements": [],
        "nodes": [
            {"id": "a", "type": "script", "name": "a", "code": _source(messages)},
            {"id": "b", "type": "script", "name": "b", "code": _source(messages)},
            {"id": "j", "type": "script", "name": "join", "code": ADD},
        ],
        "edges": [_edge("a", "out", "j", "add.a"), _edge("b", "out", "j", "add.b")],
        "ui": {"nodes": {"a": {"x": 80, "y": 60}, "b": {"x": 80, "y": 220}, "j": {"x": 380, "y": 140}}},
    }


def expected_emits(name: str, messages: int) -> int:
    """Emit events a run of the flow reports (sources emit too)."""
    if name == "chain10":
        return messages * (CHAIN_LENGTH + 1)
    if name == "join2":
        return messages * 3
    if name == "push":
        return messages * 2
    raise ValueError(f"no such benchmark flow: {name!r}")


THROUGHPUT_FLOWS = {"chain10": chain_flow, "join2": join_flow}


def one_node_flow() -> dict[str, Any]:
    return {
        "headrace": 1,
        "name": "Bench",
        "requirements": [],
        "nodes": [{"id": "d", "type": "data", "name": "D", "code": "x = 1 + 1\n"}],
        "edges": [],
    }


def push_flow(messages: int) -> dict[str, Any]:
    """A source pushing ``messages`` integers into one node (UI under load, memory)."""
    return {
        "headrace": 1,
        "name": "push",
        "requirements": [],
        "nodes": [
            {"id": "src", "type": "script", "name": "source", "code": _source(messages)},
            {"id": "inc", "type": "script", "name": "inc", "code": INC},
        ],
        "edges": [_edge("src", "out", "inc", "inc.x")],
        "ui": {"nodes": {"src": {"x": 80, "y": 60}, "inc": {"x": 380, "y": 60}}},
    }


def canvas_edges(nodes: int, edges: int) -> list[tuple[int, int, str]]:
    """(from, to, port) triples: a chain through every node on port ``x``, then the rest
    as skips of two on port ``y`` — a connected, acyclic graph."""
    if edges < nodes - 1 or edges > 2 * nodes - 3:
        raise ValueError(f"canvas: {edges} edges do not fit {nodes} nodes (need {nodes - 1}..{2 * nodes - 3})")
    pairs = [(i, i + 1, "x") for i in range(nodes - 1)]
    pairs += [(i, i + 2, "y") for i in range(edges - len(pairs))]
    return pairs


def canvas_position(i: int) -> tuple[int, int]:
    return 40 + CANVAS_STEP[0] * (i % CANVAS_COLUMNS), 40 + CANVAS_STEP[1] * (i // CANVAS_COLUMNS)


def canvas_flow(nodes: int, edges: int) -> dict[str, Any]:
    """``nodes`` script nodes on a grid, wired by ``edges`` edges (never run, only drawn)."""
    doc_nodes = [
        {"id": f"c{i}", "type": "script", "name": f"step {i}", "code": "def f(x, y=0):\n    return x + y\n"}
        for i in range(nodes)
    ]
    doc_edges = [_edge(f"c{a}", "f", f"c{b}", f"f.{port}") for a, b, port in canvas_edges(nodes, edges)]
    ui = {f"c{i}": dict(zip(("x", "y"), canvas_position(i), strict=True)) for i in range(nodes)}
    return {
        "headrace": 1,
        "name": "canvas",
        "requirements": [],
        "nodes": doc_nodes,
        "edges": doc_edges,
        "ui": {"nodes": ui},
    }
