"""What the studio's run history costs a run: the throughput chain of 10 nodes run by
Run Flow in the built studio (Pyodide in Chromium's worker, the run view on the canvas),
with the Runs panel's "Record runs" on and off, alternating (ABBA) in one page, so that machine
load hits both alike. The time is from the click to the run's ``headrace:idle`` (which
includes the recorder's write at rest: the view and every socket's kept values read from
the worker and written to IndexedDB). Figures are medians; the ratio is on / off.

Not a test: a measurement (docs/performance.md, "Run history: what recording costs").

    python bench/studio_recording.py [--messages N] [--repeat R] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import ARGS, CHROMIUM, PREVIEW_HEADERS, serve_dist
from playwright.sync_api import Page, sync_playwright
from report import table
from studio import open_studio, run_flow

from flows import THROUGHPUT_FLOWS, expected_emits

WARM_UP_RUNS = 3


def set_recording(page: Page, on: bool) -> None:
    """Turn "Record runs" on or off as a user does, in the Runs panel."""
    page.get_by_test_id("open-runs").click()
    toggle = page.get_by_test_id("runs-recording")
    if (toggle.get_attribute("aria-checked") == "true") != on:
        toggle.click()
    page.get_by_test_id("runs-close").click()
    page.get_by_test_id("runs-panel").wait_for(state="hidden")


#: How many runs the studio's history keeps (its IndexedDB store, read as a test reads it).
KEPT_RUNS = """async () => {
  const request = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = no; });
  const db = await request(indexedDB.open('headrace-runs'));
  const n = await request(db.transaction('runs').objectStore('runs').count());
  db.close();
  return n;
}"""


def kept_runs(page: Page) -> int:
    return int(page.evaluate(KEPT_RUNS))


def measure(messages: int, repeat: int) -> dict[str, float | int]:
    doc = THROUGHPUT_FLOWS["chain10"](messages)
    pages = {"/bench/chain10.json": (json.dumps(doc).encode(), "application/json")}
    with serve_dist(pages, headers=PREVIEW_HEADERS) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context()
        page = open_studio(context, f"{base}?flow=bench/chain10.json", [doc["nodes"][0]["id"], doc["nodes"][-1]["id"]])
        emits = expected_emits("chain10", messages)
        for _ in range(WARM_UP_RUNS):
            run_flow(page, emits)
        samples: dict[bool, list[float]] = {True: [], False: []}
        for i in range(repeat * 2):
            on = i % 4 in (0, 3)  # on, off, off, on, …: neither always goes first
            set_recording(page, on)
            before = kept_runs(page)
            samples[on].append(run_flow(page, emits))
            page.wait_for_timeout(300)  # (the write at rest lands; the next run then starts clean)
            kept = kept_runs(page) - before
            if kept != (1 if on else 0):
                raise RuntimeError(f"recording {'on' if on else 'off'}: {kept} runs kept")
        browser.close()
    recorded, unrecorded = statistics.median(samples[True]), statistics.median(samples[False])
    figures: dict[str, float | int] = {
        "messages": messages,
        "repeat": repeat,
        "recorded_s": recorded,
        "unrecorded_s": unrecorded,
        "ratio": recorded / unrecorded,
    }
    return figures


def markdown(figures: dict[str, float | int]) -> str:
    return table(
        ["chain of 10 nodes, Run Flow in the studio", "recorded", "not recorded", "recorded / not"],
        [
            [
                f"{int(figures['messages']):,} values, median of {figures['repeat']}",
                f"{figures['recorded_s']:.2f} s",
                f"{figures['unrecorded_s']:.2f} s",
                f"{figures['ratio']:.2f}×",
            ]
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    figures = measure(args.messages, args.repeat)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
