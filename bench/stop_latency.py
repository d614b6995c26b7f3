"""How fast Stop halts node code that never yields, and how soon Python is back.

Not a test: a measurement, in the real studio (dist/) in Debian's Chromium. A flow's
node awaits briefly, then runs `while True: pass` (or a C-level loop); the benchmark
clicks Stop and times, in the page, from the click to the run being over (the Stop
button disabled), and from the click to the engine being ready again. Two hosts:

* plain (no headers): Stop restarts the engine's worker;
* isolated (COOP/COEP, as `make studio` serves it): Stop raises KeyboardInterrupt
  through Pyodide's interrupt buffer; a C-level loop, which an interrupt cannot reach,
  still restarts the worker.

The baseline, side by side, is the same click on a run whose node awaits (the engine's
own stop, no interrupt, no restart). Aims: halted within 1 s, p95 under
200 ms; Python ready again within 10 s.

    python bench/stop_latency.py [--repeat N] [--docs docs/performance.md] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import ARGS, CHROMIUM, PREVIEW_HEADERS, serve_dist
from playwright.sync_api import Page, sync_playwright
from report import median, percentile, replace_section, table

PREFIX = "import asyncio\n\nasync def spin(n):\n    await asyncio.sleep(0.3)\n"
FAN = "    def fan(k):\n        return 1 if k == 0 else fan(k - 1) + fan(k - 1)\n    return fan(60)\n"
CODES = {
    "await": PREFIX + "    await asyncio.sleep(3600)\n",
    "while True": PREFIX + "    while True:\n        pass\n",
    "recursion": PREFIX + FAN,
    "C loop": PREFIX + "    return sum(range(10**15))\n",
}

# Times, in the page, the click on Stop, the run's end, and the engine's return.
PROBE = """() => {
  const stop = document.querySelector('[data-testid=stop-flow]');
  const engine = document.querySelector('[data-testid=engine-status]');
  const t = window.__stopTimes = { click: null, halted: null, ready: null, restarted: false };
  stop.addEventListener('click', () => { t.click = performance.now(); }, { capture: true, once: true });
  new MutationObserver(() => {
    if (t.click !== null && t.halted === null && stop.disabled) t.halted = performance.now();
  }).observe(stop, { attributes: true });
  new MutationObserver(() => {
    if (engine.dataset.status === 'loading') t.restarted = true;
    if (t.click !== null && t.ready === null && engine.dataset.status === 'ready') t.ready = performance.now();
  }).observe(engine, { attributes: true });
}"""


def flow_file(folder: Path, code: str) -> str:
    flow = {
        "headrace": 1,
        "name": "Stop me",
        "nodes": [
            {"id": "n", "type": "data", "name": "N", "code": "n = 1\n"},
            {"id": "spin", "type": "script", "name": "Spin", "code": code},
        ],
        "edges": [{"from": {"node": "n", "socket": "n"}, "to": {"node": "spin", "port": "spin.n"}}],
    }
    path = folder / "stop-me.json"
    path.write_text(json.dumps(flow))
    return str(path)


def one_stop(page: Page, flow: str) -> dict[str, Any]:
    page.get_by_test_id("import-flow").set_input_files(flow)
    page.locator('[data-node-id="spin"]').wait_for()
    page.get_by_test_id("run-flow").click()
    page.wait_for_function("document.querySelector('[data-node-id=spin]')?.dataset.state === 'running'")
    page.wait_for_timeout(700)  # past the await, in the loop
    page.evaluate(PROBE)
    page.get_by_test_id("stop-flow").click()
    page.wait_for_function("window.__stopTimes.halted !== null", timeout=30_000)
    times = page.evaluate("window.__stopTimes")
    if times["restarted"]:
        page.wait_for_function("window.__stopTimes.ready !== null", timeout=120_000)
        times = page.evaluate("window.__stopTimes")
    return {
        "halted_ms": times["halted"] - times["click"],
        "ready_ms": (times["ready"] - times["click"]) if times["restarted"] else 0.0,
        "restarted": times["restarted"],
    }


def measure(isolated: bool, repeat: int, folder: Path) -> dict[str, dict[str, Any]]:
    headers = PREVIEW_HEADERS if isolated else {"Access-Control-Allow-Origin": "*"}

    results: dict[str, dict[str, Any]] = {}
    with serve_dist({}, headers=headers) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.add_init_script("window.addEventListener('headrace:ready', () => { window.__ready = true; });")
        page.goto(url)
        page.wait_for_function("window.__ready === true", timeout=120_000)
        for name, code in CODES.items():
            flow = flow_file(folder, code)
            samples = [one_stop(page, flow) for _ in range(repeat)]
            results[name] = {
                "halted_ms": [round(s["halted_ms"], 1) for s in samples],
                "ready_ms": [round(s["ready_ms"], 1) for s in samples],
                "restarts": sum(s["restarted"] for s in samples),
            }
        browser.close()
    return results


def render(all_results: dict[str, dict[str, dict[str, Any]]], repeat: int) -> str:
    rows = []
    for host, results in all_results.items():
        base = median(results["await"]["halted_ms"])
        for name, r in results.items():
            halted = r["halted_ms"]
            ready = [v for v in r["ready_ms"] if v] or [0.0]
            rows.append([
                host,
                name,
                f"{median(halted):.0f}",
                f"{percentile(halted, 0.95):.0f}",
                f"{max(halted):.0f}",
                f"{median(halted) / base:.1f}×" if base else "–",
                f"{r['restarts']}/{len(halted)}",
                f"{median(ready) / 1000:.1f} s" if r["restarts"] else "–",
            ])  # fmt: skip
    header = [
        "host",
        "node code",
        "halted, median ms",
        "p95 ms",
        "max ms",
        "vs await",
        "restarts",
        "Python back, median",
    ]
    return (
        f"Stop clicked {repeat} times per row, timed in the page from the click to the run's end; "
        "`await` (the engine's own stop) is the baseline.\n\n" + table(header, rows)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--docs", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "plain": measure(False, args.repeat, Path(tmp)),
            "isolated": measure(True, args.repeat, Path(tmp)),
        }
    text = render(results, args.repeat)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.docs:
        replace_section(args.docs, "stop", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
