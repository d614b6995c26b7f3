"""Calls carried out elsewhere: an ``Invocation`` is plain data that ``invoke``
runs and answers with an ``Outcome``, never raising; and a run that sends every
call through an executor emits what it emits inline."""

from __future__ import annotations

import pickle
from typing import Any

from conftest import data, edge, flow_doc, script
from hypothesis import given
from hypothesis import strategies as st

from headrace import Flow
from headrace.protocol import Emit, NodeError, Output
from headrace.remote import Invocation, Outcome, invoke, invoke_pickled

CODE = """\
calls = 0

def add(x, y=10):
    global calls
    calls += 1
    print("adding", x, y)
    return x + y

def count():
    return calls

def each(n):
    for i in range(n):
        yield i

async def later(x):
    return -x

async def stream(n):
    for i in range(n):
        yield i * i

def fail(x):
    return 1 / x
"""


def call(function: str, *values: Any, keywords: list[str] | None = None, run: str = "r1") -> Outcome:
    return invoke(Invocation(run, "n", "<node n>", CODE, function, list(values), keywords))


@given(x=st.integers(), y=st.integers())
def test_a_call_returns_its_value_positionally_or_by_name(x: int, y: int) -> None:
    assert call("add", x, y).value == x + y
    assert call("add", y, x, keywords=["y", "x"]).value == x + y


def test_what_the_function_prints_travels_with_the_outcome() -> None:
    outcome = call("add", 1, 2)
    assert outcome.output == [("stdout", "adding 1 2\n")] and outcome.error is None


def test_generators_and_coroutines_are_run_to_their_end_there() -> None:
    assert call("each", 3).items == [0, 1, 2]
    assert call("later", 5).value == -5
    assert call("stream", 4).items == [0, 1, 4, 9]
    assert call("each", 0).items == []


def test_an_exception_is_an_outcome_pointing_at_the_node_code() -> None:
    outcome = call("fail", 0)
    assert outcome.value is None and outcome.error is not None
    error = outcome.error
    assert (error["node"], error["socket"], error["type"]) == ("n", "fail", "ZeroDivisionError")
    assert error["message"] == "division by zero"
    line = CODE.splitlines().index("    return 1 / x") + 1
    assert f'File "<node n>", line {line}, in fail' in error["traceback"]
    assert error["traceback"].count('File "') == 1  # the node's frame only, not the engine's


def test_module_state_is_kept_per_run_and_node() -> None:
    before = call("count", run="state").value
    call("add", 1, 1, run="state")
    assert call("count", run="state").value == before + 1
    assert call("count", run="another run").value == 0


def test_an_invocation_and_its_outcome_survive_pickling() -> None:
    invocation = Invocation("r", "n", "<node n>", CODE, "add", [2, 3], None)
    assert pickle.loads(pickle.dumps(invocation)) == invocation
    outcome = invoke_pickled(pickle.dumps(invocation))
    assert pickle.loads(pickle.dumps(outcome)) == outcome and outcome.value == 5


class PicklingExecutor:
    """An executor that sends every call through pickle, as a cluster would."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.closed = False

    async def invoke(self, invocation: Invocation) -> Outcome:
        self.calls.append(f"{invocation.node}.{invocation.function}")
        return pickle.loads(pickle.dumps(invoke_pickled(pickle.dumps(invocation))))

    async def close(self) -> None:
        self.closed = True


FLOW = flow_doc(
    [
        data("a", "x = 4"),
        script(
            "s", "def square(x):\n    print('squaring', x)\n    return x * x\n\ndef halve(x):\n    return 8 / (x - 4)\n"
        ),
    ],
    [edge("a.x", "s.square.x"), edge("a.x", "s.halve.x")],
)


def _seen(events: list[Any]) -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []
    for event in events:
        if isinstance(event, Emit):
            seen.append(("emit", event.node, event.socket, str(event.value)))
        elif isinstance(event, NodeError):
            seen.append(("error", event.node, event.socket, event.type))
        elif isinstance(event, Output):
            seen.append(("output", event.node, event.text))
    return sorted(seen)


async def test_a_run_through_an_executor_emits_what_it_emits_inline() -> None:
    inline = await Flow.load(FLOW).run()
    executor = PicklingExecutor()
    events: list[Any] = []
    run = Flow.load(FLOW).start(on_event=events.append, executor=executor)
    await run.start()
    try:
        run.trigger_sources()
        await run.wait_idle()
    finally:
        await run.stop("finished")
    assert sorted(executor.calls) == ["s.halve", "s.square"]
    assert _seen(events) == _seen(inline.events)
    assert ("output", "s", "squaring 4\n") in _seen(events)
