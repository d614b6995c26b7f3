"""What a run tells its host, and when: every event, or what changed in its view.

A run keeps its view itself — node states, per socket a count and a ring of the
newest values, per node a console tail and its errors — in its live objects
(:mod:`headrace.nodes`). The :class:`Reporter` turns that into what the host
asked for:

* ``events``: one event per thing that happened, values included (``emit``,
  ``output``, ``node_state``): for consumers that want every value (the CLI's
  ``--json``, tests, ``Flow.run``). Node states are reported in batches counted in
  queue items, so the sequence is the same on every machine.
* ``view``: at each publish point, one ``view`` event saying what changed since
  the last (:class:`~headrace.protocol.ViewChanged`) — states, counts, the newest
  value's preview, console lines, errors — instead of one event per value. What
  the studio and the server use: a host's cost no longer grows with the values.

Either way ``on_publish`` marks the moments to pass what was reported on to a
host in another thread or process: the end of each slice of work, before node
code awaits, idle and stop, when output is due, and when a node starts running
that the host does not yet show running — a node that then blocks the thread (a
loop, a long call) is seen running while it blocks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from headrace.nodes import LiveNode
from headrace.preview import preview
from headrace.protocol import (
    ConsoleText,
    Event,
    NodeState,
    NodeStateChanged,
    NodeView,
    Output,
    RunPhase,
    SocketView,
    ViewChanged,
)

if TYPE_CHECKING:
    from headrace.run import Run

#: Queue items between two batches of node states, with ``report="events"``.
STATE_REPORT_EVERY = 256
#: Output older than this is passed on even while node code keeps the thread.
OUTPUT_DUE_SECONDS = 0.01


class Reporter:
    """Reports one run's events and view to its host."""

    def __init__(self, run: Run, on_event: Callable[[Event], None], on_publish: Callable[[], None], *, view: bool):
        self.run = run
        self.report = on_event
        self._on_publish = on_publish
        self.view = view
        self._changed: list[LiveNode] = []
        self._items = 0  # queue items since the last batch of states (events)
        self._emitted_shown = 0
        self._errors_shown = (0, 0)
        self._handed_at = 0.0

    # -- what the run calls -------------------------------------------------------

    def started(self) -> None:
        """The run started: every node is idle (the host learns every node and port)."""
        for node in self.run.nodes.values():
            if self.view:
                self.mark(node)
            else:
                self._report_state(node)
        if self.view:
            self.sync(every=True)

    def items(self, done: int, stride: int) -> int:
        """``done`` more queue items were processed: report states when due
        (``events``); the number of items until the next call."""
        if self.view:
            return stride
        self._items += done
        if self._items >= STATE_REPORT_EVERY:
            self._items = 0
            self.sync()
        return min(stride, STATE_REPORT_EVERY - self._items)

    def slice_ended(self) -> None:
        if self.view:
            self.sync(settle=True)
        self.hand_over()

    def before_await(self) -> None:
        """Node code is about to await: the loop may run for a while."""
        self.sync()
        self.hand_over()

    def mark(self, node: LiveNode) -> None:
        """Something the view shows of ``node`` changed (told at the next sync)."""
        node.touched = True
        if not node.changed:
            node.changed = True
            self._changed.append(node)

    def _look_again(self, node: LiveNode) -> None:
        """Examine ``node`` at the next sync though nothing was marked: shown running,
        it may be done by then."""
        if not node.changed:
            node.changed = True
            self._changed.append(node)

    def went_live(self, node: LiveNode) -> None:
        """``node`` is being called, for the first time since the host last
        looked. Its call clears an earlier error; if the host does not show it
        running yet, it is told now, before the call — which may block."""
        node.live = True
        node.ran = True
        node.errored = False
        self.run.arm(node)
        self.mark(node)
        if node.reported_state is NodeState.RUNNING:
            return
        if self.view:
            self.sync(starting=node)
        else:
            self._report_state(node, running=True)
        self.hand_over()

    def state_now(self, node: LiveNode) -> None:
        """``node``'s state changed and must be reported at once (``events``)."""
        if self.view:
            self.mark(node)
        else:
            self._report_state(node)

    def output(self, node: LiveNode, stream: Any, text: str) -> None:
        if self.view:
            node.console.append(stream, text)
            node.console_grew = True
            self.mark(node)
        else:
            self.report(Output(run=self.run.id, node=node.id, stream=stream, text=text))
        if time.perf_counter() - self._handed_at >= OUTPUT_DUE_SECONDS:
            if self.view:
                self.sync()
            self.hand_over()

    def hand_over(self) -> None:
        """A publish point: the host passes on what was reported."""
        self._handed_at = time.perf_counter()
        self._on_publish()

    # -- bringing the host up to date -----------------------------------------------

    def sync(self, *, every: bool = False, settle: bool = False, starting: LiveNode | None = None) -> None:
        """Report what changed since the last sync: node states (``events``), or
        one ``view`` event (``view``).

        ``settle``: a slice of work ended. A node called during it shows as
        running — a node in a fast stream is busy, not done, between its calls —
        and one not called again by the next such sync shows as done. Other syncs
        show each node as it is (``starting``, about to be called, as running):
        when a node starts and then blocks, the ones that finished show done."""
        for node in self._changed:  # the fast path leaves output in the sink
            if node.sink.chunks:
                node.sink.flush()
        changed = self._changed
        if not self.view:
            if changed:
                self._changed = []
                for node in changed:
                    node.changed = False
                    node.live = False
                    self._report_state(node)
                    # (nothing to disarm: every value is reported, so nothing is armed)
            return
        run = self.run
        errors = (run.errors, run.unrouted_errors)
        if not changed and errors == self._errors_shown:
            return
        self._changed = []
        busy = run.phase is RunPhase.RUNNING
        sticky = settle and busy
        settle = settle or not busy
        nodes: dict[str, NodeView] = {}
        emitted = self._emitted_shown
        for node in changed:
            node.changed = False
            if settle or every or node.touched or _state_moved(node):
                node.touched = False
                change, delta = _node_change(node, sticky or node is starting, every)
                emitted += delta
                if change is not None:
                    nodes[node.id] = change
            # (else only looked at again, and nothing it shows moved: its counts wait
            # for the end of the slice; a sync between — a node starting — stays cheap)
            if settle and node.live:
                node.live = False
                run.disarm(node)
            if busy and (node.live or node.reported_state is NodeState.RUNNING):
                self._look_again(node)
        if not nodes and errors == self._errors_shown and emitted == self._emitted_shown:
            return
        self._emitted_shown = emitted
        self._errors_shown = errors
        self.report(ViewChanged(run.id, run.phase, emitted, errors[0], errors[1], nodes))

    def snapshot(self) -> ViewChanged:
        """The whole view as it is now, every node included (a ``view`` event a host
        that saw nothing can fold); reports nothing."""
        run = self.run
        busy = run.phase is RunPhase.RUNNING
        nodes = {node.id: whole_node(node, busy) for node in run.nodes.values()}
        return ViewChanged(run.id, run.phase, run.emitted, run.errors, run.unrouted_errors, nodes)

    def _report_state(self, node: LiveNode, running: bool = False) -> None:
        state = NodeState.RUNNING if running else node.state()
        functions = node.held()
        key = (state, tuple((h.held, h.required) for h in functions.values()))  # missing follows from held
        if key != node.last_reported:
            node.last_reported = key
            node.reported_state = state
            self.report(NodeStateChanged(run=self.run.id, node=node.id, state=state, functions=functions))


def _state_moved(node: LiveNode) -> bool:
    """Whether a node nothing was marked for since its last report (its inbox, output
    and errors are as they were) would now show another state, outside the end of a
    slice: told from its flags alone, without looking at its functions."""
    shown = node.reported_state
    if node.active:
        return shown is not NodeState.RUNNING
    if node.stopped:
        return shown is not NodeState.STOPPED
    if shown is NodeState.WAITING:
        return False  # its held values did not change (that marks it)
    if node.errored:
        return shown is not NodeState.ERROR
    return shown is not (NodeState.DONE if node.ran else NodeState.IDLE)


def whole_node(node: LiveNode, busy: bool) -> NodeView:
    """Everything the view holds of ``node``."""
    sockets = {s.name: SocketView(s.count, preview(s.buf[-1])) for s in node.sockets.values() if s.count}
    console = node.console
    lines = [ConsoleText(s, t) for s, t in console.lines]  # type: ignore[arg-type]
    return NodeView(
        node.state(busy),
        node.held(),
        sockets,
        console.dropped,
        lines,
        console.dropped,
        node.error_count,
        node.last_error,
    )


def _node_change(node: LiveNode, busy: bool, every: bool) -> tuple[NodeView | None, int]:
    """What changed of ``node`` since the host was last told, or None; and how
    many values it emitted since."""
    state = node.state(busy)
    functions = node.held()
    sockets: dict[str, SocketView] = {}
    delta = 0
    for socket in node.sockets.values():
        if socket.count != socket.shown:
            delta += socket.count - socket.shown
            socket.shown = socket.count
            sockets[socket.name] = SocketView(socket.count, preview(socket.buf[-1]))
        socket.trim()
    key = (state, tuple((h.held, h.required) for h in functions.values()))
    last_error = node.last_error
    new_error = last_error if last_error is not None and last_error.index > node.errors_shown else None
    node.reported_state = state
    if not (every or sockets or node.console_grew or new_error is not None or key != node.last_reported):
        return None, delta
    node.last_reported = key
    node.errors_shown = node.error_count
    console = node.console
    first = max(node.console_from, console.dropped)
    texts: list[ConsoleText] = []
    if node.console_grew or every:
        node.console_grew = False
        kept = list(console.lines)
        texts = [ConsoleText(s, t) for s, t in kept[first - console.dropped :]]  # type: ignore[arg-type]
        # A partial last line will be told again, grown: the host replaces it.
        node.console_from = console.end - 1 if kept and not kept[-1][1].endswith("\n") else console.end
    else:
        first = console.end
    change = NodeView(state, functions, sockets, first, texts, console.dropped, node.error_count, new_error)
    return change, delta
