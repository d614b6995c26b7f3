"""The call envelope: how a run calls node code, written once.

Every call of node code outside the two hot paths — a function call, a
generator's step, a module run (a script node's load, a data node's trigger), an
awaited coroutine or async generator step — goes through :meth:`run_code` or
:meth:`await_code`. They send the code's output to the node's sink, apply the
node's time limit, flush the output after, and turn an exception into the node's
error (reported, and emitted on its error socket) — unless it is the host
stopping the run (a requested KeyboardInterrupt) or cancelling it, which end the
run instead.

The hot paths in the work loop call armed functions bare (they have no time
limit, and their output is found by module name, :mod:`headrace.capture`); when
those raise they come to :meth:`code_raised` like everything else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from headrace import capture, time_limit
from headrace.nodes import LiveNode

if TYPE_CHECKING:
    from headrace.report import Reporter


class _Raised:
    def __repr__(self) -> str:
        return "RAISED"


#: What :meth:`NodeCodeEnvelope.run_code` returns when node code raised (the
#: error is reported by then): no node value can be it.
RAISED: Final = _Raised()


class StopRequested(Exception):
    """Raised inside the work loop when a requested interrupt reached node code."""


class NodeCodeEnvelope:
    """The part of :class:`headrace.run.Run` that calls node code."""

    _interrupt_requested: bool
    reporter: Reporter

    if TYPE_CHECKING:

        def _fail(self, node: LiveNode, socket: str | None, exc: BaseException) -> None: ...

    def run_code(
        self,
        node: LiveNode,
        socket: str | None,
        part: str | None,
        code: Callable[..., Any],
        args: Sequence[Any],
        active: bool = False,
    ) -> Any:
        """``code(*args)`` as ``node``'s code: its result, or :data:`RAISED`.
        (``args`` is a sequence, not ``*args``: a function's values are passed
        as they are, with no tuple packed per call.)

        ``socket`` is where an error goes out; ``part`` names the call in a time
        limit's message (``node 'x' (part)``). ``active``: the node counts as
        active for this call (the caller counted it), and a failure ends that.
        """
        # Node code runs only from the work loop, where no sink is set: none to
        # save and restore (a thread-local's attributes are slow to read).
        sink = capture.ACTIVE
        sink.sink = node.sink
        try:
            if node.time_limit is None:
                result = code(*args)
            else:
                result = time_limit.call(node.time_limit, _what(node, part), code, *args)
        except BaseException as exc:
            sink.sink = None
            if active:
                node.active -= 1
            self.code_raised(node, socket, exc)
            return RAISED
        sink.sink = None
        out = node.sink
        if out.chunks or out._partial:  # what flush itself tests, without the call: most calls print nothing
            out.flush()
        return result

    async def await_code(
        self, node: LiveNode, socket: str | None, part: str | None, awaitable: Awaitable[Any], active: bool = False
    ) -> Any:
        """``await awaitable`` as ``node``'s code: the same envelope as
        :meth:`run_code`, with the sink in the awaiting task's context (the loop
        runs other tasks meanwhile)."""
        self.reporter.before_await()  # the loop may run for a while: report before it does
        token = capture.current_sink.set(node.sink)
        try:
            if node.time_limit is None:
                result = await awaitable
            else:
                result = await time_limit.wait(node.time_limit, _what(node, part), awaitable)
        except BaseException as exc:
            check_cancel(exc)
            if active:
                node.active -= 1
            self.code_raised(node, socket, exc)
            return RAISED
        finally:
            capture.current_sink.reset(token)
        node.sink.flush()
        return result

    def code_raised(self, node: LiveNode, socket: str | None, exc: BaseException) -> None:
        """Node code raised ``exc``: the node's error, out on its error socket."""
        self.check_interrupt(exc, node)
        node.sink.flush()
        self._fail(node, socket, exc)

    def check_interrupt(self, exc: BaseException, node: LiveNode) -> None:
        """A KeyboardInterrupt the host asked for (``Run.request_interrupt``)
        stops the run, and ``node`` shows as stopped; one that node code raised
        itself is that node's error."""
        if isinstance(exc, KeyboardInterrupt) and self._interrupt_requested:
            node.stopped = True
            raise StopRequested from exc


def check_cancel(exc: BaseException) -> None:
    """Let the run's own cancellation (stop) through; a CancelledError that node
    code raised, or got from a future it awaited, is that node's error."""
    if isinstance(exc, asyncio.CancelledError) and cancelling():
        raise exc


def cancelling() -> bool:
    """Whether the current task is being cancelled (by ``Run.stop``, or by the
    host cancelling it), as opposed to a CancelledError merely passing through."""
    task = asyncio.current_task()
    return task is None or task.cancelling() > 0


def _what(node: LiveNode, part: str | None) -> str:
    return f"node {node.label!r}" + (f" ({part})" if part else "")
