"""A run's calls sent elsewhere: a script function called through an
:class:`headrace.remote.Executor` (a Dask cluster) comes back as a queue item,
and its results are settled in the order of the calls."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from headrace.nodes import RESULT, Function, LiveNode, Socket, Work, error_value
from headrace.remote import Executor, Invocation, Outcome

if TYPE_CHECKING:
    from headrace.report import Reporter


class RemoteCalls:
    """The part of :class:`headrace.run.Run` that sends calls to its executor."""

    id: str
    executor: Executor | None
    reporter: Reporter
    _queue: deque[tuple[Any, Any]]
    _wake: asyncio.Event
    #: Calls sent to the executor, not yet settled.
    _remote_pending: int

    if TYPE_CHECKING:

        @property
        def over(self) -> bool: ...

        def _emit(self, socket: Socket, value: Any) -> None: ...

        def _fail_with(self, node: LiveNode, value: dict[str, Any]) -> None: ...

    def _submit(self, node: LiveNode, function: Function, values: list[Any], keywords: list[str] | None) -> None:
        """Send a call to the executor; its result comes back as a queue item."""
        assert self.executor is not None
        invocation = Invocation(self.id, node.id, node.filename, node.spec.code, function.name, values, keywords)
        task = asyncio.get_running_loop().create_task(self.executor.invoke(invocation))
        function.pending.append(task)
        self._remote_pending += 1

        def arrived(_: asyncio.Task[Outcome]) -> None:
            if not self.over:
                self._queue.append((Work(RESULT, node, function=function), None))
                self._wake.set()

        task.add_done_callback(arrived)

    def _settle_remote(self, node: LiveNode, function: Function) -> None:
        """Settle the calls that came back, oldest first, stopping at the first
        one still under way: a socket's values keep the order of its calls."""
        pending = function.pending
        socket = node.sockets[function.name]
        while pending and pending[0].done():
            task = pending.popleft()
            self._remote_pending -= 1
            node.active -= 1
            if task.cancelled():
                continue
            failure = task.exception()
            outcome = (
                Outcome(error=error_value(node.id, function.name, failure)) if failure is not None else task.result()
            )
            for stream, text in outcome.output:
                node.sink.write(stream, text)
            node.sink.flush()
            self.reporter.mark(node)
            if outcome.error is not None:
                self._fail_with(node, outcome.error)
                continue
            node.ran, node.errored = True, False
            values = outcome.items if outcome.items is not None else [outcome.value]
            for value in values:
                if value is not None:
                    self._emit(socket, value)
