"""Profiling aid for figure 5 (not part of bench/run): what the studio page keeps from
run to run. Heap snapshots of the page (CDP HeapProfiler) after one run and after more
runs of the push flow are compared by constructor: the classes whose objects grow.

    python bench/heap_growth.py [--messages 1000] [--runs 10]
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
from playwright.sync_api import Page, sync_playwright
from studio import open_studio, run_flow

from flows import expected_emits, push_flow


def snapshot_by_class(page: Page) -> dict[str, tuple[int, int]]:
    """{constructor name: (objects, self bytes)} of the page's heap, after a GC."""
    cdp = page.context.new_cdp_session(page)
    chunks: list[str] = []
    cdp.on("HeapProfiler.addHeapSnapshotChunk", lambda e: chunks.append(e["chunk"]))
    cdp.send("HeapProfiler.enable")
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    cdp.detach()
    snap: dict[str, Any] = json.loads("".join(chunks))
    meta = snap["snapshot"]["meta"]
    fields = meta["node_fields"]
    width, name_at, size_at, type_at = (
        len(fields),
        fields.index("name"),
        fields.index("self_size"),
        fields.index("type"),
    )
    types = meta["node_types"][0]
    strings, nodes = snap["strings"], snap["nodes"]
    totals: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for i in range(0, len(nodes), width):
        kind = types[nodes[i + type_at]]
        name = strings[nodes[i + name_at]] if kind in ("object", "closure", "native") else f"({kind})"
        totals[name][0] += 1
        totals[name][1] += nodes[i + size_at]
    return {k: (v[0], v[1]) for k, v in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    pages = {"/bench/push.json": (json.dumps(push_flow(args.messages)).encode(), "application/json")}
    with serve_dist(pages) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = open_studio(browser.new_context(), f"{base}?flow=bench/push.json", ["src", "inc"])
        emits = expected_emits("push", args.messages)
        run_flow(page, emits)
        before = snapshot_by_class(page)
        for _ in range(args.runs):
            run_flow(page, emits)
        after = snapshot_by_class(page)
        browser.close()
    growth = {k: (after[k][0] - before.get(k, (0, 0))[0], after[k][1] - before.get(k, (0, 0))[1]) for k in after}
    print(f"grew over {args.runs} runs (objects, bytes), by constructor:")
    for name, (count, size) in sorted(growth.items(), key=lambda kv: -kv[1][1])[:20]:
        print(f"  {size:+10,} B {count:+7,}  {name[:80]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
