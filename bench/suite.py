"""The benchmarks in one run (``bench/run``): throughput, boot, canvas, UI under
load and memory, each figure beside a baseline measured in the same run; writes
bench/results.json and the tables in docs/performance.md.

    bench/run [--smoke] [--results FILE] [--docs FILE | --no-docs] [--only NAME ...]
              [--trace-dir DIR] [--tables-only]

``--smoke``: tiny sizes, one repetition — checks the harness works, the figures mean
nothing. ``--only``: measure some figures again, keeping the others from the results
file. ``--tables-only``: rewrite the tables from the results file, measuring nothing.
The full run takes about 15 minutes. Needs the built studio (``make build``; a copy is
served, so a rebuild meanwhile does not disturb it), Node-RED (``npm ci --prefix
bench``), playwright and Debian's chromium.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import canvas
import machine
import memory
import studio_boot
import throughput
import ui_load
from browser import ARGS, CHROMIUM, DIST, PREVIEW_HEADERS, serve_dist
from nodered import node_red
from playwright.sync_api import sync_playwright
from report import replace_section

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

SIZES: dict[str, dict[str, int]] = {
    "full": {"messages": 20_000, "repeat": 5, "boot_runs": 3, "nodes": 1000, "edges": 1500, "canvas_repeat": 1,
             "moves": 30, "push": 100_000, "memory_runs": 10, "large_nodes": 5000, "large_edges": 7500},
    # The smoke run keeps the 5,000-node canvas: what it checks is that this size works.
    "smoke": {"messages": 200, "repeat": 1, "boot_runs": 1, "nodes": 40, "edges": 60, "canvas_repeat": 1,
              "moves": 10, "push": 1000, "memory_runs": 2, "large_nodes": 5000, "large_edges": 7500},
}  # fmt: skip
# Canvas last: with 1,000 nodes its gestures are the slowest part, and each figure is saved as it is done.
FIGURES = ("throughput", "boot", "ui_load", "memory", "canvas", "canvas_large")
# Where each figure's table goes in docs/performance.md.
SECTIONS = {"throughput": "peer_throughput", "boot": "studio_boot", "canvas": "canvas", "ui_load": "ui_load",
            "memory": "memory", "canvas_large": "canvas_large"}  # fmt: skip
MARKDOWN: dict[str, Callable[[dict[str, Any]], str]] = {
    "throughput": throughput.markdown,
    "boot": studio_boot.markdown,
    "canvas": canvas.markdown,
    "canvas_large": canvas.markdown_large,
    "ui_load": ui_load.markdown,
    "memory": memory.markdown,
}


def run(
    mode: str, only: list[str], trace_dir: Path | None, results_file: Path, canvas_size: dict[str, int] | None = None
) -> dict[str, Any]:
    """Measure the figures in ``only``; the results file is rewritten after each one (a
    failure later keeps what was measured), and figures not in ``only`` are kept from
    it when it holds a run of the same mode."""
    size = {**SIZES[mode], **(canvas_size or {})}
    if not (DIST / "index.html").exists():
        raise FileNotFoundError(f"{DIST}/index.html is missing: run `make build` first")
    pages = {
        **throughput.flow_pages(size["messages"]),
        **studio_boot.pages(),
        **canvas.canvas_pages(size["nodes"], size["edges"]),
        **canvas.canvas_pages(size["large_nodes"], size["large_edges"], "canvas-large.json"),
        **ui_load.pages(size["push"]),
    }
    results: dict[str, Any] = {
        "schema": 1,
        "mode": mode,
        "sizes": size,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine.describe(CHROMIUM),
        "seconds": {},
        "measured": {},
        "figures": {},
    }
    previous = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else {}
    if previous.get("mode") == mode:  # each figure's note names its sizes
        for name in set(previous.get("figures", {})) - set(only):
            results["figures"][name] = previous["figures"][name]
            results["measured"][name] = previous.get("measured", {}).get(name, previous["started"])
    # A copy of dist/: a rebuild while the benchmarks run (other work in the same tree)
    # must not swap the studio under them.
    with tempfile.TemporaryDirectory(prefix="bench-dist-") as tmp:
        snapshot = Path(tmp) / "dist"
        shutil.copytree(DIST, snapshot)
        measure_all(results, only, size, pages, snapshot, trace_dir, results_file)
    return results


def measure_all(
    results: dict[str, Any],
    only: list[str],
    size: dict[str, int],
    pages: dict[str, tuple[bytes, str]],
    root: Path,
    trace_dir: Path | None,
    results_file: Path,
) -> None:
    with serve_dist(pages, root, PREVIEW_HEADERS) as base, sync_playwright() as p, node_red() as red:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        steps: dict[str, Callable[[], dict[str, Any]]] = {
            "throughput": lambda: throughput.measure(browser, base, red, size["messages"], size["repeat"]),
            "boot": lambda: studio_boot.measure(p, base, size["boot_runs"]),
            "canvas": lambda: canvas.measure(
                browser, base, red, size["nodes"], size["edges"], size["canvas_repeat"], size["moves"]
            ),
            "canvas_large": lambda: canvas.measure(
                browser,
                base,
                red,
                size["large_nodes"],
                size["large_edges"],
                1,
                size["moves"],
                "canvas-large.json",
                "canvas_large",
            ),
            "ui_load": lambda: ui_load.measure(browser, base, size["push"], trace_dir),
            "memory": lambda: memory.measure(browser, base, size["push"], size["memory_runs"]),
        }
        for name in sorted(only, key=FIGURES.index):
            start = time.perf_counter()
            print(f"bench: {name}…", file=sys.stderr, flush=True)
            results["figures"][name] = steps[name]()
            results["seconds"][name] = round(time.perf_counter() - start, 1)
            results["measured"][name] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            results_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        browser.close()


def write_docs(results: dict[str, Any], docs: Path) -> None:
    replace_section(docs, "peer_machine", _machine_line(results))
    for name, figures in results["figures"].items():
        replace_section(docs, SECTIONS[name], MARKDOWN[name](figures))


def _machine_line(results: dict[str, Any]) -> str:
    measured = ", ".join(f"{name} {when[11:16]}" for name, when in results.get("measured", {}).items())
    return (
        f"Machine: {machine.one_line(results['machine'])}. Run of {results['started'][:10]} "
        f"({results['mode']}; finished, UTC: {measured})."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition (checks the harness)")
    parser.add_argument("--results", type=Path, default=BENCH / "results.json", help="the results file")
    parser.add_argument("--docs", type=Path, default=REPO / "docs" / "performance.md", help="the tables' file")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/performance.md alone")
    parser.add_argument("--only", nargs="+", choices=FIGURES, default=list(FIGURES))
    parser.add_argument("--trace-dir", type=Path, help="keep the Chromium traces of the UI-under-load figure here")
    parser.add_argument("--canvas", type=int, nargs=2, metavar=("NODES", "EDGES"), help="another canvas size")
    parser.add_argument("--tables-only", action="store_true", help="measure nothing: rewrite the tables from --results")
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "full"
    if args.trace_dir:
        args.trace_dir.mkdir(parents=True, exist_ok=True)
    if args.tables_only:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    else:
        canvas_size = {"nodes": args.canvas[0], "edges": args.canvas[1]} if args.canvas else None
        results = run(mode, args.only, args.trace_dir, args.results, canvas_size)
        print(f"bench: figures in {args.results}", file=sys.stderr)
    if not args.no_docs:
        write_docs(results, args.docs)
        print(f"bench: tables in {args.docs}", file=sys.stderr)
    for name, figures in results["figures"].items():
        print(f"\n## {name}\n\n{MARKDOWN[name](figures)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
