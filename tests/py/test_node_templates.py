"""The palette's node templates (templates/nodes/) are read by the engine too: the
starter code of each reads as its node type, and each does what the docs say
(docs/nodes.md) when it runs. The behaviour cases are shared with the Pyodide tests
(template_cases.py); sleeps run on a virtual clock, so a 1 s delay takes no time."""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from conftest import ROOT
from simclock import SimulatedClock, VirtualTimeLoop
from template_cases import OFFLINE_CASES, data, edge, flow, http_request_case, json_server, node, printed, values

from headrace import Flow
from headrace.protocol import Emit, event_to_dict
from headrace.shape import read_shape

NODES = sorted((ROOT / "templates" / "nodes").glob("*.json"))
ITEMS = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in NODES}
CODE_ITEMS = [stem for stem, item in ITEMS.items() if item["kind"] != "note"]


def test_every_template_is_known_by_its_file_stem_and_listed_under_a_group() -> None:
    assert {item["kind"] for item in ITEMS.values()} == {"data", "script", "note"}
    for stem, item in ITEMS.items():
        assert item["id"] == stem
        assert item["group"].strip() and item["label"].strip() and item["icon"].strip()
        assert len(item["description"]) >= 20, f"{stem}: the palette shows its description"
    assert [ITEMS[s]["group"] for s in ("data", "script", "note")] == ["Basics"] * 3
    orders = [item["order"] for item in ITEMS.values()]
    assert len(set(orders)) == len(orders), "the palette sorts by order: no ties"


@pytest.mark.parametrize("stem", CODE_ITEMS)
def test_template_code_reads_as_its_node_type(stem: str) -> None:
    item = ITEMS[stem]
    shape = read_shape(item["kind"], item["code"])
    assert shape.sockets
    loaded = Flow.load(flow("t", [node(stem, "n")], []))  # its preset fields (a schedule) are valid too
    assert loaded.spec.nodes[0].shape == shape


@pytest.mark.parametrize("stem", CODE_ITEMS)
def test_templates_need_no_requirements(stem: str) -> None:
    """A template's module-level imports are the standard library's: dropping one on any
    flow works without adding a requirement (httpx and pyodide are imported inside the
    function, only where they exist)."""
    tree = ast.parse(ITEMS[stem]["code"])
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {(n.module or "").split(".")[0] for n in top if isinstance(n, ast.ImportFrom)}
    assert names <= sys.stdlib_module_names, names - sys.stdlib_module_names


def run_virtual(
    doc: dict[str, Any], drive: Callable[[Any], Any] | None = None
) -> tuple[list[dict[str, Any]], list[float]]:
    """Run ``doc`` on a virtual-time loop until idle (then ``drive(run)``, if given);
    returns the events in wire form and the loop time of each emit."""
    events: list[dict[str, Any]] = []
    times: list[float] = []

    def record(event: Any) -> None:
        events.append(event_to_dict(event))
        if isinstance(event, Emit):
            times.append(asyncio.get_running_loop().time())

    async def main() -> None:
        run = Flow.load(doc).start(on_event=record)
        await run.start()
        run.trigger_sources()
        await run.wait_idle()
        if drive is not None:
            await drive(run)
        await run.stop()

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        runner.run(main())
    return events, times


@pytest.mark.parametrize("stem", sorted(OFFLINE_CASES))
def test_template_does_what_it_says(stem: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no files/ folder: nothing picked
    doc, check = OFFLINE_CASES[stem]()
    events, _ = run_virtual(doc)
    check(events)


def emit_times(events: list[dict[str, Any]], times: list[float], node_id: str) -> list[float]:
    emits = [e for e in events if e["event"] == "emit"]
    return [round(t, 3) for e, t in zip(emits, times, strict=True) if e["node"] == node_id]


def test_delay_sends_each_value_its_seconds_later() -> None:
    doc, _ = OFFLINE_CASES["delay"]()
    events, times = run_virtual(doc)
    assert emit_times(events, times, "delay") == [0.05, 0.1, 0.15]  # one call at a time: the delays add up
    by_default, _ = OFFLINE_CASES["delay"]()
    by_default["nodes"][0]["code"] = "items = ['a', 'b']\n"  # no `seconds` sent: the default, 1 s
    by_default["edges"] = [e for e in by_default["edges"] if e["from"]["socket"] != "seconds"]
    events, times = run_virtual(by_default)
    assert emit_times(events, times, "delay") == [1.0, 2.0]


def test_rate_limit_spaces_values_evenly() -> None:
    doc, _ = OFFLINE_CASES["rate-limit"]()
    events, times = run_virtual(doc)
    assert emit_times(events, times, "limit") == [0.0, 0.05, 0.1, 0.15, 0.2]
    by_default, _ = OFFLINE_CASES["rate-limit"]()
    by_default["nodes"][0]["code"] = "items = [1, 2, 3]\n"  # the default: 2 a second
    by_default["edges"] = [e for e in by_default["edges"] if e["from"]["socket"] != "per_second"]
    events, times = run_virtual(by_default)
    assert emit_times(events, times, "limit") == [0.0, 0.5, 1.0]


def test_rate_limit_lets_a_value_through_at_once_after_a_quiet_spell() -> None:
    doc = flow(
        "quiet", [data("input", "item = 'x'\n"), node("rate-limit", "limit")], [edge("input.item", "limit.limit.value")]
    )

    async def drive(run: Any) -> None:
        await asyncio.sleep(3)  # quiet: the next value's turn is long past
        run.trigger("input")
        run.trigger("input")  # right behind it: waits half a second
        await run.wait_idle()

    events, times = run_virtual(doc, drive)
    assert emit_times(events, times, "limit") == [0.0, 3.0, 3.5]


def test_batch_flush_sends_the_rest() -> None:
    doc, _ = OFFLINE_CASES["batch"]()

    async def drive(run: Any) -> None:
        run.trigger("batch", "flush")  # its run button
        await run.wait_idle()
        run.trigger("batch", "flush")  # nothing left: nothing goes out
        await run.wait_idle()

    events, _ = run_virtual(doc, drive)
    assert values(events, "batch", "batch") == [[1, 2, 3], [4, 5, 6]]
    assert values(events, "batch", "flush") == [[7]]


async def test_timer_fires_every_minute_on_its_preset_schedule() -> None:
    doc = flow("timer", [node("timer")], [], timezone="UTC")
    assert doc["nodes"][0]["schedule"] == {"tick": "* * * * *"}
    start = dt.datetime(2026, 6, 1, 12, 0, 30, tzinfo=dt.UTC)
    clock = SimulatedClock(start.timestamp())
    events: list[Any] = []
    run = Flow.load(doc).start(on_event=events.append, clock=clock)
    await run.start()
    run.trigger_sources()  # Run Flow's first fire
    run.start_schedules()
    await clock.advance(0)  # the scheduler takes its first sleep
    await clock.advance(3 * 60)
    await run.wait_idle()
    await run.stop()
    ticks = [e.value for e in events if isinstance(e, Emit) and e.socket == "tick"]
    assert len(ticks) == 4  # at the start, then 12:01, 12:02, 12:03
    assert all(dt.datetime.fromisoformat(t).tzinfo is not None for t in ticks)


def test_file_input_reads_the_newest_picked_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.chdir(tmp_path)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "old.txt").write_text("old", encoding="utf-8")
    (tmp_path / "files" / "notes.txt").write_text("héllo\nworld\n", encoding="utf-8")
    os.utime(tmp_path / "files" / "old.txt", (1_000_000, 1_000_000))
    events, _ = run_virtual(flow("file", [node("file-input", "file")], []))
    assert values(events, "file", "name") == ["notes.txt"]
    assert values(events, "file", "text") == ["héllo\nworld\n"]
    assert printed(events, "file") == ""


@pytest.mark.parametrize("client", ["httpx", "urllib"])
def test_http_request_gets_json_and_routes_a_failure(client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if client == "urllib":
        monkeypatch.setitem(sys.modules, "httpx", None)  # `import httpx` raises ImportError
    else:
        pytest.importorskip("httpx")
    with json_server() as url:
        doc, check = http_request_case(url)
        result = Flow.load(doc).run_sync()  # a real loop: the request waits on a socket
    check([event_to_dict(e) for e in result.events])


def test_the_router_says_to_wire_every_port() -> None:
    """The router's outputs are functions of their own: one left unwired drops its values
    without a word, so the palette's description (its tooltip) and the code both say to
    wire every port (docs/nodes.md too)."""
    router = ITEMS["router"]
    # First, where the palette's two lines show it (the whole one is its tooltip).
    assert router["description"].startswith("A switch: wire the input to each of its value ports")
    assert "EVERY function below" in router["code"] and "left unwired never runs" in router["code"]
    functions = [n.name for n in ast.parse(router["code"]).body if isinstance(n, ast.FunctionDef)]
    assert [f for f in functions if not f.startswith("_")] == ["small", "large", "other"]
    nodes_md = (ROOT / "docs" / "nodes.md").read_text(encoding="utf-8")
    assert "**Wire the incoming value into every function's `value` port**" in nodes_md
