"""The exception zoo: node code failing in every way Python allows, as one flow.

Each zoo node is a source whose code raises something a careless engine would
let escape: ``SystemExit``, ``KeyboardInterrupt``, ``BaseException`` subclasses,
a ``CancelledError`` of its own, an exception whose ``__str__`` raises, one that
carries values JSON cannot hold. Each must land in the node's ``error`` socket and
in a ``node_error`` event with its traceback, while the run goes on: the ``alive``
node, last in the flow, still answers.

Shared by tests/py (CPython) and tests/pyodide (the same flow inside Pyodide).
"""

from __future__ import annotations

from typing import Any

#: node id -> (code, the error type it must report, text its message must contain)
ZOO: dict[str, tuple[str, str, str]] = {
    "system_exit": ("def f():\n    raise SystemExit(3)\n", "SystemExit", "3"),
    "sys_exit": ("import sys\n\n\ndef f():\n    sys.exit('bye')\n", "SystemExit", "bye"),
    "keyboard_interrupt": (
        "def f():\n    raise KeyboardInterrupt('from node code')\n",
        "KeyboardInterrupt",
        "node code",
    ),
    "recursion": (
        "def f():\n    return down(0)\n\n\ndef _down(n):\n    return _down(n + 1)\n\n\ndown = _down\n",
        "RecursionError",
        "maximum recursion depth",
    ),
    "memory_raised": ("def f():\n    raise MemoryError('out of luck')\n", "MemoryError", "out of luck"),
    "memory_real": ("import sys\n\n\ndef f():\n    return bytearray(sys.maxsize)\n", "MemoryError", ""),
    "custom_base": (
        "class Meltdown(BaseException):\n    pass\n\n\ndef f():\n    raise Meltdown('core')\n",
        "Meltdown",
        "core",
    ),
    "generator_exit": ("def f():\n    raise GeneratorExit('misused')\n", "GeneratorExit", "misused"),
    "generator_error": ("def f():\n    yield 'first'\n    raise ValueError('second')\n", "ValueError", "second"),
    "generator_system_exit": ("def f():\n    yield 'first'\n    raise SystemExit('gen')\n", "SystemExit", "gen"),
    "generator_stop_iteration": (
        "def f():\n    yield 'first'\n    raise StopIteration\n",
        "RuntimeError",
        "generator raised StopIteration",
    ),
    "async_generator_interrupt": (
        "async def f():\n    yield 'first'\n    raise KeyboardInterrupt('agen')\n",
        "KeyboardInterrupt",
        "agen",
    ),
    "async_system_exit": ("async def f():\n    raise SystemExit('async')\n", "SystemExit", "async"),
    "async_cancelled": (
        "import asyncio\n\n\nasync def f():\n    raise asyncio.CancelledError('mine')\n",
        "CancelledError",
        "mine",
    ),
    "awaited_cancelled_future": (
        "import asyncio\n\n\nasync def f():\n    future = asyncio.get_running_loop().create_future()\n"
        "    future.cancel()\n    await future\n",
        "CancelledError",
        "",
    ),
    "broken_str": (
        "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no words')\n\n\n"
        "def f():\n    raise Odd()\n",
        "Odd",
        "<str() of Odd raised RuntimeError>",
    ),
    "broken_str_base": (
        "class Worse(BaseException):\n    def __str__(self):\n        raise Worse()\n\n\ndef f():\n    raise Worse()\n",
        "Worse",
        "<str() of Worse raised Worse>",
    ),
    "unjsonable_payload": (
        "class Loaded(Exception):\n    pass\n\n\ndef f():\n    error = Loaded({1, 2}, b'\\xff', float('nan'))\n"
        "    error.payload = object()\n    raise error\n",
        "Loaded",
        "({1, 2}, b'\\xff', nan)",
    ),
    "hostile_notes": (
        "def f():\n    error = ValueError('noted')\n    error.__notes__ = 42\n    raise error\n",
        "ValueError",
        "noted",
    ),
    "cause_cycle": (
        "def f():\n    a, b = ValueError('a'), TypeError('b')\n    a.__cause__, b.__cause__ = b, a\n    raise a\n",
        "ValueError",
        "a",
    ),
    "module_exit": ("import sys\n\nsys.exit('at import')\n\n\ndef f():\n    return 1\n", "SystemExit", "at import"),
}

#: Zoo nodes that emit before they fail.
EMITS_FIRST = ("generator_error", "generator_system_exit", "generator_stop_iteration", "async_generator_interrupt")
ALIVE = ("alive", "def f():\n    return 'still here'\n")


def zoo_flow() -> dict[str, Any]:
    """The zoo as one flow document: every zoo node, then ``alive``."""
    nodes = [{"id": node_id, "type": "script", "name": node_id, "code": code} for node_id, (code, _, _) in ZOO.items()]
    nodes.append({"id": ALIVE[0], "type": "script", "name": ALIVE[0], "code": ALIVE[1]})
    return {"headrace": 1, "name": "exception zoo", "nodes": nodes, "edges": []}


def check_zoo_events(events: list[dict[str, Any]]) -> None:
    """Assert what a run of :func:`zoo_flow` must report, given its events in wire
    form (dicts with an ``"event"`` tag). Shared so CPython and Pyodide are held to
    exactly the same expectations."""
    errors = {e["node"]: e for e in events if e["event"] == "node_error"}
    assert set(errors) == set(ZOO), sorted(set(ZOO) ^ set(errors))
    error_emits = {e["node"]: e["value"] for e in events if e["event"] == "emit" and e["socket"] == "error"}
    for node_id, (_, kind, text) in ZOO.items():
        error = errors[node_id]
        assert error["type"] == kind, (node_id, error)
        assert text in error["message"], (node_id, error["message"])
        assert f'File "<node {node_id}: {node_id}>"' in error["traceback"], (node_id, error["traceback"])
        assert "Traceback (most recent call last):" in error["traceback"], (node_id, error["traceback"])
        unindented = [line for line in error["traceback"].splitlines() if not line.startswith(" ")]
        assert any(kind in line for line in unindented), (node_id, error["traceback"])
        assert error_emits[node_id] == {
            "node": node_id,
            "socket": error["socket"],
            "type": kind,
            "message": error["message"],
            "traceback": error["traceback"],
        }
    firsts = [e["node"] for e in events if e["event"] == "emit" and e["value"] == "first"]
    assert sorted(firsts) == sorted(EMITS_FIRST)
    assert [e["value"] for e in events if e["event"] == "emit" and e["node"] == "alive"] == ["still here"]
    idle = [e for e in events if e["event"] == "run_idle"]
    assert idle and idle[-1]["errors"] == len(ZOO)
    assert not [e for e in events if e["event"] == "run_stopped" and e["reason"] == "failed"]
