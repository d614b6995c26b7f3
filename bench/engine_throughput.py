"""Engine throughput: messages per second through headrace, beside the floor any queued
engine pays and beside direct calls.

Not a test: a measurement. Two flows — a chain of 10 script nodes that each add 1,
and a 2-port join fed by two sources — run through the engine, through a minimal
FIFO dispatcher (``fifo_floor.py``: a deque of (function, value) pairs, nothing
else), and as the same Python functions called directly in a loop, in the same
process, alternating, several times. Figures are medians.

The engine runs as hosts run it: reporting its view (``report="view"``, what the
studio and the server ask for) with events dropped, or encoded as the bridge hands
them to the studio's worker; and reporting every value (``report="events"``) as
JSON, what ``headrace run --json`` pays.

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

from fifo_floor import fifo_chain, fifo_join
from report import replace_section, table

from flows import ADD, CHAIN_LENGTH, INC, chain_flow, join_flow
from headrace import Flow, Run
from headrace.protocol import event_to_json

#: How a host runs the flow (see the module's docstring).
MODES = {
    "view": {"report": "view", "emit_limit": 0},
    "view_json": {"report": "view", "emit_limit": 0},
    "events_json": {"report": "events"},
}


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


def engine(flow: Flow, mode: str) -> float:
    """Seconds to run the flow to idle, reporting as ``mode`` says (:data:`MODES`);
    events are dropped, or encoded as JSON and joined per publish point as the
    bridge does for its host."""
    pending: list[str] = []
    if mode == "view":
        sink, publish = (lambda e: None), (lambda: None)
    else:

        def sink(event: object) -> None:
            pending.append(event_to_json(event))  # type: ignore[arg-type]

        def publish() -> None:
            if pending:
                f"[{','.join(pending)}]"
                pending.clear()

    async def go() -> float:
        return await timed_run(flow.start(on_event=sink, on_publish=publish, **MODES[mode]))  # type: ignore[arg-type]

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
        "chain10": (Flow.load(chain_flow(messages)), direct_chain, fifo_chain),
        "join2": (Flow.load(join_flow(messages)), direct_join, fifo_join),
    }
    for name, (flow, direct, fifo) in cases.items():
        samples: dict[str, list[float]] = {"direct": [], "fifo": [], **{mode: [] for mode in MODES}}
        for _ in range(repeat):  # alternate, so drift hits all alike
            samples["direct"].append(direct(messages))
            samples["fifo"].append(fifo(messages))
            for mode in MODES:
                samples[mode].append(engine(flow, mode))
        rates = {k: messages / statistics.median(v) for k, v in samples.items()}
        results[name] = {
            "messages": messages,
            "repeat": repeat,
            "msgs_per_s": {k: round(v) for k, v in rates.items()},
            "ratio_to_fifo": {mode: round(rates[mode] / rates["fifo"], 4) for mode in MODES},
            "ratio_to_direct": {k: round(rates[k] / rates["direct"], 4) for k in ("fifo", *MODES)},
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
    header = ["flow", "direct calls", "FIFO floor", "engine, view", "view / FIFO (aim ≥ 50%)",
              "engine, view + JSON batches", "engine, every event as JSON", "view / direct"]  # fmt: skip
    rows = [
        [
            name,
            f"{r['msgs_per_s']['direct']:,}",
            f"{r['msgs_per_s']['fifo']:,}",
            f"{r['msgs_per_s']['view']:,}",
            f"**{r['ratio_to_fifo']['view']:.0%}**",
            f"{r['msgs_per_s']['view_json']:,}",
            f"{r['msgs_per_s']['events_json']:,}",
            f"{r['ratio_to_direct']['view']:.1%}",
        ]
        for name, r in results["engine_throughput"].items()
    ]
    machine = (
        f"Machine: {results['machine']}; {first['messages']:,} messages, median of {first['repeat']} runs; "
        "messages per second."
    )
    return f"{machine}\n\n{table(header, rows)}"


if __name__ == "__main__":
    raise SystemExit(main())
