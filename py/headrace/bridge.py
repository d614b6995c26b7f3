"""The bridge: the engine's one door for hosts, JSON text in and JSON text out.

The studio's Web Worker and the backend server are thin adapters over
:class:`Bridge`: they hand it commands as JSON text, get results back as JSON
text, and forward the events it pushes. Results are values — ``{"ok": true,
"value": ...}`` or ``{"ok": false, "error": {...}}`` — never exceptions, so a
bad command or a broken flow can never take the host down. See docs/bridge.md.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import platform
import sys
from collections.abc import Callable
from typing import Any

from headrace import cron
from headrace import requirements as reqs
from headrace.commands import (
    BadCommand,
    Command,
    CronResult,
    DescribeCron,
    ErrorInfo,
    Hello,
    HelloResult,
    Inspect,
    Install,
    InstallResult,
    NodeShapeInfo,
    PortInfo,
    RunResultInfo,
    StartRun,
    StopRun,
    TriggerNode,
    Validate,
    ValidateResult,
    parse_command,
)
from headrace.errors import FlowError, RequirementError, RunError
from headrace.load import parse_json, validate
from headrace.model import FlowSpec, Node
from headrace.protocol import PROTOCOL_VERSION, Event, RunStopped, event_to_json
from headrace.remote import Executor
from headrace.run import Run, new_run_id
from headrace.shape import NodeShape, read_shape

#: Receives each event as one line of JSON text.
EventSink = Callable[[str], None]


class Bridge:
    """Holds the live runs of one host and answers its commands."""

    def __init__(self, on_event: EventSink, *, executor: Executor | None = None) -> None:
        """``executor``: where the runs' script calls go (a Dask cluster); by
        default, inline in this process."""
        self._on_event = on_event
        self._executor = executor
        self.runs: dict[str, Run] = {}

    async def handle(self, text: str) -> str:
        """Answer one command given as JSON text, with a result as JSON text."""
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return _dump(_failure(ErrorInfo("BadCommand", f"the command is not JSON: {exc}")))
        return _dump(await self.handle_object(obj))

    async def handle_object(self, obj: Any) -> dict[str, Any]:
        """:meth:`handle` for hosts that already hold parsed JSON."""
        try:
            command = parse_command(obj)
            value = await self._dispatch(command)
        except FlowError as exc:
            return _failure(ErrorInfo("FlowError", str(exc), path=exc.path))
        except RequirementError as exc:
            return _failure(ErrorInfo("RequirementError", str(exc), requirements=exc.requirements))
        except (BadCommand, RunError) as exc:
            return _failure(ErrorInfo("BadCommand", str(exc)))
        except Exception as exc:  # a bug in the engine: report it, keep the host alive
            return _failure(ErrorInfo("InternalError", f"{type(exc).__name__}: {exc}"))
        return {"ok": True, "value": _plain(value)}

    async def _dispatch(self, command: Command) -> Any:
        if isinstance(command, Hello):
            return HelloResult(
                version=_version(),
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
            return InstallResult(installed=await reqs.install(command.requirements, command.index_urls))
        if isinstance(command, StartRun):
            return RunResultInfo(run=await self._start(command))
        if isinstance(command, TriggerNode):
            self._run(command.run).trigger(command.node, command.socket)
            return {}
        if isinstance(command, StopRun):
            await self._run(command.run).stop("stopped", command.message)
            return {}
        raise BadCommand(f"unhandled command {command!r}")  # pragma: no cover - parse_command guards

    async def _start(self, command: StartRun) -> str:
        spec = validate(command.flow)
        reqs.check(spec.requirements or [])
        if command.run is not None and command.run in self.runs:
            raise BadCommand(f"run {command.run!r} already exists")
        run_id = command.run or new_run_id()
        sink = self._on_event

        def forward(event: Event) -> None:
            sink(event_to_json(event))
            if isinstance(event, RunStopped):
                self.runs.pop(run_id, None)

        run = Run(spec, on_event=forward, run_id=run_id, timezone=command.timezone, executor=self._executor)
        # A bad zone fails the command now, not at the first schedule. (The flow's own
        # zone was checked when it loaded. Without zone data — Pyodide before tzdata
        # is loaded — a zone nothing uses goes unchecked.)
        needs_zone = command.schedules and run.schedule_entries
        if command.timezone is not None and (needs_zone or cron.zone_data_available()):
            try:
                cron.zone(command.timezone)
            except cron.CronError as exc:
                raise BadCommand(f"run.timezone: {exc}") from None
        self.runs[run_id] = run
        await run.start()
        if command.trigger == "sources":
            run.trigger_sources()
        if command.schedules:
            run.start_schedules()
        return run_id

    def _run(self, run_id: str) -> Run:
        run = self.runs.get(run_id)
        if run is None:
            live = ", ".join(self.runs) or "none"
            raise BadCommand(f"no live run {run_id!r} (live runs: {live})")
        return run

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


def _failure(error: ErrorInfo) -> dict[str, Any]:
    return {"ok": False, "error": _plain(error)}


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


def _version() -> str:
    from headrace import __version__

    return __version__
