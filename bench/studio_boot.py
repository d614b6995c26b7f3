"""Figure 2, boot: time from navigation to the first result of a one-node flow in the
studio (``index.html?flow=``) and in the embed (``<headrace-flow autorun>``, when
dist/embed/ is built), against a bare page that only calls ``loadPyodide()`` and
evaluates ``1+1`` — same browser, same files (dist/), interleaved in one run; cold
(fresh profile) and warm (the same profile, second visit).

    python bench/studio_boot.py [--runs 3] [--docs docs/performance.md]

(after `make build`; needs playwright and Debian's chromium, like the e2e tests)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import ARGS, CHROMIUM, DIST, PREVIEW_HEADERS, serve_dist
from playwright.sync_api import Playwright, sync_playwright
from report import figure, median, replace_section, table

from flows import one_node_flow

BOOT_TIMEOUT_MS = 180_000
#: The studio and the embed against the bare page: faster than Pyodide alone, because the
#: engine is restored from the build's snapshot rather than booted and imported.
AIMS = {"cold": 1.0, "warm": 0.6}

BARE = """<!doctype html><script type="module">
import { loadPyodide } from './pyodide/pyodide.mjs';
const py = await loadPyodide({ indexURL: new URL('./pyodide/', location.href).href });
window.__result = py.runPython('1+1');
window.__ms = performance.now();
</script>"""

# Run clicked as soon as the studio is ready; the time of the flow's first emit.
STUDIO_HOOK = """
addEventListener('headrace:ready', () => {
  const click = () => { const b = document.querySelector('[data-testid=run-flow]');
    const ready = b && !b.disabled && document.querySelector('[data-node-id=d] [data-socket=x]');
    if (ready) b.click(); else setTimeout(click, 5); };
  click();
});
addEventListener('headrace:emit', () => { if (!window.__ms) window.__ms = performance.now(); });
// The canvas is interactive once it shows the flow's node: the user can edit before Python is ready.
(function canvas() {
  if (document.querySelector('[data-node-id=d]')) window.__canvasMs = performance.now();
  else requestAnimationFrame(canvas);
})();
"""

# The embed as a page author uses it, told to run once loaded; events go to the element.
EMBED = """<!doctype html><script type="module" src="./embed/headrace-embed.js"></script>
<headrace-flow src="./bench/one-node.json" autorun></headrace-flow>
<script>document.querySelector('headrace-flow')
  .addEventListener('headrace:emit', () => { if (!window.__ms) window.__ms = performance.now(); });</script>"""

# What a first visit keeps, kept: the engine snapshot (pages with an engine) and, where the
# page registers one, its service worker installed.
SETTLED = """async () => {
  if (!document.querySelector('headrace-flow, [data-testid=engine-status]')) return true;
  const kept = await new Promise((resolve) => {
    const open = indexedDB.open('headrace-engine');
    open.onerror = () => resolve(false);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('snapshot')) { db.close(); return resolve(false); }
      const get = db.transaction('snapshot').objectStore('snapshot').get('engine');
      get.onsuccess = () => { db.close(); resolve(!!get.result); };
      get.onerror = () => { db.close(); resolve(false); };
    };
  });
  const registration = await navigator.serviceWorker?.getRegistration();
  return kept && (!registration || !!registration.active);
}"""

PAGES = {"bare": "bare.html", "studio": "?flow=bench/one-node.json", "embed": "embed-boot.html"}


def embed_built() -> bool:
    return (DIST / "embed" / "headrace-embed.js").exists()


def pages() -> dict[str, tuple[bytes, str]]:
    return {
        "/bare.html": (BARE.encode(), "text/html"),
        "/embed-boot.html": (EMBED.encode(), "text/html"),
        "/bench/one-node.json": (json.dumps(one_node_flow()).encode(), "application/json"),
    }


Visits = tuple[tuple[float, float], tuple[float | None, float | None]]


def visit_twice(playwright: Playwright, url: str, hook: str | None) -> Visits:
    """(cold, warm) milliseconds from navigation to ``window.__ms``, in one fresh profile,
    and to ``window.__canvasMs`` where the page sets it (the studio's interactive canvas)."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS)
        if hook:
            context.add_init_script(hook)
        page = context.new_page()
        times, canvas = [], []
        for visit in range(2):
            page.goto(url)
            page.wait_for_function("window.__ms", timeout=BOOT_TIMEOUT_MS)
            times.append(float(page.evaluate("window.__ms")))
            shown = page.evaluate("window.__canvasMs ?? null")
            canvas.append(None if shown is None else float(shown))
            if visit == 0:
                # A second visit comes later: what the first keeps (the engine snapshot, the
                # studio's offline copy) is kept by then.
                page.wait_for_function(SETTLED, timeout=BOOT_TIMEOUT_MS, polling=200)
        booted = page.evaluate("document.querySelector('[data-testid=engine-status]')?.dataset.boot ?? null")
        context.close()
    if hook and booted != "snapshot":  # (the smoke run checks the snapshot path so)
        raise RuntimeError(f"the studio's second visit did not restore Python from its snapshot (data-boot={booted})")
    return (times[0], times[1]), (canvas[0], canvas[1])


def measure(playwright: Playwright, base_url: str, runs: int) -> dict[str, Any]:
    """``base_url`` serves dist/ plus pages()."""
    kinds = ["bare", "studio"] + (["embed"] if embed_built() else [])
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    canvas_samples: list[tuple[float | None, float | None]] = []
    for _ in range(runs):  # interleaved, so all see the same machine load
        for kind in kinds:
            first_result, canvas_shown = visit_twice(
                playwright, base_url + PAGES[kind], STUDIO_HOOK if kind == "studio" else None
            )
            samples[kind].append(first_result)
            if kind == "studio":
                canvas_samples.append(canvas_shown)
    figures: dict[str, Any] = {}
    for phase, index in (("cold", 0), ("warm", 1)):
        bare, aim = [s[index] for s in samples["bare"]], AIMS[phase]
        for kind in ("studio", "embed"):
            key = f"boot.{kind}_{phase}_vs_bare"
            if kind not in samples:
                figures[key] = figure(None, "ms", ("bare loadPyodide() + 1+1", median(bare)), higher_is_better=False,
                                      aim=aim, note="not built: dist/embed/headrace-embed.js is missing")  # fmt: skip
                continue
            mine = [s[index] for s in samples[kind]]
            figures[key] = figure(median(mine), "ms", ("bare loadPyodide() + 1+1", median(bare)), mine,
                                  higher_is_better=False, aim=aim, note=f"{phase}; median of {runs}")  # fmt: skip
        # Reported beside it, no aim: how soon the studio can be used, before Python is ready.
        canvas = [shown for s in canvas_samples if (shown := s[index]) is not None]
        figures[f"boot.studio_canvas_{phase}"] = figure(
            median(canvas) if canvas else None, "ms", ("bare loadPyodide() + 1+1", median(bare)), canvas,
            higher_is_better=False, note=f"{phase}; median of {runs}",
        )  # fmt: skip
    return figures


def markdown(figures: dict[str, Any]) -> str:
    def cell(key: str) -> str:
        f = figures[key]
        return "not built" if f["value"] is None else f"{f['value']:,.0f} ms"

    def ratio(key: str) -> str:
        f = figures[key]
        return "–" if f["ratio"] is None else f"**{f['ratio']:.2f}×**"

    bare = [f"{figures[f'boot.studio_{p}_vs_bare']['baseline']['value']:,.0f} ms" for p in ("cold", "warm")]
    rows = [["bare: `loadPyodide()` + `1+1`", *bare]]
    for kind, label in (("studio", "studio: first result of a one-node flow"), ("embed", "embed: the same, `autorun`")):
        rows.append([label, cell(f"boot.{kind}_cold_vs_bare"), cell(f"boot.{kind}_warm_vs_bare")])
        rows.append([f"{kind} / bare (aim: cold ≤ {AIMS['cold']}×, warm ≤ {AIMS['warm']}×)",
                     ratio(f"boot.{kind}_cold_vs_bare"), ratio(f"boot.{kind}_warm_vs_bare")])  # fmt: skip
    if "boot.studio_canvas_cold" in figures:
        rows.insert(1, ["studio: the flow shown on the canvas, editable",
                        cell("boot.studio_canvas_cold"), cell("boot.studio_canvas_warm")])  # fmt: skip
    return table(["page", "cold (fresh profile)", "warm (second visit)"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docs", type=Path, help="replace the table between the markers in this Markdown file")
    args = parser.parse_args()
    with serve_dist(pages(), headers=PREVIEW_HEADERS) as base, sync_playwright() as p:
        figures = measure(p, base, args.runs)
    text = markdown(figures)
    print(text)
    if args.docs:
        replace_section(args.docs, "studio_boot", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
