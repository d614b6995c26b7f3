"""Engine throughput: messages per second through headrace, beside direct calls.

Not a test: a measurement. Two flows — a chain of 10 script nodes that each add 1,
and a 2-port join fed by two sources — run through the engine, and the same Python
functions are called directly in a loop, in the same process, alternating, several
times. Figures are medians; the ratio engine/direct is the engine's efficiency.

    python bench/engine_throughput.py [--messages N] [--repeat R] [--json FILE] [--docs docs/performance.md]

With ``--docs``, the table between the ``engine_throughput`` markers in that file
is replaced by this run's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import replace_section, table

from flows import ADD, CHAIN_LENGTH, INC, chain_flow, join_flow
from headrace import Flow, Run
from headrace.protocol import event_to_json


def direct_chain(messages: int) -> float:
    namespace: dict[str, Any] = {}
    exec(INC, namespace)
    functions = [namespace["inc"]] * CHAIN_LENGTH

    def source(n: int) -> Any:
        yield from range(n)

    start = time.perf_counter()
    for value in source(messages):
        for function in functions:
            value = function(value)
    return time.perf_counter() - start


def direct_join(messages: int) -> float:
    namespace: dict[str, Any] = {}
    exec(ADD, namespace)
    add = namespace["add"]

    def source(n: int) -> Any:
        yield from range(n)

    start = time.perf_counter()
    for a, b in zip(source(messages), source(messages), strict=True):
        add(a, b)
    return time.perf_counter() - start


def engine(flow: Flow, serialise: bool) -> float:
    """Seconds to run the flow to idle; events go to a sink that drops them, or
    that serialises each to JSON as the bridge does for the studio."""
    sink = (lambda e: event_to_json(e)) if serialise else (lambda e: None)

    async def go() -> float:
        return await timed_run(flow.start(on_event=sink))

    return asyncio.run(go())


async def timed_run(run: Run) -> float:
    """Start a run, let its modules load, then time its sources to idle (seconds)."""
    await run.start()
    await run.wait_idle()  # modules loaded: not part of the figure
    start = time.perf_counter()
    run.trigger_sources()
    await run.wait_idle()
    elapsed = time.perf_counter() - start
    await run.stop()
    return elapsed


def measure(messages: int, repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    cases = {
        "chain10": (Flow.load(chain_flow(messages)), direct_chain),
        "join2": (Flow.load(join_flow(messages)), direct_join),
    }
    for name, (flow, direct) in cases.items():
        samples: dict[str, list[float]] = {"direct": [], "engine": [], "engine_json": []}
        for _ in range(repeat):  # alternate, so drift hits all alike
            samples["direct"].append(direct(messages))
            samples["engine"].append(engine(flow, serialise=False))
            samples["engine_json"].append(engine(flow, serialise=True))
        rates = {k: messages / statistics.median(v) for k, v in samples.items()}
        results[name] = {
            "messages": messages,
            "repeat": repeat,
            "msgs_per_s": {k: round(v) for k, v in rates.items()},
            "ratio_engine_to_direct": round(rates["engine"] / rates["direct"], 4),
            "ratio_engine_json_to_direct": round(rates["engine_json"] / rates["direct"], 4),
        }
    return results


def machine() -> str:
    import os

    return (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--docs", type=Path, help="replace the table between the markers in this Markdown file")
    args = parser.parse_args()
    results = {"machine": machine(), "engine_throughput": measure(args.messages, args.repeat)}
    text = markdown(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.docs:
        replace_section(args.docs, "engine_throughput", text)
    return 0


def markdown(results: dict[str, Any]) -> str:
    first = next(iter(results["engine_throughput"].values()))
    header = ["flow", "direct calls msg/s", "engine msg/s", "engine + JSON events msg/s", "engine / direct",
              "engine + JSON / direct"]  # fmt: skip
    rows = [
        [
            name,
            f"{r['msgs_per_s']['direct']:,}",
            f"{r['msgs_per_s']['engine']:,}",
            f"{r['msgs_per_s']['engine_json']:,}",
            f"{r['ratio_engine_to_direct']:.1%}",
            f"{r['ratio_engine_json_to_direct']:.1%}",
        ]
        for name, r in results["engine_throughput"].items()
    ]
    machine = f"Machine: {results['machine']}; {first['messages']:,} messages, median of {first['repeat']} runs."
    return f"{machine}\n\n{table(header, rows)}"


if __name__ == "__main__":
    raise SystemExit(main())
