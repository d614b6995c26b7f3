"""Argument holding: values queue per port until every required port holds one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headrace.inbox import Inbox, InboxPort


def inbox(*params: str, sticky: tuple[str, ...] = ()) -> Inbox:
    return Inbox([InboxPort(p, p in sticky) for p in params])


def drain(box: Inbox) -> list[list[object]]:
    calls = []
    while box.ready():
        calls.append(box.take())
    return calls


def test_empty_inbox_is_not_ready() -> None:
    box = inbox("x", "y")
    assert not box.ready()
    assert box.held() == 0
    assert box.missing() == ["x", "y"]


def test_one_port_of_two_is_held_until_the_other_arrives() -> None:
    box = inbox("x", "y")
    box.put(0, "x1")
    assert not box.ready()
    assert (box.held(), box.missing()) == (1, ["y"])
    box.put(1, "y1")
    assert box.ready()
    assert box.take() == ["x1", "y1"]
    assert not box.ready()
    assert box.held() == 0


def test_values_are_taken_in_port_order_whatever_the_arrival_order() -> None:
    box = inbox("a", "b", "c")
    box.put(2, "c")
    box.put(0, "a")
    box.put(1, "b")
    assert drain(box) == [["a", "b", "c"]]


def test_each_port_is_a_fifo() -> None:
    box = inbox("x", "y")
    for v in ("x1", "x2", "x3"):
        box.put(0, v)
    assert box.queued() == 3
    assert box.held() == 1  # one port holds values, however many
    box.put(1, "y1")
    box.put(1, "y2")
    assert drain(box) == [["x1", "y1"], ["x2", "y2"]]
    assert box.missing() == ["y"]
    assert box.queued() == 1


def test_a_single_port_fires_once_per_value() -> None:
    box = inbox("v")
    box.put(0, 1)
    box.put(0, 2)
    assert drain(box) == [[1], [2]]


def test_none_is_a_value_like_any_other() -> None:
    box = inbox("x", "y")
    box.put(0, None)
    assert box.held() == 1
    box.put(1, 0)
    assert drain(box) == [[None, 0]]


def test_sticky_port_is_fed_once_and_reused() -> None:
    box = inbox("factor", "v", sticky=("factor",))
    box.put(0, 10)
    box.put(1, 1)
    assert drain(box) == [[10, 1]]
    assert box.missing() == ["v"]  # the sticky port still holds its value
    box.put(1, 2)
    box.put(1, 3)
    assert drain(box) == [[10, 2], [10, 3]]


def test_sticky_port_takes_a_new_value_for_the_next_call() -> None:
    box = inbox("factor", "v", sticky=("factor",))
    box.put(0, 10)
    box.put(1, 1)
    drain(box)
    box.put(0, 100)
    assert not box.ready()  # a new factor alone does not call the function: v is empty
    box.put(1, 2)
    assert drain(box) == [[100, 2]]


def test_all_sticky_ports_fire_only_on_a_new_value() -> None:
    box = inbox("a", "b", sticky=("a", "b"))
    box.put(0, "a1")
    box.put(1, "b1")
    assert drain(box) == [["a1", "b1"]]
    assert not box.ready()  # not forever on the same arguments
    box.put(0, "a2")
    assert drain(box) == [["a2", "b1"]]


def test_queued_sticky_values_are_each_used_in_turn() -> None:
    box = inbox("a", "b", sticky=("a",))
    box.put(0, "a1")
    box.put(0, "a2")
    box.put(1, "b1")
    box.put(1, "b2")
    box.put(1, "b3")
    assert drain(box) == [["a1", "b1"], ["a2", "b2"], ["a2", "b3"]]


# -- random arrival orders ---------------------------------------------------------


@st.composite
def arrivals(draw: st.DrawFn, *, sticky_ports: bool) -> tuple[int, frozenset[int], list[int]]:
    """A number of ports, which are sticky, and a random order of arrivals (port
    indexes). Values are made unique by their position in the order."""
    ports = draw(st.sampled_from([2, 3]))
    sticky = draw(st.frozensets(st.integers(0, ports - 1), min_size=1)) if sticky_ports else frozenset()
    order = draw(st.lists(st.integers(0, ports - 1), max_size=30))
    return ports, sticky, order


def _simulate(ports: int, sticky: frozenset[int], order: list[int]):
    box = Inbox([InboxPort(f"p{i}", i in sticky) for i in range(ports)])
    sent: list[list[tuple[int, int]]] = [[] for _ in range(ports)]
    calls: list[list[tuple[int, int]]] = []
    calls_after: list[int] = []
    for step, port in enumerate(order):
        value = (port, step)
        sent[port].append(value)
        box.put(port, value)
        calls.extend(drain(box))
        calls_after.append(len(calls))
    return box, sent, calls, calls_after


@given(arrivals(sticky_ports=False))
def test_random_arrivals_fire_every_complete_set_exactly_once(case: tuple[int, frozenset[int], list[int]]) -> None:
    ports, sticky, order = case
    _, sent, calls, calls_after = _simulate(ports, sticky, order)
    # The calls are exactly the complete sets, in FIFO order...
    assert [tuple(c) for c in calls] == list(zip(*sent, strict=False))
    # ...and each fires as soon as its last value arrives.
    counts = [0] * ports
    for step, port in enumerate(order):
        counts[port] += 1
        assert calls_after[step] == min(counts)


@given(st.booleans().flatmap(lambda sticky: arrivals(sticky_ports=sticky)))
def test_random_arrivals_keep_fifo_per_port_and_lose_nothing(case: tuple[int, frozenset[int], list[int]]) -> None:
    ports, sticky, order = case
    box, sent, calls, _ = _simulate(ports, sticky, order)
    fresh = set()
    for port in range(ports):
        used = [call[port] for call in calls]
        if port in sticky:
            # A sticky value is reused until the next one in the queue takes over.
            distinct = [v for i, v in enumerate(used) if i == 0 or used[i - 1] != v]
            assert distinct == sent[port][: len(distinct)]
            fresh.update((i, v) for i, v in enumerate(used) if i == 0 or used[i - 1] != v)
        else:
            assert used == sent[port][: len(used)]  # each value once, in arrival order
            fresh.update(enumerate(used))
    # Every call consumed at least one value that no earlier call had.
    assert {i for i, _ in fresh} == set(range(len(calls)))
    # Nothing that could fire is left waiting: either no new value is queued, or
    # some port can give nothing.
    consumed = [len({call[p] for call in calls}) for p in range(ports)]
    pending = [len(sent[p]) - consumed[p] for p in range(ports)]
    available = [pending[p] > 0 or (p in sticky and consumed[p] > 0) for p in range(ports)]
    assert not box.ready()
    assert sum(pending) == box.queued()
    assert sum(pending) == 0 or not all(available)
    assert box.held() == sum(available)


@pytest.mark.parametrize("ports", [2, 3])
def test_held_counts_ports_not_values(ports: int) -> None:
    box = inbox(*(f"p{i}" for i in range(ports)))
    for _ in range(3):
        box.put(0, "v")
    assert box.held() == 1
    assert box.missing() == [f"p{i}" for i in range(1, ports)]


@pytest.mark.long
@settings(max_examples=2000)
@given(st.integers(2, 4), st.lists(st.integers(0, 3), max_size=300), st.frozensets(st.integers(0, 3)))
def test_long_random_arrivals_lose_nothing(ports: int, order: list[int], sticky: frozenset[int]) -> None:
    order = [p % ports for p in order]
    sticky = frozenset(p for p in sticky if p < ports)
    box, sent, calls, _ = _simulate(ports, sticky, order)
    assert not box.ready()
    if not sticky:
        assert [tuple(c) for c in calls] == list(zip(*sent, strict=False))


@given(
    ports=st.lists(st.booleans(), min_size=1, max_size=4),
    arrivals=st.lists(st.tuples(st.integers(0, 3), st.integers()), max_size=40),
)
def test_offer_calls_exactly_when_put_ready_take_would(ports: list[bool], arrivals: list[tuple[int, int]]) -> None:
    # offer() is the run's fast path for a join: it must take the same values, at the
    # same arrivals, as the put/ready/take it stands for.
    fast = Inbox([InboxPort(f"p{i}", sticky) for i, sticky in enumerate(ports)])
    slow = Inbox([InboxPort(f"p{i}", sticky) for i, sticky in enumerate(ports)])
    for index, value in arrivals:
        index %= len(ports)
        offered = fast.offer(index, value)
        slow.put(index, value)
        taken = slow.take() if slow.ready() else None
        assert offered == taken
        fast_calls, slow_calls = [], []
        while fast.ready():  # a sticky port's first fill can make more than one call ready
            fast_calls.append(fast.take())
        while slow.ready():
            slow_calls.append(slow.take())
        assert fast_calls == slow_calls
        assert (fast.held(), fast.queued(), fast.missing()) == (slow.held(), slow.queued(), slow.missing())
