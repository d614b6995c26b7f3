"""Schedule firing accuracy in the browser: lateness of one-second cron fires from
the engine in a Pyodide Web Worker, beside a bare ``setTimeout`` loop aligned to
the same seconds in another worker, in the same page and run.

Not a test: a measurement (about a minute).

    python bench/schedule_accuracy.py [--fires 60] [--docs docs/performance.md]

Needs the built studio (``make build``: dist/ has Pyodide and the wheels),
playwright and Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import ARGS, CHROMIUM, serve_dist
from playwright.sync_api import sync_playwright

ENGINE_WORKER = """
import { loadPyodide } from './pyodide/pyodide.mjs';
const manifest = await (await fetch('./wheels/manifest.json')).json();
const py = await loadPyodide({ indexURL: new URL('./pyodide/', location.href).href });
await py.loadPackage(manifest.boot.map((w) => new URL('./wheels/' + w, location.href).href));
const late = [];
py.globals.set('push', (batch) => {
  for (const e of JSON.parse(batch)) {
    if (e.event === 'schedule_fire') { late.push(e.lateness_ms); if (late.length >= FIRES) postMessage(late); }
  }
});
const bridge = py.runPython('from headrace.bridge import Bridge\\nBridge(push)');
const flow = { headrace: 1, name: 'tick', timezone: 'UTC', nodes: [
  { id: 'd', type: 'data', name: '', code: 'x = 1\\n', schedule: { x: '* * * * * *' } }], edges: [] };
await bridge.handle(JSON.stringify({ cmd: 'run', flow, trigger: 'none' }));
"""

TIMEOUT_WORKER = """
const late = [];
function next() {
  const target = Math.floor(Date.now() / 1000) * 1000 + 1000;
  setTimeout(() => { late.push(Date.now() - target); if (late.length >= FIRES) postMessage(late); else next(); },
             target - Date.now());
}
next();
"""

PAGE = """<!doctype html><script type="module">
const make = (src) => new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
const base = location.href.replace(/[^/]*$/, '');
const fix = (src) => src.replaceAll("'./", "'" + base).replaceAll('FIRES', String(FIRES));
window.results = {};
for (const [name, src] of Object.entries({ engine: ENGINE, timeout: TIMEOUT })) {
  make(fix(src)).onmessage = (e) => { window.results[name] = e.data; };
}
</script>"""


def stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fires", type=int, default=60)
    parser.add_argument("--docs", type=Path)
    args = parser.parse_args()
    page = PAGE.replace("ENGINE", json.dumps(ENGINE_WORKER)).replace("TIMEOUT", json.dumps(TIMEOUT_WORKER))
    body = page.replace("FIRES", str(args.fires)).encode()
    with serve_dist({"/accuracy.html": (body, "text/html")}) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page()
        tab.goto(base + "accuracy.html")
        tab.wait_for_function("window.results.engine && window.results.timeout", timeout=(args.fires + 120) * 1000)
        results = tab.evaluate("window.results")
        browser.close()
    engine, timeout = stats(results["engine"]), stats(results["timeout"])
    table = "\n".join(
        [
            f"Chromium (Debian); {args.fires} fires of `* * * * * *` each; lateness after the second's start.",
            "",
            "| timer | median lateness | p99 lateness |",
            "|---|---:|---:|",
            f"| headrace schedule in the Pyodide worker | {engine[0]:.1f} ms | {engine[1]:.1f} ms |",
            f"| bare `setTimeout` loop in a worker | {timeout[0]:.1f} ms | {timeout[1]:.1f} ms |",
        ]
    )
    print(table)
    if args.docs:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from report import replace_section

        replace_section(args.docs, "schedule_accuracy", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
