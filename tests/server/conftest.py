"""A real ``headrace serve`` (uvicorn) on a random loopback port, and clients for it.

def test_x(serve):
    server = serve(run_time_limit=1.0)       # ServerConfig fields
    run = server.start(flow, schedules=False)
    events = server.events(run, until="run_idle")   # the batches' events, in order
"""

from __future__ import annotations

import base64
import json
import os
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
from headrace.view import RunView

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE_FLOWS = ROOT / "templates" / "flows"
TOKEN = "test-token-0123456789"
#: Where reading events stops: at an event of this kind, or one this says yes to.
Until = str | Callable[[dict[str, Any]], bool]


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
        kwargs.setdefault("max_size", None)  # the snapshot of a long run is one long line
        return connect(f"{self.ws_url}/api/runs/{run_id}/events?token={self.config.token}", **kwargs)

    def batches(self, run_id: str, until: Until = "run_stopped", timeout: float = 20) -> list[list[dict[str, Any]]]:
        """Attach, and read batches until one holds an event that matches ``until``."""
        with self.connect(run_id) as ws:
            return read_batches(ws, until, timeout)

    def events(self, run_id: str, until: Until = "run_stopped", timeout: float = 20) -> list[dict[str, Any]]:
        """:meth:`batches`, flattened: the events in order, up to the end of the
        batch that held the one matching ``until``."""
        return [event for batch in self.batches(run_id, until, timeout) for event in batch]

    def values(self, run_id: str, node: str, socket: str, **page: int) -> dict[str, Any]:
        """``GET /api/runs/{id}/values``: a page of a socket's kept values."""
        response = self.http.get(f"/api/runs/{run_id}/values", params={"node": node, "socket": socket, **page})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def newest(self, run_id: str, node: str, socket: str) -> Any:
        """The newest value a socket of a live run emitted."""
        count = self.values(run_id, node, socket, limit=1)["count"]
        [last] = self.values(run_id, node, socket, offset=count - 1)["values"]
        assert not last["repr"], last
        return last["value"]

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


def read_batches(ws: ClientConnection, until: Until = "run_stopped", timeout: float = 20) -> list[list[dict[str, Any]]]:
    """Read batches (each line of a message: a JSON array of events) from an
    attached socket until one holds an event that matches ``until`` (an event
    kind), or the socket closes."""
    done = (lambda e: e["event"] == until) if isinstance(until, str) else until
    out: list[list[dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        except ConnectionClosed:
            return out
        for line in str(message).split("\n"):  # one batch per line
            batch = json.loads(line)
            assert isinstance(batch, list), f"a line is a JSON array of events: {line[:200]}"
            out.append(batch)
            if any(done(event) for event in batch):
                return out


def raw_websocket(server: LiveServer, path: str, host: str | None = None) -> tuple[socket.socket, bytes]:
    """A WebSocket handshake by hand, with a small receive buffer: the socket and
    the answer's status line. Nothing is read past the answer's head."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{server.port}'}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            break
        head += byte
    return sock, head.split(b"\r\n")[0]


#: The ``serve`` fixture: starts a server with these ServerConfig fields.
Serve = Callable[..., LiveServer]


@pytest.fixture
def serve() -> Iterator[Serve]:
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


def fold(events: list[dict[str, Any]]) -> RunView:
    """The view these events fold to, as the studio would hold it."""
    view = RunView()
    for event in events:
        view.apply(event)
    return view


def flow(*nodes: dict[str, Any], edges: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"headrace": 1, "name": "test", "nodes": list(nodes), "edges": edges or [], **extra}


def script(node_id: str, code: str) -> dict[str, Any]:
    return {"id": node_id, "type": "script", "name": node_id, "code": code}


def data(node_id: str, code: str) -> dict[str, Any]:
    return {"id": node_id, "type": "data", "name": node_id, "code": code}


def strip(event: dict[str, Any]) -> dict[str, Any]:
    """An event without what differs from run to run."""
    return {k: v for k, v in event.items() if k not in ("run", "elapsed_ms")}
