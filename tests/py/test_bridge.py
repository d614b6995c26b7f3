"""The bridge: JSON text in, JSON text out, events pushed in batches (one JSON
array per publish point). Every reply is a result value, never an exception."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import INVALID_FLOWS, data, edge, flow_doc, script
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import headrace
from headrace.bridge import Bridge
from headrace.commands import COMMAND_TYPES
from headrace.protocol import PROTOCOL_VERSION

JOIN = flow_doc(
    [data("a", "x = 1"), data("b", "y = 2"), script("s", "def add(x, y=10):\n    return x + y\n")],
    [edge("a.x", "s.add.x"), edge("b.y", "s.add.y")],
    name="join",
)


COMMANDS = ", ".join(c.kind for c in COMMAND_TYPES)  # type: ignore[attr-defined]


class Host:
    """A bridge and the event batches it pushed, as a Web Worker or server holds them."""

    def __init__(self) -> None:
        self.batches: list[str] = []
        self.bridge = Bridge(self.batches.append)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for batch in self.batches for event in json.loads(batch)]

    async def ask(self, command: Any) -> dict[str, Any]:
        text = command if isinstance(command, str) else json.dumps(command)
        reply = await self.bridge.handle(text)
        assert isinstance(reply, str)
        out = json.loads(reply)
        assert set(out) == ({"ok", "value"} if out["ok"] else {"ok", "error"})
        return out

    async def ok(self, command: Any) -> Any:
        reply = await self.ask(command)
        assert reply["ok"], reply
        return reply["value"]

    async def error(self, command: Any) -> dict[str, Any]:
        reply = await self.ask(command)
        assert not reply["ok"], reply
        return reply["error"]

    async def until(self, event: str, run: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait until the run has pushed ``count`` events of a kind; its events so far."""
        for _ in range(500):
            mine = [e for e in self.events if e["run"] == run]
            if sum(e["event"] == event for e in mine) >= count:
                return mine
            await asyncio.sleep(0.002)
        raise AssertionError(f"no {event} event for run {run}: {[e['event'] for e in self.events]}")


@pytest.fixture
async def host() -> AsyncIterator[Host]:
    h = Host()
    yield h
    await h.bridge.close()


# -- hello, inspect, validate ----------------------------------------------------------------


async def test_hello(host: Host) -> None:
    value = await host.ok({"cmd": "hello"})
    assert value["version"] == headrace.__version__
    assert value["protocol"] == PROTOCOL_VERSION
    assert set(value) == {"version", "protocol", "python", "platform"}
    assert all(isinstance(v, str) for k, v in value.items() if k != "protocol")


async def test_inspect_script(host: Host) -> None:
    value = await host.ok({"cmd": "inspect", "type": "script", "code": "def add(x, y=1):\n    return x + y\n"})
    assert value["sockets"] == ["add", "error"]
    assert value["ports"] == [
        {
            "name": "add.x",
            "function": "add",
            "param": "x",
            "has_default": False,
            "default": None,
            "sticky": False,
            "required": True,
        },
        {
            "name": "add.y",
            "function": "add",
            "param": "y",
            "has_default": True,
            "default": "1",
            "sticky": False,
            "required": False,
        },
    ]


async def test_inspect_data_never_runs_the_code(host: Host) -> None:
    value = await host.ok({"cmd": "inspect", "type": "data", "code": "import sys\nsys.exit(3)\nx = 1\n"})
    assert value == {"sockets": ["x", "error"], "ports": []}


async def test_inspect_syntax_error_is_a_flow_error_with_path(host: Host) -> None:
    error = await host.error({"cmd": "inspect", "type": "script", "code": "def f(:\n"})
    assert error["type"] == "FlowError"
    assert error["path"] == "code"
    assert error["message"].startswith("code: SyntaxError at line 1: ")


async def test_inspect_unknown_type(host: Host) -> None:
    error = await host.error({"cmd": "inspect", "type": "python", "code": ""})
    assert error["type"] == "BadCommand"
    assert error["message"] == "inspect.type: expected 'data' or 'script', got 'python'"


async def test_validate_ok_returns_the_normalised_flow_and_shapes(host: Host) -> None:
    value = await host.ok({"cmd": "validate", "flow": JOIN})
    assert value["flow"] == JOIN
    assert value["nodes"]["a"] == {"sockets": ["x", "error"], "ports": []}
    ports = {p["name"]: (p["required"], p["sticky"]) for p in value["nodes"]["s"]["ports"]}
    # y has a default but an edge feeds it: it is required in this flow.
    assert ports == {"add.x": (True, False), "add.y": (True, False)}


async def test_validate_reports_sticky_and_optional_ports(host: Host) -> None:
    flow = flow_doc(
        [script("s", "def f(a, b=2):\n    return a\n", ports={"f.a": {"sticky": True}})],
    )
    value = await host.ok({"cmd": "validate", "flow": flow})
    ports = {p["name"]: (p["required"], p["sticky"]) for p in value["nodes"]["s"]["ports"]}
    assert ports == {"f.a": (True, True), "f.b": (False, False)}


async def test_validate_flow_error_carries_the_path(host: Host) -> None:
    flow = json.loads((INVALID_FLOWS / "edge-to-unknown-port.json").read_text(encoding="utf-8"))
    error = await host.error({"cmd": "validate", "flow": flow})
    assert error == {
        "type": "FlowError",
        "message": "edges[0].to.port: node 's1' has no port 'add.z' (ports: add.x, add.y)",
        "path": "edges[0].to.port",
        "requirements": None,
        "line": None,
        "column": None,
        "problem": None,
    }


# -- runs ----------------------------------------------------------------------------------------------


async def test_run_pushes_events_in_json_batches(host: Host) -> None:
    value = await host.ok({"cmd": "run", "flow": JOIN})
    run = value["run"]
    assert isinstance(run, str) and run
    events = await host.until("run_idle", run)
    assert all("\n" not in batch and isinstance(json.loads(batch), list) for batch in host.batches)
    assert events[0] == {"event": "run_started", "run": run, "flow": "join", "nodes": 3}
    emits = [(e["node"], e["socket"], e["value"], e["repr"]) for e in events if e["event"] == "emit"]
    assert emits == [("a", "x", 1, False), ("b", "y", 2, False), ("s", "add", 3, False)]
    assert run in host.bridge.runs  # alive after idle


async def test_run_with_a_given_id_and_no_trigger(host: Host) -> None:
    assert await host.ok({"cmd": "run", "flow": JOIN, "run": "mine", "trigger": "none"}) == {"run": "mine"}
    await asyncio.sleep(0.01)
    # Script modules load at the start; nothing is triggered.
    kinds = [e["event"] for e in host.events]
    assert kinds == ["run_started", "node_state", "node_state", "node_state", "run_idle"]
    error = await host.error({"cmd": "run", "flow": JOIN, "run": "mine"})
    assert error == {
        "type": "BadCommand",
        "message": "run 'mine' already exists",
        "path": None,
        "requirements": None,
        "line": None,
        "column": None,
        "problem": None,
    }


async def test_trigger_fires_a_node_again(host: Host) -> None:
    run = (await host.ok({"cmd": "run", "flow": JOIN}))["run"]
    await host.until("run_idle", run)
    assert await host.ok({"cmd": "trigger", "run": run, "node": "a"}) == {}
    assert await host.ok({"cmd": "trigger", "run": run, "node": "b", "socket": "y"}) == {}
    events = await host.until("run_idle", run, count=2)
    assert [e["value"] for e in events if e["event"] == "emit" and e["node"] == "s"] == [3, 3]


async def test_trigger_errors_are_results(host: Host) -> None:
    run = (await host.ok({"cmd": "run", "flow": JOIN}))["run"]
    await host.until("run_idle", run)
    error = await host.error({"cmd": "trigger", "run": run, "node": "zz"})
    assert (error["type"], error["message"]) == (
        "BadCommand",
        "this run has no node 'zz': it was added after the run started, so start a new run to include it "
        "(this run's nodes: 'a', 'b', 's')",
    )
    error = await host.error({"cmd": "trigger", "run": run, "node": "s", "socket": "add"})
    assert error["message"] == "s.add is not a source: it waits for add.x, add.y"


async def test_stop_ends_the_run(host: Host) -> None:
    run = (await host.ok({"cmd": "run", "flow": JOIN}))["run"]
    await host.until("run_idle", run)
    assert await host.ok({"cmd": "stop", "run": run}) == {}
    assert host.events[-1] == {"event": "run_stopped", "run": run, "reason": "stopped", "message": None}
    assert run not in host.bridge.runs
    error = await host.error({"cmd": "stop", "run": run})
    assert error["type"] == "BadCommand"
    assert error["message"] == f"no live run {run!r} (live runs: none)"


async def test_stop_a_run_nothing_triggered(host: Host) -> None:
    await host.ok({"cmd": "run", "flow": JOIN, "run": "r", "trigger": "none"})
    assert await host.ok({"cmd": "stop", "run": "r"}) == {}
    assert host.events[-1]["event"] == "run_stopped"


async def test_stop_an_endless_run(host: Host) -> None:
    flow = flow_doc([script("g", "import itertools\ndef g():\n    yield from itertools.count()\n")])
    run = (await host.ok({"cmd": "run", "flow": flow}))["run"]
    await host.until("emit", run, count=10)
    assert await host.ok({"cmd": "stop", "run": run}) == {}
    count = len(host.batches)
    await asyncio.sleep(0.02)
    assert len(host.batches) == count


async def test_unknown_run(host: Host) -> None:
    await host.ok({"cmd": "run", "flow": JOIN, "run": "live"})
    for command in ({"cmd": "trigger", "run": "ghost", "node": "a"}, {"cmd": "stop", "run": "ghost"}):
        error = await host.error(command)
        assert error == {
            "type": "BadCommand",
            "message": "no live run 'ghost' (live runs: live)",
            "path": None,
            "requirements": None,
            "line": None,
            "column": None,
            "problem": None,
        }


async def test_two_runs_keep_their_events_apart(host: Host) -> None:
    first = (await host.ok({"cmd": "run", "flow": JOIN}))["run"]
    second = (await host.ok({"cmd": "run", "flow": JOIN}))["run"]
    assert first != second
    for run in (first, second):
        events = await host.until("run_idle", run)
        assert [e["value"] for e in events if e["event"] == "emit" and e["node"] == "s"] == [3]


async def test_run_of_an_invalid_flow_is_a_flow_error(host: Host) -> None:
    error = await host.error({"cmd": "run", "flow": {"headrace": 1}})
    assert (error["type"], error["message"], error["path"]) == ("FlowError", "name: missing", "name")
    assert host.batches == []


async def test_run_with_missing_requirements(host: Host) -> None:
    flow = flow_doc([data("a", "x = 1")], requirements=["surely-not-installed-headrace-test-pkg>=1"])
    error = await host.error({"cmd": "run", "flow": flow})
    assert error["type"] == "RequirementError"
    assert error["requirements"] == ["surely-not-installed-headrace-test-pkg>=1"]
    assert "pip install" in error["message"]
    assert host.batches == []


async def test_install_of_what_is_already_there(host: Host) -> None:
    assert await host.ok({"cmd": "install", "requirements": ["packaging"]}) == {"installed": []}


async def test_node_errors_are_events_not_command_failures(host: Host) -> None:
    flow = flow_doc([script("s", "def f():\n    raise ValueError('inside')\n")])
    run = (await host.ok({"cmd": "run", "flow": flow}))["run"]
    events = await host.until("run_idle", run)
    [error] = [e for e in events if e["event"] == "node_error"]
    assert (error["type"], error["message"], error["routed"]) == ("ValueError", "inside", False)


# -- malformed commands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", None),
        ("", None),
        ("[1, 2]", "a command is a JSON object, got a list"),
        ('"hello"', "a command is a JSON object, got a string"),
        ("{}", f"unknown cmd None (expected one of: {COMMANDS})"),
        (
            '{"cmd": "launch"}',
            f"unknown cmd 'launch' (expected one of: {COMMANDS})",
        ),
        ('{"cmd": 7}', f"unknown cmd 7 (expected one of: {COMMANDS})"),
        ('{"cmd": "hello", "x": 1}', "hello: unknown field 'x' (fields: none)"),
        ('{"cmd": "inspect", "type": "data"}', "inspect: missing field 'code'"),
        ('{"cmd": "inspect", "type": "data", "code": 5}', "inspect.code: expected a string, got a number"),
        ('{"cmd": "validate", "flow": []}', "validate.flow: expected an object or a string, got a list"),
        ('{"cmd": "run", "flow": {}, "trigger": "all"}', "run.trigger: expected 'sources' or 'none', got 'all'"),
        ('{"cmd": "run", "flow": {}, "run": 5}', "run.run: expected a string or null, got a number"),
        ('{"cmd": "trigger", "run": "r", "node": null}', "trigger.node: expected a string, got null"),
        ('{"cmd": "stop"}', "stop: missing field 'run'"),
        ('{"cmd": "install", "requirements": ["a", 1]}', "install.requirements[1]: expected a string, got a number"),
    ],
)
async def test_malformed_commands_are_bad_command_results(host: Host, text: str, message: str | None) -> None:
    error = await host.error(text)
    assert error["type"] == "BadCommand"
    if message is None:
        assert error["message"].startswith("the command is not JSON: ")
    else:
        assert error["message"] == message


COMMAND_NAMES = st.sampled_from(["hello", "inspect", "validate", "install", "run", "trigger", "stop", "nope"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=8,
)
FIELDS = st.dictionaries(
    st.sampled_from(["type", "code", "flow", "run", "node", "socket", "trigger", "requirements", "extra"]),
    JSON | st.sampled_from(["data", "script", "sources", "none", "x = 1"]),
    max_size=4,
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.builds(lambda c, f: {"cmd": c, **f}, COMMAND_NAMES, FIELDS), JSON))
async def test_any_command_gets_a_result_value(command: Any) -> None:
    h = Host()
    try:
        reply = await h.ask(command)
        if not reply["ok"]:
            assert reply["error"]["type"] in {"FlowError", "BadCommand", "RequirementError"}, reply
    finally:
        await h.bridge.close()


async def test_validate_takes_json_text_and_never_a_path(host: Host, tmp_path: Any) -> None:
    value = await host.ok({"cmd": "validate", "flow": json.dumps(JOIN)})
    assert value["flow"] == JOIN
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(JOIN))
    error = await host.error({"cmd": "validate", "flow": str(path)})
    assert error["type"] == "FlowError" and error["message"].startswith("$: not valid JSON")


async def test_inspect_syntax_error_has_line_and_column(host: Host) -> None:
    error = await host.error({"cmd": "inspect", "type": "script", "code": "x = 1\ndef f(:\n"})
    assert (error["line"], error["column"]) == (2, 7)


@pytest.mark.parametrize("trigger", ["sources", "none"])
async def test_a_run_with_nothing_to_do_goes_idle(host: Host, trigger: str) -> None:
    # An empty flow (a new tab's), or data nodes started without a trigger: the run is
    # idle at once, not busy for ever.
    for nodes in ([], [data("a", "x = 1")]):
        run = (await host.ok({"cmd": "run", "flow": flow_doc(nodes, [], name="nothing"), "trigger": trigger}))["run"]
        events = await host.until("run_idle", run)
        assert [e["event"] for e in events][-1] == "run_idle"
