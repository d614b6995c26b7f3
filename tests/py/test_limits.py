"""The flow's limits: how many values a port may hold (``queue_limit``), and how
long one call may run (``time_limit``).

Tests of the time limit run code that would spin for 30 s if the limit failed to
stop it, and then return something the test rejects: a broken limit fails the
test rather than hanging it. No assertion is about how long anything took.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from conftest import data, edge, flow_doc, live_run, script

from headrace import Flow, FlowError
from headrace.model import DEFAULT_QUEUE_LIMIT
from headrace.protocol import NodeError, RunStopped

LIMIT = 0.2  # seconds: the tests' time limit
SPIN = "import time\n\n_end = time.perf_counter() + 30\n"  # a 30 s bound on every spin below


def run(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None, **top: Any) -> Any:
    return Flow.load(flow_doc(nodes, edges or [], **top)).run_sync()


def stopped(result: Any) -> RunStopped:
    return next(e for e in result.events if isinstance(e, RunStopped))


# -- queue_limit ----------------------------------------------------------------------------------

FLOOD = "def g(n={n}):\n    yield from range(n)\n"
NEVER = "def h():\n    return None\n"  # a source that never emits: its port never fills
JOIN = "def add(x, y):\n    return x + y\n"


def flood_flow(values: int, **top: Any) -> dict[str, Any]:
    return flow_doc(
        [script("a", FLOOD.format(n=values)), script("b", NEVER), script("j", JOIN)],
        [edge("a.g", "j.add.x"), edge("b.h", "j.add.y")],
        **top,
    )


def test_a_port_flooding_while_its_partner_never_fills_fails_the_run_naming_node_port_and_limit() -> None:
    result = Flow.load(flood_flow(DEFAULT_QUEUE_LIMIT + 1)).run_sync()
    message = (
        f"port 'add.x' of node 'j' already holds {DEFAULT_QUEUE_LIMIT} values, the flow's queue_limit "
        "(waiting for add.y): the run stops rather than hold more"
    )
    assert stopped(result).reason == "failed"
    assert stopped(result).message == message
    [error] = result.errors
    assert (error.node, error.socket, error.type, error.message) == ("j", "add", "QueueFullError", message)
    assert not result.values("j")


def test_exactly_the_limit_is_held_without_complaint() -> None:
    result = Flow.load(flood_flow(5, queue_limit=5)).run_sync()
    assert not result.errors
    assert stopped(result).reason == "finished"


def test_one_more_than_the_limit_fails() -> None:
    result = Flow.load(flood_flow(6, queue_limit=5)).run_sync()
    assert stopped(result).reason == "failed"
    assert "already holds 5 values" in (stopped(result).message or "")


def test_a_sticky_partner_lets_a_flood_through() -> None:
    doc = flow_doc(
        [data("b", "y = 1"), script("a", FLOOD.format(n=50)), script("j", JOIN, ports={"add.y": {"sticky": True}})],
        [edge("a.g", "j.add.x"), edge("b.y", "j.add.y")],
        queue_limit=3,
    )
    result = Flow.load(doc).run_sync()
    assert result.values("j") == [x + 1 for x in range(50)]
    assert stopped(result).reason == "finished"


def test_values_held_for_a_node_whose_code_failed_are_bounded_too() -> None:
    broken = "raise ValueError('no')\n\n\ndef f(x):\n    return x\n"
    result = run([script("a", FLOOD.format(n=10)), script("f", broken)], [edge("a.g", "f.f.x")], queue_limit=4)
    assert stopped(result).reason == "failed"
    assert "its code failed to load" in (stopped(result).message or "")


def test_a_failed_run_fails_the_cli(tmp_path: Any) -> None:
    import json
    import subprocess

    path = tmp_path / "flood.json"
    path.write_text(json.dumps(flood_flow(10, queue_limit=2)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "headrace", "run", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "already holds 2 values" in done.stdout


# -- time_limit -----------------------------------------------------------------------------------

TIMEOUT = f"node 'slow' (f) ran longer than its {LIMIT:g} s limit"

SLOW_CODE = {
    "a loop": SPIN
    + """
def f():
    while time.perf_counter() < _end:
        pass
    return 'never stopped'
""",
    "a loop in a helper": SPIN
    + """
def _spin():
    while time.perf_counter() < _end:
        pass
    return 'never stopped'


def f():
    return _spin()
""",
    "a loop in a library": SPIN
    + """
import json


def f():
    while time.perf_counter() < _end:
        json.loads(json.dumps([1, {'a': 2}]))
    return 'never stopped'
""",
    "a recursion that branches for ever": SPIN
    + """
def _tree(n):
    if n == 0 or time.perf_counter() > _end:
        return 0
    return _tree(n - 1) + _tree(n - 1) + 1


def f():
    _tree(60)
    return 'never stopped'
""",
    "code that catches Exception": SPIN
    + """
def f():
    try:
        while time.perf_counter() < _end:
            pass
    except Exception:
        return 'swallowed'
    return 'never stopped'
""",
    "an await that never ends": """
import asyncio


async def f():
    await asyncio.sleep(30)
    return 'never stopped'
""",
    "async code that never awaits": SPIN
    + """
async def f():
    while time.perf_counter() < _end:
        pass
    return 'never stopped'
""",
}


@pytest.mark.parametrize("case", sorted(SLOW_CODE))
def test_a_call_over_its_limit_is_a_timeout_error_in_the_error_socket(case: str) -> None:
    result = run([script("slow", SLOW_CODE[case])], time_limit=LIMIT)
    assert result.values("slow") == []
    [error] = result.errors
    assert (error.type, error.message, error.socket) == ("TimeoutError", TIMEOUT, "f")
    assert 'File "<node slow: ' in error.traceback  # where the node was when it was stopped
    [value] = result.values("slow", "error")
    assert value["type"] == "TimeoutError"
    assert stopped(result).reason == "finished"  # the flow goes on


def test_the_limit_applies_to_each_step_of_a_generator() -> None:
    code = SPIN + "\n\ndef f():\n    for i in range(3):\n        yield i\n    while time.perf_counter() < _end:\n"
    code += "        pass\n    yield 'never stopped'\n"
    result = run([script("slow", code)], time_limit=LIMIT)
    assert result.values("slow", "f") == [0, 1, 2]
    assert [(e.type, e.message) for e in result.errors] == [("TimeoutError", TIMEOUT)]


def test_the_limit_applies_to_each_step_of_an_async_generator() -> None:
    code = "import asyncio\n\n\nasync def f():\n    yield 1\n    await asyncio.sleep(30)\n    yield 'never stopped'\n"
    result = run([script("slow", code)], time_limit=LIMIT)
    assert result.values("slow", "f") == [1]
    assert [(e.type, e.message) for e in result.errors] == [("TimeoutError", TIMEOUT)]


def test_a_data_node_and_a_module_are_limited_too() -> None:
    spin = SPIN + "while time.perf_counter() < _end:\n    pass\n"
    result = run(
        [data("d", spin + "x = 'never stopped'\n"), script("s", spin + "\n\ndef f():\n    return 1\n")],
        time_limit=LIMIT,
    )
    messages = sorted(e.message for e in result.errors)
    assert messages == [
        f"node 'd' ran longer than its {LIMIT:g} s limit",
        f"node 's' (module) ran longer than its {LIMIT:g} s limit",
    ]


def test_calls_within_the_limit_are_untouched_and_each_call_gets_the_whole_limit() -> None:
    # Each call takes about half the limit: together they take far longer than it.
    code = "import time\n\n\ndef f(x):\n    end = time.perf_counter() + {half}\n    while time.perf_counter() < end:\n"
    code += "        pass\n    return x\n"
    nodes = [script("src", FLOOD.format(n=6)), script("slow", code.format(half=LIMIT / 2))]
    result = run(nodes, [edge("src.g", "slow.f.x")], time_limit=LIMIT)
    assert result.values("slow") == list(range(6))
    assert not result.errors


def test_a_node_limit_wins_over_the_flow_limit() -> None:
    code = "import time\n\n\ndef f():\n    end = time.perf_counter() + {t}\n    while time.perf_counter() < end:\n"
    code += "        pass\n    return 'done'\n"
    patient = script("patient", code.format(t=LIMIT * 2), time_limit=30)
    hasty = script("hasty", code.format(t=30), time_limit=LIMIT)
    result = run([patient, hasty], time_limit=LIMIT)  # the flow's limit alone would stop 'patient'
    assert result.values("patient") == ["done"]
    assert [(e.node, e.message) for e in result.errors] == [
        ("hasty", f"node 'hasty' (f) ran longer than its {LIMIT:g} s limit")
    ]


def test_without_a_limit_no_trace_function_is_ever_installed() -> None:
    seen = "import sys\n\n\ndef f():\n    return repr(sys.gettrace())\n"
    assert run([script("s", seen)]).values("s") == [repr(sys.gettrace())]


def test_the_trace_function_is_removed_after_a_limited_call_and_a_timeout() -> None:
    before = sys.gettrace()
    run([script("slow", SLOW_CODE["a loop"]), script("ok", "def f():\n    return 1\n")], time_limit=LIMIT)
    assert sys.gettrace() is before


def test_a_node_raising_its_own_timeout_error_is_not_mistaken_for_the_limit() -> None:
    code = "import asyncio\n\n\nasync def f():\n    raise TimeoutError('mine')\n"
    result = run([script("slow", code)], time_limit=30)
    assert [(e.type, e.message) for e in result.errors] == [("TimeoutError", "mine")]


async def test_a_task_the_node_started_outlives_the_call_unharmed() -> None:
    code = (
        "import asyncio, time\n\nresults = []\n\n\nasync def _later():\n    await asyncio.sleep(0.3)\n"
        "    end = time.perf_counter() + 0.3\n    while time.perf_counter() < end:\n        pass\n"
        "    results.append('finished')\n\n\nasync def f():\n    global task\n"
        "    task = asyncio.ensure_future(_later())\n    return 'started'\n\n\ndef check():\n    return results\n"
    )
    async with live_run([script("n", code, time_limit=0.1)]) as live:
        live.run.trigger("n", "f")
        await live.run.wait_idle()
        await asyncio.sleep(0.8)
        live.run.trigger("n", "check")
        await live.run.wait_idle()
        assert live.result.values("n", "check") == [["finished"]]
        assert not [e for e in live.events if isinstance(e, NodeError)]


async def test_a_limited_run_does_not_stop_another_runs_code() -> None:
    limited = flow_doc([script("slow", SLOW_CODE["an await that never ends"])], time_limit=LIMIT)
    busy = (
        "import asyncio, time\n\n\nasync def f():\n    for _ in range(6):\n        end = time.perf_counter() + 0.05\n"
    )
    busy += "        while time.perf_counter() < end:\n            pass\n"
    busy += "        await asyncio.sleep(0.05)\n    return 'done'\n"
    other = flow_doc([script("busy", busy)])
    first, second = await asyncio.gather(Flow.load(limited).run(), Flow.load(other).run())
    assert [e.message for e in first.errors] == [TIMEOUT]
    assert second.values("busy") == ["done"]
    assert not second.errors


# -- the settings in the file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "node", "message"),
    [
        ({"time_limit": 0}, {}, "time_limit: expected a number of seconds above 0, got 0"),
        ({"time_limit": -1.5}, {}, "time_limit: expected a number of seconds above 0, got -1.5"),
        ({"time_limit": "2s"}, {}, "time_limit: expected a number of seconds, got a string"),
        ({"time_limit": True}, {}, "time_limit: expected a number of seconds, got true or false"),
        ({}, {"time_limit": None}, "nodes[0].time_limit: expected a number of seconds, got null"),
        ({}, {"time_limit": 0}, "nodes[0].time_limit: expected a number of seconds above 0, got 0"),
        ({"queue_limit": 0}, {}, "queue_limit: expected a whole number of values, at least 1, got 0"),
        ({"queue_limit": 2.5}, {}, "queue_limit: expected a whole number of values, at least 1, got 2.5"),
        ({"queue_limit": "many"}, {}, 'queue_limit: expected a whole number of values, at least 1, got "many"'),
        ({"queue_limit": False}, {}, "queue_limit: expected a whole number of values, at least 1, got false"),
    ],
)
def test_bad_limits_are_flow_errors_at_their_path(top: dict[str, Any], node: dict[str, Any], message: str) -> None:
    with pytest.raises(FlowError) as info:
        Flow.load(flow_doc([script("s", "def f():\n    return 1\n", **node)], **top))
    assert str(info.value) == message


def test_limits_round_trip() -> None:
    doc = flow_doc([script("s", "def f():\n    return 1\n", time_limit=1.5)], time_limit=2, queue_limit=500)
    assert Flow.load(doc).to_json() == doc
    spec = Flow.load(doc).spec
    assert (spec.time_limit, spec.queue_limit, spec.time_limit_of(spec.nodes[0])) == (2, 500, 1.5)


async def test_while_a_limited_node_awaits_the_rest_of_the_process_runs_untraced() -> None:
    # Tracing slows down all code while it is on: it covers the node's own stretches only.
    waiting = "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(0.3)\n    return 'done'\n"
    looks = "import asyncio, sys\n\n\nasync def f():\n    await asyncio.sleep(0.1)\n    return repr(sys.gettrace())\n"
    limited = Flow.load(flow_doc([script("w", waiting)], time_limit=30))
    other = Flow.load(flow_doc([script("o", looks)]))
    first, second = await asyncio.gather(limited.run(), other.run())
    assert first.values("w") == ["done"]
    assert second.values("o") == [repr(sys.gettrace())]
