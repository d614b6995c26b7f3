"""The backend's per-message overhead: the same flow in-process and through
``headrace serve`` (HTTP to start, WebSocket for the events), in the same run.

Not a test: a measurement.

    python bench/server_overhead.py [--messages 5000] [--repeat 3] [--docs docs/performance.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from report import replace_section
from websockets.asyncio.client import connect

from flows import chain_flow
from headrace import Flow

TOKEN = "bench-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def in_process(doc: dict[str, object]) -> float:
    start = time.perf_counter()
    await Flow.load(doc).run()
    return time.perf_counter() - start


async def through_server(doc: dict[str, object], port: int) -> float:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as http:
        start = time.perf_counter()
        reply = await http.post("/api/runs?schedules=false", json=doc)
        reply.raise_for_status()
        run = reply.json()["run"]
        async with connect(f"ws://127.0.0.1:{port}/api/runs/{run}/events?token={TOKEN}", max_size=None) as ws:
            async for message in ws:
                if '"run_idle"' in message:
                    break
        elapsed = time.perf_counter() - start
        await http.delete(f"/api/runs/{run}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--docs", type=Path)
    args = parser.parse_args()
    doc = chain_flow(args.messages)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "headrace", "serve", "--port", str(port), "--token", TOKEN],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "py")},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/health", headers={"Authorization": f"Bearer {TOKEN}"})
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        local, remote = [], []
        for _ in range(args.repeat):
            local.append(asyncio.run(in_process(doc)))
            remote.append(asyncio.run(through_server(doc, port)))
    finally:
        server.terminate()
        server.wait(10)
    hops = args.messages * 10  # ten nodes: every message is ten calls and emits
    a, b = statistics.median(local), statistics.median(remote)
    events_per_message = 1
    table = "\n".join(
        [
            f"Machine: {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} cores; chain of 10 nodes, {args.messages:,} messages ({hops:,} emits), "
            f"median of {args.repeat}.",
            "",
            "| where | wall time | emits/s | overhead per emit |",
            "|---|---:|---:|---:|",
            f"| in-process (`Flow.run`) | {a:.2f} s | {hops / a:,.0f} | – |",
            f"| `headrace serve` (child process, JSON lines, WebSocket) | {b:.2f} s | {hops / b:,.0f} "
            f"| {(b - a) / hops * 1e6 * events_per_message:.1f} µs |",
        ]
    )
    print(table)
    print(json.dumps({"in_process_s": a, "server_s": b, "ratio": b / a}))
    if args.docs:
        replace_section(args.docs, "server_overhead", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
