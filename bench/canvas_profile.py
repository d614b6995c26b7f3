"""Profiling aid for the canvas figure: the studio's part of ``bench/canvas.py`` (open,
drag, pan, zoom) on one or more builds, side by side, alternating, so that two builds
are compared in the same sitting on a noisy machine. Prints each sample's figures and
the medians per build; ``--trace-dir`` also keeps a Chromium performance trace of each
gesture (read them with ``bench/trace_summary.py``).

    python bench/canvas_profile.py --build base=/tmp/dist-base --build new=dist --samples 3
    python bench/canvas_profile.py --build new=dist --nodes 5000 --edges 7500 --trace-dir /tmp/tr
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from browser import ARGS, CHROMIUM, PREVIEW_HEADERS, serve_dist
from canvas import EMPTY_POINT, FRAMES_START, FRAMES_STOP, _drag, _frames_while, _open_twice, _zoom, canvas_pages
from playwright.sync_api import Browser, Page, sync_playwright
from report import percentile
from studio import RECORDER, VIEWPORT

TRACE_CATEGORIES = "devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink,cc,gpu"


def _traced(page: Page, trace: Path | None, gesture: Any) -> list[float]:
    if trace is None:
        return _frames_while(page, gesture)
    if trace.name.endswith(".cpuprofile"):
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 250})
        cdp.send("Profiler.start")
        frames = _frames_while(page, gesture)
        trace.write_text(json.dumps(cdp.send("Profiler.stop")["profile"]))
        cdp.detach()
        return frames
    cdp = page.context.new_cdp_session(page)
    chunks: list[Any] = []
    done: list[bool] = []
    cdp.on("Tracing.dataCollected", lambda e: chunks.extend(e["value"]))
    cdp.on("Tracing.tracingComplete", lambda e: done.append(True))
    cdp.send("Tracing.start", {"categories": TRACE_CATEGORIES, "transferMode": "ReportEvents"})
    frames = _frames_while(page, gesture)
    cdp.send("Tracing.end")
    deadline = time.monotonic() + 60
    while not done and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    trace.write_text(json.dumps({"traceEvents": chunks}))
    cdp.detach()
    return frames


def sample(
    browser: Browser, base: str, nodes: int, moves: int, trace_dir: Path | None, tag: str, cpu: bool = False
) -> dict[str, Any]:
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(RECORDER)
    page = context.new_page()
    settled = f'.hr-canvas[data-flow-nodes="{nodes}"][data-settled="true"]'
    opened = _open_twice(page, base + "?flow=bench/canvas.json", settled, 1)
    page.wait_for_function("window.__bench.ready", timeout=300_000)
    box = page.locator('[data-node-id="c1"] .hr-node__header').bounding_box()
    assert box is not None
    out: dict[str, Any] = {"open_ms": opened}

    def path(name: str) -> Path | None:
        return trace_dir / f"{tag}-{name}.{'cpuprofile' if cpu else 'json'}" if trace_dir else None

    out["drag"] = _traced(page, path("drag"), lambda: _drag(page, box["x"] + 30, box["y"] + 8, 180, 120, moves))
    empty = page.evaluate(EMPTY_POINT)
    assert empty is not None
    out["pan"] = _traced(page, path("pan"), lambda: _drag(page, empty["x"], empty["y"], -300, -200, moves))
    out["zoom"] = _traced(page, path("zoom"), lambda: _zoom(page, empty["x"], empty["y"], moves, None))
    # After the gesture: until the view is filled again (cards back from afar, the margin).
    start = page.evaluate("() => { const t = performance.now(); " + FRAMES_START[6:] + "; return t; }")
    page.wait_for_timeout(200)
    page.wait_for_function(f"document.querySelector('{settled}')", timeout=60_000, polling=20)
    out["settle_ms"] = page.evaluate("performance.now()") - start
    out["settle"] = page.evaluate(FRAMES_STOP)
    context.close()
    return out


def summary(s: dict[str, Any]) -> dict[str, float]:
    row = {"open_ms": s["open_ms"], "settle_ms": s["settle_ms"]}
    for g in ("drag", "pan", "zoom", "settle"):
        row[f"{g}_p50"] = percentile(s[g], 0.5)
        row[f"{g}_p95"] = percentile(s[g], 0.95)
        row[f"{g}_n"] = len(s[g])
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="append", required=True, help="LABEL=DIST_DIR")
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--edges", type=int, default=1500)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--trace-dir", type=Path)
    parser.add_argument("--cpu", action="store_true", help="with --trace-dir: V8 CPU profiles, not traces")
    args = parser.parse_args()
    builds = [b.split("=", 1) for b in args.build]
    pages = canvas_pages(args.nodes, args.edges)
    rows: dict[str, list[dict[str, float]]] = {label: [] for label, _ in builds}
    if args.trace_dir:
        args.trace_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack, sync_playwright() as p:
        bases = {label: stack.enter_context(serve_dist(pages, Path(d), PREVIEW_HEADERS)) for label, d in builds}
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i in range(args.samples):
            for label, _ in builds:
                result = sample(browser, bases[label], args.nodes, args.moves, args.trace_dir, f"{label}-{i}", args.cpu)
                row = summary(result)
                rows[label].append(row)
                print(label, i, " ".join(f"{k}={v:.1f}" for k, v in row.items()), flush=True)
        browser.close()
    print("medians:")
    for label, r in rows.items():
        print(label, " ".join(f"{k}={statistics.median(x[k] for x in r):.1f}" for k in r[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
