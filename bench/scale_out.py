"""Scale-out on Dask: 32 CPU-bound script calls on a LocalCluster of 1 and of 2
worker processes, in the same run; the speedup is the figure.

Not a test: a measurement (this machine has 2 cores, so 2 is the ceiling).

    python bench/scale_out.py [--calls 32] [--seconds 0.5] [--docs docs/performance.md]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from distributed import Client, LocalCluster
from engine_throughput import timed_run
from report import replace_section

from headrace import Flow
from headrace.dask import DaskExecutor

# Busy work of about `seconds` on one core (calibrated below), so the cluster has
# something to spread; `time.sleep` would not need cores at all.
WORK = """
def work(i, loops={loops}):
    total = 0
    for k in range(loops):
        total += (k * k + i) % 7
    return total
"""


def flow(calls: int, loops: int) -> Flow:
    return Flow.load(
        {
            "headrace": 1,
            "name": "scale-out",
            "nodes": [
                {"id": "src", "type": "script", "name": "", "code": f"def each(n={calls}):\n    yield from range(n)\n"},
                {"id": "w", "type": "script", "name": "", "code": WORK.format(loops=loops)},
            ],
            "edges": [{"from": {"node": "src", "socket": "each"}, "to": {"node": "w", "port": "work.i"}}],
        }
    )


def calibrate(seconds: float) -> int:
    namespace: dict[str, Any] = {}
    exec(WORK.format(loops=200_000), namespace)
    start = time.perf_counter()
    namespace["work"](0)
    per_loop = (time.perf_counter() - start) / 200_000
    return max(1, int(seconds / per_loop))


async def on_cluster(workers: int, calls: int, loops: int) -> float:
    async with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            asynchronous=True,
        ) as cluster,  # fmt: skip
        Client(cluster, asynchronous=True) as client,
    ):
        return await timed_run(flow(calls, loops).start(executor=DaskExecutor(client, spread=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=0.5, help="CPU time of one call")
    parser.add_argument("--docs", type=Path)
    args = parser.parse_args()
    loops = calibrate(args.seconds)
    one = asyncio.run(on_cluster(1, args.calls, loops))
    two = asyncio.run(on_cluster(2, args.calls, loops))
    table = "\n".join(
        [
            f"Machine: {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} cores; {args.calls} calls of about {args.seconds} s CPU each, spread over the workers.",
            "",
            "| workers | wall time | speedup |",
            "|---:|---:|---:|",
            f"| 1 | {one:.2f} s | 1.00× |",
            f"| 2 | {two:.2f} s | {one / two:.2f}× |",
        ]
    )
    print(table)
    if args.docs:
        replace_section(args.docs, "scale_out", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
