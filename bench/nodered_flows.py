"""Node-RED equivalents of the benchmark flows (flows.py), as its admin API takes them.

A throughput flow starts at an ``http in`` endpoint (``GET /bench/<name>?n=N``): a driver
function node sends N messages in a loop, they pass the function nodes, and a sink
function node answers the request through ``http response`` when the Nth arrives — so
one HTTP request times a run end to end. Message delivery is Node-RED's default
(asynchronous, one ``setImmediate`` per hop).
"""

from __future__ import annotations

from typing import Any

from flows import CHAIN_LENGTH, canvas_edges, canvas_position

DRIVER = """const n = Number(msg.req.query.n);
flow.set('pending', { res: msg.res, n: n, count: 0 });
for (let i = 0; i < n; i++) node.send(OUT);
return null;"""
# The join's two sources are one node with two outputs: Node-RED runs a node's code to
# completion, so two source nodes would deliver all of a before any of b, and the join
# would pair a with a. One node sending [a_i, b_i] interleaves them as headrace does.
SINK = """const p = flow.get('pending');
p.count += 1;
if (p.count === p.n) return { res: p.res, payload: { count: p.count, last: msg.payload } };
return null;"""


def _function(nid: str, tab: str, code: str, wires: list[list[str]], x: int, y: int) -> dict[str, Any]:
    return {
        "id": nid,
        "type": "function",
        "z": tab,
        "name": nid,
        "func": code,
        "outputs": len(wires),
        "timeout": 0,
        "noerr": 0,
        "initialize": "",
        "finalize": "",
        "libs": [],
        "x": x,
        "y": y,
        "wires": wires,
    }


def _endpoints(tab: str, name: str, first: str, y: int) -> tuple[list[dict[str, Any]], str]:
    """The ``http in`` starting a run and the ``http response`` answering it; returns
    them and the response node's id (the sink wires to it)."""
    nodes = [
        {"id": f"{name}-in", "type": "http in", "z": tab, "name": "", "url": f"/bench/{name}", "method": "get",
         "upload": False, "swaggerDoc": "", "x": 100, "y": y, "wires": [[first]]},
        {"id": f"{name}-out", "type": "http response", "z": tab, "name": "", "statusCode": "", "headers": {},
         "x": 900, "y": y + 80, "wires": []},
    ]  # fmt: skip
    return nodes, f"{name}-out"


def throughput_flows() -> list[dict[str, Any]]:
    """Both throughput flows, each on its own tab."""
    nodes: list[dict[str, Any]] = [
        {"id": "chain-tab", "type": "tab", "label": "chain10"},
        {"id": "join-tab", "type": "tab", "label": "join2"},
    ]
    # chain10: driver -> inc0..inc9 -> sink -> response
    endpoints, response = _endpoints("chain-tab", "chain10", "chain-driver", 40)
    nodes += endpoints
    nodes.append(_function("chain-driver", "chain-tab", DRIVER.replace("OUT", "{ payload: i }"), [["inc0"]], 250, 40))
    for i in range(CHAIN_LENGTH):
        target = f"inc{i + 1}" if i + 1 < CHAIN_LENGTH else "chain-sink"
        nodes.append(_function(f"inc{i}", "chain-tab", "msg.payload += 1;\nreturn msg;", [[target]], 250 + 60 * i, 120))
    nodes.append(_function("chain-sink", "chain-tab", SINK, [[response]], 900, 40))
    # join2: driver (two outputs: a and b) -> join (manual, array, count 2) -> add -> sink -> response
    endpoints, response = _endpoints("join-tab", "join2", "join-driver", 40)
    nodes += endpoints
    two = "[{ payload: i, topic: 'a' }, { payload: i, topic: 'b' }]"
    nodes.append(_function("join-driver", "join-tab", DRIVER.replace("OUT", two), [["join"], ["join"]], 250, 40))
    nodes.append(
        {"id": "join", "type": "join", "z": "join-tab", "name": "", "mode": "custom", "build": "array",
         "property": "payload", "propertyType": "msg", "key": "topic", "joiner": "\\n", "joinerType": "str",
         "useparts": False, "accumulate": False, "timeout": "", "count": "2", "reduceRight": False,
         "reduceExp": "", "reduceInit": "", "reduceInitType": "", "reduceFixup": "", "x": 450, "y": 40,
         "wires": [["add"]]}
    )  # fmt: skip
    add = "msg.payload = msg.payload[0] + msg.payload[1];\nreturn msg;"
    nodes.append(_function("add", "join-tab", add, [["join-sink"]], 600, 40))
    nodes.append(_function("join-sink", "join-tab", SINK, [[response]], 750, 40))
    return nodes


def expected_last(name: str, messages: int) -> int:
    """The last value a throughput flow's sink sees (checks the run did the work)."""
    return messages - 1 + CHAIN_LENGTH if name == "chain10" else 2 * (messages - 1)


def canvas_flows(nodes: int, edges: int) -> list[dict[str, Any]]:
    """flows.canvas_flow as Node-RED function nodes on one tab, same grid, same wiring."""
    wires: list[list[str]] = [[] for _ in range(nodes)]
    for a, b, _port in canvas_edges(nodes, edges):
        wires[a].append(f"c{b}")
    tab = "canvas-tab"
    result: list[dict[str, Any]] = [{"id": tab, "type": "tab", "label": "canvas"}]
    for i in range(nodes):
        x, y = canvas_position(i)
        result.append(_function(f"c{i}", tab, "return msg;", [wires[i]], x + 80, y + 20))
    return result
