"""Figure 1, throughput: messages per second through the 10-node chain and the 2-input
join (flows.py) in (a) the studio — headrace in Pyodide in a Chromium worker, its view
stream attached as when a user runs it; (b) headrace in CPython, through `headrace
run` and in-process, beside (e) the floor any queued Python engine pays (a minimal
FIFO dispatcher, fifo_floor.py) in the same process; (c) Node-RED, the same flows as
function nodes and a join node; (d) the same Python functions called directly in a
loop. All in one run, in rounds, so machine load hits them alike; medians of the rounds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from engine_throughput import direct_chain, direct_join, engine
from fifo_floor import fifo_chain, fifo_join
from nodered import NodeRed
from nodered_flows import expected_last, throughput_flows
from playwright.sync_api import Browser
from report import figure, median
from studio import open_studio, run_flow

from flows import THROUGHPUT_FLOWS, expected_emits
from headrace import Flow

REPO = Path(__file__).resolve().parents[1]
DIRECT: dict[str, Callable[[int], float]] = {"chain10": direct_chain, "join2": direct_join}
FIFO: dict[str, Callable[[int], float]] = {"chain10": fifo_chain, "join2": fifo_join}
# Aims: the studio at least 10x Node-RED; the CLI at least 20% of direct calls; the
# engine in-process at least half the FIFO floor (docs/performance.md).
AIM_STUDIO_OVER_NODE_RED = 10.0
AIM_CLI_OVER_DIRECT = 0.2
AIM_INPROC_OVER_FIFO = 0.5
WARM_UP_RUNS = 3


def cli_seconds(path: Path) -> float:
    """Wall time of `headrace run FILE` (readable log to /dev/null), process start to exit."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "py")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "headrace", "run", str(path)], stdout=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def node_red_seconds(red: NodeRed, name: str, messages: int) -> float:
    """One HTTP request that makes the flow's driver send ``messages`` messages and is
    answered when the last reaches the sink."""
    start = time.perf_counter()
    reply = red.get_json(f"api/bench/{name}?n={messages}")
    elapsed = time.perf_counter() - start
    if reply != {"count": messages, "last": expected_last(name, messages)}:
        raise RuntimeError(f"Node-RED {name}: unexpected answer {reply}")
    return elapsed


def measure(browser: Browser, base_url: str, red: NodeRed, messages: int, repeat: int) -> dict[str, Any]:
    """``base_url`` serves bench/<flow>.json (see flow_pages)."""
    figures: dict[str, Any] = {}
    red.deploy(throughput_flows())
    with tempfile.TemporaryDirectory(prefix="bench-flows-") as tmp:
        for name, make in THROUGHPUT_FLOWS.items():
            doc = make(messages)
            full, empty = Path(tmp, f"{name}.json"), Path(tmp, f"{name}-empty.json")
            full.write_text(json.dumps(doc))
            empty.write_text(json.dumps(make(0)))
            flow = Flow.load(doc)
            context = browser.new_context()
            last = doc["nodes"][-1]["id"]
            page = open_studio(context, f"{base_url}?flow=bench/{name}.json", [doc["nodes"][0]["id"], last])
            emits = expected_emits(name, messages)
            # Warm-up, alike for both: the first runs compile and fill caches everywhere, and
            # V8 tiers up the code that runs hot — Node-RED's JavaScript, and the Python
            # interpreter's WebAssembly in the studio's worker (which takes a few runs).
            for _ in range(WARM_UP_RUNS):
                run_flow(page, emits)
                node_red_seconds(red, name, messages)
            samples: dict[str, list[float]] = {k: [] for k in ("direct", "fifo", "inproc", "inproc_json", "cli",
                                                               "cli_empty", "node_red", "studio")}  # fmt: skip
            for _ in range(repeat):
                samples["direct"].append(DIRECT[name](messages))
                samples["fifo"].append(FIFO[name](messages))
                samples["inproc"].append(_off_loop(engine, flow, "view"))
                samples["inproc_json"].append(_off_loop(engine, flow, "view_json"))
                samples["cli"].append(cli_seconds(full))
                samples["cli_empty"].append(cli_seconds(empty))
                samples["node_red"].append(node_red_seconds(red, name, messages))
                samples["studio"].append(run_flow(page, emits))
            context.close()
            figures.update(_figures(name, messages, samples))
    return figures


def _off_loop(function: Callable[..., float], *args: Any) -> float:
    """Call ``function`` in a thread of its own: Playwright's sync API keeps an event loop
    running in this one, and the engine needs ``asyncio.run``."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def _rate(messages: int, seconds: list[float]) -> tuple[float, list[float]]:
    return messages / median(seconds), [messages / s for s in seconds]


def _figures(name: str, messages: int, s: dict[str, list[float]]) -> dict[str, Any]:
    direct, _ = _rate(messages, s["direct"])
    red, red_samples = _rate(messages, s["node_red"])
    studio, studio_samples = _rate(messages, s["studio"])
    # The CLI's start-up (interpreter, imports, loading the flow) is timed by the same
    # flow with 0 messages and taken off, so the rate is the engine's, not Python's boot.
    startup = median(s["cli_empty"])
    cli_work = [max(t - startup, 1e-3) for t in s["cli"]]  # tiny smoke sizes can dip below it
    cli, cli_samples = _rate(messages, cli_work)
    fifo, _ = _rate(messages, s["fifo"])
    inproc, inproc_samples = _rate(messages, s["inproc"])
    inproc_json, inproc_json_samples = _rate(messages, s["inproc_json"])
    base = f"throughput.{name}"
    note = f"{messages:,} messages; msg/s"
    return {
        f"{base}.studio_vs_node_red": figure(studio, "msg/s", ("Node-RED", red), studio_samples,
                                              aim=AIM_STUDIO_OVER_NODE_RED, note=note),
        f"{base}.node_red_vs_direct": figure(red, "msg/s", ("direct calls", direct), red_samples, note=note),
        f"{base}.cli_vs_direct": figure(cli, "msg/s", ("direct calls", direct), cli_samples,
                                        aim=AIM_CLI_OVER_DIRECT,
                                        note=f"{note}; CLI start-up {startup:.2f} s taken off"),
        f"{base}.inproc_vs_direct": figure(inproc, "msg/s", ("direct calls", direct), inproc_samples, note=note),
        f"{base}.inproc_vs_fifo": figure(inproc, "msg/s", ("a minimal FIFO dispatcher", fifo), inproc_samples,
                                         aim=AIM_INPROC_OVER_FIFO, note=f"{note}; view reported, events dropped"),
        f"{base}.inproc_json_vs_direct": figure(inproc_json, "msg/s", ("direct calls", direct),
                                                inproc_json_samples, note=note),
        f"{base}.studio_vs_direct": figure(studio, "msg/s", ("direct calls", direct), studio_samples, note=note),
    }  # fmt: skip


def flow_pages(messages: int) -> dict[str, tuple[bytes, str]]:
    return {
        f"/bench/{name}.json": (json.dumps(make(messages)).encode(), "application/json")
        for name, make in THROUGHPUT_FLOWS.items()
    }


def markdown(figures: dict[str, Any]) -> str:
    rows = []
    for name in THROUGHPUT_FLOWS:
        base = f"throughput.{name}"
        studio = figures[f"{base}.studio_vs_node_red"]
        red = studio["baseline"]["value"]
        direct = figures[f"{base}.cli_vs_direct"]["baseline"]["value"]
        cli = figures[f"{base}.cli_vs_direct"]
        inproc = figures[f"{base}.inproc_vs_direct"]["value"]
        inproc_json = figures[f"{base}.inproc_json_vs_direct"]["value"]
        fifo = figures.get(f"{base}.inproc_vs_fifo")
        floor = f"{fifo['baseline']['value']:,.0f}" if fifo else "–"
        of_floor = f"**{fifo['ratio']:.0%}**" if fifo else "–"
        rows.append(
            [name, f"{studio['value']:,.0f}", f"{red:,.0f}", f"**{studio['ratio']:.2f}×**", f"{cli['value']:,.0f}",
             f"{inproc:,.0f}", f"{inproc_json:,.0f}", floor, of_floor, f"{direct:,.0f}", f"**{cli['ratio']:.1%}**"]
        )  # fmt: skip
    from report import table

    return table(
        ["flow", "(a) studio", "(c) Node-RED", "(a)/(c), aim ≥ 10×", "(b) `headrace run`", "(b) in-process",
         "(b) in-process + JSON", "(e) FIFO floor", "(b)/(e), aim ≥ 50%", "(d) direct", "(b) CLI/(d), aim ≥ 20%"],
        rows,
    )  # fmt: skip
