"""The palette's node templates (templates/nodes/), each in a small flow that shows what
it does, with what it must emit: defined once, run in CPython (test_node_templates.py)
and inside Pyodide (tests/pyodide/test_node_templates_in_pyodide.py).

A check takes the run's events in their wire form (dicts, as ``event_to_dict`` and the
bridge give them) and fails with an assertion.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import pathlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

NODES = pathlib.Path(__file__).resolve().parents[2] / "templates" / "nodes"
PRESET_FIELDS = ("schedule", "ports", "sockets", "time_limit")

Events = list[dict[str, Any]]
Check = Callable[[Events], None]


def template(stem: str) -> dict[str, Any]:
    return json.loads((NODES / f"{stem}.json").read_text(encoding="utf-8"))


def node(stem: str, node_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A node made from a template as the studio's palette makes it: its type, code and
    preset fields (``extra`` wins)."""
    item = template(stem)
    doc = {"id": node_id or stem, "type": item["kind"], "name": item["label"], "code": item["code"]}
    doc.update({field: item[field] for field in PRESET_FIELDS if field in item})
    return {**doc, **extra}


def data(node_id: str, code: str) -> dict[str, Any]:
    return {"id": node_id, "type": "data", "name": node_id, "code": code}


def edge(source: str, target: str) -> dict[str, Any]:
    from_node, _, socket = source.partition(".")
    to_node, _, port = target.partition(".")
    return {"from": {"node": from_node, "socket": socket}, "to": {"node": to_node, "port": port}}


def flow(name: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"headrace": 1, "name": name, **top, "nodes": nodes, "edges": edges}


def values(events: Events, node_id: str, socket: str | None = None) -> list[Any]:
    """What left ``node_id`` (one socket of it, or all but ``error``), in order."""
    return [
        e["value"]
        for e in events
        if e["event"] == "emit"
        and e["node"] == node_id
        and (e["socket"] == socket or (socket is None and e["socket"] != "error"))
    ]


def errors(events: Events) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "node_error"]


def printed(events: Events, node_id: str) -> str:
    return "".join(e["text"] for e in events if e["event"] == "output" and e["node"] == node_id)


# -- the cases ------------------------------------------------------------------------------


def timer_case() -> tuple[dict[str, Any], Check]:
    doc = flow("timer", [node("timer")], [])

    def check(events: Events) -> None:
        assert not errors(events)
        (tick,) = values(events, "timer", "tick")
        fired = dt.datetime.fromisoformat(tick)
        assert fired.tzinfo is not None and abs(fired - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

    return doc, check


def split_case() -> tuple[dict[str, Any], Check]:
    doc = flow(
        "split",
        [data("input", "items = [1, None, 'a', [2, 3]]\n"), node("split")],
        [edge("input.items", "split.split.items")],
    )

    def check(events: Events) -> None:
        assert not errors(events)
        assert values(events, "split") == [1, "a", [2, 3]]  # None is never emitted

    return doc, check


def router_case() -> tuple[dict[str, Any], Check]:
    doc = flow(
        "router",
        [data("input", "items = [3, 42, 'x', 9.5, 10, 0]\n"), node("split"), node("router")],
        [
            edge("input.items", "split.split.items"),
            *(edge("split.split", f"router.{socket}.value") for socket in ("small", "large", "other")),
        ],
    )

    def check(events: Events) -> None:
        assert not errors(events)
        assert values(events, "router", "small") == [3, 9.5, 0]  # 0 is a value: only None is not sent
        assert values(events, "router", "large") == [42, 10]
        assert values(events, "router", "other") == ["x"]
        routed = [e["value"] for e in events if e["event"] == "emit" and e["node"] == "router"]
        assert routed == [3, 42, "x", 9.5, 10, 0], "each value goes out once, in arrival order"

    return doc, check


def batch_case() -> tuple[dict[str, Any], Check]:
    doc = flow("batch", [data("input", "items = list(range(1, 8))\n"), node("split"), node("batch")], [
        edge("input.items", "split.split.items"), edge("split.split", "batch.batch.item")])  # fmt: skip

    def check(events: Events) -> None:
        assert not errors(events)
        assert values(events, "batch", "batch") == [[1, 2, 3], [4, 5, 6]]
        assert values(events, "batch", "flush") == [], "flush fired at the start, with nothing held"

    return doc, check


def delay_case() -> tuple[dict[str, Any], Check]:
    """Three values, each 0.05 s late (a setting wired into the sticky `seconds` port)."""
    doc = flow(
        "delay",
        [
            data("input", "items = [1, 2, 3]\nseconds = 0.05\n"),
            node("split"),
            node("delay", ports={"delay.seconds": {"sticky": True}}),
        ],
        [
            edge("input.items", "split.split.items"),
            edge("input.seconds", "delay.delay.seconds"),
            edge("split.split", "delay.delay.value"),
        ],
    )

    def check(events: Events) -> None:
        assert not errors(events)
        assert values(events, "delay") == [1, 2, 3]

    return doc, check


def rate_limit_case() -> tuple[dict[str, Any], Check]:
    """Five values through a limit of 20 a second (0.2 s in all)."""
    doc = flow(
        "rate-limit",
        [
            data("input", "items = [1, 2, 3, 4, 5]\nper_second = 20\n"),
            node("split"),
            node("rate-limit", "limit", ports={"limit.per_second": {"sticky": True}}),
        ],
        [
            edge("input.items", "split.split.items"),
            edge("input.per_second", "limit.limit.per_second"),
            edge("split.split", "limit.limit.value"),
        ],
    )

    def check(events: Events) -> None:
        assert not errors(events)
        assert values(events, "limit") == [1, 2, 3, 4, 5]

    return doc, check


def file_input_case() -> tuple[dict[str, Any], Check]:
    """Before a file is picked (no `files/` folder): nothing goes out, a hint is printed."""
    doc = flow("file-input", [node("file-input", "file")], [])

    def check(events: Events) -> None:
        assert not errors(events)
        assert values(events, "file") == []
        assert "No file picked yet" in printed(events, "file")

    return doc, check


def http_request_case(url: str) -> tuple[dict[str, Any], Check]:
    """GET ``url`` (a local server answering ``{"ok": true}`` as JSON), and a 404."""
    doc = flow(
        "http-request",
        [data("input", f"url = {url!r}\nmissing = {url + 'missing'!r}\n"), node("http-request", "http")],
        [edge("input.url", "http.request.url"), edge("input.missing", "http.request.url")],
    )

    def check(events: Events) -> None:
        assert values(events, "http", "request") == [{"status": 200, "url": url, "body": {"ok": True}}]
        (failed,) = values(events, "http", "error")
        assert "404" in failed["message"], failed

    return doc, check


#: The cases that need nothing from outside (no server, no files).
def chart_case() -> tuple[dict[str, Any], Check]:
    doc = flow(
        "chart",
        [data("input", "items = [1, 2.5, {'t': 0, 'y': 3}]\n"), node("split"), node("chart")],
        [edge("input.items", "split.split.items"), edge("split.split", "chart.chart.value")],
    )

    def check(events: Events) -> None:
        assert not errors(events)
        assert values(events, "chart") == [1, 2.5, {"t": 0, "y": 3}]  # passed on unchanged

    return doc, check


OFFLINE_CASES: dict[str, Callable[[], tuple[dict[str, Any], Check]]] = {
    "timer": timer_case,
    "split": split_case,
    "router": router_case,
    "batch": batch_case,
    "delay": delay_case,
    "rate-limit": rate_limit_case,
    "file-input": file_input_case,
    "chart": chart_case,
}


class _Answer(http.server.BaseHTTPRequestHandler):
    """``/`` answers ``{"ok": true}`` as JSON; anything else is a 404."""

    def do_GET(self) -> None:
        body, status = (b'{"ok": true}', 200) if self.path == "/" else (b"not here", 404)
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def json_server() -> Iterator[str]:
    """A local HTTP server for the HTTP request case; yields its base URL (ending in /)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
