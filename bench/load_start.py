"""Loading and starting large flows: seconds to validate a chain of N script nodes, to
make its run, to start it (every node's module loaded) and to run one value through
it, at 1,000, 10,000 and 100,000 nodes — each step should grow linearly with N.

Not a test: a measurement (a 20,000-node chain was once found validating in 1 s and
taking 20 s to start, each node's setup scanning every edge).

    python bench/load_start.py [--sizes 1000 10000 100000] [--docs docs/performance.md]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import replace_section, table

from headrace import Flow
from headrace.bridge import Bridge, node_shape_info
from headrace.load import validate


def chain(nodes: int) -> dict[str, Any]:
    """A data node into ``nodes - 1`` script nodes that each add 1."""
    doc_nodes = [{"id": "n0", "type": "data", "name": "start", "code": "x = 0\n"}]
    doc_nodes += [
        {"id": f"n{i}", "type": "script", "name": f"inc {i}", "code": "def inc(x):\n    return x + 1\n"}
        for i in range(1, nodes)
    ]
    edges = [{"from": {"node": "n0", "socket": "x"}, "to": {"node": "n1", "port": "inc.x"}}]
    edges += [
        {"from": {"node": f"n{i}", "socket": "inc"}, "to": {"node": f"n{i + 1}", "port": "inc.x"}}
        for i in range(1, nodes - 1)
    ]
    return {"headrace": 1, "name": f"chain {nodes}", "nodes": doc_nodes, "edges": edges}


def measure(nodes: int) -> dict[str, float]:
    doc = chain(nodes)
    figures: dict[str, float] = {}
    start = time.perf_counter()
    spec = validate(doc)
    figures["validate"] = time.perf_counter() - start
    start = time.perf_counter()
    {n.id: node_shape_info(spec, n) for n in spec.nodes}  # what the bridge's validate answers
    figures["shapes"] = time.perf_counter() - start

    async def go() -> None:
        begun = time.perf_counter()
        run = Flow(spec).start(report="view", emit_limit=0)
        figures["make run"] = time.perf_counter() - begun
        begun = time.perf_counter()
        await run.start()
        await run.wait_idle()
        figures["start"] = time.perf_counter() - begun
        begun = time.perf_counter()
        run.trigger_sources()
        await run.wait_idle()
        figures["one value through"] = time.perf_counter() - begun
        assert run.nodes[f"n{nodes - 1}"].sockets["inc"].buf[-1] == nodes - 1
        await run.stop()

    asyncio.run(go())
    Bridge(lambda text: None)  # (imported for node_shape_info; nothing to run)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--docs", type=Path, help="replace the table between the load_start markers")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        figures = measure(size)
        per_node = sum(figures.values()) / size * 1e6
        rows.append([f"{size:,}", *(f"{figures[k]:.3f} s" for k in figures), f"{per_node:.0f} µs"])
        print(size, {k: round(v, 3) for k, v in figures.items()}, flush=True)
    header = ["nodes", "validate", "node shapes", "make the run", "start (modules)", "one value through", "per node"]
    text = table(header, rows)
    print(text)
    if args.docs:
        replace_section(args.docs, "load_start", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
