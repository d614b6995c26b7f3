"""Figure 5, memory: the studio page's JS heap, the engine worker's JS heap and its
WebAssembly memory (Pyodide's heap) after loading the studio, after a run of 100,000
messages (flows.push_flow), and after ten more runs in a row — each read after a
garbage collection. Baselines: after loading for the first run; after the first run
for the ten (no growth from run to run: aim ≤ 1.05×).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser
from report import figure, table
from studio import WorkerSession, instrument_worker, open_studio, page_heap, run_flow, wasm_memory

from flows import expected_emits

AIM_GROWTH = 1.05
KINDS = {"page_js": "studio page JS heap", "worker_js": "engine worker JS heap", "wasm": "worker Wasm memory (Pyodide)"}


def _read(page: Any, worker: WorkerSession) -> dict[str, int]:
    return {"page_js": page_heap(page), "worker_js": worker.js_heap(), "wasm": wasm_memory(page)}


def measure(browser: Browser, base_url: str, messages: int, runs: int) -> dict[str, Any]:
    """``base_url`` serves bench/push.json (ui_load.pages)."""
    context = browser.new_context()
    instrument_worker(context)
    page = open_studio(context, f"{base_url}?flow=bench/push.json", ["src", "inc"])
    worker = WorkerSession(page)
    loaded = _read(page, worker)
    emits = expected_emits("push", messages)
    run_flow(page, emits)
    one = _read(page, worker)
    for _ in range(runs):
        run_flow(page, emits)
    many = _read(page, worker)
    context.close()
    figures: dict[str, Any] = {}
    for kind, label in KINDS.items():
        figures[f"memory.{kind}.after_run"] = figure(
            one[kind], "bytes", (f"{label} after loading", loaded[kind]), higher_is_better=False,
            note=f"after one run of {messages:,} messages",
        )  # fmt: skip
        figures[f"memory.{kind}.after_runs"] = figure(
            many[kind], "bytes", (f"{label} after one run", one[kind]), higher_is_better=False, aim=AIM_GROWTH,
            note=f"after {runs} more runs; growth per run {(many[kind] - one[kind]) / runs / 2**10:,.0f} KiB",
        )  # fmt: skip
        figures[f"memory.{kind}.after_runs"]["runs"] = runs
    return figures


def markdown(figures: dict[str, Any]) -> str:
    rows = []
    for kind, label in KINDS.items():
        one, many = figures[f"memory.{kind}.after_run"], figures[f"memory.{kind}.after_runs"]
        growth = (many["value"] - one["value"]) / many["runs"] / 2**10
        rows.append([label, _mib(one["baseline"]["value"]), _mib(one["value"]), _mib(many["value"]),
                     f"{growth:+,.0f} KiB", f"**{many['ratio']:.3f}×**"])  # fmt: skip
    runs = figures["memory.wasm.after_runs"]["runs"]
    return table(["", "after loading", "after one run", f"after {runs} more runs", "growth per run",
                  f"{runs} runs / one (aim ≤ {AIM_GROWTH}×)"], rows)  # fmt: skip


def _mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"
