"""What a run tells its host, beside the batched node states and views that
:class:`headrace.report.Reporter` keeps: values reported one by one, node
errors, node output, and the idle report each time the queue drains."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from headrace import capture
from headrace.nodes import LiveNode, Socket, error_value
from headrace.protocol import Emit, ErrorRecord, Event, NodeError, RunIdle, RunPhase

if TYPE_CHECKING:
    from headrace.report import Reporter


class RunReports:
    """The part of :class:`headrace.run.Run` that reports to the host."""

    id: str
    nodes: dict[str, LiveNode]
    reporter: Reporter
    phase: RunPhase
    errors: int
    unrouted_errors: int
    _report: Callable[[Event], None]
    _report_emit: Callable[[Event], None]
    _on_emit: Callable[[str, str, Any, int], None] | None
    _seq: int
    _busy_since_idle: bool
    _started_at: float
    _idle: asyncio.Event

    if TYPE_CHECKING:

        @property
        def over(self) -> bool: ...

        @property
        def emitted(self) -> int: ...

        def disarm(self, node: LiveNode) -> None: ...

        def _emit(self, socket: Socket, value: Any) -> None: ...

    def _notify(self, socket: Socket, value: Any) -> None:
        """Report a value one by one (one of the socket's first ``emit_limit``)."""
        self._seq += 1
        if self._on_emit is not None:
            self._on_emit(socket.node.id, socket.name, value, self._seq)
        else:
            self._report_emit(Emit(self.id, socket.node.id, socket.name, value, self._seq))
        if socket.base + len(socket.buf) >= socket.notify:
            socket.loud = False

    def _fail(self, node: LiveNode, socket: str | None, exc: BaseException) -> None:
        """Report node code's exception and emit it on the node's error socket."""
        self._fail_with(node, error_value(node.id, socket, exc))

    def _fail_with(self, node: LiveNode, value: dict[str, Any]) -> None:
        """Report an error socket value. Called from inside the node's ``except``
        blocks, so it first sets the capture aside: what the host prints while
        handling events is its own."""
        with capture.host_code():
            self._report_failure(node, value)

    def _report_failure(self, node: LiveNode, value: dict[str, Any]) -> None:
        self.errors += 1
        if not node.error_routed:
            self.unrouted_errors += 1
        node.errored = True
        node.live = False  # its next call clears the error (see Reporter.went_live)
        self.disarm(node)
        node.error_count += 1
        record = ErrorRecord(
            node.error_count, value["socket"], value["type"], value["message"], value["traceback"], node.error_routed
        )
        node.last_error = record
        self.reporter.state_now(node)
        if node.error_count <= node.error_notify:
            self._report(
                NodeError(
                    run=self.id,
                    node=node.id,
                    index=record.index,
                    socket=record.socket,
                    type=record.type,
                    message=record.message,
                    traceback=record.traceback,
                    routed=record.routed,
                )
            )
        self._emit(node.error_socket, value)

    def _flush_outputs(self) -> None:
        """Report text still held by node sinks: tasks that node code started
        keep writing to the node's sink after its call returned."""
        for node in self.nodes.values():
            if node.sink.chunks:
                node.sink.flush()

    def _output_handler(self, node_id: str) -> Callable[[Any, str], None]:
        def handle(stream: Any, text: str) -> None:
            # The host may print while it handles this: that is not the node's output.
            with capture.host_code():
                self.reporter.output(self.nodes[node_id], stream, text)

        return handle

    def _went_idle(self) -> None:
        if not self.over:
            self.phase = RunPhase.IDLE
        self._flush_outputs()
        self.reporter.sync()
        if self._busy_since_idle:
            self._busy_since_idle = False
            self._report(
                RunIdle(
                    run=self.id,
                    emitted=self.emitted,
                    errors=self.errors,
                    unrouted_errors=self.unrouted_errors,
                    elapsed_ms=round((time.perf_counter() - self._started_at) * 1000, 3),
                )
            )
        self.reporter.hand_over()
        self._idle.set()
