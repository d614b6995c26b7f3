"""What a per-node time limit costs: the same flows with and without ``time_limit``.

Not a test: a measurement. A limited node runs under a trace function (see
``headrace/time_limit.py``) that is called for every line of Python it executes,
so the cost depends on what the node does:

* ``chain10``: the throughput benchmark's chain of 10 trivial nodes, a generator
  feeding them — the per-call cost (installing and removing the deadline);
* ``loop``: one node whose call runs a pure-Python loop of 1,000 steps — the
  per-line cost, the worst case.

Each flow runs without a limit and with one (60 s, never reached), alternating, in
one process; figures are medians and the ratio is limited / unlimited throughput.

    python bench/node_limit_overhead.py [--messages N] [--repeat R] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_throughput import chain_flow, timed_run
from report import table

from headrace import Flow

LIMIT_SECONDS = 60  # never reached: what is measured is the checking
SOURCE = "def out(n={n}):\n    yield from range(n)\n"
LOOP = "def work(x):\n    total = 0\n    for i in range(1000):\n        total += i * x\n    return total\n"


def loop_flow(messages: int) -> dict[str, Any]:
    return {
        "headrace": 1,
        "name": "loop",
        "nodes": [
            {"id": "src", "type": "script", "name": "source", "code": SOURCE.format(n=messages)},
            {"id": "w", "type": "script", "name": "work", "code": LOOP},
        ],
        "edges": [{"from": {"node": "src", "socket": "out"}, "to": {"node": "w", "port": "work.x"}}],
    }


def seconds(flow: Flow) -> float:
    async def go() -> float:
        return await timed_run(flow.start())

    return asyncio.run(go())


def measure(messages: int, repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    cases = {"chain10": chain_flow(messages), "loop": loop_flow(messages // 10)}
    for name, doc in cases.items():
        count = len(doc["nodes"]) - 1
        unlimited = Flow.load(doc)
        limited = Flow.load({**doc, "time_limit": LIMIT_SECONDS})
        samples: dict[str, list[float]] = {"unlimited": [], "limited": []}
        for _ in range(repeat):  # alternate, so drift hits both alike
            samples["unlimited"].append(seconds(unlimited))
            samples["limited"].append(seconds(limited))
        calls = (messages if name == "chain10" else messages // 10) * count
        rates = {k: calls / statistics.median(v) for k, v in samples.items()}
        results[name] = {
            "calls": calls,
            "repeat": repeat,
            "calls_per_s": {k: round(v) for k, v in rates.items()},
            "ratio_limited_to_unlimited": round(rates["limited"] / rates["unlimited"], 4),
        }
    return results


def markdown(results: dict[str, Any]) -> str:
    repeat = next(iter(results["overhead"].values()))["repeat"]
    rows = [
        [
            name,
            f"{r['calls']:,}",
            f"{r['calls_per_s']['unlimited']:,}",
            f"{r['calls_per_s']['limited']:,}",
            f"{r['ratio_limited_to_unlimited']:.0%}",
        ]
        for name, r in results["overhead"].items()
    ]
    header = ["flow", "node calls", "unlimited calls/s", "limited calls/s", "limited / unlimited"]
    return f"Machine: {results['machine']}; median of {repeat} runs.\n\n{table(header, rows)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    results = {"machine": machine, "overhead": measure(args.messages, args.repeat)}
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
