"""Events on the wire: every event is one JSON object tagged with ``"event"``; an
emitted value JSON cannot carry goes as its ``repr`` with ``"repr": true``."""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from decimal import Decimal
from typing import Any

import pytest
from conftest import arun_flow, data, script
from hypothesis import given
from hypothesis import strategies as st

from headrace.protocol import (
    EVENT_TYPES,
    ConsoleText,
    Emit,
    ErrorRecord,
    Event,
    Held,
    NodeError,
    NodeState,
    NodeStateChanged,
    NodeView,
    Output,
    RunIdle,
    RunPhase,
    RunStarted,
    RunStopped,
    ScheduleFire,
    ScheduleNext,
    SocketView,
    ValuePreview,
    ViewChanged,
    encode_value,
    event_to_dict,
    event_to_json,
)

SAMPLES: list[Event] = [
    RunStarted(run="r1", flow="demo", nodes=3),
    NodeStateChanged(
        run="r1", node="s", state=NodeState.WAITING, functions={"add": Held(held=1, required=2, missing=["y"])}
    ),
    Emit(run="r1", node="a", socket="x", value={"k": [1, 2.5, None, True]}, seq=1),
    Output(run="r1", node="a", stream="stderr", text="ünïcode ✓\n"),
    NodeError(
        run="r1",
        node="s",
        index=1,
        socket="add",
        type="TypeError",
        message="bad",
        traceback="Traceback (most recent call last):\n...",
        routed=False,
    ),
    RunIdle(run="r1", emitted=4, errors=1, unrouted_errors=1, elapsed_ms=1.25),
    RunStopped(run="r1", reason="failed", message="internal error: boom"),
    ScheduleNext(run="r1", node="d", socket="x", at="2026-06-01T00:05:00+00:00", at_ms=1780272300000.0),
    ScheduleFire(
        run="r1",
        node="d",
        socket="x",
        slot="2026-06-01T00:05:00+00:00",
        slot_ms=1780272300000.0,
        lateness_ms=3.5,
        late=False,
        missed=1,
        fired=True,
        count=1,
    ),
    ViewChanged(
        run="r1",
        phase=RunPhase.RUNNING,
        emitted=4,
        errors=1,
        unrouted_errors=1,
        nodes={
            "s": NodeView(
                state=NodeState.ERROR,
                functions={"add": Held(held=1, required=2, missing=["y"])},
                sockets={"add": SocketView(count=3, last=ValuePreview(text="[1, 2]", repr=False, truncated=False))},
                console_from=0,
                console=[ConsoleText(stream="stdout", text="hi\n")],
                console_dropped=0,
                errors=1,
                last_error=ErrorRecord(1, "add", "TypeError", "bad", "Traceback…", False),
            )
        },
    ),
]


def emit(value: Any) -> Emit:
    return Emit(run="r", node="n", socket="s", value=value, seq=1)


def on_wire(value: Any) -> dict[str, Any]:
    line = event_to_json(emit(value))
    assert "\n" not in line
    return json.loads(line)


def test_samples_cover_every_event_type() -> None:
    assert {type(e) for e in SAMPLES} == set(EVENT_TYPES)
    assert set(typing.get_args(Event)) == set(EVENT_TYPES)
    assert len({cls.kind for cls in EVENT_TYPES}) == len(EVENT_TYPES)  # type: ignore[attr-defined]


@pytest.mark.parametrize("event", SAMPLES, ids=[type(e).__name__ for e in SAMPLES])
def test_every_event_serialises_to_one_tagged_json_object(event: Event) -> None:
    line = event_to_json(event)
    assert "\n" not in line
    wire = json.loads(line)
    assert wire["event"] == event.kind
    fields = {f.name for f in dataclasses.fields(event)}  # type: ignore[arg-type]
    assert set(wire) - {"event", "repr"} == fields
    assert wire == event_to_dict(event)


def test_wire_fields_of_each_event() -> None:
    wires = [json.loads(event_to_json(e)) for e in SAMPLES]
    assert wires[0] == {"event": "run_started", "run": "r1", "flow": "demo", "nodes": 3}
    assert wires[1] == {
        "event": "node_state",
        "run": "r1",
        "node": "s",
        "state": "waiting",
        "functions": {"add": {"held": 1, "required": 2, "missing": ["y"]}},
    }
    assert wires[2] == {
        "event": "emit",
        "run": "r1",
        "node": "a",
        "socket": "x",
        "value": {"k": [1, 2.5, None, True]},
        "seq": 1,
        "repr": False,
    }
    assert wires[3]["text"] == "ünïcode ✓\n"
    assert wires[4]["routed"] is False and wires[4]["socket"] == "add"
    assert wires[5]["elapsed_ms"] == 1.25
    assert wires[6] == {"event": "run_stopped", "run": "r1", "reason": "failed", "message": "internal error: boom"}
    assert wires[9]["nodes"]["s"] == {
        "state": "error",
        "functions": {"add": {"held": 1, "required": 2, "missing": ["y"]}},
        "sockets": {"add": {"count": 3, "last": {"text": "[1, 2]", "repr": False, "truncated": False}}},
        "console_from": 0,
        "console": [{"stream": "stdout", "text": "hi\n"}],
        "console_dropped": 0,
        "errors": 1,
        "last_error": {
            "index": 1,
            "socket": "add",
            "type": "TypeError",
            "message": "bad",
            "traceback": "Traceback…",
            "routed": False,
        },
        "schedules": None,
    }


def test_non_ascii_text_is_kept_as_is() -> None:
    assert "ünïcode ✓" in event_to_json(SAMPLES[3])


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (1, 1),
        (-2.5, -2.5),
        ("s", "s"),
        (True, True),
        ([1, [2, {"a": None}]], [1, [2, {"a": None}]]),
        ((1, 2), [1, 2]),  # JSON has no tuple
        ({"nested": (1, "x")}, {"nested": [1, "x"]}),
        (10**30, 10**30),
    ],
)
def test_json_values_go_as_json(value: Any, wire: Any) -> None:
    out = on_wire(value)
    assert out["value"] == wire
    assert out["repr"] is False
    assert encode_value(value) == (wire, False)


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque thing>"


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({1, 2, 3}, "{1, 2, 3}"),
        (frozenset(), "frozenset()"),
        (Opaque(), "<Opaque thing>"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        ([1, float("-inf")], "[1, -inf]"),
        (b"bytes", "b'bytes'"),
        (Decimal("1.10"), "Decimal('1.10')"),
        (1 + 2j, "(1+2j)"),
        ({(1, 2): "tuple key"}, "{(1, 2): 'tuple key'}"),
        ({"ok": [1, {2}]}, "{'ok': [1, {2}]}"),  # one bad part makes the whole value a repr
    ],
)
def test_non_json_values_go_as_their_repr(value: Any, text: str) -> None:
    out = on_wire(value)
    assert out["value"] == text
    assert out["repr"] is True
    assert event_to_dict(emit(value))["value"] == text


def test_value_with_a_broken_repr_still_serialises() -> None:
    out = on_wire(BrokenRepr())
    assert out["repr"] is True
    assert out["value"].startswith("<unrepresentable BrokenRepr: ")
    assert "no repr for you" in out["value"]


def test_a_cycle_goes_as_its_repr() -> None:
    cycle: list[Any] = [1]
    cycle.append(cycle)
    out = on_wire(cycle)
    assert out == {**out, "value": "[1, [...]]", "repr": True}


def test_deep_nesting_does_not_break_serialisation() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    out = on_wire(deep)
    assert out["repr"] is True or isinstance(out["value"], list)


def test_dict_with_non_string_keys_loses_no_entry() -> None:
    # JSON keys are strings: {1: "a", "1": "b"} cannot be carried as JSON without
    # losing an entry, so it must go as its repr.
    out = on_wire({1: "a", "1": "b"})
    assert out["repr"] is True or len(out["value"]) == 2
    nested = on_wire([{"x": {True: 1, "true": 2}}])
    assert nested["repr"] is True
    assert encode_value({1: "a", "1": "b"})[1] is True


def test_number_keys_that_do_not_collide_stay_json() -> None:
    assert on_wire({1: "a", 2: "b"}) == {**on_wire({"1": "a", "2": "b"})}


def test_encoded_value_is_a_copy() -> None:
    value = {"a": [1]}
    wire, is_repr = encode_value(value)
    assert (wire, is_repr) == ({"a": [1]}, False)
    wire["a"].append(2)
    assert value == {"a": [1]}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=12,
)
NOT_JSON = st.sets(st.integers(), min_size=1, max_size=3) | st.just(float("nan")) | st.builds(Opaque)


@given(JSON)
def test_any_json_value_goes_as_itself(value: Any) -> None:
    out = on_wire(value)
    assert out["repr"] is False
    assert out["value"] == value


@given(st.recursive(NOT_JSON | JSON, lambda c: st.lists(c, max_size=3), max_leaves=6))
def test_any_value_gives_one_json_line_and_dict_agrees(value: Any) -> None:
    line = event_to_json(emit(value))
    wire = json.loads(line)
    assert wire == event_to_dict(emit(value))
    if wire["repr"]:
        assert isinstance(wire["value"], str)


async def test_events_of_a_real_run_all_serialise() -> None:
    nodes = [
        data("d", "s = {1, 2}\nn = float('nan')\nok = [1, 2]\nprint('hi')\n"),
        script("e", "def fail():\n    raise ValueError('x')\n"),
    ]
    result = await arun_flow(nodes)
    wires = [json.loads(event_to_json(e)) for e in result.events]
    assert {w["event"] for w in wires} == {
        "run_started",
        "node_state",
        "emit",
        "output",
        "node_error",
        "run_idle",
        "run_stopped",
    }
    values = {w["socket"]: (w["value"], w["repr"]) for w in wires if w["event"] == "emit" and w["node"] == "d"}
    assert values == {"s": ("{1, 2}", True), "n": ("nan", True), "ok": ([1, 2], False)}
    assert math.isnan(result.values("d", "n")[0])  # inside the engine the value is itself
