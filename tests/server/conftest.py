"""A real ``headrace serve`` (uvicorn) on a random loopback port, and clients for it.

def test_x(serve):
    server = serve(run_time_limit=1.0)       # ServerConfig fields
    run = server.start(flow, schedules=False)
    events = server.events(run, until="run_idle")
"""

from __future__ import annotations

import json
import pathlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from headrace.server.config import ServerConfig
from headrace.server.main import build_server

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE_FLOWS = ROOT / "templates" / "flows"
TOKEN = "test-token-0123456789"


class LiveServer:
    """One uvicorn server in a thread of the test process."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.server = build_server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {config.token}"}, timeout=30)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.http.close()

    # -- helpers ------------------------------------------------------------------

    def start(self, flow: dict[str, Any], **options: Any) -> str:
        """Start a run (options go in the envelope); its id."""
        response = self.http.post("/api/runs", json={"flow": flow, **options})
        assert response.status_code == 201, response.text
        run_id: str = response.json()["run"]
        return run_id

    def connect(self, run_id: str, **kwargs: Any) -> ClientConnection:
        return connect(f"{self.ws_url}/api/runs/{run_id}/events?token={self.config.token}", **kwargs)

    def events(self, run_id: str, until: str | Callable[[dict[str, Any]], bool] = "run_stopped", timeout: float = 20):
        """Attach, and read events until one matches ``until`` (an event kind)."""
        done = (lambda e: e["event"] == until) if isinstance(until, str) else until
        out: list[dict[str, Any]] = []
        with self.connect(run_id) as ws:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
                except ConnectionClosed:
                    return out
                for line in str(message).splitlines():  # one JSON event per line
                    event = json.loads(line)
                    out.append(event)
                    if done(event):
                        return out

    def info(self, run_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/runs/{run_id}")
        assert response.status_code == 200, response.text
        info: dict[str, Any] = response.json()
        return info

    def health_latency(self) -> float:
        began = time.monotonic()
        response = self.http.get("/api/health", timeout=5)
        assert response.status_code == 200
        return time.monotonic() - began


@pytest.fixture
def serve() -> Iterator[Callable[..., LiveServer]]:
    """Start servers with a given config (the token is TOKEN); stopped after the test."""
    servers: list[LiveServer] = []

    def start(**config: Any) -> LiveServer:
        server = LiveServer(ServerConfig(token=TOKEN, port=0, **config))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def server(serve: Callable[..., LiveServer]) -> LiveServer:
    """A server with the default limits."""
    return serve()


def flow(*nodes: dict[str, Any], edges: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"headrace": 1, "name": "test", "nodes": list(nodes), "edges": edges or [], **extra}


def script(node_id: str, code: str) -> dict[str, Any]:
    return {"id": node_id, "type": "script", "name": node_id, "code": code}


def data(node_id: str, code: str) -> dict[str, Any]:
    return {"id": node_id, "type": "data", "name": node_id, "code": code}


def strip(event: dict[str, Any]) -> dict[str, Any]:
    """An event without what differs from run to run."""
    return {k: v for k, v in event.items() if k not in ("run", "elapsed_ms")}
