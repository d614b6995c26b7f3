"""Recorded view streams and the views they fold to: the fixtures that keep the
studio's fold (studio/src/run/runView.ts) and the engine's (headrace.view) the same.

    python tests/py/view_fixtures.py    # re-record studio/src/run/fixtures/views.json

Each fixture is a flow run through the bridge with ``report="view"`` (as the studio
runs flows), every event it pushed, in order, and ``RunView.to_json()`` of their
fold. ``test_view.py`` folds each stream again in Python and Vitest folds it in
TypeScript: both must give the recorded view. Streams depend on timing, so they are
recorded once and committed, not made afresh by each test run.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
from typing import Any

from headrace.bridge import Bridge
from headrace.view import RunView

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "studio" / "src" / "run" / "fixtures" / "views.json"
TEMPLATES = ROOT / "templates" / "flows"


def _flow(name: str, nodes: list[dict[str, Any]], edges: list[tuple[str, str]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    def edge(a: str, b: str) -> dict[str, Any]:
        node, socket = a.split(".", 1)
        to, port = b.split(".", 1)
        return {"from": {"node": node, "socket": socket}, "to": {"node": to, "port": port}}

    return {"headrace": 1, "name": name, "nodes": nodes, "edges": [edge(a, b) for a, b in edges]}


def _script(node_id: str, code: str) -> dict[str, Any]:
    return {"id": node_id, "type": "script", "name": node_id.title(), "code": code}


#: name -> (flow, run options, whether to stop it before it goes idle)
SPECIAL: dict[str, tuple[dict[str, Any], dict[str, Any], bool]] = {
    "console-flood": (
        _flow(
            "flood",
            [
                _script(
                    "p",
                    "def f():\n    print('start', end='')\n    print(' of a partial line')\n"
                    "    for i in range(3000):\n        print('line', i)\n    print('no newline at the end', end='')\n"
                    "    return 1\n",
                )
            ],
        ),
        {"console_lines": 40},
        False,
    ),
    "error-flood": (
        _flow(
            "errors",
            [
                _script("src", "def s():\n    yield from range(500)\n"),
                _script("bad", "def inv(x):\n    return 1 / (x % 7)\n"),
                _script("handler", "def seen(e):\n    return e['type']\n"),
            ],
            [("src.s", "bad.inv.x"), ("bad.error", "handler.seen.e")],
        ),
        {"emit_limit": 2},
        False,
    ),
    "stream": (
        _flow(
            "stream",
            [
                _script("src", "def s():\n    yield from range(20000)\n"),
                _script("sq", "def sq(x):\n    return {'x': x, 'sq': x * x, 'text': 'v' * (x % 300)}\n"),
            ],
            [("src.s", "sq.sq.x")],
        ),
        {"emit_limit": 5, "keep_values": 10},
        False,
    ),
    "waiting-join": (
        _flow(
            "join",
            [
                _script("a", "def a():\n    return 1\n"),
                _script("never", "def n():\n    return None\n"),
                _script("j", "def add(x, y):\n    return x + y\n"),
            ],
            [("a.a", "j.add.x"), ("never.n", "j.add.y")],
        ),
        {},
        False,
    ),
    "stopped-mid-call": (
        _flow(
            "stuck",
            [
                _script("d", "def d():\n    print('before')\n    return 2\n"),
                _script(
                    "w",
                    "import asyncio\n\nasync def w(x):\n    print('waiting', x)\n    await asyncio.Event().wait()\n",
                ),
            ],
            [("d.d", "w.w.x")],
        ),
        {},
        True,
    ),
}


async def record(flow: dict[str, Any], options: dict[str, Any], stop_early: bool) -> list[dict[str, Any]]:
    """Every event a view-mode run of ``flow`` pushes, until idle (or, with
    ``stop_early``, once it is busy), then stopped."""
    events: list[dict[str, Any]] = []
    bridge = Bridge(lambda text: events.extend(json.loads(text)))
    command = {"cmd": "run", "flow": flow, "report": "view", "schedules": False, **options}
    reply = json.loads(await bridge.handle(json.dumps(command)))
    assert reply["ok"], reply
    run = reply["value"]["run"]
    for _ in range(2000):
        kinds = {e["event"] for e in events}
        if ("run_idle" in kinds and not stop_early) or "run_stopped" in kinds:
            break
        if stop_early and any(e["event"] == "view" and "w" in e["nodes"] for e in events):
            await asyncio.sleep(0.05)
            break
        await asyncio.sleep(0.005)
    await bridge.handle(json.dumps({"cmd": "stop", "run": run}))
    await bridge.close()
    return events


def fold(events: list[dict[str, Any]]) -> dict[str, Any]:
    view = RunView()
    for event in events:
        view.apply(event)
    return dict(view.to_json())


async def make() -> list[dict[str, Any]]:
    cases: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
        (path.stem, json.loads(path.read_text()), {"emit_limit": 3}, False)
        for path in sorted(TEMPLATES.glob("*.json"))
        if path.name != "http-fetch.json"  # what it records would depend on the network
    ]
    cases += [(name, flow, options, stop) for name, (flow, options, stop) in SPECIAL.items()]
    fixtures = []
    for name, flow, options, stop in cases:
        events = await record(flow, options, stop)
        fixtures.append({"name": name, "events": events, "view": fold(events)})
    return fixtures


def main() -> None:
    fixtures = asyncio.run(make())
    FIXTURES.parent.mkdir(parents=True, exist_ok=True)
    FIXTURES.write_text(json.dumps(fixtures, ensure_ascii=False, indent=1) + "\n")
    print(f"{FIXTURES.relative_to(ROOT)}: {len(fixtures)} streams")


if __name__ == "__main__":
    main()
