"""The bridge: the engine's one door for hosts, JSON text in and JSON text out.

The studio's Web Worker and the backend server are thin adapters over
:class:`Bridge`: they hand it commands as JSON text, get results back as JSON
text, and forward the events it pushes — one JSON array of events per publish
point of a run (the end of a slice of work, idle, stop, a node starting to run:
see :mod:`headrace.report`), so a host crosses into its own world once per
batch, not once per event. Results are values — ``{"ok": true, "value": ...}``
or ``{"ok": false, "error": {...}}`` — never exceptions, so a bad command or a
broken flow can never take the host down. See docs/bridge.md.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import platform
import signal
import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from headrace import __version__, cron
from headrace import requirements as reqs
from headrace.commands import (
    BadCommand,
    Command,
    CronResult,
    DeliverValues,
    DescribeCron,
    ErrorInfo,
    Hello,
    HelloResult,
    Inspect,
    Install,
    InstallResult,
    KeptValue,
    NodeShapeInfo,
    PortInfo,
    ReadValues,
    RunResultInfo,
    StartRun,
    StopRun,
    TriggerNode,
    Validate,
    ValidateResult,
    ValuesResult,
    failure,
    parse_command,
)
from headrace.display import mime_bundle
from headrace.errors import FlowError, RequirementError, RunError
from headrace.load import parse_json, validate
from headrace.model import FlowSpec, Node
from headrace.protocol import (
    PROTOCOL_VERSION,
    Event,
    RunStopped,
    emit_json,
    emit_prefix,
    encode_value,
    event_to_json,
)
from headrace.remote import Executor
from headrace.run import Run, new_run_id
from headrace.shape import NodeShape, read_shape

#: Receives the events of one publish point of one run, as one JSON array text.
BatchSink = Callable[[str], None]
#: Stopped runs whose values ``values`` can still page through (the newest).
KEEP_STOPPED = 16


class _Batch:
    """The events a run reported since its last publish point, as JSON texts."""

    __slots__ = ("_prefixes", "pending", "run", "sink")

    def __init__(self, sink: BatchSink, run: str) -> None:
        self.sink = sink
        self.run = run
        self.pending: list[str] = []
        self._prefixes: dict[tuple[str, str], str] = {}

    def add(self, event: Event) -> None:
        self.pending.append(event_to_json(event))

    def add_emit(self, node: str, socket: str, value: Any, seq: int) -> None:
        """A value reported one by one, encoded straight from its parts."""
        key = (node, socket)
        prefix = self._prefixes.get(key)
        if prefix is None:
            prefix = self._prefixes[key] = emit_prefix(self.run, node, socket)
        self.pending.append(emit_json(prefix, self.run, node, socket, value, seq))

    def publish(self) -> None:
        if self.pending:
            text = f"[{','.join(self.pending)}]"
            self.pending.clear()
            self.sink(text)


class Bridge:
    """Holds the live runs of one host and answers its commands."""

    def __init__(
        self,
        on_batch: BatchSink,
        *,
        executor: Executor | None = None,
        on_run: Callable[[Run, StartRun], None] | None = None,
    ) -> None:
        """``on_batch`` receives each batch of events (one JSON array text);
        ``executor``: where the runs' script calls go (a Dask cluster); by
        default, inline in this process. ``on_run`` is called with each new run
        and the command that started it, before it starts (a server's worker
        records it in the run history there)."""
        self._on_batch = on_batch
        self._executor = executor
        self._on_run = on_run
        self.runs: dict[str, Run] = {}
        self._batches: dict[str, _Batch] = {}
        #: Runs that stopped, newest last: their values can still be read.
        self.stopped: OrderedDict[str, Run] = OrderedDict()

    async def handle(self, text: str) -> str:
        """Answer one command given as JSON text, with a result as JSON text."""
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return _dump(failure(ErrorInfo("BadCommand", f"the command is not JSON: {exc}")))
        return _dump(await self.handle_object(obj))

    async def handle_object(self, obj: Any) -> dict[str, Any]:
        """:meth:`handle` for hosts that already hold parsed JSON."""
        try:
            command = parse_command(obj)
            value = await self._dispatch(command)
        except FlowError as exc:
            return failure(ErrorInfo("FlowError", str(exc), path=exc.path, line=exc.line, column=exc.column))
        except RequirementError as exc:
            return failure(ErrorInfo("RequirementError", str(exc), requirements=exc.requirements, problem=exc.problem))
        except (BadCommand, RunError) as exc:
            return failure(ErrorInfo("BadCommand", str(exc)))
        except Exception as exc:  # a bug in the engine: report it, keep the host alive
            return failure(ErrorInfo("InternalError", f"{type(exc).__name__}: {exc}"))
        finally:
            # Events a command produced reach the host before its reply does.
            for batch in list(self._batches.values()):
                batch.publish()
        return {"ok": True, "value": _plain(value)}

    async def _dispatch(self, command: Command) -> Any:
        if isinstance(command, Hello):
            return HelloResult(
                version=__version__,
                protocol=PROTOCOL_VERSION,
                python=platform.python_version(),
                platform=sys.platform,
            )
        if isinstance(command, Inspect):
            if command.type not in ("data", "script"):
                raise BadCommand(f"inspect.type: expected 'data' or 'script', got {command.type!r}")
            return shape_info(read_shape(command.type, command.code, ["code"]))
        if isinstance(command, Validate):
            # Text is parsed as JSON only, never taken as a path: a host must not
            # be able to make the bridge read files.
            document = parse_json(command.flow, "$") if isinstance(command.flow, str) else command.flow
            spec = validate(document)
            return ValidateResult(flow=spec.to_json(), nodes={n.id: node_shape_info(spec, n) for n in spec.nodes})
        if isinstance(command, DescribeCron):
            return describe_cron(command)
        if isinstance(command, Install):
            return InstallResult(
                installed=await reqs.install(
                    command.requirements, command.index_urls, package_base_url=command.package_base_url
                )
            )
        if isinstance(command, StartRun):
            return RunResultInfo(run=await self._start(command))
        if isinstance(command, TriggerNode):
            self._run(command.run).trigger(command.node, command.socket)
            return {}
        if isinstance(command, DeliverValues):
            self._run(command.run).deliver(command.node, command.socket, command.values)
            return {}
        if isinstance(command, StopRun):
            await self._run(command.run).stop("stopped", command.message)
            return {}
        if isinstance(command, ReadValues):
            return read_values(self._run(command.run, stopped_too=True), command)
        raise BadCommand(f"unhandled command {command!r}")  # pragma: no cover - parse_command guards

    async def _start(self, command: StartRun) -> str:
        spec = validate(command.flow)
        reqs.check(spec.requirements or [])
        if command.run is not None and command.run in self.runs:
            raise BadCommand(f"run {command.run!r} already exists")
        for name in ("emit_limit", "keep_values", "console_lines"):
            value = getattr(command, name)
            if value is not None and value < (1 if name != "emit_limit" else 0):
                raise BadCommand(f"run.{name}: expected a number of at least {1 if name != 'emit_limit' else 0}")
        run_id = command.run or new_run_id()
        batch = self._batches[run_id] = _Batch(self._on_batch, run_id)

        def forward(event: Event) -> None:
            batch.add(event)
            if isinstance(event, RunStopped):
                self._retire(run_id)

        run = Run(
            spec,
            on_event=forward,
            on_publish=batch.publish,
            on_emit=batch.add_emit,
            run_id=run_id,
            timezone=command.timezone,
            executor=self._executor,
            report=command.report,
            emit_limit=command.emit_limit,
            keep_values=command.keep_values,
            console_lines=command.console_lines,
        )
        # A bad zone fails the command now, not at the first schedule. (The flow's own
        # zone was checked when it loaded. Without zone data — Pyodide before tzdata
        # is loaded — a zone nothing uses goes unchecked.)
        needs_zone = command.schedules and run.schedule_entries
        if command.timezone is not None and (needs_zone or cron.zone_data_available()):
            try:
                cron.zone(command.timezone)
            except cron.CronError as exc:
                self._batches.pop(run_id, None)
                raise BadCommand(f"run.timezone: {exc}") from None
        self.runs[run_id] = run
        if self._on_run is not None:
            self._on_run(run, command)
        await run.start()
        if command.trigger == "sources":
            run.trigger_sources()
        if command.schedules:
            run.start_schedules()
        return run_id

    def _retire(self, run_id: str) -> None:
        """A run stopped (its last batch goes out at its own last publish point,
        right after): its values stay readable a while."""
        run = self.runs.pop(run_id, None)
        self._batches.pop(run_id, None)
        if run is not None:
            self.stopped[run_id] = run
            while len(self.stopped) > KEEP_STOPPED:
                self.stopped.popitem(last=False)

    def _run(self, run_id: str, *, stopped_too: bool = False) -> Run:
        run = self.runs.get(run_id)
        if run is None and stopped_too:
            run = self.stopped.get(run_id)
        if run is None:
            live = ", ".join(self.runs) or "none"
            raise BadCommand(f"no live run {run_id!r} (live runs: {live})")
        return run

    def handle_interrupts(self) -> None:
        """Take SIGINT as Stop: the host's interrupt (Pyodide's interrupt buffer,
        which runs Python's SIGINT handler; Ctrl-C) stops the live runs, and node
        code that was running shows as stopped, not failed. For hosts that have
        no SIGINT handler of their own (the studio's worker)."""

        def on_sigint(signum: int, frame: object) -> None:
            self.request_interrupt()
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, on_sigint)

    def request_interrupt(self) -> None:
        """The host is interrupting (Ctrl-C; the server's SIGINT; Pyodide's
        interrupt buffer, which runs Python's SIGINT handler): every live run takes
        the KeyboardInterrupt that follows as Stop, not as node code's error. Call
        it from the host's SIGINT handler, before raising KeyboardInterrupt."""
        for run in self.runs.values():
            run.request_interrupt()

    async def close(self) -> None:
        """Stop every live run (the host is going away)."""
        await asyncio.gather(*(run.stop() for run in list(self.runs.values())))


def describe_cron(command: DescribeCron) -> CronResult:
    """The plain-words reading and next fire times of an expression, or a
    FlowError (at ``expression``) saying why it is not valid."""
    try:
        expression = cron.Cron(command.expression)
        zone = cron.zone(command.timezone) if command.timezone else cron.local_zone()
    except cron.CronError as exc:
        raise FlowError("expression", f"invalid cron {command.expression!r}: {exc}") from None
    if not 1 <= command.count <= 100:
        raise BadCommand(f"cron.count: expected 1 to 100, got {command.count}")
    times = expression.next_times(datetime.datetime.now(zone), command.count)
    return CronResult(
        explain=expression.explain(),
        timezone=command.timezone or str(zone),
        next=[t.isoformat() for t in times],
        next_ms=[t.timestamp() * 1000 for t in times],
    )


def read_values(run: Run, command: ReadValues) -> ValuesResult:
    """A page of a socket's kept values, each as JSON or its repr, with its rich views."""
    if not 1 <= command.limit <= 1000:
        raise BadCommand(f"values.limit: expected 1 to 1000, got {command.limit}")
    try:
        page = run.values(command.node, command.socket, command.offset, command.limit)
    except RunError as exc:
        raise BadCommand(str(exc)) from None
    kept = [KeptValue(index, *encode_value(value), mime_bundle(value)) for index, value in page["values"]]
    return ValuesResult(count=page["count"], first=page["first"], values=kept)


def shape_info(shape: NodeShape) -> NodeShapeInfo:
    """A node shape as the bridge reports it, before any edge is known."""
    return NodeShapeInfo(
        sockets=list(shape.all_sockets),
        ports=[
            PortInfo(p.name, p.function, p.param, p.has_default, p.default, sticky=False, required=not p.has_default)
            for p in shape.ports
        ],
    )


def node_shape_info(flow: FlowSpec, node: Node) -> NodeShapeInfo:
    """A node's shape within its flow: ports fed by edges are required."""
    return NodeShapeInfo(
        sockets=list(node.shape.all_sockets),
        ports=[
            PortInfo(
                p.name,
                p.function,
                p.param,
                p.has_default,
                p.default,
                sticky=node.is_sticky(p),
                required=flow.is_required(node, p),
            )
            for p in node.shape.ports
        ],
    )


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)
