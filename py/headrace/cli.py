"""The ``headrace`` command: run and validate flows headless.

Exit codes of ``headrace run``: 0 when every node error went out through an
``error`` edge, 1 when some did not, 2 when the flow could not be run at all
(invalid file, missing requirements); the reason is on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TextIO

from headrace import capture, requirements
from headrace.cli_history import add_replay_command, add_runs_commands, recorder_for, replay_plan, runs_command
from headrace.errors import FlowError, RequirementError
from headrace.flow import Flow
from headrace.history import HistoryError
from headrace.options import add_executor_options, positive_duration
from headrace.protocol import (
    Emit,
    Event,
    NodeError,
    NodeState,
    Output,
    RunIdle,
    RunStarted,
    RunStopped,
    ScheduleFire,
    event_to_dict,
    event_to_json,
    safe_repr,
)
from headrace.recording import Recorder
from headrace.remote import Executor
from headrace.run import Run
from headrace.view import RunView

EXIT_OK, EXIT_UNROUTED_ERRORS, EXIT_INVALID = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C
PREVIEW_CHARS = 200


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    _tolerant_streams()
    if arguments[:1] == ["serve"]:
        return _serve(arguments[1:])
    parser = _parser()
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return EXIT_INVALID
    if args.command == "runs":
        return runs_command(args)
    if args.command == "replay":
        return _replay(args)
    try:
        flow = Flow.load(args.flow)
    except FlowError as exc:
        print(f"headrace: invalid flow {args.flow}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.command == "validate":
        spec = flow.spec
        print(f"{args.flow}: ok ({spec.name!r}: {len(spec.nodes)} nodes, {len(spec.edges)} edges)")
        return EXIT_OK
    log = JsonLog(sys.stdout) if args.json else ReadableLog(sys.stdout, flow, each_idle=args.duration is None)
    return _run_logged(flow, f"cannot run {args.flow}", log, lambda: _run(flow, log, args))


def _run_logged(flow: Flow, cannot: str, log: JsonLog | ReadableLog, go: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Check the flow's requirements (``cannot`` starts the message when they are not
    met), then run ``go()`` writing to ``log``: the exit code."""
    try:
        requirements.check(flow.spec.requirements or [])
    except RequirementError as exc:
        print(f"headrace: {cannot}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        code = asyncio.run(go())
    except BrokenPipeError:
        log.reader_gone = True
        code = EXIT_OK
    if log.reader_gone:
        # The reader went away (``headrace run f.json | head``): not an error of ours.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps interpreter shutdown quiet
        code = EXIT_OK
    return _leave_threads(code)


def _tolerant_streams() -> None:
    """Text this terminal cannot encode (a lone surrogate in a name or a value, say)
    is written as an escape rather than ending the command with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _leave_threads(code: int) -> int:
    """Threads node code started and left running would keep the process alive after
    the run (Python waits for non-daemon threads): say so, and exit without them."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if not others:
        return code
    names = ", ".join(t.name for t in others[:5]) + (", …" if len(others) > 5 else "")
    print(f"headrace: node code left {len(others)} thread(s) running ({names}); exiting without them", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="headrace", description="Run and check headrace flows.")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run a flow until it is idle, printing what happens")
    run.add_argument("flow", help="a flow file (JSON, format 1)")
    run.add_argument("--json", action="store_true", help="print one JSON object per event, one per line")
    run.add_argument(
        "--for",
        dest="duration",
        type=positive_duration,
        metavar="DURATION",
        help="keep the flow's schedules firing this long (30s, 5m, 2h; Ctrl-C stops early); "
        "by default the sources run once and the run ends when idle",
    )
    run.add_argument(
        "--record",
        metavar="DB",
        help="keep the run in this history file (SQLite; created if need be): headrace runs list DB",
    )
    add_executor_options(run)
    add_runs_commands(commands)
    add_replay_command(commands)
    validate = commands.add_parser("validate", help="check a flow file and report the first problem")
    validate.add_argument("flow", help="a flow file (JSON, format 1)")
    # Parsed by headrace.server.main (see _serve): listed here for --help only.
    commands.add_parser("serve", help="run flows for the studio over HTTP (headrace serve --help)", add_help=False)
    return parser


_SERVER_PACKAGES = frozenset({"fastapi", "starlette", "pydantic", "uvicorn", "websockets"})


def _serve(argv: list[str]) -> int:
    """``headrace serve``: the server lives in an optional extra, imported only here."""
    try:
        import websockets  # noqa: F401 - uvicorn needs it for WebSockets, and says so only at the first one

        from headrace.server.main import main as serve_main
    except ModuleNotFoundError as exc:
        if exc.name not in _SERVER_PACKAGES:
            raise
        print(
            f"headrace: serve needs the server extra ({exc.name} is missing): pip install 'headrace[server]'",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return serve_main(argv)


async def _run(flow: Flow, log: JsonLog | ReadableLog, args: argparse.Namespace) -> int:
    duration: float | None = args.duration
    recorder: Recorder | None = None
    executor: Executor | None = None
    try:
        recorder = recorder_for(args.record, flow, args.flow)
        executor = await _executor(args)
        return await _run_with(flow, log, duration, executor, recorder)
    except (HistoryError, _CannotRun) as exc:
        print(f"headrace: {exc}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        if executor is not None:
            await executor.close()
        if recorder is not None:
            recorder.history.close()


def _replay(args: argparse.Namespace) -> int:
    """``headrace replay DB RUN --from NODE.SOCKET[@OFFSET]``: a new run, recorded in DB."""
    try:
        plan = replay_plan(args)
    except HistoryError as exc:
        print(f"headrace: {exc}", file=sys.stderr)
        return EXIT_INVALID
    log = JsonLog(sys.stdout) if args.json else ReadableLog(sys.stdout, plan.flow)

    def feed(run: Run) -> None:
        run.deliver(plan.start.node, plan.start.socket, plan.values)

    try:
        go = lambda: _run_with(plan.flow, log, None, None, plan.recorder, feed)  # noqa: E731
        return _run_logged(plan.flow, f"cannot replay with {plan.source}", log, go)
    finally:
        plan.recorder.history.close()


async def _run_with(
    flow: Flow,
    log: JsonLog | ReadableLog,
    duration: float | None,
    executor: Executor | None,
    recorder: Recorder | None,
    feed: Callable[[Run], None] = Run.trigger_sources,
) -> int:
    """Run ``flow`` until idle (or for ``duration``), started by ``feed`` (by default
    every source fires once), recorded by ``recorder`` when given."""
    run = flow.start(on_event=log.write, executor=executor)
    if recorder is not None:
        recorder.attach(run)
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()

    def reader_gone() -> None:
        loop.call_soon(interrupted.set)

    log.on_reader_gone = reader_gone
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: object) -> None:
        # The first Ctrl-C stops the run cleanly. Node code stuck in a loop gets
        # a KeyboardInterrupt, which the run takes as "stop", not as a node error;
        # a second Ctrl-C is Python's usual hard interrupt.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        run.request_interrupt()
        loop.call_soon_threadsafe(interrupted.set)
        if capture.node_code_running():
            raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: no Ctrl-C handling
        previous = None
    await run.start()
    feed(run)
    if duration is not None:
        run.start_schedules()
    waiter = asyncio.ensure_future(run.wait_idle() if duration is None else asyncio.sleep(duration))
    stopper = asyncio.ensure_future(interrupted.wait())
    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    stopper.cancel()
    await run.stop("stopped" if interrupted.is_set() else "finished")
    if isinstance(log, ReadableLog):
        log.closing(run)
    if recorder is not None and recorder.problem is not None:
        print(f"headrace: {recorder.problem}", file=sys.stderr)
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
    if log.reader_gone:
        return EXIT_OK
    if interrupted.is_set():
        return EXIT_INTERRUPTED
    if run.failure is not None:  # the engine itself failed: the run did not finish its work
        return EXIT_UNROUTED_ERRORS
    return EXIT_UNROUTED_ERRORS if run.unrouted_errors else EXIT_OK


class _Log:
    """Writes lines while someone reads them; once the reader has gone (a closed
    pipe), writes nothing and says so once, so the run can end quietly."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.reader_gone = False
        self.on_reader_gone: Callable[[], None] = lambda: None

    def _put(self, text: str) -> None:
        if self.reader_gone:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            self.reader_gone = True
            self.on_reader_gone()


class JsonLog(_Log):
    """One JSON object per event, per line (values as JSON, else their repr)."""

    def write(self, event: Event) -> None:
        self._put(event_to_json(event) + "\n")


class ReadableLog(_Log):
    """A log for people: values, prints and errors, one line each, as they happen;
    then, from the run's view, what was left unfinished (a node stopped mid-call, a
    function still waiting for arguments)."""

    def __init__(self, out: TextIO, flow: Flow, *, each_idle: bool = True) -> None:
        super().__init__(out)
        self.labels = {n.id: n.label for n in flow.spec.nodes}
        # While schedules fire, the run goes idle after every fire: say so once, at the end.
        self.each_idle = each_idle
        self.last_idle: RunIdle | None = None
        #: Work was going on when the run stopped (a cycle never goes idle): the closing
        #: lines say how far it got.
        self.busy = False
        self._started = time.monotonic()

    def write(self, event: Event) -> None:
        if isinstance(event, RunIdle):
            self.busy = False
        elif isinstance(event, Emit | RunStarted):
            self.busy = True
        line = self._line(event)
        if line is not None:
            self._put(line + "\n")

    def closing(self, run: Run) -> None:
        """Say how far a run still busy got, and what the run's view shows unfinished,
        once it has stopped."""
        if self.busy:
            errors = f", {_count(run.errors, 'error')}" if run.errors else ""
            seconds = time.monotonic() - self._started
            self._put(f"■ still busy when it ended, after {seconds:.1f} s: {_count(run.emitted, 'value')}{errors}\n")
        view = RunView()
        view.apply(event_to_dict(run.view()))
        for node_id, node in view.nodes.items():
            label = self.labels.get(node_id, node_id)
            if node["state"] == NodeState.STOPPED:
                self._put(f"  ⏹ [{label}] stopped while running\n")
            elif node["state"] == NodeState.WAITING:
                for function, held in node["functions"].items():
                    if held["held"] and held["missing"]:
                        missing = ", ".join(f"{function}.{param}" for param in held["missing"])
                        counts = f"{held['held']}/{held['required']} held"
                        self._put(f"  … [{label}] {function}() is waiting for {missing} ({counts})\n")

    def _line(self, event: Event) -> str | None:
        if isinstance(event, RunStarted):
            return f"▶ {event.flow}: {_count(event.nodes, 'node')}"
        if isinstance(event, Emit):
            if event.socket == "error":
                return None  # shown by the node_error line
            return f"  [{self.labels[event.node]}] {event.socket} → {_preview(event.value)}"
        if isinstance(event, Output):
            prefix = f"  [{self.labels[event.node]}] {'!' if event.stream == 'stderr' else '|'} "
            return "\n".join(prefix + line for line in event.text.rstrip("\n").split("\n"))
        if isinstance(event, NodeError):
            where = f"{self.labels[event.node]}" + (f".{event.socket}" if event.socket else "")
            routed = "routed to its error socket" if event.routed else "not routed"
            trace = "".join("      " + line + "\n" for line in event.traceback.rstrip("\n").split("\n"))
            return f"  ✗ [{where}] {event.type}: {event.message} ({routed})\n{trace.rstrip()}"
        if isinstance(event, RunIdle) and not self.each_idle:
            self.last_idle = event
            return None
        if isinstance(event, RunStopped) and self.last_idle is not None:
            summary, self.last_idle, self.each_idle = self.last_idle, None, True
            return "\n".join(filter(None, (self._line(summary), self._line(event))))
        if isinstance(event, RunIdle):
            errors = f", {_count(event.errors, 'error')} ({event.unrouted_errors} not routed)" if event.errors else ""
            return f"■ idle after {event.elapsed_ms:.1f} ms: {_count(event.emitted, 'value')}{errors}"
        if isinstance(event, ScheduleFire):
            where = f"{self.labels[event.node]}.{event.socket}"
            if not event.fired:
                return f"  ⏰ [{where}] skipped {_count(event.missed, 'missed slot')} (misfire policy: skip)"
            late = f", {event.lateness_ms / 1000:.1f} s late" if event.late else ""
            missed = f", for {event.missed} missed slots" if event.missed > 1 else ""
            return f"  ⏰ [{where}] fire #{event.count} for {event.slot}{late}{missed}"
        if isinstance(event, RunStopped) and event.reason != "finished":
            return f"■ {event.reason}" + (f": {event.message}" if event.message else "")
        return None


class _CannotRun(Exception):
    """The run cannot start (exit 2); the message says why."""


async def _executor(args: argparse.Namespace) -> Executor | None:
    """The executor the options ask for; raises _CannotRun with the reason."""
    if args.executor == "local":
        return None
    if not args.scheduler:
        raise _CannotRun("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    try:
        from headrace.dask import DaskExecutor
    except ImportError:
        raise _CannotRun("--executor dask needs the dask extra: pip install 'headrace[dask]'") from None
    try:
        return await DaskExecutor.connect(args.scheduler, spread=args.spread)
    except (OSError, TimeoutError) as exc:
        raise _CannotRun(f"cannot reach the Dask scheduler at {args.scheduler}: {exc or 'timed out'}") from None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _preview(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = safe_repr(value)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
