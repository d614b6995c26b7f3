"""Profiling aid: what a Chromium performance trace (``bench/run --trace-dir``) says
about where the time went — busy time per thread (the sum of its RunTask events) over
the traced span, the longest tasks of the page's main thread, and the trace events with
the most time on the main thread and in the engine's worker.

    python bench/trace_summary.py TRACE.json [--top 12]
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Any

MAIN, WORKER = "CrRendererMain", "DedicatedWorker thread"


def summarise(trace: dict[str, Any], top: int) -> str:
    events = trace["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}  # fmt: skip
    complete = [e for e in events if e.get("ph") == "X" and "dur" in e]
    main_tasks = [e for e in complete if e["name"] == "RunTask" and names.get((e["pid"], e["tid"])) == MAIN]
    if not main_tasks:
        return "no main-thread tasks in this trace"
    start = min(e["ts"] for e in main_tasks)
    end = max(e["ts"] + e["dur"] for e in main_tasks)
    span_ms = (end - start) / 1000
    busy: collections.Counter[str] = collections.Counter()
    by_name: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for e in complete:
        thread = names.get((e["pid"], e["tid"]), "?")
        if e["name"] == "RunTask":
            busy[thread] += e["dur"] / 1000
        by_name[thread][e["name"]] += e["dur"] / 1000
    lines = [f"traced span: {span_ms:,.0f} ms (first to last main-thread task)", "", "busy time per thread:"]
    lines += [f"  {thread:28s} {ms:9,.0f} ms  {ms / span_ms:6.1%}" for thread, ms in busy.most_common(8)]
    longest = sorted(main_tasks, key=lambda e: e["dur"], reverse=True)[:5]
    lines += ["", "longest main-thread tasks: " + ", ".join(f"{e['dur'] / 1000:.1f} ms" for e in longest)]
    for thread in (MAIN, WORKER):
        lines += ["", f"events with the most time on {thread} (nested events overlap):"]
        lines += [f"  {name:40s} {ms:9,.0f} ms" for name, ms in by_name[thread].most_common(top)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    print(summarise(json.loads(args.trace.read_text()), args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
