"""Calling node functions somewhere else: what travels, and what runs there.

A run normally calls node functions inline, in its own event loop. With an
:class:`Executor` (the Dask one lives in :mod:`headrace.dask`), each call becomes
an :class:`Invocation` — plain data: the node's code, the function's name, the
argument values — that :func:`invoke` carries out wherever the executor sends it
(a Dask worker process), returning an :class:`Outcome`, plain data again. The run
keeps everything else: argument holding, the order of values per socket (results
are settled in submission order), error routing, and the node's console (output
is captured where the code runs and replayed into the node's sink).

What changes: module-level state (a global counter) lives in each worker, not in
the run; a generator is run to its end on the worker and its values are emitted
together; values and exceptions must survive pickling (exceptions travel as their
type name, message and traceback text).
"""

from __future__ import annotations

import asyncio
import builtins
import collections
import dataclasses
import inspect
import linecache
import pickle
import traceback
import types
from typing import Any, Protocol

from headrace import capture


@dataclasses.dataclass(frozen=True)
class Invocation:
    """One call of a script function, as plain data."""

    run: str
    node: str
    filename: str
    code: str
    function: str
    #: Values for the fed ports, in order; ``keywords`` names them (None: positional).
    values: list[Any]
    keywords: list[str] | None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What an invocation did. ``items`` is set when the function was a
    generator (its values, in order); ``error`` is the error socket's value."""

    value: Any = None
    items: list[Any] | None = None
    error: dict[str, Any] | None = None
    output: list[tuple[capture.Stream, str]] = dataclasses.field(default_factory=list)


class Executor(Protocol):
    """Where a run sends its calls."""

    async def invoke(self, invocation: Invocation) -> Outcome: ...

    async def close(self) -> None: ...


# -- the far side ------------------------------------------------------------------

#: Modules kept per worker process: (run, node, code) -> module. Bounded, so a
#: long-lived worker serving many runs does not grow without limit.
_MODULES: collections.OrderedDict[tuple[str, str, str], types.ModuleType] = collections.OrderedDict()
_MODULES_KEPT = 64


def _module(invocation: Invocation) -> types.ModuleType:
    key = (invocation.run, invocation.node, invocation.code)
    module = _MODULES.get(key)
    if module is not None:
        _MODULES.move_to_end(key)
        return module
    module = types.ModuleType(f"__headrace_remote_{len(_MODULES)}__")
    module.__dict__["__builtins__"] = builtins
    module.__file__ = invocation.filename
    linecache.cache[invocation.filename] = (
        len(invocation.code),
        None,
        invocation.code.splitlines(keepends=True),
        invocation.filename,
    )
    exec(compile(invocation.code, invocation.filename, "exec", dont_inherit=True), module.__dict__)
    _MODULES[key] = module
    while len(_MODULES) > _MODULES_KEPT:
        _MODULES.popitem(last=False)
    return module


def invoke(invocation: Invocation) -> Outcome:
    """Carry out an invocation here (on a worker) and report what happened.
    Never raises: node code's exceptions become the outcome's ``error``."""
    capture.install()
    output: list[tuple[capture.Stream, str]] = []
    sink = capture.Sink(lambda stream, text: output.append((stream, text)))
    token = capture.current_sink.set(sink)
    try:
        function = _module(invocation).__dict__[invocation.function]
        if invocation.keywords is None:
            result = function(*invocation.values)
        else:
            result = function(**dict(zip(invocation.keywords, invocation.values, strict=True)))
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        if inspect.isasyncgen(result):
            return Outcome(items=asyncio.run(_collected(result)), output=_flushed(sink, output))
        if inspect.isgenerator(result):
            return Outcome(items=list(result), output=_flushed(sink, output))
        return Outcome(value=result, output=_flushed(sink, output))
    except BaseException as exc:  # node code's failure is data, whatever it is
        return Outcome(error=_error(invocation, exc), output=_flushed(sink, output))
    finally:
        capture.current_sink.reset(token)


def invoke_pickled(blob: bytes) -> Outcome:
    """:func:`invoke` of an invocation pickled by the caller (cloudpickle, so that
    classes node code defines travel by value; see headrace.dask.executor). An argument
    that cannot be rebuilt here raises: the caller's future fails, and the run makes
    that the call's error."""
    invocation: Invocation = pickle.loads(blob)  # noqa: S301 - from the run's own client, as Dask's own tasks are
    return invoke(invocation)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


async def _collected(generator: Any) -> list[Any]:
    return [item async for item in generator]


def _flushed(sink: capture.Sink, output: list[tuple[capture.Stream, str]]) -> list[tuple[capture.Stream, str]]:
    sink.flush()
    return output


def _error(invocation: Invocation, exc: BaseException) -> dict[str, Any]:
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != invocation.filename:
        tb = tb.tb_next
    text = "".join(traceback.TracebackException(type(exc), exc, tb or exc.__traceback__).format())
    return {
        "node": invocation.node,
        "socket": invocation.function,
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": text,
    }


class RemoteError(Exception):
    """An exception raised by node code elsewhere, rebuilt from its outcome."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error
