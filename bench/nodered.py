"""Node-RED (bench/node_modules, from bench/package.json) started headless on loopback
with bench/nodered_settings.js, flows deployed through its admin API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RED_JS = BENCH / "node_modules" / "node-red" / "red.js"
SETTINGS = BENCH / "nodered_settings.js"
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class NodeRed:
    url: str  # the editor and admin API; HTTP-in endpoints are under url + "api/"
    process: subprocess.Popen[bytes]

    def deploy(self, nodes: list[dict[str, Any]]) -> None:
        """Replace all flows (a full deploy) and wait until they run."""
        request = urllib.request.Request(
            self.url + "flows",  # Node-RED-API-Version v2: the reply carries the new revision
            data=json.dumps({"flows": nodes}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Node-RED-Deployment-Type": "full",
                "Node-RED-API-Version": "v2",
            },
        )
        with urllib.request.urlopen(request, timeout=120) as reply:
            revision = json.loads(reply.read() or b"{}").get("rev")
        # The reply can come before the new flows have started: wait for their revision.
        deadline = time.monotonic() + 60
        while self.get_json("flows", timeout=30).get("rev") != revision or not self._started():
            if time.monotonic() > deadline:
                raise TimeoutError("Node-RED: the deployed flows did not start in 60 s")
            time.sleep(0.1)

    def _started(self) -> bool:
        return bool(self.get_json("flows/state", timeout=30).get("state", "start") == "start")

    def get_json(self, path: str, timeout: float = 600) -> Any:
        request = urllib.request.Request(self.url + path, headers={"Node-RED-API-Version": "v2"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read())


@contextmanager
def node_red() -> Iterator[NodeRed]:
    """Start Node-RED in a fresh user directory; stop it on exit."""
    if not RED_JS.exists():
        raise FileNotFoundError(f"{RED_JS} is missing: run `npm ci --prefix bench` (bench/package.json)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-node-red-") as user_dir:
        log = Path(user_dir) / "node-red.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["node", str(RED_JS), "--settings", str(SETTINGS), "--userDir", user_dir],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "BENCH_NODE_RED_PORT": str(port)},
            )
        red = NodeRed(f"http://127.0.0.1:{port}/", process)
        try:
            _wait_started(red, log)
            yield red
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_started(red: NodeRed, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if red.process.poll() is not None:
            raise RuntimeError(f"Node-RED exited ({red.process.returncode}):\n{log.read_text(errors='replace')}")
        try:
            red.get_json("settings", timeout=5)
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise TimeoutError(f"Node-RED did not answer at {red.url} in {START_TIMEOUT_S} s") from None
            time.sleep(0.2)
