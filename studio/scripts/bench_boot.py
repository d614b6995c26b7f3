"""Studio boot benchmark: time from navigation to the first result of a one-node flow in
the studio, against a bare page that only calls `loadPyodide()` and evaluates `1+1` —
same browser, same files (dist/), same run; cold (fresh profile) and warm (reload).

Usage: python studio/scripts/bench_boot.py [--runs 3]   (after `npm run build`; needs
playwright and Debian's chromium, like the e2e tests)
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "dist"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]

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
    if (b && !b.disabled && document.querySelector('[data-node-id=d] [data-socket=x]')) b.click(); else setTimeout(click, 5); };
  click();
});
addEventListener('headrace:emit', () => { if (!window.__ms) window.__ms = performance.now(); });
"""


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if self.path.startswith("/bare.html"):
            self._send(BARE.encode(), "text/html")
        elif self.path.startswith("/bench-flow.json"):
            self._send(json.dumps(ONE_NODE).encode(), "application/json")
        else:
            super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def measure(playwright, url: str, hook: str | None) -> tuple[float, float]:
    """(cold, warm) milliseconds in one fresh profile."""
    with tempfile.TemporaryDirectory() as profile:
        ctx = playwright.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium", args=ARGS)
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
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(DIST)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "studio": []}
    with sync_playwright() as p:
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            results["bare"].append(measure(p, base + "bare.html", None))
            # A fresh profile has no saved flows: ?flow= opens the one-node flow.
            results["studio"].append(measure(p, base + "?flow=bench-flow.json", STUDIO_HOOK))
    server.shutdown()
    summary = {}
    for name, runs in results.items():
        summary[name] = {
            "cold_ms": round(statistics.median(r[0] for r in runs)),
            "warm_ms": round(statistics.median(r[1] for r in runs)),
        }
    for phase in ("cold_ms", "warm_ms"):
        summary[f"ratio_{phase[:-3]}"] = round(summary["studio"][phase] / summary["bare"][phase], 2)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
