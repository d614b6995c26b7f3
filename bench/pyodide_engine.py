"""Profiling aid for figure 1 (not part of bench/run): the engine alone in Pyodide, in a
bare Web Worker of the same Chromium — the bridge serialises every event to JSON as in
the studio, but the worker drops them instead of posting them to a page. Beside the
studio's rate (bench/results.json), this splits the studio's time into the engine in
Pyodide and everything after it (batching, postMessage, the page's event handling).

    python bench/pyodide_engine.py [--messages 20000] [--repeat 3] [--cpu-profile FILE]

``--cpu-profile`` also records a V8 CPU profile of one run in the worker (CDP Profiler;
open it in Chromium's DevTools) and prints the functions with the most self time.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import ARGS, CHROMIUM, serve_dist
from playwright.sync_api import sync_playwright
from report import median
from studio import WorkerSession

from flows import THROUGHPUT_FLOWS, expected_emits

WORKER = """
import { loadPyodide } from 'BASE/pyodide/pyodide.mjs';
const manifest = await (await fetch('BASE/wheels/manifest.json')).json();
const py = await loadPyodide({ indexURL: 'BASE/pyodide/' });
await py.loadPackage(manifest.boot.map((w) => 'BASE/wheels/' + w));
let emitted = 0, done = null;
const push = (batch) => {
  if (!batch.includes('"run_idle"')) return;
  done?.(JSON.parse(batch).find((e) => e.event === 'run_idle'));
};
const bridge = py.pyimport('headrace.bridge').Bridge.callKwargs({ on_batch: push });
self.onmessage = async (e) => {
  const idle = new Promise((resolve) => { done = resolve; });
  const t0 = performance.now();
  const { flow, options } = e.data;
  const reply = JSON.parse(await bridge.handle(JSON.stringify({ cmd: 'run', flow, run: 'r' + t0, ...options })));
  if (!reply.ok) { postMessage({ error: reply.error }); return; }
  const last = await idle;
  postMessage({ ms: performance.now() - t0, emitted: last.emitted });
};
postMessage({ ready: true });
"""

PAGE = """<!doctype html><script type="module">
const src = WORKER_SOURCE.replaceAll('BASE', location.href.replace(/\\/[^/]*$/, ''));
window.engine = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
window.replies = [];
window.engine.onmessage = (e) => window.replies.push(e.data);
</script>"""


def run_once(page: Any, doc: dict[str, Any], options: dict[str, Any] | None = None) -> dict[str, Any]:
    before = page.evaluate("window.replies.length")
    page.evaluate("(message) => window.engine.postMessage(message)", {"flow": doc, "options": options or {}})
    page.wait_for_function(f"window.replies.length > {before}", timeout=600_000, polling=100)
    reply: dict[str, Any] = page.evaluate(f"window.replies[{before}]")
    if "error" in reply:
        raise RuntimeError(f"engine in Pyodide: {reply['error']}")
    return reply


def top_self_time(profile: dict[str, Any], count: int = 25) -> list[tuple[str, float]]:
    nodes = {n["id"]: n for n in profile["nodes"]}
    self_us: collections.Counter[str] = collections.Counter()
    deltas = profile["timeDeltas"]
    for sample, delta in zip(profile["samples"], deltas, strict=True):
        frame = nodes[sample]["callFrame"]
        self_us[frame["functionName"] or f"({frame['url'].rsplit('/', 1)[-1]})"] += delta
    total = sum(deltas) or 1
    return [(name, 100 * us / total) for name, us in self_us.most_common(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpu-profile", type=Path)
    parser.add_argument(
        "--report", choices=("events", "view"), default="view", help="what the run reports (the studio: view)"
    )
    parser.add_argument("--emit-limit", type=int, default=1000, help="values per socket reported one by one (view)")
    args = parser.parse_args()
    options = {"report": "view", "emit_limit": args.emit_limit} if args.report == "view" else {"report": "events"}
    page_html = PAGE.replace("WORKER_SOURCE", json.dumps(WORKER))
    with serve_dist({"/engine.html": (page_html.encode(), "text/html")}) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(base + "engine.html")
        page.wait_for_function("window.replies.some((r) => r.ready)", timeout=180_000)
        for name, make in THROUGHPUT_FLOWS.items():
            doc = make(args.messages)
            for _ in range(3):  # warm-up: the first runs compile and fill caches, and V8 tiers the interpreter up
                run_once(page, doc, options)
            ms = []
            for _ in range(args.repeat):
                reply = run_once(page, doc, options)
                if reply["emitted"] != expected_emits(name, args.messages):
                    raise RuntimeError(f"{name}: {reply['emitted']} emits")
                ms.append(reply["ms"])
            rate = args.messages / median(ms) * 1000
            print(f"{name}: engine in Pyodide, report={args.report}, batches dropped: {rate:,.0f} msg/s")
        if args.cpu_profile:
            worker = WorkerSession(page)
            worker.send("Profiler.enable")
            worker.send("Profiler.setSamplingInterval", {"interval": 200})
            worker.send("Profiler.start")
            run_once(page, THROUGHPUT_FLOWS["chain10"](args.messages), options)
            profile = worker.send("Profiler.stop")["profile"]
            args.cpu_profile.write_text(json.dumps(profile))
            for name, share in top_self_time(profile):
                print(f"{share:5.1f}%  {name}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
