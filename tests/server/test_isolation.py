"""Node code that never yields, crashes its process or eats memory ends its own
run only, with a clear event, while the server keeps answering."""

from __future__ import annotations

import threading
import time
from typing import Any

from conftest import LiveServer, flow, fold, script

SPIN = flow(script("spin", "def spin():\n    while True:\n        pass\n"))
#: Ignores KeyboardInterrupt and SIGTERM: only SIGKILL ends it.
STUBBORN = flow(
    script(
        "spin",
        "import signal\n"
        "def spin():\n"
        "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    while True:\n"
        "        try:\n"
        "            while True:\n"
        "                pass\n"
        "        except BaseException:\n"
        "            pass\n",
    )
)


def running(event: dict[str, Any]) -> bool:
    """A view event that shows the node running (the server's runs report their view)."""
    return event["event"] == "view" and event["nodes"].get("spin", {}).get("state") == "running"


class HealthWatch:
    """Polls /api/health in a thread; records the slowest answer."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.slowest = 0.0
        self.answers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.slowest = max(self.slowest, self.server.health_latency())
            self.answers += 1
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        assert self.answers > 3
        assert self.slowest < 1.0, f"/api/health took {self.slowest:.2f} s"


def test_the_time_limit_stops_an_endless_loop(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(run_time_limit=1.0)
    watch = HealthWatch(server)
    began = time.monotonic()
    run_id = server.start(SPIN)
    events = server.events(run_id)
    watch.stop()
    assert 1.0 <= time.monotonic() - began < 5
    last = events[-1]
    assert last["event"] == "run_stopped" and last["reason"] == "stopped"
    assert "time limit" in last["message"] and "1 s" in last["message"]
    assert any(running(e) for e in events)
    info = server.info(run_id)
    assert info["state"] == "stopped" and "time limit" in info["message"]


def test_delete_stops_an_endless_loop(server: LiveServer) -> None:
    run_id = server.start(SPIN)
    server.events(run_id, until=running)
    watch = HealthWatch(server)
    time.sleep(0.3)
    began = time.monotonic()
    response = server.http.delete(f"/api/runs/{run_id}")
    assert time.monotonic() - began < 3
    watch.stop()
    assert response.json()["state"] == "stopped"
    snapshot = server.events(run_id)
    last = snapshot[-1]
    assert last["event"] == "run_stopped" and last["reason"] == "stopped"
    assert fold(snapshot).nodes["spin"]["state"] == "stopped", "cut short: stopped, not failed"
    assert server.http.get("/api/health").json()["runs"] == 0


def test_a_run_that_ignores_interrupts_and_sigterm_is_killed(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(stop_grace=0.5)
    run_id = server.start(STUBBORN)
    server.events(run_id, until=running)
    time.sleep(0.2)
    server.http.delete(f"/api/runs/{run_id}")
    last = server.events(run_id)[-1]
    assert last["event"] == "run_stopped" and last["reason"] == "stopped"
    assert "SIGKILL" in last["message"]


def test_os_exit_in_a_node_fails_the_run_only(server: LiveServer) -> None:
    run_id = server.start(flow(script("bye", "import os\ndef bye():\n    print('bye')\n    os._exit(3)\n")))
    events = server.events(run_id)
    last = events[-1]
    assert last["event"] == "run_stopped" and last["reason"] == "failed" and last["run"] == run_id
    assert "exited unexpectedly with code 3" in last["message"]
    info = server.info(run_id)
    assert info["state"] == "stopped" and info["phase"] == "failed"
    assert server.http.get("/api/health").json()["ok"] is True
    again = server.start(flow(script("ok", "def ok():\n    return 1\n")))
    assert fold(server.events(again, until="run_idle")).nodes["ok"]["sockets"]["ok"]["count"] == 1


def test_a_segfault_fails_the_run_with_its_signal(server: LiveServer) -> None:
    run_id = server.start(flow(script("crash", "import ctypes\ndef crash():\n    ctypes.string_at(0)\n")))
    last = server.events(run_id)[-1]
    assert last["reason"] == "failed"
    assert "SIGSEGV" in last["message"] and "crash" in last["message"]  # faulthandler names the node's frame
    assert server.http.get("/api/health").json()["ok"] is True


def test_a_memory_bomb_is_a_memory_error(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(run_memory_limit=1024 * 1024 * 1024)
    code = "def bomb():\n    chunks = []\n    while True:\n        chunks.append(bytearray(64 * 1024 * 1024))\n"
    run_id = server.start(flow(script("bomb", code)))
    events = server.events(run_id, until="run_idle")
    [error] = [e for e in events if e["event"] == "node_error"]
    assert error["type"] == "MemoryError" and error["node"] == "bomb"
    assert server.info(run_id)["state"] == "idle"  # the run lives on; only that call failed
    assert server.http.get("/api/health").json()["ok"] is True
