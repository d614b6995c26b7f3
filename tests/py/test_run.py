"""Conformance: what a run does with a flow. These tests use only asyncio and the
engine's public API, so they can run inside Pyodide as well."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from conftest import arun_flow, data, edge, emitted, live_run, make_flow, run_flow, script, wire
from hypothesis import given, settings
from hypothesis import strategies as st

from headrace import RunError
from headrace.protocol import Emit, NodeError, NodeState, NodeStateChanged, Output, RunIdle, RunPhase, RunStopped

# -- joins ---------------------------------------------------------------------------

SOURCES_2 = [data("a", "x = 'A'"), data("b", "y = 'B'")]
SOURCES_3 = [*SOURCES_2, data("c", "z = 'C'")]


@pytest.mark.parametrize("order", list(itertools.permutations(range(2))))
async def test_join_of_two_ports_in_every_arrival_order(order: tuple[int, ...]) -> None:
    join = script("j", "def join(x, y):\n    return x + y\n")
    nodes = [SOURCES_2[i] for i in order] + [join]
    result = await arun_flow(nodes, [edge("a.x", "j.join.x"), edge("b.y", "j.join.y")])
    assert result.values("j") == ["AB"]
    assert not result.errors


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_join_of_three_ports_in_every_arrival_order(order: tuple[int, ...]) -> None:
    join = script("j", "def join(x, y, z):\n    return x + y + z\n")
    nodes = [join] + [SOURCES_3[i] for i in order]  # the join first, too: node order is not data order
    edges = [edge("c.z", "j.join.z"), edge("a.x", "j.join.x"), edge("b.y", "j.join.y")]
    result = await arun_flow(nodes, edges)
    assert result.values("j") == ["ABC"]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_join_pairs_streams_in_fifo_order(order: tuple[int, ...]) -> None:
    gens = [
        script("g0", "def g():\n    yield from ['a1', 'a2', 'a3']\n"),
        script("g1", "def g():\n    yield from ['b1', 'b2']\n"),
        script("g2", "def g():\n    yield from ['c1', 'c2', 'c3', 'c4']\n"),
    ]
    join = script("j", "def join(x, y, z):\n    return x + y + z\n")
    edges = [edge("g0.g", "j.join.x"), edge("g1.g", "j.join.y"), edge("g2.g", "j.join.z")]
    result = await arun_flow([gens[i] for i in order] + [join], edges)
    assert result.values("j") == ["a1b1c1", "a2b2c2"]  # the shortest stream decides


@st.composite
def join_flows(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[list[int]], bool]:
    """2 or 3 generator sources feeding one join, in random node and edge order; the
    first port may be sticky."""
    ports = draw(st.sampled_from([2, 3]))
    streams = [[100 * i + k for k in range(draw(st.integers(0, 5)))] for i in range(ports)]
    params = "xyz"[:ports]
    sticky = draw(st.booleans())
    sources = [script(f"g{i}", f"def g():\n    yield from {stream!r}\n") for i, stream in enumerate(streams)]
    join = script(
        "j",
        f"def join({', '.join(params)}):\n    return ({', '.join(params)},)\n",
        **({"ports": {"join.x": {"sticky": True}}} if sticky else {}),
    )
    nodes = draw(st.permutations([*sources, join]))
    edges = draw(st.permutations([edge(f"g{i}.g", f"j.join.{p}") for i, p in enumerate(params)]))
    return nodes, edges, streams, sticky


@settings(max_examples=60)
@given(join_flows())
async def test_random_joins_fire_each_complete_set_once(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], list[list[int]], bool],
) -> None:
    nodes, edges, streams, sticky = case
    result = await arun_flow(nodes, edges)
    calls = result.values("j")
    assert not result.errors
    if not sticky:
        assert calls == list(zip(*streams, strict=False))
        return
    # The other ports are consumed in FIFO order, one value per call; x takes its
    # next queued value at each call and repeats its last one when none is queued.
    assert len(calls) == (min(len(s) for s in streams[1:]) if streams[0] else 0)
    for i, stream in enumerate(streams[1:], start=1):
        assert [c[i] for c in calls] == stream[: len(calls)]
    xs = [c[0] for c in calls]
    distinct = [x for k, x in enumerate(xs) if k == 0 or xs[k - 1] != x]
    assert distinct == streams[0][: len(distinct)]


# -- fan-in and fan-out ----------------------------------------------------------------------


async def test_fan_in_queues_values_in_arrival_order() -> None:
    nodes = [
        data("a", "v = 1"),
        data("b", "v = 2"),
        script("g", "def g():\n    yield 3\n    yield 4\n"),
        script("s", "def show(v):\n    return v * 10\n"),
    ]
    edges = [edge("g.g", "s.show.v"), edge("b.v", "s.show.v"), edge("a.v", "s.show.v")]
    result = await arun_flow(nodes, edges)
    # Arrival order is emit order (a, b, then the generator), not edge order.
    assert result.values("s") == [10, 20, 30, 40]


async def test_fan_in_to_one_port_of_a_join_waits_for_the_other() -> None:
    nodes = [
        data("a", "v = 'a'"),
        data("b", "v = 'b'"),
        script("g", "def g():\n    yield 1\n    yield 2\n"),
        script("s", "def pair(x, n):\n    return f'{x}{n}'\n"),
    ]
    edges = [edge("a.v", "s.pair.x"), edge("b.v", "s.pair.x"), edge("g.g", "s.pair.n")]
    result = await arun_flow(nodes, edges)
    assert result.values("s") == ["a1", "b2"]


async def test_fan_out_delivers_to_every_port_in_edge_order() -> None:
    nodes = [
        data("src", "v = 3"),
        script("p", "def plus(v):\n    return v + 1\n"),
        script("t", "def times(v):\n    return v * 2\n"),
        script("n", "def neg(v):\n    return -v\n"),
    ]
    edges = [edge("src.v", "t.times.v"), edge("src.v", "n.neg.v"), edge("src.v", "p.plus.v")]
    result = await arun_flow(nodes, edges)
    assert emitted(result) == [("src", "v", 3), ("t", "times", 6), ("n", "neg", -3), ("p", "plus", 4)]


async def test_fan_out_passes_the_same_object_to_every_port() -> None:
    nodes = [
        data("src", "v = []"),
        script("s", "def a(v):\n    return id(v)\ndef b(v):\n    return id(v)\n"),
    ]
    result = await arun_flow(nodes, [edge("src.v", "s.a.v"), edge("src.v", "s.b.v")])
    assert len(set(result.values("s"))) == 1


# -- sticky and default ports -------------------------------------------------------------------


STICKY_NODES = [
    data("k", "factor = 10"),
    script("g", "def g():\n    yield from [1, 2, 3]\n"),
    script("s", "def scale(factor, v):\n    return factor * v\n"),
]
STICKY_EDGES = [edge("k.factor", "s.scale.factor"), edge("g.g", "s.scale.v")]


async def test_sticky_port_keeps_its_value_for_later_calls() -> None:
    nodes = [*STICKY_NODES[:2], {**STICKY_NODES[2], "ports": {"scale.factor": {"sticky": True}}}]
    result = await arun_flow(nodes, STICKY_EDGES)
    assert result.values("s") == [10, 20, 30]


async def test_without_sticky_a_port_value_is_used_once() -> None:
    result = await arun_flow(STICKY_NODES, STICKY_EDGES)
    assert result.values("s") == [10]


async def test_sticky_port_takes_a_new_value_when_one_arrives() -> None:
    nodes = [
        script("k", "def factor():\n    yield 10\n    yield 100\n"),
        script("g", "def g():\n    yield from [1, 2, 3]\n"),
        script("s", "def scale(factor, v):\n    return factor * v\n", ports={"scale.factor": {"sticky": True}}),
    ]
    edges = [edge("k.factor", "s.scale.factor"), edge("g.g", "s.scale.v")]
    result = await arun_flow(nodes, edges)
    assert result.values("s") == [10, 200, 300]


async def test_default_port_without_an_edge_is_optional() -> None:
    nodes = [data("a", "x = 2"), script("s", "def power(x, n=3):\n    return x ** n\n")]
    result = await arun_flow(nodes, [edge("a.x", "s.power.x")])
    assert result.values("s") == [8]


async def test_default_port_with_an_edge_is_required() -> None:
    nodes = [
        data("a", "x = 2"),
        script("never", "def never(v):\n    return v\n"),
        script("s", "def power(x, n=3):\n    return x ** n\n"),
    ]
    async with live_run(nodes, [edge("a.x", "s.power.x"), edge("never.never", "s.power.n")]) as live:
        live.run.trigger_sources()
        await live.run.wait_idle()
        assert live.result.values("s") == []  # waits for n, does not fall back to the default
        states = [e for e in live.events if isinstance(e, NodeStateChanged) and e.node == "s"]
        assert states[-1].state is NodeState.WAITING
        assert states[-1].functions["power"].held == 1
        assert states[-1].functions["power"].required == 2


async def test_function_whose_ports_all_have_defaults_is_a_source() -> None:
    result = await arun_flow([script("s", "def hello(who='world'):\n    return f'hello {who}'\n")])
    assert result.values("s", "hello") == ["hello world"]


async def test_keyword_only_and_positional_only_ports_are_passed_right() -> None:
    nodes = [
        data("a", "x = 1\ny = 2\nz = 3"),
        script("s", "def f(x, /, y, *, z):\n    return (x, y, z)\ndef g(p=0, q=0, /):\n    return (p, q)\n"),
    ]
    edges = [edge("a.x", "s.f.x"), edge("a.y", "s.f.y"), edge("a.z", "s.f.z"), edge("a.y", "s.g.q")]
    result = await arun_flow(nodes, edges)
    # g is a source (all defaults) *and* fed: only fed calls happen, since q is required.
    assert result.values("s", "f") == [(1, 2, 3)]
    assert result.values("s", "g") == [(0, 2)]
    assert not result.errors


# -- generators and async ---------------------------------------------------------------------------


async def test_generator_emits_each_yield() -> None:
    result = await arun_flow([script("g", "def count():\n    for i in range(4):\n        yield i\n")])
    assert result.values("g", "count") == [0, 1, 2, 3]


async def test_generators_interleave_with_other_work() -> None:
    nodes = [
        script("g", "def letters():\n    yield 'a'\n    yield 'b'\n    yield 'c'\n"),
        script("h", "def numbers():\n    yield 1\n    yield 2\n"),
        script("u", "def upper(s):\n    return s.upper()\n"),
    ]
    result = await arun_flow(nodes, [edge("g.letters", "u.upper.s")])
    assert emitted(result) == [
        ("g", "letters", "a"),
        ("h", "numbers", 1),
        ("u", "upper", "A"),  # downstream work runs before the generator's next yield
        ("g", "letters", "b"),
        ("h", "numbers", 2),
        ("u", "upper", "B"),
        ("g", "letters", "c"),
        ("u", "upper", "C"),
    ]


async def test_generator_fed_by_a_port_runs_per_value() -> None:
    nodes = [
        data("a", "n = [2, 3]"),
        script("each", "def each(n):\n    yield from n\n"),
        script("rep", "def rep(k):\n    for i in range(k):\n        yield f'{k}.{i}'\n"),
    ]
    result = await arun_flow(nodes, [edge("a.n", "each.each.n"), edge("each.each", "rep.rep.k")])
    assert sorted(result.values("rep")) == ["2.0", "2.1", "3.0", "3.1", "3.2"]


async def test_generator_error_after_some_yields() -> None:
    code = "def g():\n    yield 1\n    yield 2\n    raise ValueError('third')\n"
    result = await arun_flow([script("g", code)])
    assert result.values("g", "g") == [1, 2]
    [error] = result.errors
    assert (error.node, error.socket, error.type, error.message) == ("g", "g", "ValueError", "third")


async def test_async_function_is_awaited() -> None:
    code = "import asyncio\nasync def slow(x):\n    await asyncio.sleep(0.001)\n    return x + 1\n"
    result = await arun_flow([data("a", "x = 1"), script("s", code)], [edge("a.x", "s.slow.x")])
    assert result.values("s") == [2]


async def test_async_generator_is_iterated() -> None:
    code = (
        "import asyncio\nasync def ticks():\n    for i in range(3):\n        await asyncio.sleep(0)\n        yield i\n"
    )
    result = await arun_flow([script("s", code)])
    assert result.values("s", "ticks") == [0, 1, 2]


async def test_async_function_error_is_a_node_error() -> None:
    code = "import asyncio\nasync def f():\n    await asyncio.sleep(0)\n    raise KeyError('k')\n"
    result = await arun_flow([script("s", code)])
    [error] = result.errors
    assert (error.socket, error.type) == ("f", "KeyError")


# -- errors -----------------------------------------------------------------------------------------


async def test_error_socket_value_describes_the_error() -> None:
    code = "def div(d):\n    return 1 / d\n"
    result = await arun_flow([data("a", "d = 0"), script("s", code)], [edge("a.d", "s.div.d")])
    [value] = result.values("s", "error")
    assert set(value) == {"node", "socket", "type", "message", "traceback"}
    assert value["node"] == "s"
    assert value["socket"] == "div"
    assert value["type"] == "ZeroDivisionError"
    assert value["message"] == "division by zero"
    assert value["traceback"].startswith("Traceback (most recent call last):\n")
    assert "line 2, in div\n    return 1 / d" in value["traceback"]
    assert value["traceback"].endswith("ZeroDivisionError: division by zero\n")
    assert "headrace" not in value["traceback"]  # the engine's own frames are left out


async def test_routed_error_reaches_the_handler_and_the_flow_goes_on() -> None:
    nodes = [
        data("a", "values = [1, 0, 4]"),
        script("each", "def each(values):\n    yield from values\n"),
        script("inv", "def inv(v):\n    return 1 / v\n"),
        script("h", "def handle(err):\n    return f\"{err['type']} at {err['node']}.{err['socket']}\"\n"),
    ]
    edges = [edge("a.values", "each.each.values"), edge("each.each", "inv.inv.v"), edge("inv.error", "h.handle.err")]
    result = await arun_flow(nodes, edges)
    assert result.values("inv", "inv") == [1.0, 0.25]
    assert result.values("h") == ["ZeroDivisionError at inv.inv"]
    [error] = result.errors
    assert error.routed
    assert result.unrouted_errors == []


async def test_unrouted_error_is_reported_and_the_flow_goes_on() -> None:
    nodes = [
        data("a", "v = 2"),
        script("bad", "def bad(v):\n    raise RuntimeError(f'no {v}')\n"),
        script("good", "def good(v):\n    return v * 2\n"),
    ]
    result = await arun_flow(nodes, [edge("a.v", "bad.bad.v"), edge("a.v", "good.good.v")])
    assert result.values("good") == [4]
    [error] = result.unrouted_errors
    assert (error.node, error.socket, error.type, error.message, error.routed) == (
        "bad",
        "bad",
        "RuntimeError",
        "no 2",
        False,
    )
    [idle] = [e for e in result.events if isinstance(e, RunIdle)]
    assert (idle.errors, idle.unrouted_errors) == (1, 1)


async def test_error_in_a_data_node() -> None:
    result = await arun_flow([data("d", "x = 1\ny = 1 / 0\n")])
    [error] = result.errors
    assert (error.node, error.socket, error.type) == ("d", None, "ZeroDivisionError")
    assert result.values("d") == []  # the module did not finish: nothing is emitted


async def test_node_state_after_an_error_and_after_recovery() -> None:
    nodes = [
        data("a", "vs = [1, 0, 2]"),
        script("each", "def each(vs):\n    yield from vs\n"),
        script("s", "def inv(v):\n    return 1 / v\n"),
    ]
    result = await arun_flow(nodes, [edge("a.vs", "each.each.vs"), edge("each.each", "s.inv.v")])
    events = [e for e in result.events if isinstance(e, NodeStateChanged | NodeError) and e.node == "s"]
    seen = [e.state.value if isinstance(e, NodeStateChanged) else e.kind for e in events]
    # States may be reported in batches, but an error shows before its event, and a
    # later success clears it.
    assert seen[0] == "idle"
    assert "error" in seen
    assert seen.index("error") < seen.index("node_error")
    assert seen[-1] == "done"
    assert "running" in seen[seen.index("node_error") :]


async def test_none_is_not_emitted() -> None:
    nodes = [
        data("d", "nothing = None\nsomething = 0\n"),
        script("s", "def f(x):\n    return None\ndef g():\n    yield None\n    yield 1\n    yield None\n"),
    ]
    result = await arun_flow(nodes, [edge("d.something", "s.f.x")])
    assert emitted(result) == [("d", "something", 0), ("s", "g", 1)]


async def test_functions_classes_and_modules_bound_at_run_time_are_not_emitted() -> None:
    code = "import json\nfn = len\ncls = int\nmod = json\nvalue = 1\n"
    result = await arun_flow([data("d", code)])
    assert emitted(result) == [("d", "value", 1)]


async def test_module_level_error_in_a_script_node() -> None:
    nodes = [
        data("a", "v = 1"),
        script("s", "print('loading')\nraise ImportError('no such thing')\ndef f(v):\n    return v\n"),
        script("ok", "def g(v):\n    return v + 1\n"),
    ]
    result = await arun_flow(nodes, [edge("a.v", "s.f.v"), edge("a.v", "ok.g.v")])
    [error] = result.errors
    assert (error.node, error.socket, error.type, error.message) == ("s", None, "ImportError", "no such thing")
    assert result.output("s") == "loading\n"
    assert result.values("s") == []
    assert result.values("ok") == [2]  # the rest of the flow goes on


async def test_module_level_error_can_be_routed() -> None:
    nodes = [
        script("s", "raise ValueError('broken module')\ndef f():\n    return 1\n"),
        script("h", "def h(e):\n    return e['message']\n"),
    ]
    result = await arun_flow(nodes, [edge("s.error", "h.h.e")])
    assert result.values("h") == ["broken module"]
    assert result.unrouted_errors == []


# -- output capture --------------------------------------------------------------------------------


async def test_stdout_and_stderr_are_captured_per_node() -> None:
    nodes = [
        data("a", "print('from a')\nx = 1\n"),
        script("s", "import sys\ndef f(x):\n    print('out', x)\n    print('err', x, file=sys.stderr)\n    return x\n"),
    ]
    result = await arun_flow(nodes, [edge("a.x", "s.f.x")])
    outputs = [(e.node, e.stream, e.text) for e in result.events if isinstance(e, Output)]
    assert outputs == [("a", "stdout", "from a\n"), ("s", "stdout", "out 1\n"), ("s", "stderr", "err 1\n")]
    assert result.output("s") == "out 1\nerr 1\n"


async def test_output_comes_before_the_value_it_goes_with() -> None:
    nodes = [script("g", "def g():\n    print('one')\n    yield 1\n    print('two')\n    yield 2\n")]
    result = await arun_flow(nodes)
    seen = [
        (e.kind, getattr(e, "text", getattr(e, "value", None))) for e in result.events if e.kind in ("emit", "output")
    ]
    assert seen == [("output", "one\n"), ("emit", 1), ("output", "two\n"), ("emit", 2)]


async def test_output_before_an_error_is_kept() -> None:
    result = await arun_flow([script("s", "def f():\n    print('about to fail')\n    raise ValueError\n")])
    assert result.output("s") == "about to fail\n"
    kinds = [e.kind for e in result.events if e.kind in ("output", "node_error")]
    assert kinds == ["output", "node_error"]


async def test_prints_outside_node_code_are_not_captured() -> None:
    code = "import asyncio\nasync def slow():\n    print('node')\n    await asyncio.sleep(0.02)\n    return 1\n"
    printed = asyncio.Event()

    async def print_meanwhile() -> None:
        await asyncio.sleep(0.005)
        print("not a node")
        printed.set()

    other = asyncio.ensure_future(print_meanwhile())
    result = await arun_flow([script("s", code)])
    await other
    assert printed.is_set()
    assert result.output("s") == "node\n"


async def test_prints_by_the_event_handler_are_not_captured(capsys: pytest.CaptureFixture[str]) -> None:
    outputs: list[str] = []

    def on_event(event: object) -> None:
        print(f"host saw {type(event).__name__}")
        if isinstance(event, Output):
            outputs.append(event.text)

    run = make_flow([script("s", "def f():\n    raise ValueError('x')\n")]).start(on_event=on_event)
    await run.start()
    run.trigger("s")
    await run.wait_idle()
    run.trigger("s")  # the node's sink flushes again
    await run.wait_idle()
    await run.stop()
    assert outputs == []
    assert capsys.readouterr().out.count("host saw NodeError") == 2


# -- triggering ---------------------------------------------------------------------------------------


async def test_data_node_executes_its_module_on_every_trigger() -> None:
    async with live_run([data("d", "print('ran')\nimport random\nx = []\n")]) as live:
        live.run.trigger("d")
        await live.run.wait_idle()
        live.run.trigger("d")
        await live.run.wait_idle()
        first, second = live.result.values("d", "x")
        assert first == second == []
        assert first is not second  # a fresh module each time
        assert live.result.output("d") == "ran\nran\n"


async def test_triggering_one_socket_emits_only_that_object() -> None:
    async with live_run([data("d", "x = 1\ny = 2\nz = 3\n")]) as live:
        live.run.trigger("d", "y")
        await live.run.wait_idle()
        assert emitted(live) == [("d", "y", 2)]


async def test_triggering_a_script_node_calls_its_sources() -> None:
    nodes = [script("s", "def one():\n    return 1\ndef two():\n    return 2\ndef fed(x):\n    return x\n")]
    async with live_run(nodes) as live:
        live.run.trigger("s")
        await live.run.wait_idle()
        assert emitted(live) == [("s", "one", 1), ("s", "two", 2)]
        live.run.trigger("s", "two")
        await live.run.wait_idle()
        assert emitted(live)[-1] == ("s", "two", 2)
        assert len(emitted(live)) == 3


async def test_triggering_what_cannot_fire_is_a_run_error() -> None:
    nodes = [data("d", "x = 1"), script("s", "def f(x):\n    return x\n")]
    async with live_run(nodes, [edge("d.x", "s.f.x")]) as live:
        live.run.trigger_sources()
        await live.run.wait_idle()
        with pytest.raises(
            RunError,
            match=r"^this run has no node 'nope': it was added after the run started.*\(this run's nodes: 'd', 's'\)$",
        ):
            live.run.trigger("nope")
        with pytest.raises(RunError, match=r"^node 'd' has no socket 'q' \(sockets: x\)$"):
            live.run.trigger("d", "q")
        with pytest.raises(RunError, match=r"^s\.f is not a source: it waits for f\.x$"):
            live.run.trigger("s", "f")


async def test_run_without_triggering_sources_does_nothing() -> None:
    result = await arun_flow([data("d", "x = 1")], trigger="none")
    assert result.emits == []


async def test_run_stays_alive_after_idle_and_can_be_triggered_again() -> None:
    nodes = [data("d", "x = 1"), script("s", "def f(x):\n    return x * 2\n")]
    async with live_run(nodes, [edge("d.x", "s.f.x")]) as live:
        live.run.trigger_sources()
        await live.run.wait_idle()
        assert live.run.phase is RunPhase.IDLE
        assert live.result.values("s") == [2]
        live.run.trigger("d")
        await live.run.wait_idle()
        assert live.result.values("s") == [2, 2]
        idles = [e for e in live.events if isinstance(e, RunIdle)]
        assert [i.emitted for i in idles] == [2, 4]
        assert not any(isinstance(e, RunStopped) for e in live.events)
    assert isinstance(live.events[-1], RunStopped)
    assert live.events[-1].reason == "stopped"


async def test_trigger_after_stop_is_a_run_error() -> None:
    async with live_run([data("d", "x = 1")]) as live:
        live.run.trigger_sources()
        await live.run.wait_idle()
    assert live.run.phase is RunPhase.STOPPED
    with pytest.raises(RunError, match="has stopped"):
        live.run.trigger("d")


async def test_stop_closes_open_generators() -> None:
    sync_code = (
        "import itertools\ndef forever():\n    try:\n        yield from itertools.count()\n"
        "    finally:\n        print('closed')\n"
    )
    async_code = (
        "import asyncio\nasync def aforever():\n    try:\n        i = 0\n        while True:\n"
        "            await asyncio.sleep(0)\n            yield i\n            i += 1\n"
        "    finally:\n        print('aclosed')\n"
    )
    async with live_run([script("g", sync_code), script("a", async_code)]) as live:
        live.run.trigger_sources()
        for _ in range(200):
            if len(live.result.values("g")) > 5 and len(live.result.values("a")) > 5:
                break
            await asyncio.sleep(0.005)
        assert live.run.phase is RunPhase.RUNNING  # endless generators never go idle
        await live.run.stop()
        assert live.result.output("g") == "closed\n"
        assert live.result.output("a") == "aclosed\n"
        stopped = [e for e in live.events if isinstance(e, RunStopped)]
        assert len(stopped) == 1
        count = len(live.result.emits)
        await asyncio.sleep(0.02)
        assert len(live.result.emits) == count  # nothing runs after stop


async def test_an_endless_generator_does_not_starve_other_sources() -> None:
    nodes = [
        script("g", "import itertools\ndef forever():\n    yield from itertools.count()\n"),
        data("d", "x = 'still here'"),
    ]
    async with live_run(nodes) as live:
        live.run.trigger_sources()
        for _ in range(100):
            if live.result.values("d"):
                break
            await asyncio.sleep(0.005)
        assert live.result.values("d") == ["still here"]


# -- order and state -----------------------------------------------------------------------------------


DETERMINISTIC_NODES = [
    data("a", "xs = [3, 1, 2]\nprint('a ran')\n"),
    script("each", "def each(xs):\n    yield from xs\n"),
    script("g", "def g():\n    yield 'p'\n    yield 'q'\n"),
    script("pair", "def pair(x, s):\n    print(x, s)\n    return f'{x}{s}'\n"),
    script("bad", "def bad(x):\n    if x == 1:\n        raise ValueError(x)\n    return x\n"),
]
DETERMINISTIC_EDGES = [
    edge("a.xs", "each.each.xs"),
    edge("each.each", "pair.pair.x"),
    edge("g.g", "pair.pair.s"),
    edge("each.each", "bad.bad.x"),
]


async def test_same_flow_twice_gives_the_same_event_sequence() -> None:
    first = await arun_flow(DETERMINISTIC_NODES, DETERMINISTIC_EDGES)
    second = await arun_flow(DETERMINISTIC_NODES, DETERMINISTIC_EDGES)
    assert first.run != second.run
    assert wire(first.events) == wire(second.events)
    assert len(first.emits) > 5 and first.errors


WORK_CODE = (
    "import os, time\n"
    "def work(v):\n"
    "    end = time.perf_counter() + float(os.environ.get('HEADRACE_TEST_DELAY', '0'))\n"
    "    while time.perf_counter() < end:\n"
    "        pass\n"
    "    return v\n"
)


async def test_event_sequence_does_not_depend_on_how_long_node_code_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = [
        script("g", "def g():\n    yield from range(20)\n"),
        script("w", WORK_CODE),
        script("t", "def t(v):\n    return v\n"),
    ]
    edges = [edge("g.g", "w.work.v"), edge("w.work", "t.t.v")]
    monkeypatch.setenv("HEADRACE_TEST_DELAY", "0")
    fast = await arun_flow(nodes, edges)
    monkeypatch.setenv("HEADRACE_TEST_DELAY", "0.002")  # 40 ms in all: several slices
    slow = await arun_flow(nodes, edges)
    assert fast.values("t") == slow.values("t") == list(range(20))
    assert wire(fast.events) == wire(slow.events)


async def test_event_sequence_of_a_join() -> None:
    nodes = [data("a", "x = 1"), data("b", "y = 2"), script("s", "def add(x, y):\n    return x + y\n")]
    result = await arun_flow(nodes, [edge("a.x", "s.add.x"), edge("b.y", "s.add.y")])
    events = wire(result.events)
    assert [e["event"] for e in events[:4]] == ["run_started", "node_state", "node_state", "node_state"]
    assert [(e["node"], e["state"]) for e in events[1:4]] == [("a", "idle"), ("b", "idle"), ("s", "idle")]
    assert [e["event"] for e in events[-2:]] == ["run_idle", "run_stopped"]
    assert [(e["node"], e["socket"], e["value"], e["seq"]) for e in events if e["event"] == "emit"] == [
        ("a", "x", 1, 1),
        ("b", "y", 2, 2),
        ("s", "add", 3, 3),
    ]
    for node in "abs":
        states = [e["state"] for e in events if e["event"] == "node_state" and e["node"] == node]
        assert states[0] == "idle" and states[-1] == "done"
        assert "running" in states
        first_emit = next(i for i, e in enumerate(events) if e["event"] == "emit" and e["node"] == node)
        running = next(i for i, e in enumerate(events) if e.get("state") == "running" and e["node"] == node)
        assert running < first_emit  # a node shows as running before its value comes out


async def test_waiting_state_carries_held_and_required_counts() -> None:
    nodes = [
        data("a", "x = 1"),
        script("s", "def f(x, y, z=0):\n    return x\ndef g(v):\n    return v\n"),
    ]
    async with live_run(nodes, [edge("a.x", "s.f.x"), edge("a.x", "s.f.z")]) as live:
        live.run.trigger_sources()
        await live.run.wait_idle()
        states = [e for e in live.events if isinstance(e, NodeStateChanged) and e.node == "s"]
        assert states[0].state is NodeState.IDLE
        assert {k: (h.held, h.required) for k, h in states[0].functions.items()} == {"f": (0, 3), "g": (0, 1)}
        assert states[-1].state is NodeState.WAITING
        assert {k: (h.held, h.required) for k, h in states[-1].functions.items()} == {"f": (2, 3), "g": (0, 1)}


async def test_data_node_states_run_idle_running_done() -> None:
    result = await arun_flow([data("a", "x = 1")])
    states = [e.state for e in result.events if isinstance(e, NodeStateChanged)]
    assert states == [NodeState.IDLE, NodeState.RUNNING, NodeState.DONE]
    assert all(e.functions == {} for e in result.events if isinstance(e, NodeStateChanged))


async def test_run_events_start_and_end_the_sequence() -> None:
    result = await arun_flow([data("a", "x = 1")])
    assert result.events[0].kind == "run_started"
    assert result.events[0].nodes == 1  # type: ignore[union-attr]
    assert [e.kind for e in result.events[-2:]] == ["run_idle", "run_stopped"]
    assert result.events[-1].reason == "finished"  # type: ignore[union-attr]
    assert all(e.run == result.run for e in result.events)


async def test_emit_events_carry_node_socket_value() -> None:
    result = await arun_flow([data("a", "x = {'k': [1, 2]}")])
    [emit] = result.emits
    assert isinstance(emit, Emit)
    assert (emit.node, emit.socket, emit.value, emit.seq) == ("a", "x", {"k": [1, 2]}, 1)


# -- several runs -------------------------------------------------------------------------------------------


async def test_two_runs_in_one_loop_keep_their_output_apart() -> None:
    def nodes(tag: str) -> list[dict[str, object]]:
        code = (
            "import asyncio\n"
            "async def work():\n"
            "    for i in range(3):\n"
            f"        print('{tag}', i)\n"
            "        await asyncio.sleep(0.001)\n"
            f"        yield '{tag}' + str(i)\n"
        )
        return [script("w", code)]

    first, second = await asyncio.gather(arun_flow(nodes("one")), arun_flow(nodes("two")))
    assert first.output("w") == "one 0\none 1\none 2\n"
    assert second.output("w") == "two 0\ntwo 1\ntwo 2\n"
    assert first.values("w") == ["one0", "one1", "one2"]
    assert second.values("w") == ["two0", "two1", "two2"]
    assert {e.run for e in first.events} == {first.run}
    assert {e.run for e in second.events} == {second.run}


async def test_same_flow_started_twice_runs_independent_modules() -> None:
    flow = make_flow([script("s", "seen = []\ndef f():\n    seen.append(1)\n    return len(seen)\n")])
    first, second = await asyncio.gather(flow.run(), flow.run())
    assert first.values("s") == second.values("s") == [1]


async def test_flow_events_iterator_yields_until_stopped() -> None:
    flow = make_flow([data("a", "x = 1")])
    kinds = [event.kind async for event in flow.events()]
    assert kinds[0] == "run_started"
    assert kinds[-1] == "run_stopped"
    assert "emit" in kinds


def test_run_sync_outside_an_event_loop() -> None:
    result = run_flow([data("a", "x = 1"), script("s", "def f(x):\n    return x + 1\n")], [edge("a.x", "s.f.x")])
    assert result.values("s") == [2]


async def test_node_error_event_has_the_same_fields_as_the_error_value() -> None:
    result = await arun_flow([script("s", "def f():\n    raise TypeError('t')\n")])
    [error] = result.errors
    [value] = result.values("s", "error")
    assert isinstance(error, NodeError)
    assert value == {
        "node": error.node,
        "socket": error.socket,
        "type": error.type,
        "message": error.message,
        "traceback": error.traceback,
    }


async def test_a_kept_sticky_value_alone_is_not_waiting() -> None:
    # After the run, `scale` holds its sticky factor (1/2) but no new value waits
    # for a partner: it shows as done, ready for the next x, not as stuck.
    nodes = [
        data("d", "xs = 3\nfactor = 10\n"),
        script("s", "def scale(x, factor):\n    return x * factor\n", ports={"scale.factor": {"sticky": True}}),
    ]
    result = await arun_flow(nodes, [edge("d.xs", "s.scale.x"), edge("d.factor", "s.scale.factor")])
    states = [e for e in result.events if isinstance(e, NodeStateChanged) and e.node == "s"]
    assert states[-1].state is NodeState.DONE
    assert states[-1].functions["scale"].held == 1


async def test_a_new_value_without_its_partner_is_waiting() -> None:
    nodes = [data("d", "x = 1\n"), script("s", "def add(x, y):\n    return x + y\n")]
    result = await arun_flow(nodes, [edge("d.x", "s.add.x")])
    states = [e for e in result.events if isinstance(e, NodeStateChanged) and e.node == "s"]
    assert states[-1].state is NodeState.WAITING
    assert (states[-1].functions["add"].held, states[-1].functions["add"].required) == (1, 2)


async def test_a_waiting_function_names_the_ports_it_misses() -> None:
    nodes = [data("d", "x = 1\n"), script("s", "def add(x, y, z=0):\n    return x + y + z\n")]
    result = await arun_flow(nodes, [edge("d.x", "s.add.x")])
    last = [e for e in result.events if isinstance(e, NodeStateChanged) and e.node == "s"][-1]
    assert last.functions["add"].missing == ["y"]


async def test_all_makes_a_helper_function_no_socket_it_is_only_called() -> None:
    # `twice` has a default for every parameter: were it a socket, it would be a source
    # and fire at the start.
    code = "__all__ = ['double']\n\ndef double(x):\n    return twice(x)\n\ndef twice(x=1):\n    return 2 * x\n"
    result = await arun_flow([data("a", "x = 21"), script("s", code)], [edge("a.x", "s.double.x")])
    assert result.values("s", "double") == [42]
    assert result.values("s", "twice") == []
    assert {e.socket for e in result.events if isinstance(e, Emit)} == {"x", "double"}
    assert not result.errors
