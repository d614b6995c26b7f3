"""What the server holds is bounded in bytes: the values it keeps for late
viewers, over all runs (--replay-memory), whatever runs emit; and a viewer that
stops reading is cut off (1013) with a bounded backlog, not left attached."""

from __future__ import annotations

import gc
import socket
import struct
import time
from typing import Any

import pytest
from conftest import LiveServer, Serve, flow, fold, raw_websocket, script

import headrace.server.runs as runs_module
from headrace.server.runs import EMIT_REPLAY_BYTES, Viewer
from headrace.units import MIB


def rss() -> int:
    """This process's resident memory, in bytes (the LiveServer runs in it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def values(count: int, size: int) -> dict[str, Any]:
    """A flow whose generator yields ``count`` distinct strings of ``size`` characters."""
    code = f"def big():\n    for i in range({count}):\n        yield str(i % 10) * {size}\n"
    return flow(script("g", code))


def run_to_the_end(server: LiveServer, body: dict[str, Any], count: int) -> str:
    run_id = server.start(body)
    deadline = time.monotonic() + 60
    while server.info(run_id)["emitted"] < count:
        assert time.monotonic() < deadline, server.info(run_id)
        time.sleep(0.05)
    assert server.http.delete(f"/api/runs/{run_id}").status_code == 200
    return run_id


def test_the_values_kept_for_late_viewers_are_bounded_over_all_runs(serve: Serve) -> None:
    server: LiveServer = serve(replay_memory=3 * MIB)
    budget = server.server.runs.replay
    runs = []
    for _ in range(3):
        runs.append(run_to_the_end(server, values(2, MIB), 2))
        assert budget.used <= 3 * MIB
    kept = {run_id: server.server.runs.runs[run_id].replay_bytes for run_id in runs}
    assert kept[runs[0]] == 0 and kept[runs[1]] == 0, "the oldest stopped runs' values go first"
    assert kept[runs[2]] > 2 * MIB and budget.used == sum(kept.values())
    # The newest run's late viewer still hears its values; the oldest's sees the
    # same view, without them.
    newest = server.events(runs[2])
    assert [len(e["value"]) for e in newest if e["event"] == "emit"] == [MIB, MIB]
    oldest = server.events(runs[0])
    assert not [e for e in oldest if e["event"] == "emit"]
    assert fold(oldest).nodes["g"]["sockets"]["big"]["count"] == 2
    # Runs forgotten (beyond keep_stopped) give their bytes back.
    for run_id in runs:
        server.server.runs.forget(run_id)
    assert budget.used == 0


def test_large_values_leave_the_servers_memory_bounded(serve: Serve) -> None:
    """20 strings of 5 MB a run, three runs: 300 MB went through; the server keeps
    a value a run at most (each keeps EMIT_REPLAY_BYTES at most), within its budget."""
    limit = 12 * MIB
    server: LiveServer = serve(replay_memory=limit)
    run_to_the_end(server, values(2, 5_000_000), 2)  # warm up: imports, buffers
    gc.collect()
    before = rss()
    for _ in range(3):
        run_to_the_end(server, values(20, 5_000_000), 20)
        assert server.server.runs.replay.used <= limit
    gc.collect()
    grown = rss() - before
    assert grown < 150 * MIB, f"the server grew by {grown / MIB:.0f} MiB"
    assert all(run.replay_bytes <= EMIT_REPLAY_BYTES for run in server.server.runs.runs.values())


def read_until_close(sock: socket.socket, timeout: float) -> tuple[int | None, int]:
    """Read frames until the close frame: its code (None if the connection ended
    without one), and how many payload bytes came before it."""
    sock.settimeout(timeout)
    buffer = b""
    received = 0

    def take(n: int) -> bytes:
        nonlocal buffer
        while len(buffer) < n:
            chunk = sock.recv(1024 * 1024)
            if not chunk:
                raise EOFError
            buffer += chunk
        out, buffer = buffer[:n], buffer[n:]
        return out

    try:
        while True:
            first, second = take(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", take(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", take(8))
            payload = take(length)
            if first & 0x0F == 0x8:
                return struct.unpack("!H", payload[:2])[0], received
            received += length
    except (EOFError, ConnectionError):
        return None, received


def test_a_viewer_that_stops_reading_is_cut_off(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    backlog = 4 * MIB
    monkeypatch.setattr(runs_module, "VIEWER_BACKLOG_CHARS", backlog)
    most = 0
    longest = 0
    push = Viewer.push

    def measured(self: Viewer, line: str) -> None:
        nonlocal most, longest
        push(self, line)
        most = max(most, self.chars)
        longest = max(longest, len(line))

    monkeypatch.setattr(Viewer, "push", measured)
    server: LiveServer = serve()
    code = "def flood():\n    i = 0\n    while True:\n        i += 1\n        yield str(i % 10) * 8000\n"
    run_id = server.start(flow(script("f", code)), trigger="none", report="events")
    sock, status = raw_websocket(server, f"/api/runs/{run_id}/events?token={server.config.token}")
    try:
        assert b" 101 " in status, status
        began = time.monotonic()
        assert server.http.post(f"/api/runs/{run_id}/trigger", json={"node": "f"}).status_code == 200
        # The viewer reads nothing: within seconds the server lets it go.
        while server.info(run_id)["viewers"]:
            assert time.monotonic() - began < 10, "a viewer that never reads is still attached"
            time.sleep(0.05)
        assert server.info(run_id)["state"] != "stopped", "the run goes on"
        # It reads again: what was under way, then the close frame, 1013.
        code_seen, received = read_until_close(sock, timeout=10)
        assert code_seen == 1013
        assert received < backlog + 8 * MIB, received
    finally:
        sock.close()
    # Bounded in bytes, beyond one batch line (one always fits: a batch bigger than the
    # budget must not cut off a viewer that keeps up). A slow machine batches more
    # values per line, so the bound is the budget, or one line when that is bigger.
    assert 0 < most <= max(backlog, longest) + 10_000, "the backlog was bounded in bytes"
    assert server.health_latency() < 1.0
