"""A run: one flow executing, from start to stop.

Everything a run does goes through one FIFO work queue, processed by one asyncio
task, one item at a time. That makes delivery deterministic — the same flow gives
the same values, in the same order, in CPython and in Pyodide — and gives every
message the same few named steps:

* ``trigger`` — a data node or a source function is asked to fire;
* ``emit`` — a value leaves a socket: the socket counts it and keeps it in its
  ring, then queues one delivery per edge from it, in file order;
* ``deliver`` — a value reaches a port. A function with one fed port is called at
  once (the fast path); others hold the value in the function's inbox and are
  called when every required port holds one;
* ``step`` — a generator (or async generator) yields its next value. Each yield is
  a queue item of its own, so an endless generator never starves the flow.
  (An observer, :mod:`headrace.hooks`, also sees each function call as a step.)

Node code is called through one envelope (:mod:`headrace.envelope`); tests and
tracing watch the steps with :meth:`Run.observe` (:mod:`headrace.hooks`).

What the host hears (:mod:`headrace.report`): with ``report="events"`` every event,
one per value included (``emit``, ``output``, ``node_state``); with
``report="view"`` the run's retained view instead — one ``view`` event per slice
of work saying what changed — plus the first ``emit_limit`` values of each socket
as ``emit`` events. ``on_publish`` marks the points where a host should pass on
what it got: the end of each slice, before node code awaits, idle, stop, and the
moment a node starts running that the host does not yet show running (so a node
that then blocks the thread is seen running while it blocks).

The run reports ``run_idle`` each time the queue drains; it stays alive (so nodes
can be triggered again, and schedules can fire) until :meth:`Run.stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import itertools
import sys
import threading
import time
import types
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Literal

from headrace import capture
from headrace.envelope import RAISED, NodeCodeEnvelope, StopRequested, cancelling
from headrace.errors import QueueFullError, RunError
from headrace.hooks import Observer, RunHooks, StepName, install
from headrace.inbox import PortFull
from headrace.model import FlowSpec
from headrace.nodes import (
    DIRECT,
    HOLD,
    LOAD,
    REPLAY,
    RESULT,
    STEP,
    TRIGGER,
    Function,
    LiveNode,
    Socket,
    Target,
    Work,
    exception_message,
    is_emittable_data,
)
from headrace.protocol import (
    TERMINAL_RUN_PHASES,
    Event,
    RunPhase,
    RunStarted,
    RunStopped,
    ViewChanged,
)
from headrace.remote import Executor
from headrace.report import Reporter
from headrace.run_remote import RemoteCalls
from headrace.run_reports import RunReports
from headrace.run_schedules import RunSchedules
from headrace.scheduler import Clock, Scheduler, SystemClock
from headrace.shape import ERROR_SOCKET
from headrace.view import CONSOLE_LINES

EventHandler = Callable[[Event], None]
Report = Literal["events", "view"]

#: Longest stretch of work between two yields to the event loop, in seconds: the
#: host (a Web Worker, a server) must get to answer "stop" and pass events on.
SLICE_SECONDS = 0.01
#: With ``report="events"``, node states are reported in batches: every this many
#: queue items, before an await, and when idle. Counted in items, not time, so that
#: the event sequence is the same on every machine and platform.
STATE_REPORT_EVERY = 256
#: Values each socket keeps for the view (its ring), unless the host says.
KEEP_VALUES = 100
#: The clock is read every few queue items, more often when items are slow: a
#: check every item would cost a busy flow a tenth of its time.
_MAX_STRIDE = 256

_run_counter = itertools.count(1)

#: Results that cannot be awaitables or generators: skip the inspect checks.
_PLAIN_TYPES = frozenset({int, float, str, bool, list, dict, tuple, bytes, type(None)})
_ALL = sys.maxsize
#: What a generator step returns when the generator is exhausted.
_DONE: Any = object()


def new_run_id() -> str:
    """A fresh, unguessable run id."""
    return uuid.uuid4().hex[:12]


class Run(NodeCodeEnvelope, RunReports, RunSchedules, RemoteCalls):
    """One execution of a flow. Create it, :meth:`start` it inside a running event
    loop, trigger nodes, :meth:`wait_idle`, :meth:`stop`."""

    def __init__(
        self,
        flow: FlowSpec,
        *,
        on_event: EventHandler | None = None,
        on_publish: Callable[[], None] | None = None,
        on_emit: Callable[[str, str, Any, int], None] | None = None,
        run_id: str | None = None,
        clock: Clock | None = None,
        timezone: str | None = None,
        executor: Executor | None = None,
        report: Report = "events",
        emit_limit: int | None = None,
        keep_values: int = KEEP_VALUES,
        console_lines: int = CONSOLE_LINES,
    ) -> None:
        """``timezone`` is the host's zone for schedules (the browser's, say); the
        flow's own ``timezone`` wins over it, and the machine's zone is the last
        resort. ``clock`` is where schedules read the time (tests pass a fake).
        ``executor`` sends script calls elsewhere (a Dask cluster); by default
        they run inline, here. ``report``, ``emit_limit``, ``on_publish``: what the
        host hears, and when to pass it on (see the module's docstring);
        ``on_emit(node, socket, value, seq)``, when given, takes the values
        reported one by one instead of ``on_event`` (a host that encodes them
        itself saves making an event of each); ``keep_values`` and
        ``console_lines`` size the view's rings."""
        self.flow = flow
        self.executor = executor
        self._remote_pending = 0  # calls sent to the executor, not yet settled
        self.clock: Clock = clock or SystemClock()
        self._zone_name = flow.timezone or timezone
        self._zone: dt.tzinfo | None = None
        self.scheduler: Scheduler | None = None
        self.id = run_id or new_run_id()
        self.phase = RunPhase.STARTING
        self._queue: deque[tuple[Any, Any]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._started_at = 0.0
        self._busy_since_idle = False
        self._steps: dict[Any, LiveNode] = {}  # open generators, to close on stop
        self.errors = 0
        self.unrouted_errors = 0
        self._seq = 0  # emits reported one by one
        self._on_emit = on_emit
        self._interrupt_requested = False
        #: Why the run failed, when the engine itself did (not node code).
        self.failure: str | None = None
        view = report == "view"
        if report not in ("events", "view"):
            raise RunError(f"report: expected 'events' or 'view', got {report!r}")
        notify = _ALL if not view else (_ALL if emit_limit is None else max(0, emit_limit))
        #: Every value is reported (no fast path: it does no per-value reporting).
        self._every = notify == _ALL
        #: Who observes the named steps (:meth:`observe`); None while nobody does.
        self.hooks: RunHooks | None = None
        fed = flow.fed_ports()
        routed = {e.from_node for e in flow.edges if e.from_socket == ERROR_SOCKET}
        prefix = f"__headrace_run{next(_run_counter)}"
        self.nodes: dict[str, LiveNode] = {
            n.id: LiveNode(
                n,
                flow,
                f"{prefix}_node{i}__",
                self._output_handler(n.id),
                incoming=fed.get(n.id, set()),
                error_routed=n.id in routed,
                keep=max(1, keep_values),
                notify=notify,
                console_lines=console_lines,
            )
            for i, n in enumerate(flow.nodes)
        }
        #: Per node, the targets its edges deliver to (their fast path is set on load).
        self._incoming: dict[str, list[Target]] = {node_id: [] for node_id in self.nodes}
        targets: dict[tuple[str, str], Target] = {}
        for edge in flow.edges:
            if self.nodes[edge.to_node].spec.pinned:
                continue  # a pinned node does not run: what arrives at its ports is dropped
            function_name, _, param = edge.to_port.partition(".")
            key = (edge.to_node, edge.to_port)
            target = targets.get(key)
            if target is None:
                node = self.nodes[edge.to_node]
                function = node.functions[function_name]
                index = next(i for i, p in enumerate(function.inbox.ports) if p.param == param)
                target = targets[key] = Target(node, function, index)
                self._incoming[edge.to_node].append(target)
            self.nodes[edge.from_node].sockets[edge.from_socket].add_route(target)
        #: Per node, its targets that can take the fast path, with their function.
        self._fast: dict[str, list[tuple[Target, Callable[[Any], Any]]]] = {}
        self.reporter = Reporter(self, on_event or (lambda event: None), on_publish or (lambda: None), view=view)
        self._report = self.reporter.report
        #: The per-value events go to the host alone (see :meth:`listen`).
        self._report_emit = self.reporter.report

    # -- public API -----------------------------------------------------------

    @property
    def emitted(self) -> int:
        """Values emitted in the run so far, over every socket."""
        return sum(s.count for node in self.nodes.values() for s in node.sockets.values())

    @property
    def over(self) -> bool:
        return self.phase in TERMINAL_RUN_PHASES

    def label(self, node_id: str) -> str:
        """How messages name a node: its name, with its id when they differ."""
        node = self.nodes.get(node_id)
        if node is None or node.label == node_id:
            return repr(node_id)
        return f"{node.label!r} ({node_id})"

    def observe(self, step: StepName, observer: Observer) -> None:
        """Call ``observer`` at each ``step`` of the run (see :mod:`headrace.hooks`).
        Only before :meth:`start`; an observed run takes no fast path."""
        if self._task is not None:
            raise RunError("observe the run's steps before it starts")
        hooks = self.hooks or RunHooks()
        hooks.add(step, observer)  # (refuses a step there is not)
        if self.hooks is None:
            self.hooks = hooks
            install(self, hooks)

    def listen(self, listener: EventHandler) -> None:
        """Also call ``listener`` with every event but the per-value ``emit`` ones (a
        run's recorder: it reads values from the sockets' rings instead, so a busy
        run pays nothing more per value). Only before :meth:`start`."""
        if self._task is not None:
            raise RunError("listen to the run's events before it starts")
        host = self.reporter.report

        def both(event: Event) -> None:
            host(event)
            listener(event)

        self.reporter.report = self._report = both

    async def start(self) -> None:
        """Start the work loop and load every script node's module (in node order).
        Must be awaited inside the event loop that will run the flow."""
        if self._task is not None:
            raise RunError("the run has already started")
        capture.install()
        loop = asyncio.get_running_loop()
        for node in self.nodes.values():  # output from threads node code starts comes here
            node.sink.owner = threading.get_ident()
            node.sink.defer = loop.call_soon_threadsafe
        self._started_at = time.perf_counter()
        self.phase = RunPhase.RUNNING
        self._report(RunStarted(run=self.id, flow=self.flow.name, nodes=len(self.nodes)))
        self.reporter.started()
        # The first drain is always reported, even when there is nothing to do (an empty
        # flow, or data nodes started with no trigger): else the host waits for an idle
        # that never comes, and shows the run busy for ever.
        self._busy_since_idle = True
        for node in self.nodes.values():
            if node.spec.type == "script" and not node.spec.pinned:
                self._push((Work(LOAD, node), None))
        self._task = asyncio.get_running_loop().create_task(self._pump(), name=f"headrace run {self.id}")
        self.reporter.hand_over()

    def trigger_sources(self) -> None:
        """Fire every source once: every data node (all its sockets) and every
        script function that needs no input, in node order."""
        for node in self.nodes.values():
            if node.spec.pinned:
                self._send_pinned(node, None)
            elif node.spec.type == "data":
                self._push((Work(TRIGGER, node), None))
            else:
                for function in node.functions.values():
                    if function.is_source:
                        self._push((Work(TRIGGER, node, function.name), None))

    def trigger(self, node_id: str, socket: str | None = None) -> None:
        """Fire one node (a data node emits every socket, a script node calls
        every source function) or one of its sockets."""
        if self.over:
            raise RunError(f"run {self.id} has stopped")
        node = self.nodes.get(node_id)
        if node is None:
            known = ", ".join(self.label(n) for n in self.nodes) or "none"
            raise RunError(
                f"this run has no node {node_id!r}: it was added after the run started, "
                f"so start a new run to include it (this run's nodes: {known})"
            )
        if socket is not None and socket not in node.spec.shape.sockets:
            raise RunError(
                f"node {self.label(node_id)} has no socket {socket!r} (sockets: {', '.join(node.spec.shape.sockets)})"
            )
        if node.spec.pinned:
            self._send_pinned(node, socket)
            return
        if node.spec.type == "data":
            self._push((Work(TRIGGER, node, socket), None))
            return
        names = [socket] if socket is not None else [f.name for f in node.functions.values() if f.is_source]
        if not names:
            reasons = "; ".join(f"{f.name}() waits for {', '.join(p.param for p in f.required_ports)}"
                                for f in node.functions.values())  # fmt: skip
            raise RunError(f"node {self.label(node_id)} has nothing to run by itself: {reasons or 'no functions'}")
        for name in names:
            function = node.functions[name]
            if not function.is_source:
                waits = ", ".join(p.name for p in function.required_ports)
                raise RunError(f"{node.label}.{name} is not a source: it waits for {waits}")
            self._push((Work(TRIGGER, node, name), None))

    def _send_pinned(self, node: LiveNode, socket: str | None) -> None:
        """A pinned node fired: its pinned values leave its sockets (``socket``: that one
        only), in socket order; the node's code does not run."""
        pinned = node.spec.pinned or {}
        for name, pin in pinned.items():
            if socket is None or name == socket:
                for value in pin.values:
                    self._push((Work(REPLAY, node, name), value))

    def deliver(self, node_id: str, socket: str, values: Iterable[Any]) -> None:
        """Send ``values`` out of a socket again, in order, as if the node had emitted
        them, without running the node (a replay of recorded values: the nodes
        downstream run with their code of now; nothing upstream runs)."""
        node = self.nodes.get(node_id)
        if node is None:
            raise RunError(f"this run has no node {node_id!r}")
        if socket not in node.sockets:
            raise RunError(f"node {self.label(node_id)} has no socket {socket!r} (sockets: {', '.join(node.sockets)})")
        for value in values:
            self._push((Work(REPLAY, node, socket), value))

    async def wait_idle(self) -> None:
        """Wait until nothing is left to do (or the run stopped)."""
        while not self._idle.is_set() and not self.over:
            assert self._task is not None
            idle = asyncio.ensure_future(self._idle.wait())
            await asyncio.wait({idle, self._task}, return_when=asyncio.FIRST_COMPLETED)
            idle.cancel()

    async def stop(self, reason: str = "stopped", message: str | None = None) -> None:
        """End the run: cancel the work in progress, close open generators. A node
        cut short shows as stopped, not as failed: nothing goes out on its error
        socket."""
        if self.over:
            return
        self.phase = RunPhase.FAILED if reason == "failed" else RunPhase.STOPPED
        if self.scheduler is not None:
            await self.scheduler.stop()
        task = self._task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for generator, node in list(self._steps.items()):
            await self._close_generator(node, generator)
        calls = [t for n in self.nodes.values() for f in n.functions.values() for t in f.pending]
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        self._steps.clear()
        for node in self.nodes.values():
            node.steps.clear()
        self._queue.clear()
        self._flush_outputs()
        for node in self.nodes.values():
            if node.active:  # cut short
                node.active = 0
                node.stopped = True
            if node.stopped:
                self.reporter.mark(node)
        self.reporter.sync()
        for node in self.nodes.values():
            node.unload()
        self._idle.set()
        self._report(RunStopped(run=self.id, reason=reason, message=message))  # type: ignore[arg-type]
        self.reporter.hand_over()

    def view(self) -> ViewChanged:
        """The run's whole view now, as one ``view`` event (see :mod:`headrace.view`)."""
        return self.reporter.snapshot()

    def values(self, node_id: str, socket: str, offset: int | None = None, limit: int = 100) -> dict[str, Any]:
        """A page of a socket's kept values: ``{"count", "first", "values":
        [(index, value), ...]}`` — ``count`` values left the socket, those from
        index ``first`` on are still kept (the ring keeps the newest)."""
        node = self.nodes.get(node_id)
        if node is None:
            raise RunError(f"this run has no node {node_id!r}")
        kept = node.sockets.get(socket)
        if kept is None:
            raise RunError(f"node {self.label(node_id)} has no socket {socket!r}")
        first, page = kept.values(offset, limit)
        return {"count": kept.count, "first": first, "values": page}

    def request_interrupt(self) -> None:
        """Mark the next KeyboardInterrupt as the user stopping the run (Ctrl-C,
        the studio's Stop) rather than an exception raised by node code."""
        self._interrupt_requested = True

    # -- the work loop ----------------------------------------------------------

    def _push(self, item: tuple[Any, Any]) -> None:
        if self.over:
            raise RunError(f"run {self.id} has stopped")
        self._queue.append(item)
        if self._idle.is_set():
            self._idle.clear()
            self._wake.set()

    async def _pump(self) -> None:
        try:
            await self._work()
        except asyncio.CancelledError as exc:
            if cancelling():
                raise
            self._end_failed(f"internal error: a cancellation escaped node code ({_describe(exc)})")
        except StopRequested:
            asyncio.get_running_loop().create_task(self.stop("stopped"))
        except _RunFailed as exc:
            self._end_failed(str(exc))
        except KeyboardInterrupt as exc:
            # Outside a node's call: the host interrupting between calls, or node
            # code's __repr__ raising it while its value was reported.
            if self._interrupt_requested:
                asyncio.get_running_loop().create_task(self.stop("stopped"))
            else:
                self._end_failed(f"a KeyboardInterrupt nobody asked for ended the run ({_describe(exc)})")
        except BaseException as exc:  # an engine bug: end the run, say why, keep the host alive
            self._end_failed(f"internal error: {_describe(exc)}")

    async def _work(self) -> None:
        """The loop. The two hot paths — a value into a one-port function, and a
        generator's next value — are written out here rather than called, and do
        no bookkeeping beyond counting and keeping the value: a busy flow runs
        them millions of times, and every bytecode counts. They are armed
        (:meth:`arm`) only while nothing else needs doing per value: the node is
        live (the host already shows it busy) and its values are no longer
        reported one by one. Their output is found by the node's module name
        (:mod:`headrace.capture`) and flushed at the next sync; everything else
        goes through the named steps below."""
        queue = self._queue
        popleft, push = queue.popleft, queue.append
        plain = _PLAIN_TYPES
        clock = time.perf_counter
        reporter = self.reporter
        mark = reporter.mark
        notify = self._notify
        slow = self._slow
        limit = self.flow.held_values_limit
        stride = 1
        while True:
            if not queue:
                if not self._remote_pending:  # else results are on their way
                    self._went_idle()
                self._wake.clear()
                await self._wake.wait()
                continue
            self._busy_since_idle = True
            self.phase = RunPhase.RUNNING
            slice_end = clock() + SLICE_SECONDS
            stride = reporter.items(0, stride)
            while queue:
                checked = clock()
                if checked >= slice_end:
                    reporter.slice_ended()
                    await asyncio.sleep(0)
                    checked = clock()
                    slice_end = checked + SLICE_SECONDS
                for done in range(stride):  # noqa: B007 - `done` counts the items when the queue runs dry
                    try:
                        target, value = popleft()
                    except IndexError:
                        break
                    call = target.call
                    if call is not None:  # deliver into a one-port function
                        try:
                            result = call(value)
                        except BaseException as exc:
                            self.code_raised(target.node, target.function.name, exc)
                            continue
                        if result.__class__ in plain:
                            if result is not None:  # emit
                                out = target.out
                                out.buf.append(result)
                                if out.loud:
                                    notify(out, result)
                                route = out.route
                                if route is not None:
                                    push((route, result))
                                elif out.fanout:
                                    for route in out.fanout:
                                        push((route, result))
                        else:
                            pending = self._settle(target.node, target.function, result)
                            if pending is not None:
                                await self._await_call(target.node, target.function, pending)
                        continue
                    hold = target.hold
                    if hold is not None:  # deliver into a function with several ports
                        node = target.node
                        if not node.changed:
                            mark(node)  # its held counts change
                        pair = target.pair
                        if pair is not None:  # a two-port join: call at once if the partner holds a value
                            mine, partner = pair
                            if not partner:
                                if len(mine) >= limit:
                                    self._overflowed(node, target.function, target.index)
                                mine.append(value)
                                continue
                            values = (value, partner.popleft()) if target.first else (partner.popleft(), value)
                        else:
                            try:
                                values = target.inbox.offer(target.index, value)
                            except PortFull:
                                self._overflowed(node, target.function, target.index)
                            if values is None:
                                continue
                        try:
                            result = hold(*values)
                        except BaseException as exc:
                            self.code_raised(node, target.function.name, exc)
                            continue
                        if result.__class__ in plain:
                            if result is not None:  # emit
                                out = target.out
                                out.buf.append(result)
                                if out.loud:
                                    notify(out, result)
                                route = out.route
                                if route is not None:
                                    push((route, result))
                                elif out.fanout:
                                    for route in out.fanout:
                                        push((route, result))
                        else:
                            pending = self._settle(node, target.function, result)
                            if pending is not None:
                                await self._await_call(node, target.function, pending)
                        continue
                    if target.fast:  # a generator's next value
                        try:
                            result = target.step.__next__()
                        except StopIteration:
                            self._step_ended(target)
                            continue
                        except BaseException as exc:
                            self._step_failed(target, exc)
                            continue
                        if result is not None:  # emit
                            out = target.out
                            out.buf.append(result)
                            if out.loud:
                                notify(out, result)
                            route = out.route
                            if route is not None:
                                push((route, result))
                            elif out.fanout:
                                for route in out.fanout:
                                    push((route, result))
                        push((target, None))
                        continue
                    pending = slow(target, value)
                    if pending is not None:
                        await pending
                else:
                    done = stride
                # Aim at a clock check every quarter slice, whatever an item costs.
                elapsed = clock() - checked
                aim = int(done * SLICE_SECONDS / 4 / elapsed) if elapsed > 0 else 2 * stride
                stride = reporter.items(done, min(_MAX_STRIDE, max(1, aim)))

    def _slow(self, target: Any, value: Any) -> Any:
        """A queue item the fast paths do not take; an awaitable when it must be
        awaited (node code that awaits), else None."""
        kind = target.kind
        if kind == HOLD:
            return self._hold(target, value)
        if kind == DIRECT:  # one port, but not armed
            node = target.node
            if not node.loaded:  # its module failed: the value waits in vain, as the node shows (and is bounded)
                return self._hold(target, value)
            pending = self._call(node, target.function, [value])
            return None if pending is None else self._await_call(node, target.function, pending)
        if kind == STEP:
            return self._step_slowly(target)
        if kind == TRIGGER:
            return self._trigger(target.node, target.socket)
        if kind == RESULT:
            self._settle_remote(target.node, target.function)
            return None
        if kind == REPLAY:
            self._emit(target.node.sockets[target.socket], value)
            return None
        self._load(target.node)
        return None

    def _end_failed(self, message: str) -> None:
        self.failure = message
        asyncio.get_running_loop().create_task(self.stop("failed", message))

    # -- the named steps ------------------------------------------------------

    def _load(self, node: LiveNode) -> None:
        """Run a script node's module and bind its functions; its one-port
        functions then take the fast path."""
        if self.run_code(node, None, "module", _load_module, (node,)) is RAISED:
            return
        node.loaded = True
        if node.time_limit is None and self.executor is None:
            self._fast[node.id] = [
                (target, target.function.callable)  # type: ignore[misc]
                for target in self._incoming[node.id]
                if target.function.by_position
            ]
            if node.live:
                self.arm(node)

    def arm(self, node: LiveNode) -> None:
        """Let values into ``node`` take the fast path, which does no bookkeeping:
        while the node is live (the host knows it is busy, see
        :meth:`Reporter.went_live`) and its socket's values are no longer
        reported one by one."""
        if self._every or self.hooks is not None:
            # Every value is reported, in order with the node's output, or observed: the general path.
            return
        for target, function in self._fast.get(node.id, ()):
            armed = function
            if target.kind == DIRECT:
                target.call = armed
            else:
                target.hold = armed
        if node.time_limit is None:
            for step in node.steps:
                socket = step.out
                step.fast = type(step.step) is types.GeneratorType and socket is not None

    def disarm(self, node: LiveNode) -> None:
        """Values into ``node`` take the slow path again (it went quiet, or failed)."""
        for target, _ in self._fast.get(node.id, ()):
            target.call = target.hold = None
        for step in node.steps:
            step.fast = False

    async def _trigger(self, node: LiveNode, socket: str | None) -> None:
        if node.spec.type == "script":
            if node.loaded:
                function = node.functions[socket or ""]
                pending = self._call(node, function, [])
                if pending is not None:
                    await self._await_call(node, function, pending)
            return
        node.active += 1
        self.reporter.went_live(node)
        module = self.run_code(node, socket, socket, node.execute_module, (), True)
        if module is RAISED:
            return
        node.active -= 1
        node.ran = True
        node.errored = False
        self.reporter.state_now(node)
        names = [socket] if socket is not None else node.spec.shape.sockets
        for name in names:
            if name not in module.__dict__:
                self._fail(node, name, NameError(f"the code did not bind {name!r} when it ran"))
                continue
            value = module.__dict__[name]
            if is_emittable_data(value):
                self._emit(node.sockets[name], value)

    def _hold(self, target: Target, value: Any) -> Any:
        """Hold an arriving value in the function's inbox; call while it is ready.
        Returns an awaitable when a call must be awaited (the rest is called after)."""
        node, function = target.node, target.function
        inbox = function.inbox
        try:
            inbox.put(target.index, value)
        except PortFull:
            self._overflowed(node, function, target.index)
        self.reporter.mark(node)
        if node.loaded:  # else its module failed: values wait in vain, as the node shows
            while inbox.ready():
                pending = self._call(node, function, inbox.take())
                if pending is not None:
                    return self._hold_awaiting(node, function, pending)
        return None

    async def _hold_awaiting(self, node: LiveNode, function: Function, pending: Any) -> None:
        await self._await_call(node, function, pending)
        inbox = function.inbox
        while not self.over and inbox.ready():
            pending = self._call(node, function, inbox.take())
            if pending is not None:
                await self._await_call(node, function, pending)

    def _overflowed(self, node: LiveNode, function: Function, index: int) -> None:
        """A port is full: report it on the node, then end the run (the reasons
        for failing rather than dropping are in docs/design.md)."""
        inbox = function.inbox
        port = f"{function.name}.{inbox.ports[index].param}"
        if not node.loaded:
            why = "its code failed to load, so its functions are never called"
        else:
            missing = [f"{function.name}.{param}" for param in inbox.missing()]
            why = f"waiting for {', '.join(missing)}" if missing else "waiting for its other ports"
        message = (
            f"port {port!r} of node {node.label!r} already holds {inbox.limit} values, the flow's queue_limit "
            f"({why}): the run stops rather than hold more"
        )
        self._fail(node, function.name, QueueFullError(message))
        raise _RunFailed(message)

    def _call(self, node: LiveNode, function: Function, values: list[Any]) -> Any:
        """Call a function (the general way: limits, executors, any number of
        ports). Returns the awaitable when it is a coroutine function (the caller
        awaits it with :meth:`_await_call`), else None."""
        if not node.live:
            self.reporter.went_live(node)
        if self.executor is not None:
            keywords = function.remote_keywords
            if keywords is not False:
                node.active += 1
                self._submit(node, function, values, keywords)  # type: ignore[arg-type]
                return None
        name = function.name
        if function.by_position:  # called as Function.call would, one frame fewer
            result = self.run_code(node, name, name, function.callable, values)  # type: ignore[arg-type]
        else:
            result = self.run_code(node, name, name, function.call, (values,))
        if type(result) in _PLAIN_TYPES:
            if result is not None:
                self._emit(node.sockets[function.name], result)
            return None
        if result is RAISED:
            return None
        return self._settle(node, function, result)

    def _settle(self, node: LiveNode, function: Function, result: Any) -> Any:
        """A call returned something other than plain data: an awaitable (returned,
        for the caller to await), a generator (stepped from now on), or any other
        object (emitted)."""
        if inspect.isawaitable(result):
            node.active += 1
            return result
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            node.active += 1  # until the generator is exhausted
            self._steps[result] = node
            step = Work(STEP, node, function.name, step=result)
            node.steps.add(step)
            self._queue.append((step, None))
            return None
        self._emit(node.sockets[function.name], result)
        return None

    async def _await_call(self, node: LiveNode, function: Function, awaitable: Any) -> None:
        """Await a coroutine function's call (the node counts as active meanwhile)."""
        result = await self.await_code(node, function.name, function.name, awaitable, True)
        if result is RAISED:
            return
        node.active -= 1
        node.ran, node.errored = True, False
        self.reporter.mark(node)
        if result is None:
            return
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            self._settle(node, function, result)
        else:
            self._emit(node.sockets[function.name], result)

    def _step_slowly(self, step: Work) -> Any:
        """A generator step the fast path does not take: one with a time limit, the
        first since the host last looked, one whose values are still reported one
        by one, or an async generator's (then an awaitable is returned)."""
        node, socket, generator = step.node, step.socket, step.step
        assert socket is not None
        if not node.live:
            self.reporter.went_live(node)
        # (The class test first: it saves a call for the usual, plain generator.)
        if generator.__class__ is not types.GeneratorType and inspect.isasyncgen(generator):
            return self._step_async(step)
        # The time limit applies to each step: a generator may run for ever, one value at a time.
        self._stepped(step, self.run_code(node, socket, socket, next, (generator, _DONE), True))
        return None

    async def _step_async(self, step: Work) -> None:
        node, socket, generator = step.node, step.socket, step.step
        self._stepped(step, await self.await_code(node, socket, socket, anext(generator, _DONE), True))

    def _stepped(self, step: Work, value: Any) -> None:
        """A generator step returned ``value``: its next value, or the end."""
        if value is RAISED:  # (the envelope reported it)
            self._step_closed(step)
        elif value is _DONE:
            self._step_ended(step)
        else:
            if value is not None:
                assert step.out is not None
                self._emit(step.out, value)
            self._queue.append((step, None))

    def _step_ended(self, step: Work) -> None:
        """A generator is exhausted."""
        node = step.node
        node.active -= 1
        self._step_closed(step)
        node.sink.flush()
        node.ran, node.errored = True, False
        self.reporter.mark(node)

    def _step_failed(self, step: Work, exc: BaseException) -> None:
        """A generator stepped on the fast path raised."""
        step.node.active -= 1
        self._step_closed(step)
        self.code_raised(step.node, step.socket, exc)

    def _step_closed(self, step: Work) -> None:
        del self._steps[step.step]
        step.node.steps.discard(step)
        step.fast = False

    async def _close_generator(self, node: LiveNode, generator: Any) -> None:
        token = capture.current_sink.set(node.sink)
        try:
            if inspect.isasyncgen(generator):
                await generator.aclose()
            else:
                generator.close()
        except BaseException:  # noqa: S110 - a generator failing to close must not block stop
            pass
        finally:
            capture.current_sink.reset(token)
        node.sink.flush()

    def _emit(self, socket: Socket, value: Any) -> None:
        """A value leaves a socket (the hot paths in :meth:`_work` do the same inline)."""
        buf = socket.buf
        buf.append(value)
        if len(buf) > 2 * socket.keep:
            socket.trim()
        if socket.loud:
            self._notify(socket, value)
        queue = self._queue
        for target in socket.routes:
            queue.append((target, value))


class _RunFailed(Exception):
    """Raised inside the work loop when the flow cannot go on (a full port)."""


def _load_module(node: LiveNode) -> None:
    node.execute_module()
    node.bind_functions()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exception_message(exc)}"
