"""Node code failing in every way Python allows never takes the run, the bridge or
the process down: each failure is the node's error, with its traceback. (The same
zoo runs inside Pyodide in tests/pyodide.)"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from conftest import data, live_run, make_flow, script, wire
from exception_zoo import ZOO, check_zoo_events, zoo_flow

from headrace import Flow
from headrace.bridge import Bridge
from headrace.protocol import NodeError, RunStopped


async def test_the_zoo_in_a_run() -> None:
    result = await Flow.load(zoo_flow()).run()
    check_zoo_events(wire(result.events))


class Host:
    """A bridge and the JSON batches it pushed; ``seen`` is set once one holds ``word``."""

    def __init__(self, word: str) -> None:
        self.lines: list[str] = []
        self.seen = asyncio.Event()
        self.bridge = Bridge(self._push)
        self._word = f'"{word}"'

    def _push(self, line: str) -> None:
        self.lines.append(line)
        if self._word in line:
            self.seen.set()

    async def run(self, flow: dict[str, Any]) -> str:
        reply = json.loads(await self.bridge.handle(json.dumps({"cmd": "run", "flow": flow, "schedules": False})))
        assert reply["ok"], reply
        await asyncio.wait_for(self.seen.wait(), 30)
        return str(reply["value"]["run"])

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e for line in self.lines for e in json.loads(line)]  # every batch is JSON (NaN-free)


async def test_the_zoo_through_the_bridge_gives_json_lines() -> None:
    host = Host("run_idle")
    run_id = await host.run(zoo_flow())
    bridge = host.bridge
    await bridge.handle(json.dumps({"cmd": "stop", "run": run_id}))
    events = host.events
    check_zoo_events(events)
    assert events[-1]["event"] == "run_stopped"
    assert events[-1]["reason"] == "stopped"
    # The bridge still answers.
    assert json.loads(await bridge.handle('{"cmd": "hello"}'))["ok"]


@pytest.mark.parametrize("node_id", sorted(ZOO))
async def test_each_zoo_node_fails_alone_and_can_fail_again(node_id: str) -> None:
    code = ZOO[node_id][0]
    async with live_run([script(node_id, code, name=node_id)]) as live:
        for _ in range(2):
            live.run.trigger(node_id)
            await live.run.wait_idle()
        errors = [e for e in live.events if isinstance(e, NodeError)]
        # A module that fails to run fails once: later triggers find no function to call.
        assert len(errors) == (1 if node_id == "module_exit" else 2)
        assert not live.run.over


async def test_a_requested_interrupt_stops_the_run_rather_than_failing_the_node() -> None:
    spin = "def f():\n    raise KeyboardInterrupt\n"
    async with live_run([script("spin", spin)]) as live:
        live.run.request_interrupt()
        live.run.trigger("spin")
        await live.run.wait_idle()
        assert not [e for e in live.events if isinstance(e, NodeError)]
        stopped = [e for e in live.events if isinstance(e, RunStopped)]
        assert [s.reason for s in stopped] == ["stopped"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # Python closes it again when collected
async def test_a_generator_that_ignores_close_does_not_block_stop() -> None:
    stubborn = (
        "def f():\n    while True:\n        try:\n            yield 1\n"
        "        except GeneratorExit:\n            pass\n"
    )
    async with live_run([script("g", stubborn)]) as live:
        live.run.trigger("g")
        await asyncio.sleep(0.05)  # it yields forever: never idle
        await live.run.stop()
        assert [e.reason for e in live.events if isinstance(e, RunStopped)] == ["stopped"]
        assert not [e for e in live.events if isinstance(e, NodeError)]


async def test_an_async_generator_that_awaits_while_closing_does_not_block_stop() -> None:
    stubborn = (
        "import asyncio\n\n\nasync def f():\n    while True:\n        try:\n            yield 1\n"
        "        finally:\n            await asyncio.sleep(0)\n"
    )
    async with live_run([script("g", stubborn)]) as live:
        live.run.trigger("g")
        await asyncio.sleep(0.05)
        await live.run.stop()
        assert [e.reason for e in live.events if isinstance(e, RunStopped)] == ["stopped"]


# Values node code emits run node code too, when the host reports them: a __repr__
# or a dict subclass's __iter__ can raise anything.
HOSTILE_VALUES = {
    "repr_exits": (
        "class R:\n    def __repr__(self):\n        raise SystemExit\n\n\nx = [R(), {1}]\n",
        "<unrepresentable list: SystemExit()>",
    ),
    "iter_exits": ("class D(dict):\n    def __iter__(self):\n        raise SystemExit\n\n\nx = D(a=1)\n", "{'a': 1}"),
    "repr_custom_base": (
        "class B(BaseException):\n    pass\n\n\nclass R:\n    def __repr__(self):\n        raise B\n\n\nx = {R()}\n",
        "<unrepresentable set: B()>",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
async def test_hostile_values_go_as_a_placeholder_and_the_run_goes_on(name: str) -> None:
    code, text = HOSTILE_VALUES[name]
    host = Host("run_idle")
    run_id = await host.run({"headrace": 1, "name": "t", "nodes": [data("d", code)], "edges": []})
    events = host.events
    emits = [e for e in events if e["event"] == "emit"]
    assert len(emits) == 1 and emits[0]["repr"] is True
    assert text in emits[0]["value"]
    assert not [e for e in events if e["event"] == "run_stopped"]
    await host.bridge.handle(json.dumps({"cmd": "stop", "run": run_id}))


async def test_a_keyboard_interrupt_from_a_repr_nobody_asked_for_fails_the_run_and_says_so() -> None:
    code = "class R:\n    def __repr__(self):\n        raise KeyboardInterrupt\n\n\nx = R()\n"
    host = Host("run_stopped")
    await host.run({"headrace": 1, "name": "t", "nodes": [data("d", code)], "edges": []})
    stopped = host.events[-1]
    assert stopped["reason"] == "failed"
    assert "KeyboardInterrupt nobody asked for" in stopped["message"]
    assert json.loads(await host.bridge.handle('{"cmd": "hello"}'))["ok"]


def test_zoo_errors_are_routed_like_any_other() -> None:
    # An edge from a zoo node's error socket carries the error value on.
    nodes: list[dict[str, Any]] = [
        script("boom", ZOO["custom_base"][0]),
        script("log", "def log(e):\n    return e['type'] + ': ' + e['message']\n"),
    ]
    flow = make_flow(nodes, [{"from": {"node": "boom", "socket": "error"}, "to": {"node": "log", "port": "log.e"}}])
    result = flow.run_sync()
    assert result.values("log") == ["Meltdown: core"]
    assert not result.unrouted_errors


async def test_the_bridge_announces_an_interrupt_to_every_live_run() -> None:
    # What a host's SIGINT handler does (the server's worker; Pyodide's interrupt
    # buffer runs it too) before the KeyboardInterrupt reaches node code.
    events: list[dict[str, Any]] = []
    both_stopped = asyncio.Event()

    def push(line: str) -> None:
        events.extend(json.loads(line))
        if sum(e["event"] == "run_stopped" for e in events) == 2:
            both_stopped.set()

    bridge = Bridge(push)
    flow = {"headrace": 1, "name": "t", "nodes": [script("k", "def f():\n    raise KeyboardInterrupt\n")], "edges": []}
    runs = [json.loads(await bridge.handle(json.dumps({"cmd": "run", "flow": flow, "trigger": "none"}))) for _ in "ab"]
    bridge.request_interrupt()
    for reply in runs:
        await bridge.handle(json.dumps({"cmd": "trigger", "run": reply["value"]["run"], "node": "k"}))
    await asyncio.wait_for(both_stopped.wait(), 30)
    stopped = [e for e in events if e["event"] == "run_stopped"]
    assert sorted(e["run"] for e in stopped) == sorted(r["value"]["run"] for r in runs)
    assert {e["reason"] for e in stopped} == {"stopped"}
    assert not [e for e in events if e["event"] == "node_error"]
