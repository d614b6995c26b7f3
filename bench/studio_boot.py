"""Studio boot benchmark: time from navigation to the first result of a one-node flow in
the studio, against a bare page that only calls `loadPyodide()` and evaluates `1+1` —
same browser, same files (dist/), same run; cold (fresh profile) and warm (reload).

Usage: python bench/studio_boot.py [--runs 3] [--docs docs/performance.md]
(after `npm run build`; needs playwright and Debian's chromium, like the e2e tests)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import ARGS, CHROMIUM, serve_dist
from playwright.sync_api import sync_playwright

BARE = """<!doctype html><script type="module">
import { loadPyodide } from './pyodide/pyodide.mjs';
const py = await loadPyodide({ indexURL: new URL('./pyodide/', location.href).href });
window.__result = py.runPython('1+1');
window.__ms = performance.now();
</script>"""

ONE_NODE = {
    "headrace": 1,
    "name": "Bench",
    "requirements": [],
    "nodes": [{"id": "d", "type": "data", "name": "D", "code": "x = 1 + 1\n"}],
    "edges": [],
}

# Time from navigation start to the first emit of the flow (Run clicked as soon as ready).
STUDIO_HOOK = """
addEventListener('headrace:ready', () => {
  const click = () => { const b = document.querySelector('[data-testid=run-flow]');
    const ready = b && !b.disabled && document.querySelector('[data-node-id=d] [data-socket=x]');
    if (ready) b.click(); else setTimeout(click, 5); };
  click();
});
addEventListener('headrace:emit', () => { if (!window.__ms) window.__ms = performance.now(); });
"""


def measure(playwright, url: str, hook: str | None) -> tuple[float, float]:
    """(cold, warm) milliseconds in one fresh profile."""
    with tempfile.TemporaryDirectory() as profile:
        ctx = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS)
        if hook:
            ctx.add_init_script(hook)
        page = ctx.new_page()
        times = []
        for _ in range(2):
            page.goto(url)
            page.wait_for_function("window.__ms", timeout=180_000)
            times.append(page.evaluate("window.__ms"))
        ctx.close()
    return times[0], times[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docs", type=Path, help="replace the table between the markers in this Markdown file")
    args = parser.parse_args()
    pages = {
        "/bare.html": (BARE.encode(), "text/html"),
        "/bench-flow.json": (json.dumps(ONE_NODE).encode(), "application/json"),
    }
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "studio": []}
    with serve_dist(pages) as base, sync_playwright() as p:
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            results["bare"].append(measure(p, base + "bare.html", None))
            # A fresh profile has no saved flows: ?flow= opens the one-node flow.
            results["studio"].append(measure(p, base + "?flow=bench-flow.json", STUDIO_HOOK))
    summary = {}
    for name, runs in results.items():
        summary[name] = {
            "cold_ms": round(statistics.median(r[0] for r in runs)),
            "warm_ms": round(statistics.median(r[1] for r in runs)),
        }
    for phase in ("cold_ms", "warm_ms"):
        summary[f"ratio_{phase[:-3]}"] = round(summary["studio"][phase] / summary["bare"][phase], 2)
    print(json.dumps(summary, indent=2))
    if args.docs:
        table = "\n".join(
            [
                f"Chromium (Debian), dist/ on a local static server; median of {args.runs}; time from navigation.",
                "",
                "| page | cold (fresh profile) | warm (reload) |",
                "|---|---:|---:|",
                f"| bare: `loadPyodide()` + `1+1` | {summary['bare']['cold_ms']} ms "
                f"| {summary['bare']['warm_ms']} ms |",
                f"| studio: first result of a one-node flow | {summary['studio']['cold_ms']} ms "
                f"| {summary['studio']['warm_ms']} ms |",
                f"| studio / bare | {summary['ratio_cold']}× | {summary['ratio_warm']}× |",
            ]
        )
        from engine_throughput import replace_section

        replace_section(args.docs, "studio_boot", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
