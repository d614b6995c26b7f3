"""A run: one flow executing, from start to stop.

Everything a run does goes through one FIFO work queue, processed by one asyncio
task, one item at a time. That makes delivery deterministic — the same flow gives
the same events, in the same order, in CPython and in Pyodide — and gives every
message the same few named steps, which is where events are reported:

* ``trigger`` — a data node or a source function is asked to fire;
* ``emit`` — a value leaves a socket: an ``emit`` event, then one delivery per
  edge from that socket, in file order, at the back of the queue;
* ``deliver`` — a value reaches a port and is held in the function's inbox; when
  every required port holds one, the function is called;
* ``step`` — a generator (or async generator) yields its next value. Each yield is
  a queue item of its own, so an endless generator never starves the flow.

The run reports ``run_idle`` each time the queue drains; it stays alive (so nodes
can be triggered again, and schedules can fire) until :meth:`Run.stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import itertools
import time
import types
import uuid
from collections import deque
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

from headrace import capture, cron, time_limit
from headrace.errors import QueueFullError, RunError
from headrace.inbox import PortFull
from headrace.model import FlowSpec
from headrace.nodes import Function, LiveNode, error_value, exception_message, is_emittable_data
from headrace.protocol import (
    Emit,
    Event,
    NodeError,
    NodeState,
    NodeStateChanged,
    Output,
    RunIdle,
    RunStarted,
    RunState,
    RunStopped,
    ScheduleFire,
    ScheduleNext,
)
from headrace.remote import Executor, Invocation, Outcome
from headrace.scheduler import LATE_SECONDS, Clock, Entry, Fire, Scheduler, SystemClock
from headrace.shape import ERROR_SOCKET

EventHandler = Callable[[Event], None]

#: Longest stretch of work between two yields to the event loop, in seconds: the
#: host (a Web Worker, a server) must get to answer "stop" and flush events.
SLICE_SECONDS = 0.01
#: Node states are reported in batches: every this many queue items, before an
#: await, and when idle. Counted in items, not time, so that the event sequence is
#: the same on every machine and platform.
STATE_REPORT_EVERY = 256

# Queue item kinds (the first element of each item tuple).
_LOAD, _TRIGGER, _DELIVER, _STEP, _RESULT = range(5)

_run_counter = itertools.count(1)

#: Results that cannot be awaitables or generators: skip the inspect checks.
_PLAIN_TYPES = frozenset({int, float, str, bool, list, dict, tuple, bytes, type(None)})


def new_run_id() -> str:
    """A fresh, unguessable run id."""
    return uuid.uuid4().hex[:12]


class Run:
    """One execution of a flow. Create it, :meth:`start` it inside a running event
    loop, trigger nodes, :meth:`wait_idle`, :meth:`stop`."""

    def __init__(
        self,
        flow: FlowSpec,
        *,
        on_event: EventHandler | None = None,
        run_id: str | None = None,
        clock: Clock | None = None,
        timezone: str | None = None,
        executor: Executor | None = None,
    ) -> None:
        """``timezone`` is the host's zone for schedules (the browser's, say); the
        flow's own ``timezone`` wins over it, and the machine's zone is the last
        resort. ``clock`` is where schedules read the time (tests pass a fake).
        ``executor`` sends script calls elsewhere (a Dask cluster); by default
        they run inline, here."""
        self.flow = flow
        self.executor = executor
        self._remote_pending = 0  # calls sent to the executor, not yet settled
        self.clock: Clock = clock or SystemClock()
        self._zone_name = flow.timezone or timezone
        self._zone: dt.tzinfo | None = None
        self.scheduler: Scheduler | None = None
        self.id = run_id or new_run_id()
        self.state = RunState.IDLE
        self._on_event = on_event or (lambda event: None)
        self._queue: deque[tuple[Any, ...]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._started_at = 0.0
        self._busy_since_idle = False
        self._steps: dict[Any, LiveNode] = {}  # open generators, to close on stop
        self.emitted = 0
        self.errors = 0
        self.unrouted_errors = 0
        self._interrupt_requested = False
        #: Why the run failed, when the engine itself did (not node code).
        self.failure: str | None = None
        prefix = f"__headrace_run{next(_run_counter)}"
        self.nodes: dict[str, LiveNode] = {
            n.id: LiveNode(n, flow, f"{prefix}_node{i}__", self._output_handler(n.id)) for i, n in enumerate(flow.nodes)
        }
        self._dirty: list[LiveNode] = []  # nodes whose state changed since the last report
        for edge in flow.edges:
            target = self.nodes[edge.to_node]
            function_name, _, param = edge.to_port.partition(".")
            function = target.functions[function_name]
            index = next(i for i, p in enumerate(function.inbox.ports) if p.param == param)
            source = self.nodes[edge.from_node]
            source.routes.setdefault(edge.from_socket, []).append((target, function, index))

    # -- public API -----------------------------------------------------------

    async def start(self) -> None:
        """Start the work loop and load every script node's module (in node order).
        Must be awaited inside the event loop that will run the flow."""
        if self._task is not None:
            raise RunError("the run has already started")
        capture.install()
        self._started_at = time.perf_counter()
        self.state = RunState.RUNNING
        self._report(RunStarted(run=self.id, flow=self.flow.name, nodes=len(self.nodes)))
        for node in self.nodes.values():
            self._report_state(node)
            if node.spec.type == "script":
                self._push((_LOAD, node))
        self._task = asyncio.get_running_loop().create_task(self._pump(), name=f"headrace run {self.id}")

    def trigger_sources(self) -> None:
        """Fire every source once: every data node (all its sockets) and every
        script function that needs no input, in node order."""
        for node in self.nodes.values():
            if node.spec.type == "data":
                self._push((_TRIGGER, node, None))
            else:
                for function in node.functions.values():
                    if function.is_source:
                        self._push((_TRIGGER, node, function.name))

    def trigger(self, node_id: str, socket: str | None = None) -> None:
        """Fire one node (a data node emits every socket, a script node calls
        every source function) or one of its sockets."""
        if self.state is RunState.STOPPED:
            raise RunError(f"run {self.id} has stopped")
        node = self.nodes.get(node_id)
        if node is None:
            raise RunError(f"no node {node_id!r} (nodes: {', '.join(self.nodes)})")
        if socket is not None and socket not in node.spec.shape.sockets:
            raise RunError(f"node {node_id!r} has no socket {socket!r} (sockets: {', '.join(node.spec.shape.sockets)})")
        if node.spec.type == "data":
            self._push((_TRIGGER, node, socket))
            return
        names = [socket] if socket is not None else [f.name for f in node.functions.values() if f.is_source]
        for name in names:
            function = node.functions[name]
            if not function.is_source:
                waits = ", ".join(p.name for p in function.required_ports)
                raise RunError(f"{node_id}.{name} is not a source: it waits for {waits}")
            self._push((_TRIGGER, node, name))

    async def wait_idle(self) -> None:
        """Wait until nothing is left to do (or the run stopped)."""
        while not self._idle.is_set() and self.state is not RunState.STOPPED:
            assert self._task is not None
            idle = asyncio.ensure_future(self._idle.wait())
            await asyncio.wait({idle, self._task}, return_when=asyncio.FIRST_COMPLETED)
            idle.cancel()

    async def stop(self, reason: str = "stopped", message: str | None = None) -> None:
        """End the run: cancel the work in progress, close open generators."""
        if self.state is RunState.STOPPED:
            return
        self.state = RunState.STOPPED
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
        self._queue.clear()
        self._flush_outputs()
        for node in self.nodes.values():
            if node.active:  # cut short: no longer running
                node.active = 0
                self._mark(node)
        self._flush_states()
        for node in self.nodes.values():
            node.unload()
        self._idle.set()
        self._report(RunStopped(run=self.id, reason=reason, message=message))  # type: ignore[arg-type]

    @property
    def zone(self) -> dt.tzinfo:
        """The zone schedules are read in: the flow's, else the host's, else this
        machine's. Looked up when first needed: a flow without schedules needs no
        zone data (which Pyodide loads only on demand). Raises CronError for an
        unknown zone."""
        if self._zone is None:
            self._zone = cron.zone(self._zone_name) if self._zone_name else cron.local_zone()
        return self._zone

    @property
    def schedule_entries(self) -> list[Entry]:
        """The schedules that are on, in node order."""
        return [
            Entry(node.id, socket, setting.cron)
            for node in self.flow.nodes
            for socket, setting in (node.schedule or {}).items()
            if setting.is_on
        ]

    def start_schedules(self) -> None:
        """Arm every schedule that is on. Slots before this moment never fire."""
        if self.state is RunState.STOPPED:
            raise RunError(f"run {self.id} has stopped")
        entries = self.schedule_entries
        if self.scheduler is not None or not entries:
            return  # (no schedules: no zone to look up, no zone data to load)
        self.scheduler = Scheduler(
            entries,
            zone=self.zone,
            misfire=self.flow.misfire or "coalesce",
            clock=self.clock,
            on_fire=self._scheduled_fire,
            on_next=self._scheduled_next,
        )
        self.scheduler.start()

    def _scheduled_fire(self, fire: Fire) -> None:
        slot = dt.datetime.fromtimestamp(fire.slot, self.zone)
        self._report(
            ScheduleFire(
                run=self.id,
                node=fire.node,
                socket=fire.socket,
                slot=slot.isoformat(),
                slot_ms=fire.slot * 1000,
                lateness_ms=round(fire.lateness * 1000, 3),
                late=fire.lateness > LATE_SECONDS,
                missed=fire.missed,
                fired=fire.fired,
                count=fire.count,
            )
        )
        if fire.fired:
            self.trigger(fire.node, fire.socket)

    def _scheduled_next(self, entry: Entry, at: float) -> None:
        moment = dt.datetime.fromtimestamp(at, self.zone)
        self._report(
            ScheduleNext(run=self.id, node=entry.node, socket=entry.socket, at=moment.isoformat(), at_ms=at * 1000)
        )

    def request_interrupt(self) -> None:
        """Mark the next KeyboardInterrupt as the user stopping the run (Ctrl-C,
        the studio's Stop) rather than an exception raised by node code."""
        self._interrupt_requested = True

    # -- the work loop ----------------------------------------------------------

    def _push(self, item: tuple[Any, ...]) -> None:
        if self.state is RunState.STOPPED:
            raise RunError(f"run {self.id} has stopped")
        self._queue.append(item)
        if self._idle.is_set():
            self._idle.clear()
            self._wake.set()

    async def _pump(self) -> None:
        queue = self._queue
        clock = time.perf_counter
        processed = 0
        try:
            while True:
                if not queue:
                    if not self._remote_pending:  # else results are on their way
                        self._flush_outputs()
                        self._flush_states()
                        self._went_idle()
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                self._busy_since_idle = True
                self.state = RunState.RUNNING
                slice_end = clock() + SLICE_SECONDS
                while queue:
                    processed += 1
                    if not processed % STATE_REPORT_EVERY:
                        self._flush_states()
                    item = queue.popleft()
                    kind = item[0]
                    if kind == _DELIVER:
                        # The hot path: a one-port function is called at once,
                        # others hold the value until every port has one.
                        node, function = item[1], item[2]
                        if function.takes_one and node.loaded:
                            pending = self._call(node, function, [item[4]])
                            if pending is not None:
                                await self._await_call(node, function, pending)
                        else:
                            await self._hold(node, function, item[3], item[4])
                    elif kind == _STEP:
                        if type(item[3]) is types.GeneratorType:
                            self._step(item[1], item[2], item[3])
                        else:
                            await self._step_async(item[1], item[2], item[3])
                    elif kind == _TRIGGER:
                        await self._trigger(item[1], item[2])
                    elif kind == _RESULT:
                        self._settle_remote(item[1], item[2])
                    else:
                        self._load(item[1])
                    if clock() > slice_end:
                        await asyncio.sleep(0)
                        slice_end = clock() + SLICE_SECONDS
        except asyncio.CancelledError as exc:
            if _cancelling():
                raise
            self._end_failed(f"internal error: a cancellation escaped node code ({_describe(exc)})")
        except _StopRequested:
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

    def _end_failed(self, message: str) -> None:
        self.failure = message
        asyncio.get_running_loop().create_task(self.stop("failed", message))

    def _went_idle(self) -> None:
        if self.state is not RunState.STOPPED:
            self.state = RunState.IDLE
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
        self._idle.set()

    # -- the named steps ------------------------------------------------------

    def _load(self, node: LiveNode) -> None:
        token = capture.current_sink.set(node.sink)
        try:
            if node.time_limit is None:
                node.execute_module()
            else:
                time_limit.call(node.time_limit, f"node {node.id!r} (module)", node.execute_module)
            node.bind_functions()
            node.loaded = True
        except BaseException as exc:
            self._check_interrupt(exc)
            node.sink.flush()
            self._fail(node, None, exc)
            return
        finally:
            capture.current_sink.reset(token)
        node.sink.flush()

    async def _trigger(self, node: LiveNode, socket: str | None) -> None:
        if node.spec.type == "script":
            if node.loaded:
                function = node.functions[socket or ""]
                pending = self._call(node, function, [])
                if pending is not None:
                    await self._await_call(node, function, pending)
            return
        node.active += 1
        self._report_state(node)
        token = capture.current_sink.set(node.sink)
        try:
            if node.time_limit is None:
                module = node.execute_module()
            else:
                what = f"node {node.id!r}" + (f" ({socket})" if socket else "")
                module = time_limit.call(node.time_limit, what, node.execute_module)
        except BaseException as exc:
            self._check_interrupt(exc)
            node.sink.flush()
            node.active -= 1
            self._fail(node, socket, exc)
            return
        finally:
            capture.current_sink.reset(token)
        node.sink.flush()
        node.active -= 1
        node.ran = True
        node.errored = False
        self._report_state(node)
        names = [socket] if socket is not None else node.spec.shape.sockets
        for name in names:
            if name not in module.__dict__:
                self._fail(node, name, NameError(f"the code did not bind {name!r} when it ran"))
                continue
            value = module.__dict__[name]
            if is_emittable_data(value):
                self._emit(node, name, value)

    async def _hold(self, node: LiveNode, function: Function, index: int, value: Any) -> None:
        """Hold an arriving value in the function's inbox; call while it is ready."""
        inbox = function.inbox
        try:
            inbox.put(index, value)
        except PortFull:
            self._overflowed(node, function, index)
        if node.loaded:  # else its module failed: values wait in vain, as the node shows
            while inbox.ready():
                pending = self._call(node, function, inbox.take())
                if pending is not None:
                    await self._await_call(node, function, pending)
                    if self.state is RunState.STOPPED:
                        return
        self._mark(node)

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
            f"port {port!r} of node {node.id!r} already holds {inbox.limit} values, the flow's queue_limit "
            f"({why}): the run stops rather than hold more"
        )
        self._fail(node, function.name, QueueFullError(message))
        raise _RunFailed(message)

    def _call(self, node: LiveNode, function: Function, values: list[Any]) -> Any:
        """Call a function. Returns the awaitable when it is a coroutine function
        (the caller awaits it with :meth:`_await_call`), else None."""
        node.active += 1
        if node.reported_state is not NodeState.RUNNING:
            self._report_state(node)  # at once, not batched: a long call shows as running
        if self.executor is not None:
            keywords = function.remote_keywords
            if keywords is not False:
                self._submit(node, function, values, keywords)  # type: ignore[arg-type]
                return None
        token = capture.current_sink.set(node.sink)
        try:
            if node.time_limit is None:
                result = function.call(values)
            else:
                result = time_limit.call(node.time_limit, f"node {node.id!r} ({function.name})", function.call, values)
        except BaseException as exc:
            self._check_interrupt(exc)
            node.sink.flush()
            node.active -= 1
            self._fail(node, function.name, exc)
            return None
        finally:
            capture.current_sink.reset(token)
        if node.sink.chunks:
            node.sink.flush()
        if type(result) in _PLAIN_TYPES:
            # The common case, kept free of further calls: it runs per message.
            node.active -= 1
            node.ran = True
            node.errored = False
            if not node.dirty:
                node.dirty = True
                self._dirty.append(node)
            if result is not None:
                self._emit(node, function.name, result)
            return None
        if inspect.isawaitable(result):
            return result
        self._settle(node, function.name, result)
        return None

    def _submit(self, node: LiveNode, function: Function, values: list[Any], keywords: list[str] | None) -> None:
        """Send a call to the executor; its result comes back as a queue item."""
        assert self.executor is not None
        invocation = Invocation(self.id, node.id, node.filename, node.spec.code, function.name, values, keywords)
        task = asyncio.get_running_loop().create_task(self.executor.invoke(invocation))
        function.pending.append(task)
        self._remote_pending += 1

        def arrived(_: asyncio.Task[Outcome]) -> None:
            if self.state is not RunState.STOPPED:
                self._queue.append((_RESULT, node, function))
                self._wake.set()

        task.add_done_callback(arrived)

    def _settle_remote(self, node: LiveNode, function: Function) -> None:
        """Settle the calls that came back, oldest first, stopping at the first
        one still under way: a socket's values keep the order of its calls."""
        pending = function.pending
        while pending and pending[0].done():
            task = pending.popleft()
            self._remote_pending -= 1
            if task.cancelled():
                continue
            failure = task.exception()
            outcome = (
                Outcome(error=error_value(node.id, function.name, failure)) if failure is not None else task.result()
            )
            for stream, text in outcome.output:
                node.sink.write(stream, text)
            node.sink.flush()
            if outcome.error is not None:
                node.active -= 1
                self._fail_with(node, outcome.error)
            elif outcome.items is not None:
                self._settle(node, function.name, None)
                for value in outcome.items:
                    if value is not None:
                        self._emit(node, function.name, value)
            else:
                self._settle(node, function.name, outcome.value)

    async def _await_call(self, node: LiveNode, function: Function, awaitable: Any) -> None:
        self._flush_states()  # the loop may run for a while: report before it does
        token = capture.current_sink.set(node.sink)
        try:
            if node.time_limit is None:
                result = await awaitable
            else:
                result = await time_limit.wait(node.time_limit, f"node {node.id!r} ({function.name})", awaitable)
        except BaseException as exc:
            self._check_cancel(exc)
            self._check_interrupt(exc)
            node.sink.flush()
            node.active -= 1
            self._fail(node, function.name, exc)
            return
        finally:
            capture.current_sink.reset(token)
        node.sink.flush()
        self._settle(node, function.name, result)

    def _settle(self, node: LiveNode, socket: str, result: Any) -> None:
        """A call returned: emit its value, or start stepping its generator."""
        if type(result) not in _PLAIN_TYPES and (inspect.isgenerator(result) or inspect.isasyncgen(result)):
            self._steps[result] = node
            self._queue.append((_STEP, node, socket, result))
            return  # still active until the generator is exhausted
        node.active -= 1
        node.ran = True
        node.errored = False
        self._mark(node)
        if result is not None:
            self._emit(node, socket, result)

    def _step(self, node: LiveNode, socket: str, generator: Generator[Any, Any, Any]) -> None:
        token = capture.current_sink.set(node.sink)
        try:
            if node.time_limit is None:
                value = next(generator)
            else:  # the limit applies to each step: a generator may run for ever, one value at a time
                value = time_limit.call(node.time_limit, f"node {node.id!r} ({socket})", next, generator)
        except StopIteration:
            self._step_ended(node, generator, socket, None)
            return
        except BaseException as exc:
            self._step_ended(node, generator, socket, exc)
            return
        finally:
            capture.current_sink.reset(token)
        self._stepped(node, socket, generator, value)

    async def _step_async(self, node: LiveNode, socket: str, generator: AsyncGenerator[Any, Any]) -> None:
        self._flush_states()
        token = capture.current_sink.set(node.sink)
        try:
            if node.time_limit is None:
                value = await generator.__anext__()
            else:
                value = await time_limit.wait(node.time_limit, f"node {node.id!r} ({socket})", generator.__anext__())
        except StopAsyncIteration:
            self._step_ended(node, generator, socket, None)
            return
        except BaseException as exc:
            self._check_cancel(exc)
            self._step_ended(node, generator, socket, exc)
            return
        finally:
            capture.current_sink.reset(token)
        self._stepped(node, socket, generator, value)

    def _stepped(self, node: LiveNode, socket: str, generator: Any, value: Any) -> None:
        node.sink.flush()
        if value is not None:
            self._emit(node, socket, value)
        self._queue.append((_STEP, node, socket, generator))

    def _step_ended(self, node: LiveNode, generator: Any, socket: str, exc: BaseException | None) -> None:
        """A generator is exhausted (``exc`` None) or raised."""
        if exc is not None:
            self._check_interrupt(exc)
        node.sink.flush()
        node.active -= 1
        del self._steps[generator]
        if exc is not None:
            self._fail(node, socket, exc)
            return
        node.ran = True
        node.errored = False
        self._mark(node)

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

    def _emit(self, node: LiveNode, socket: str, value: Any) -> None:
        self.emitted += 1
        self._on_event(Emit(run=self.id, node=node.id, socket=socket, value=value, seq=self.emitted))
        routes = node.routes.get(socket)
        if routes:
            queue = self._queue
            for target, function, index in routes:
                queue.append((_DELIVER, target, function, index, value))

    def _fail(self, node: LiveNode, socket: str | None, exc: BaseException) -> None:
        """Report node code's exception and emit it on the node's error socket."""
        self._fail_with(node, error_value(node.id, socket, exc))

    def _fail_with(self, node: LiveNode, value: dict[str, Any]) -> None:
        """Report an error socket value. Called from inside the node's ``except``
        blocks, so it first sets the capture aside: what the host prints while
        handling events is its own."""
        token = capture.current_sink.set(None)
        try:
            self._report_failure(node, value)
        finally:
            capture.current_sink.reset(token)

    def _report_failure(self, node: LiveNode, value: dict[str, Any]) -> None:
        self.errors += 1
        if not node.error_routed:
            self.unrouted_errors += 1
        node.errored = True
        self._report_state(node)
        self._report(
            NodeError(
                run=self.id,
                node=node.id,
                socket=value["socket"],
                type=value["type"],
                message=value["message"],
                traceback=value["traceback"],
                routed=node.error_routed,
            )
        )
        self._emit(node, ERROR_SOCKET, value)

    def _check_interrupt(self, exc: BaseException) -> None:
        """A KeyboardInterrupt the host asked for (:meth:`request_interrupt`) stops
        the run; one that node code raised itself is that node's error."""
        if isinstance(exc, KeyboardInterrupt) and self._interrupt_requested:
            raise _StopRequested from exc

    @staticmethod
    def _check_cancel(exc: BaseException) -> None:
        """Let the run's own cancellation (stop) through; a CancelledError that
        node code raised, or got from a future it awaited, is that node's error."""
        if isinstance(exc, asyncio.CancelledError) and _cancelling():
            raise exc

    # -- reporting ------------------------------------------------------------

    def _report(self, event: Event) -> None:
        self._on_event(event)

    def _report_state(self, node: LiveNode) -> None:
        state, functions = node.state()
        key = (state, tuple((h.held, h.required) for h in functions.values()))  # missing follows from held
        if key != node.last_reported:
            node.last_reported = key
            node.reported_state = state
            self._report(NodeStateChanged(run=self.id, node=node.id, state=state, functions=functions))

    def _flush_outputs(self) -> None:
        """Report text still held by node sinks: tasks that node code started
        keep writing to the node's sink after its call returned."""
        for node in self.nodes.values():
            if node.sink.chunks:
                node.sink.flush()

    def _mark(self, node: LiveNode) -> None:
        """Note that a node's state changed; it is reported at the next flush."""
        if not node.dirty:
            node.dirty = True
            self._dirty.append(node)

    def _flush_states(self) -> None:
        """Report the nodes whose state changed. States are reported in batches
        (see STATE_REPORT_EVERY) rather than per call: a chain of fast calls
        would otherwise report two states per message."""
        dirty = self._dirty
        if dirty:
            self._dirty = []
            for node in dirty:
                node.dirty = False
                self._report_state(node)

    def _output_handler(self, node_id: str) -> Callable[[Any, str], None]:
        def handle(stream: Any, text: str) -> None:
            self._report(Output(run=self.id, node=node_id, stream=stream, text=text))

        return handle


class _StopRequested(Exception):
    """Raised inside the work loop when a requested interrupt reached node code."""


class _RunFailed(Exception):
    """Raised inside the work loop when the flow cannot go on (a full port)."""


def _cancelling() -> bool:
    """Whether the current task is being cancelled (by :meth:`Run.stop`, or by the
    host cancelling it), as opposed to a CancelledError merely passing through."""
    task = asyncio.current_task()
    return task is None or task.cancelling() > 0


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exception_message(exc)}"
