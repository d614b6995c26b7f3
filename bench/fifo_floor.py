"""The floor any queued Python engine pays: a minimal FIFO dispatcher.

A deque of ``(function, value)`` pairs; the loop pops one, calls the function,
and queues the result for each successor. A generator source is stepped one
value per queue item (what lets an endless generator share the loop), and a
two-argument function holds its arguments in one deque per parameter until both
are there. No states, no counts, no output capture, no errors, no views: what is
left is the cost of queueing a value and calling a function, which the engine
(``bench/engine_throughput.py``) is measured against in the same process.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from flows import ADD, CHAIN_LENGTH, INC

Successors = dict[Any, list[Any]]


def dispatch(sources: list[Iterator[Any]], successors: Successors) -> None:
    """Run to completion. ``successors[f]`` lists where f's results go: functions,
    or ``(join, index)`` pairs for a port of a two-argument function."""
    queue: deque[tuple[Any, Any]] = deque((_STEP, source) for source in sources)
    popleft, push = queue.popleft, queue.append
    while queue:
        function, value = popleft()
        if function is _STEP:  # a generator's next value
            try:
                result = next(value)
            except StopIteration:
                continue
            push((_STEP, value))
            function = value
        elif function.__class__ is _Port:  # hold; call when every argument is there
            result = function.put(value)
            if result is None:
                continue
            function = function.join
        else:
            result = function(value)
        for successor in successors.get(function, ()):
            push((successor, result))


class _Join:
    def __init__(self, function: Callable[[Any, Any], Any]) -> None:
        self.function = function
        self.held: tuple[deque[Any], deque[Any]] = (deque(), deque())


class _Port:
    __slots__ = ("index", "join")

    def __init__(self, join: _Join, index: int) -> None:
        self.join, self.index = join, index

    def put(self, value: Any) -> Any:
        a, b = self.join.held
        (a if self.index == 0 else b).append(value)
        return self.join.function(a.popleft(), b.popleft()) if a and b else None


_STEP = object()


def _source(n: int) -> Iterator[int]:
    yield from range(n)


def _function(code: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    return namespace[name]  # type: ignore[no-any-return]


def fifo_chain(messages: int) -> float:
    """Seconds for the 10-node chain (bench/flows.py) through the dispatcher."""
    stages = [_function(INC, "inc") for _ in range(CHAIN_LENGTH)]  # ten functions, as ten nodes' modules
    source = _source(messages)
    successors: Successors = {source: [stages[0]]}
    for a, b in itertools.pairwise(stages):
        successors[a] = [b]
    start = time.perf_counter()
    dispatch([source], successors)
    return time.perf_counter() - start


def fifo_join(messages: int) -> float:
    """Seconds for the 2-input join (bench/flows.py) through the dispatcher."""
    join = _Join(_function(ADD, "add"))
    a, b = _source(messages), _source(messages)
    successors: Successors = {a: [_Port(join, 0)], b: [_Port(join, 1)]}
    start = time.perf_counter()
    dispatch([a, b], successors)
    return time.perf_counter() - start
