"""A node during a run: its code as a module of its own, its functions, its
sockets' ring of newest values, its state, and what its errors become."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import data, flow_doc, script
from hypothesis import given
from hypothesis import strategies as st

from headrace import Flow
from headrace.nodes import (
    LiveNode,
    error_value,
    exception_message,
    is_emittable_data,
    node_filename,
    user_traceback,
)
from headrace.protocol import NodeState

CODE = "def double(x):\n    return 2 * x\n\ndef fail(x):\n    return helper(x)\n\ndef helper(x):\n    return 1 / x\n"


@pytest.fixture
def live() -> Iterator[LiveNode]:
    spec = Flow.load(flow_doc([script("s", CODE, name="Doubler")])).spec
    node = LiveNode(
        spec.nodes[0], spec, "__headrace_test_s", lambda *_: None, incoming=set(), error_routed=False,
        keep=3, notify=3, console_lines=10,
    )  # fmt: skip
    yield node
    node.unload()


def test_a_node_runs_as_a_module_of_its_own_until_unloaded(live: LiveNode) -> None:
    module = live.execute_module()
    assert sys.modules["__headrace_test_s"] is module and module.__file__ == live.filename
    live.bind_functions()
    assert live.functions["double"].callable(21) == 42  # type: ignore[misc]
    live.unload()
    assert "__headrace_test_s" not in sys.modules


def test_a_node_file_name_names_the_node() -> None:
    spec = Flow.load(flow_doc([script("s7", CODE, name="Doubler")])).spec
    assert node_filename(spec.nodes[0]) == "<node s7: Doubler>"


def test_a_name_that_is_no_function_at_run_time_is_an_error() -> None:
    # Shapes are read statically: code that rebinds the name behind the reader's back.
    spec = Flow.load(flow_doc([script("s", "def f(x):\n    return x\n\nglobals()['f'] = 3\n")])).spec
    node = LiveNode(
        spec.nodes[0], spec, "__headrace_test_f", lambda *_: None, incoming=set(), error_routed=False,
        keep=3, notify=3, console_lines=10,
    )  # fmt: skip
    try:
        node.execute_module()
        with pytest.raises(TypeError, match=r"'f' is not a function after the module ran \(it is int\)"):
            node.bind_functions()
    finally:
        node.unload()


def test_a_node_starts_idle_and_shows_how_its_calls_went(live: LiveNode) -> None:
    assert live.state() is NodeState.IDLE
    live.ran = True
    assert live.state() is NodeState.DONE
    live.live = True
    assert live.state(busy=True) is NodeState.RUNNING and live.state() is NodeState.DONE
    live.errored = True
    assert live.state() is NodeState.ERROR
    live.active = 1
    assert live.state() is NodeState.RUNNING
    live.active = 0
    live.stopped = True
    assert live.state() is NodeState.STOPPED


def test_every_socket_of_a_script_node_and_its_error_socket_exist(live: LiveNode) -> None:
    assert set(live.sockets) == {"double", "fail", "helper", "error"}
    assert live.error_socket is live.sockets["error"]


@given(n=st.integers(0, 40), offset=st.none() | st.integers(-5, 45), limit=st.integers(-2, 50))
def test_a_socket_keeps_its_newest_values_with_their_indices(n: int, offset: int | None, limit: int) -> None:
    spec = Flow.load(flow_doc([data("d", "x = 1")])).spec
    node = LiveNode(
        spec.nodes[0], spec, "__headrace_test_d", lambda *_: None, incoming=set(), error_routed=False,
        keep=5, notify=0, console_lines=1,
    )  # fmt: skip
    try:
        socket = node.sockets["x"]
        socket.buf.extend(range(n))  # what the run appends as values leave
        first, values = socket.values(offset, limit)
        assert socket.count == n and first == max(0, n - 5)
        start = first if offset is None else max(offset, first)
        assert values == [(i, i) for i in range(start, min(n, start + max(0, limit)))]
        assert len(socket.buf) <= 5
    finally:
        node.unload()


def test_values_that_a_data_socket_emits() -> None:
    assert all(is_emittable_data(v) for v in (0, "", [], {"a": 1}, False))
    assert not any(is_emittable_data(v) for v in (None, len, int, json, lambda: 1))


def test_an_error_becomes_plain_strings_from_the_node_code_on(live: LiveNode) -> None:
    live.execute_module()
    live.bind_functions()
    try:
        live.functions["fail"].callable(0)  # type: ignore[misc]
    except ZeroDivisionError as exc:
        value = error_value("s", "fail", exc)
    assert {k: value[k] for k in ("node", "socket", "type", "message")} == {
        "node": "s",
        "socket": "fail",
        "type": "ZeroDivisionError",
        "message": "division by zero",
    }
    frames = [line for line in value["traceback"].splitlines() if line.startswith('  File "')]
    assert frames == [
        '  File "<node s: Doubler>", line 5, in fail',
        '  File "<node s: Doubler>", line 8, in helper',
    ]  # the engine's own frames are noise to the user
    assert json.loads(json.dumps(value)) == value


class Hostile(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no")

    @property
    def __notes__(self) -> Any:  # type: ignore[override]
        raise RuntimeError("no notes either")


def test_an_exception_that_breaks_its_own_formatting_is_still_reported() -> None:
    exc = Hostile()
    assert exception_message(exc) == "<str() of Hostile raised RuntimeError>"
    text = user_traceback(exc)
    assert text.startswith("Hostile") and text.endswith("\n")
    assert error_value("n", None, exc)["message"] == "<str() of Hostile raised RuntimeError>"
