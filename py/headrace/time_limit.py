"""Per-node time limits: a call that runs too long becomes a ``TimeoutError``.

The engine is one asyncio loop on one thread (Pyodide has no threads to spare),
so nothing can stop node code from the outside while it runs. Two things stop it
from the inside:

* **async code** is cancelled through asyncio (``asyncio.timeout``) at its next
  ``await``;
* **Python code that never awaits** — a loop, a deep recursion, in the node or in
  a pure-Python library it calls — is stopped by a trace function, installed
  with ``sys.settrace`` only while a limited node runs, that raises once the
  deadline has passed. Flows without a limit never install it and pay nothing.

What neither can stop: one long call into C (``sum(range(10**12))``,
``time.sleep``), and code that catches ``BaseException`` and carries on. Those
are for the host's Stop (an interrupt, or restarting the worker or process).

The deadline lives in a context variable, so concurrent runs in one loop (several
embeds in one worker) each see only their own; a trace function installed for one
run ignores frames that run for another.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import time
import types
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
TraceFunction = Callable[[types.FrameType, str, Any], Any]


class TimeLimitExceeded(BaseException):
    """Raised into node code past its deadline. A BaseException so that node code's
    ``except Exception`` does not swallow it; callers turn it into TimeoutError."""


class Deadline:
    """One limited call: when it must end, in which task, and whether it is still
    running; ``on_line`` is the trace function of its frames."""

    __slots__ = ("active", "expires", "on_line", "task")

    def __init__(self, seconds: float) -> None:
        self.expires = time.perf_counter() + seconds
        #: Callbacks and tasks started from the call copy its context, deadline
        #: included; only frames of the task that made the call are stopped.
        self.task = _current_task()
        #: False once the call returned: tasks the node started keep a copy of
        #: the context, and must not be stopped by a deadline that no longer applies.
        self.active = True
        self.on_line = _line_tracer(self)


def _line_tracer(deadline: Deadline) -> TraceFunction:
    """The trace function of one deadline's frames: called for every line they
    run, so it does as little as it can (a closure: no context lookup)."""
    expires = deadline.expires
    clock = time.perf_counter

    def on_line(frame: types.FrameType, event: str, arg: Any) -> TraceFunction | None:
        # Raise on lines only: a frame resumed (a "call") may be resuming to take
        # asyncio's cancellation, and an "exception" is already on its way out.
        if event == "line" and clock() > expires:
            if not deadline.active:
                return None  # a frame that outlived its call (a generator), resumed later
            raise TimeLimitExceeded
        return on_line

    return on_line


#: The code of ``on_line``, to cut its frame off tracebacks.
_ON_LINE_CODE = next(c for c in _line_tracer.__code__.co_consts if isinstance(c, types.CodeType))


_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("headrace_deadline", default=None)
_running = 0  # limited calls under way, over all runs of this thread
_installed = False  # whether _check is (or was, until it raised) the thread's trace function
_previous_trace: Any = None  # a debugger's or coverage's trace function, put back afterwards


#: Modules whose frames are never stopped: the engine's own (the run's loop
#: resuming around an awaiting node) and the event loop's, whose bookkeeping (a
#: timeout's ``__aexit__``) must not be cut short.
_NOT_NODE_CODE = ("headrace.", "asyncio.", "pyodide.")


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop
        return None


def _check(frame: types.FrameType, event: str, arg: Any) -> TraceFunction | None:
    """The thread's trace function, called as each frame starts or resumes: it
    picks the frames of a limited call and gives them their deadline's tracer."""
    deadline = _deadline.get()
    if deadline is None or not deadline.active:
        return None  # another run's frame, or a task outliving its call: not traced
    if frame.f_globals.get("__name__", "").startswith(_NOT_NODE_CODE) or _current_task() is not deadline.task:
        return None
    return deadline.on_line


def _begin(seconds: float) -> tuple[Deadline, contextvars.Token[Deadline | None]]:
    deadline = Deadline(seconds)
    return deadline, _deadline.set(deadline)


def _end(deadline: Deadline, token: contextvars.Token[Deadline | None]) -> None:
    deadline.active = False
    _deadline.reset(token)


def _trace_on() -> None:
    """Install the trace function for a stretch of node code. Only for the stretch:
    while a trace function is installed CPython runs *all* code on its slow
    tracing path, the engine's and other tasks' included."""
    global _running, _installed, _previous_trace
    current = sys.gettrace()
    if current is not _check:  # (CPython removes a trace function that raised: install it again)
        if not _installed:
            _previous_trace = current
        sys.settrace(_check)
        _installed = True
    _running += 1


def _trace_off() -> None:
    global _running, _installed, _previous_trace
    _running -= 1
    if _running:
        return
    if _installed and sys.gettrace() in (_check, None):
        sys.settrace(_previous_trace)
    _installed = False
    _previous_trace = None


def exceeded(what: str, seconds: float) -> str:
    """The message of the TimeoutError: ``node 'slow' (f) ran longer than its 2 s limit``."""
    return f"{what} ran longer than its {seconds:g} s limit"


def call(seconds: float, what: str, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, stopped with TimeoutError(``what`` ...) past ``seconds``."""
    deadline, token = _begin(seconds)
    _trace_on()
    try:
        return function(*args)
    except TimeLimitExceeded as exc:
        raise TimeoutError(exceeded(what, seconds)).with_traceback(_without_check(exc.__traceback__)) from None
    finally:
        _trace_off()
        _end(deadline, token)


def _without_check(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback up to node code's frame: the trace function's own is noise."""
    if tb is None or tb.tb_frame.f_code is _ON_LINE_CODE:
        return None
    head = tb
    while tb.tb_next is not None:
        if tb.tb_next.tb_frame.f_code is _ON_LINE_CODE:
            tb.tb_next = None
            break
        tb = tb.tb_next
    return head


async def wait(seconds: float, what: str, awaitable: Awaitable[T]) -> T:
    """``await awaitable``, cancelled at its next await past ``seconds``, and its
    stretches without an await traced like :func:`call`. Must run in a task."""
    deadline, token = _begin(seconds)
    cancelled_at: types.TracebackType | None = None
    try:
        async with asyncio.timeout(seconds) as timeout:
            try:
                return await _TracedSteps(awaitable)
            except asyncio.CancelledError as exc:
                cancelled_at = exc.__traceback__  # where the node was waiting
                raise
    except TimeLimitExceeded as exc:
        raise TimeoutError(exceeded(what, seconds)).with_traceback(_without_check(exc.__traceback__)) from None
    except TimeoutError:
        if not timeout.expired():
            raise  # node code's own TimeoutError
        raise TimeoutError(exceeded(what, seconds)).with_traceback(cancelled_at) from None
    finally:
        _end(deadline, token)


class _TracedSteps(Generic[T]):
    """Awaits an awaitable step by step (what ``await`` does), with the trace
    function installed for each step only: while the node's coroutine waits, the
    rest of the process (other runs, the host) runs untraced."""

    def __init__(self, awaitable: Awaitable[T]) -> None:
        self._steps = awaitable.__await__()

    def __await__(self) -> Generator[Any, Any, T]:
        steps = self._steps
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            _trace_on()
            try:
                waiting_on = steps.send(sent) if thrown is None else steps.throw(thrown)
            except StopIteration as done:
                return cast(T, done.value)
            finally:
                _trace_off()
            try:
                sent, thrown = (yield waiting_on), None
            except BaseException as exc:  # asyncio's cancellation, passed on into the node
                sent, thrown = None, exc
