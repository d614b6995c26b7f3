"""The named delivery steps (trigger, emit, deliver, step) as observers see them
(headrace.hooks), and that a run nobody observes pays nothing for them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from conftest import data, edge, make_flow, script

from headrace import RunError
from headrace.hooks import STEPS, Seen
from headrace.run import Run


async def observed(
    nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]] = (), **options: Any
) -> tuple[Run, list[tuple[str, str, str | None, Any]]]:
    """Run a flow's sources to idle with an observer on every step; what it saw."""
    run = make_flow(nodes, edges).start(**options)
    seen: list[Seen] = []
    for step in STEPS:
        run.observe(step, seen.append)
    await run.start()
    try:
        run.trigger_sources()
        await run.wait_idle()
    finally:
        await run.stop()
    return run, [(s.step, s.node, s.name, s.value) for s in seen]


async def test_a_data_node_into_a_script_node() -> None:
    nodes = [data("d", "x = 2"), script("s", "def double(x):\n    return 2 * x\n")]
    _, seen = await observed(nodes, [edge("d.x", "s.double.x")])
    assert seen == [
        ("trigger", "d", None, None),
        ("emit", "d", "x", 2),
        ("deliver", "s", "double.x", 2),
        ("step", "s", "double", [2]),
        ("emit", "s", "double", 4),
    ]


async def test_a_join_is_called_once_both_ports_hold_a_value() -> None:
    nodes = [data("a", "x = 'A'"), data("b", "y = 'B'"), script("j", "def join(x, y):\n    return x + y\n")]
    _, seen = await observed(nodes, [edge("a.x", "j.join.x"), edge("b.y", "j.join.y")])
    assert seen == [
        ("trigger", "a", None, None),
        ("emit", "a", "x", "A"),
        ("trigger", "b", None, None),
        ("emit", "b", "y", "B"),
        ("deliver", "j", "join.x", "A"),
        ("deliver", "j", "join.y", "B"),
        ("step", "j", "join", ["A", "B"]),
        ("emit", "j", "join", "AB"),
    ]


async def test_an_error_goes_out_on_the_error_socket_to_its_handler() -> None:
    nodes = [script("s", "def f():\n    raise ValueError('no')\n"), script("h", "def h(e):\n    return e['message']\n")]
    _, seen = await observed(nodes, [edge("s.error", "h.h.e")])
    steps = [(step, node, name) for step, node, name, _ in seen]
    assert steps == [
        ("trigger", "s", "f"),
        ("step", "s", "f"),
        ("emit", "s", "error"),
        ("deliver", "h", "h.e"),
        ("step", "h", "h"),
        ("emit", "h", "h"),
    ]
    error = seen[2][3]
    assert (error["node"], error["socket"], error["type"], error["message"]) == ("s", "f", "ValueError", "no")
    assert seen[3][3] is error  # the value delivered is the value emitted
    assert seen[-1][3] == "no"


async def test_each_generator_step_is_seen_then_its_value() -> None:
    _, seen = await observed([script("g", "def g():\n    yield 1\n    yield 2\n")])
    assert seen == [
        ("trigger", "g", "g", None),
        ("step", "g", "g", []),  # the call that makes the generator
        ("step", "g", "g", None),
        ("emit", "g", "g", 1),
        ("step", "g", "g", None),
        ("emit", "g", "g", 2),
        ("step", "g", "g", None),  # the one that finds it exhausted
    ]


async def test_an_observed_view_run_sees_every_value_the_fast_paths_would_carry() -> None:
    nodes = [
        script("g", "def g():\n    yield from range(1000)\n"),
        script("inc", "def inc(x):\n    return x + 1\n"),
    ]
    run, seen = await observed(nodes, [edge("g.g", "inc.inc.x")], report="view", emit_limit=0)
    assert [value for step, node, _, value in seen if step == "emit" and node == "inc"] == list(range(1, 1001))
    assert run.values("inc", "inc", limit=1)["count"] == 1000


async def test_observers_of_one_step_are_called_in_the_order_they_were_added() -> None:
    run = make_flow([data("d", "x = 1")]).start()
    calls: list[str] = []
    run.observe("emit", lambda seen: calls.append("first"))
    run.observe("emit", lambda seen: calls.append("second"))
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    await run.stop()
    assert calls == ["first", "second"]


async def test_without_observers_nothing_is_recorded_and_no_step_is_wrapped() -> None:
    run = make_flow([data("d", "x = 1"), script("s", "def f(x):\n    return x\n")], [edge("d.x", "s.f.x")]).start()
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    await run.stop()
    assert run.hooks is None
    assert not {"_slow", "_call", "_emit"} & set(vars(run))  # the class's own methods, unwrapped
    assert run.values("s", "f")["values"] == [(0, 1)]


async def test_observing_a_started_run_or_an_unknown_step_is_refused() -> None:
    run = make_flow([data("d", "x = 1")]).start()
    with pytest.raises(RunError, match="no step 'send'"):
        run.observe("send", print)  # type: ignore[arg-type]
    assert run.hooks is None
    await run.start()
    try:
        with pytest.raises(RunError, match="before it starts"):
            run.observe("emit", print)
    finally:
        await run.stop()
