"""Figure 4, UI under load: the longest task on the studio's main thread while a flow
pushes 100,000 messages (flows.push_flow) — from a Chromium performance trace (CDP
Tracing: every RunTask on the page's CrRendererMain thread), from the click on Run
Flow to the run's ``headrace:idle``. Baseline: the longest task of the same page while
idle for as long. Aim: under 50 ms.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page
from report import figure, table
from studio import open_studio, run_flow

from flows import expected_emits, push_flow

AIM_MS = 50.0
CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink.user_timing"]


def main_thread_tasks(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """RunTask events of the renderer's main thread (the busiest one, if several)."""
    events = trace["traceEvents"]
    mains = {(e["pid"], e["tid"]) for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"
             and e.get("args", {}).get("name") == "CrRendererMain"}  # fmt: skip
    by_thread: dict[tuple[int, int], list[dict[str, Any]]] = {m: [] for m in mains}
    for e in events:
        if e.get("name") == "RunTask" and e.get("ph") == "X" and (e["pid"], e["tid"]) in by_thread:
            by_thread[(e["pid"], e["tid"])].append(e)
    if not by_thread:
        raise RuntimeError("trace: no CrRendererMain thread")
    return max(by_thread.values(), key=len)


def traced(browser: Browser, page: Page, action: Callable[[], Any], keep: Path | None) -> tuple[Any, dict[str, Any]]:
    browser.start_tracing(page=page, categories=CATEGORIES)
    result = action()
    trace = json.loads(browser.stop_tracing())
    if keep:
        keep.write_text(json.dumps(trace))
    return result, trace


def longest_ms(trace: dict[str, Any]) -> float:
    tasks = main_thread_tasks(trace)
    return max((t["dur"] for t in tasks), default=0) / 1000


def measure(browser: Browser, base_url: str, messages: int, trace_dir: Path | None) -> dict[str, Any]:
    """``base_url`` serves bench/push.json (pages)."""
    context = browser.new_context()
    page = open_studio(context, f"{base_url}?flow=bench/push.json", ["src", "inc"])
    run_flow(page, expected_emits("push", messages))  # warm-up
    keep = trace_dir / "ui_load_run.json" if trace_dir else None
    seconds, run_trace = traced(browser, page, lambda: run_flow(page, expected_emits("push", messages)), keep)
    keep = trace_dir / "ui_load_idle.json" if trace_dir else None
    _, idle_trace = traced(browser, page, lambda: time.sleep(seconds), keep)
    context.close()
    value, base = longest_ms(run_trace), longest_ms(idle_trace)
    long_tasks = sum(1 for t in main_thread_tasks(run_trace) if t["dur"] > AIM_MS * 1000)
    note = f"{messages:,} messages in {seconds:.1f} s; {long_tasks} tasks over {AIM_MS:.0f} ms"
    return {
        "ui_load.longest_task_ms": figure(value, "ms", ("the same page, idle as long", base), higher_is_better=False,
                                          met=value < AIM_MS, note=note),
    }  # fmt: skip


def pages(messages: int) -> dict[str, tuple[bytes, str]]:
    return {"/bench/push.json": (json.dumps(push_flow(messages)).encode(), "application/json")}


def markdown(figures: dict[str, Any]) -> str:
    f = figures["ui_load.longest_task_ms"]
    verdict = "met" if f["met"] else "missed"
    return (
        table(
            ["", "longest main-thread task", "aim"],
            [
                [
                    "studio while the flow runs",
                    f"**{f['value']:.1f} ms**",
                    f"< {AIM_MS:.0f} ms ({verdict})",
                ],
                ["studio idle, as long (baseline)", f"{f['baseline']['value']:.1f} ms", ""],
            ],
        )
        + f"\n\n{f['note']}."
    )
