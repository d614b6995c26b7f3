"""The server's runs: one child process each, their events, their viewers.

A :class:`RunProcess` starts ``python -m headrace.server.worker``, sends it bridge
commands and reads back its results and its batches of events (one JSON array a
line). It folds every event into the run's view (:class:`~headrace.view.RunView`:
what ``GET /api/runs`` says, and the snapshot a late viewer starts from), fans
the batch lines out to the viewers attached as they came, enforces the time
limit, and stops a stuck process: ask, then SIGINT, then SIGTERM, then SIGKILL.
If the process dies without reporting ``run_stopped`` (a crash, ``os._exit``, a
signal), the server reports it, in the engine's own form, with a message saying
what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import headrace
from headrace.commands import ErrorInfo, failure
from headrace.protocol import TERMINAL_RUN_PHASES, RunPhase, RunRecord, RunStopped, event_to_json
from headrace.server.config import ServerConfig
from headrace.server.sanitize import hide_paths
from headrace.view import RunView

log = logging.getLogger("headrace.server")

#: Longest line read from a worker: a batch carrying a huge value.
MAX_LINE = 256 * 1024 * 1024
#: How long the first, polite ``stop`` command gets before SIGINT.
ASK_SECONDS = 0.5
#: How far a viewer may fall behind before it is cut off (it re-attaches to a
#: snapshot): in batch lines (a busy run publishes one every 10 ms or so), and in
#: characters (a batch of a ``report=events`` run can hold thousands of values).
VIEWER_BACKLOG = 10_000
VIEWER_BACKLOG_CHARS = 64 * 1024 * 1024
#: Stderr kept per run, for the message when its process dies.
STDERR_TAIL = 2000
#: Environment variables a run's process must not see.
PRIVATE_ENV = ("HEADRACE_TOKEN",)
_PACKAGE_ROOT = str(Path(headrace.__file__).resolve().parent.parent)
#: How long the server, shutting down, waits for its viewers to be sent their
#: runs' last batch (``run_stopped``) before uvicorn closes what is left open.
DRAIN_SECONDS = 2.0


#: Bytes of values reported one by one that a run keeps for late viewers (all
#: runs together keep at most ``ServerConfig.replay_memory``).
EMIT_REPLAY_BYTES = 8 * 1024 * 1024


def worker_command(config: ServerConfig) -> list[str]:
    """The command line of a run's process."""
    args = [sys.executable, "-m", "headrace.server.worker", "--memory-limit", str(config.run_memory_limit)]
    if config.dask_scheduler:
        args += ["--dask-scheduler", config.dask_scheduler] + (["--dask-spread"] if config.dask_spread else [])
    if config.history:
        args += ["--history", config.history]
    return args


class Viewer:
    """One attached WebSocket's queue of batch lines."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque()
        self.chars = 0
        self.ready = asyncio.Event()
        self.ended = False
        self.overflowed = False
        #: Set once it overflowed: wakes a send that a viewer which stopped reading
        #: keeps waiting, so that it is closed (1013) rather than left attached.
        self.cut = asyncio.Event()

    def push(self, line: str) -> None:
        if self.overflowed:
            return
        # One line always fits: a batch bigger than the whole budget must not cut
        # off a viewer that is keeping up (it would re-attach for ever).
        if self.lines and (len(self.lines) >= VIEWER_BACKLOG or self.chars + len(line) > VIEWER_BACKLOG_CHARS):
            self.overflowed = True
            self.lines.clear()
            self.chars = 0
            self.cut.set()
        else:
            self.lines.append(line)
            self.chars += len(line)
        self.ready.set()

    def end(self) -> None:
        self.ended = True
        self.ready.set()

    async def take(self) -> list[str]:
        """The lines waiting (empty once the run ended and all were taken)."""
        while not self.lines and not self.ended and not self.overflowed:
            self.ready.clear()
            await self.ready.wait()
        lines = list(self.lines)
        self.lines.clear()
        self.chars = 0
        return lines


class ReplayBudget:
    """The bytes of values told one by one that all runs keep together
    (``ServerConfig.replay_memory``). A run that needs room takes it from the
    runs that stopped longest ago: they lose their values (a late viewer of
    theirs hears only the counts and previews of their view), never their view."""

    def __init__(self, limit: int, runs: Callable[[], Iterable[RunProcess]]) -> None:
        self.limit = limit
        self.used = 0
        self._runs = runs

    def take(self, size: int) -> bool:
        """Whether ``size`` more bytes may be kept (then they count)."""
        if self.used + size > self.limit:
            holders = [run for run in self._runs() if not run.live and run.replay_bytes]
            holders.sort(key=lambda run: run.stopped_at or run.started)
            for run in holders:
                run.drop_replay()
                if self.used + size <= self.limit:
                    break
        if self.used + size > self.limit:
            return False
        self.used += size
        return True

    def give_back(self, size: int) -> None:
        self.used -= size


class RunProcess:
    """One run in its own process."""

    def __init__(self, run_id: str, flow_name: str, config: ServerConfig, budget: ReplayBudget | None = None) -> None:
        self.id = run_id
        self.flow_name = flow_name
        self.config = config
        self._budget = budget
        self.started = dt.datetime.now(dt.UTC)
        self.stopped_at: dt.datetime | None = None
        #: Every event the run reported, folded: its phase, totals, nodes.
        self.view = RunView(run_id)
        #: The values the run reported one by one (its first ``emit_limit`` per
        #: socket), kept up to EMIT_REPLAY_BYTES so a late viewer hears them too (the
        #: studio passes them on as headrace:emit); how many did not fit.
        self._emits: list[dict[str, Any]] = []
        self._emit_bytes = 0
        self.emits_not_kept = 0
        self._reported = False  # whether any batch came yet (else a snapshot has nothing to say)
        self.viewers: set[Viewer] = set()
        #: Set while no viewer is attached.
        self.unwatched = asyncio.Event()
        self.unwatched.set()
        self.exited = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stderr: deque[str] = deque()
        self._stderr_size = 0
        self._stopping: asyncio.Task[None] | None = None
        self._stop_message: str | None = None
        self._escalated: str | None = None  # the signal that ended a stuck process
        self._saw_stopped = False

    # -- life --------------------------------------------------------------------

    async def spawn(self) -> None:
        """Start the process (it waits for its first command)."""
        env, identity = _worker_env(self.config)
        self._process = await asyncio.create_subprocess_exec(
            *worker_command(self.config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=MAX_LINE,
            start_new_session=True,  # a Ctrl-C meant for the server is not sent to runs
            **identity,
        )
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._read_stdout(), name=f"run {self.id} stdout"),
            loop.create_task(self._read_stderr(), name=f"run {self.id} stderr"),
        ]
        if self.config.run_time_limit > 0:
            self._tasks.append(loop.create_task(self._time_limit(), name=f"run {self.id} time limit"))

    async def command(self, command: dict[str, Any], seconds: float) -> dict[str, Any]:
        """Send a bridge command; its result (a bridge result value), or a
        failure result if the process ended or did not answer in time."""
        process = self._process
        if process is None or process.stdin is None or self.exited.is_set():
            return failure(ErrorInfo("BadCommand", f"run {self.id} has stopped"))
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        # In ASCII: a flow's text may hold a lone surrogate, which UTF-8 cannot
        # carry but a JSON escape can.
        line = json.dumps({"id": ident, "command": command}) + "\n"
        try:
            process.stdin.write(line.encode("utf-8"))
            await process.stdin.drain()
            return await asyncio.wait_for(asyncio.shield(future), seconds)
        except (ConnectionError, BrokenPipeError):
            # The pipe can break before the reader has seen the process end: let it say how
            # it ended first (a start that failed reports that, not "it has stopped").
            await self._wait_exit(1.0)
            return failure(ErrorInfo("BadCommand", f"run {self.id} has stopped"))
        except TimeoutError:
            return failure(
                ErrorInfo("Busy", f"run {self.id} did not answer within {seconds:g} s (node code may be blocking)")
            )
        finally:
            self._pending.pop(ident, None)

    @property
    def live(self) -> bool:
        """Whether the process still runs (it counts against ``max_runs``)."""
        return not self.exited.is_set()

    async def stop(self, message: str | None = None) -> None:
        """Stop the run and wait until its process has ended."""
        if self._stopping is None:
            self._stop_message = message
            self._stopping = asyncio.get_running_loop().create_task(self._escalate())
        await asyncio.shield(self._stopping)

    async def _escalate(self) -> None:
        process = self._process
        if process is None or self.exited.is_set():
            return
        if not self.view.over:  # first, the bridge's own way
            stop = {"cmd": "stop", "run": self.id, "message": self._stop_message}
            asyncio.get_running_loop().create_task(self.command(stop, ASK_SECONDS))
            if await self._wait_exit(ASK_SECONDS):
                return
        # Node code that does not yield (``while True: pass``): interrupt it, as
        # Ctrl-C does; then terminate; then kill.
        for sig, wait in ((signal.SIGINT, self.config.stop_grace), (signal.SIGTERM, self.config.stop_grace)):
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            if await self._wait_exit(wait):
                return
            self._escalated = "SIGKILL" if sig is signal.SIGTERM else "SIGTERM"
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await self.exited.wait()

    async def _wait_exit(self, seconds: float | None) -> bool:
        try:
            await asyncio.wait_for(self.exited.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _time_limit(self) -> None:
        limit = self.config.run_time_limit
        await asyncio.sleep(limit)
        log.info("run %s: time limit reached (%s)", self.id, _seconds(limit))
        await self.stop(f"time limit reached: runs on this server may last {_seconds(limit)} (--run-time-limit)")

    # -- reading the process ------------------------------------------------------

    async def _read_stdout(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        try:
            while True:
                try:
                    line = await process.stdout.readline()
                except ValueError:  # a line over MAX_LINE: the stream is lost
                    log.error("run %s: a line over %d bytes; stopping it", self.id, MAX_LINE)
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    break
                if not line:
                    break
                self._handle_line(line.decode("utf-8", "replace").rstrip("\n"))
            returncode = await process.wait()
            for task in self._tasks[1:2]:  # stderr: let it finish, for the message
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(task), 1.0)
            if not self._saw_stopped:
                self._publish_stopped(returncode)
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_result(failure(ErrorInfo("BadCommand", f"run {self.id} has stopped")))
            self.stopped_at = self.stopped_at or dt.datetime.now(dt.UTC)
            self.exited.set()
            for viewer in self.viewers:
                viewer.end()
            for task in self._tasks[2:]:
                task.cancel()

    async def _read_stderr(self) -> None:
        process = self._process
        assert process is not None and process.stderr is not None
        while True:
            try:
                raw = await process.stderr.readline()
            except ValueError:
                continue
            if not raw:
                return
            text = raw.decode("utf-8", "replace").rstrip("\n")
            log.info("run %s stderr: %s", self.id, text)
            self._stderr.append(text)
            self._stderr_size += len(text) + 1
            while self._stderr_size > STDERR_TAIL and len(self._stderr) > 1:
                self._stderr_size -= len(self._stderr.popleft()) + 1

    def _handle_line(self, line: str) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            log.warning("run %s: not a protocol line: %.200s", self.id, line)
            return
        if isinstance(message, list):
            self._handle_batch(line, message)
        elif isinstance(message, dict) and "reply" in message:
            future = self._pending.get(message["reply"]) if isinstance(message["reply"], int) else None
            if future is not None and not future.done():
                future.set_result(message.get("result") or failure(ErrorInfo("InternalError", "empty reply")))
            elif message.get("error"):
                log.error("run %s: %s", self.id, message["error"])

    def _handle_batch(self, line: str, events: list[dict[str, Any]]) -> None:
        """Fold a batch into the view and pass its line on to the viewers, as it
        came (re-encoded only when the server adds to it)."""
        for event in events:
            if event["event"] == "run_stopped":
                self._saw_stopped = True
                self.stopped_at = dt.datetime.now(dt.UTC)
                if event.get("reason") == "stopped" and event.get("message") is None and self._stop_message:
                    # Node code that never yields is interrupted (SIGINT) before the
                    # bridge can read the stop command and its message: add it here.
                    event["message"] = self._stop_message
                    line = _batch_line(events)
            elif event["event"] == "emit":
                self._keep_emit(event)
            self.view.apply(event)
        self._reported = True
        for viewer in self.viewers:
            viewer.push(line)

    def _keep_emit(self, event: dict[str, Any]) -> None:
        size = len(json.dumps(event["value"], ensure_ascii=False, default=str)) + 100
        if self._emit_bytes + size > EMIT_REPLAY_BYTES or (self._budget and not self._budget.take(size)):
            self.emits_not_kept += 1
            return
        self._emits.append(event)
        self._emit_bytes += size

    @property
    def replay_bytes(self) -> int:
        """Bytes of the values told one by one kept for late viewers."""
        return self._emit_bytes

    def drop_replay(self) -> None:
        """Forget the values told one by one (the view keeps their counts and previews)."""
        if self._budget is not None:
            self._budget.give_back(self._emit_bytes)
        self.emits_not_kept += len(self._emits)
        self._emits = []
        self._emit_bytes = 0

    def _publish_stopped(self, returncode: int) -> None:
        """The process ended without a ``run_stopped``: report one."""
        if self._stopping is not None:
            how = f"it did not stop when asked and got {self._escalated}" if self._escalated else "its process ended"
            reason, message = "stopped", "; ".join(filter(None, [self._stop_message, how]))
        else:
            # The process's last words may name files of this machine (a traceback).
            reason, message = "failed", _death(returncode) + hide_paths(_crash_note(list(self._stderr)))
        log.info("run %s: %s", self.id, message.splitlines()[0])
        event = RunStopped(run=self.id, reason=reason, message=message)  # type: ignore[arg-type]
        line = f"[{event_to_json(event)}]"  # a batch of its own, as the bridge would send it
        self._handle_batch(line, json.loads(line))

    # -- viewers -------------------------------------------------------------------

    def attach(self) -> tuple[str | None, Viewer]:
        """A batch line that brings a new viewer up to date — the events of the
        view's snapshot, or None while the run has reported nothing — and a queue
        of the lines to come: nothing between them is missing or told twice."""
        viewer = Viewer()
        if self.exited.is_set():
            viewer.end()
        else:
            self.viewers.add(viewer)
            self.unwatched.clear()
        snapshot = None
        if self._reported:
            events = self.view.snapshot()
            # The values told one by one go right after run_started (the view that
            # follows sets the counts either way).
            snapshot = _batch_line(events[:1] + self._emits + events[1:])
        return snapshot, viewer

    def detach(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers:
            self.unwatched.set()

    def info(self) -> RunRecord:
        """What ``GET /api/runs`` says about the run. ``phase`` is the run's
        (:class:`~headrace.protocol.RunPhase`); ``state`` is the same, except that
        a failed run is ``stopped`` too (its ``reason`` says it failed)."""
        view = self.view
        phase = view.phase
        if not self.live and not view.over:  # reading the process failed before its end was told
            phase = RunPhase.STOPPED.value
        return {
            "run": self.id,
            "flow": self.flow_name,
            "state": RunPhase.STOPPED.value if phase in TERMINAL_RUN_PHASES else phase,
            "phase": phase,
            "reason": view.reason,
            "message": view.message,
            "started": self.started.isoformat(),
            "stopped": self.stopped_at.isoformat() if self.stopped_at else None,
            "emitted": view.emitted,
            "errors": view.errors,
            "unrouted_errors": view.unrouted_errors,
            "viewers": len(self.viewers),
        }


class RunRegistry:
    """The server's runs, live and recently stopped."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.runs: dict[str, RunProcess] = {}
        self.replay = ReplayBudget(config.replay_memory, lambda: self.runs.values())
        #: The server is shutting down: no new runs.
        self.closing = False

    def live_count(self) -> int:
        return sum(run.live for run in self.runs.values())

    def new_run(self, run_id: str, flow_name: str) -> RunProcess:
        """A run that keeps its values within the server's budget (not registered yet)."""
        return RunProcess(run_id, flow_name, self.config, self.replay)

    def add(self, run: RunProcess) -> None:
        """Register a run (the caller checked the cap, with no await since)."""
        self.runs[run.id] = run
        stopped = [r for r in self.runs.values() if not r.live]
        for old in stopped[: max(0, len(stopped) - self.config.keep_stopped)]:
            self.forget(old.id)

    def forget(self, run_id: str) -> None:
        run = self.runs.pop(run_id, None)
        if run is not None:
            run.drop_replay()

    async def close(self) -> None:
        """Stop every live run (the server is shutting down), and give their
        viewers a moment to be sent the last batch, ``run_stopped``."""
        self.closing = True
        live = [run for run in self.runs.values() if run.live]
        await asyncio.gather(*(run.stop("the server shut down") for run in live), return_exceptions=True)
        watched = [asyncio.ensure_future(run.unwatched.wait()) for run in self.runs.values() if run.viewers]
        if watched:
            _, waiting = await asyncio.wait(watched, timeout=DRAIN_SECONDS)
            for task in waiting:
                task.cancel()


def _batch_line(events: list[dict[str, Any]]) -> str:
    """A batch line the server writes itself, from events it read back as JSON
    objects (protocol.event_to_json encodes the run's own event objects, which the
    server never holds). In ASCII: node code's text may hold a lone surrogate (it
    reaches us as a JSON escape), which UTF-8 cannot carry."""
    return json.dumps(events)


def _worker_env(config: ServerConfig) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment of a run's process, and the arguments that start it as
    ``config.run_as`` (with that user's own groups, not the server's: root's
    would stay otherwise)."""
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
    # The worker imports this very headrace, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
    if config.run_as is None:
        return env, {}
    import pwd  # POSIX only, as switching users is

    entry = pwd.getpwnam(config.run_as)
    env.update(HOME=entry.pw_dir, USER=entry.pw_name, LOGNAME=entry.pw_name)
    groups = os.getgrouplist(entry.pw_name, entry.pw_gid)
    return env, {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": groups}


def run_as_problem(config: ServerConfig) -> str | None:
    """Why a run's process cannot start as ``config.run_as`` (None: it can): the
    user must be able to run this Python and import headrace, which a server
    installed in root's home, say, does not allow. Checked once, at start, so that
    it is said then rather than by every run failing."""
    env, identity = _worker_env(config)
    python = worker_command(config)[0]
    try:
        probe = subprocess.run(  # noqa: S603 - our own interpreter, no shell
            [python, "-c", "import headrace.server.worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
            **identity,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{config.run_as} cannot start this Python ({python}): {exc}"
    if probe.returncode != 0:
        lines = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"{config.run_as} cannot import headrace with this Python ({python}): {lines[-1] if lines else '?'}"
    return None


def _death(returncode: int) -> str:
    if returncode >= 0:
        return f"the run's process exited unexpectedly with code {returncode} (node code ended the process?)"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    hint = {
        "SIGSEGV": " (a crash in native code)",
        "SIGBUS": " (a crash in native code)",
        "SIGABRT": " (the process aborted)",
        "SIGKILL": " (out of memory? the system may have killed it)",
    }.get(name, "")
    return f"the run's process was killed by {name}{hint}"


def _crash_note(stderr: list[str]) -> str:
    """What the process's last words say about the crash: faulthandler's first
    line and the node frames it lists, else the last lines of stderr."""
    fatal = [i for i, line in enumerate(stderr) if line.startswith("Fatal Python error")]
    if fatal:
        start = fatal[-1]
        nodes = [line.strip() for line in stderr[start:] if '"<node ' in line]
        lines = [stderr[start], *nodes]
    else:
        lines = [line for line in stderr if line.strip()][-5:]
    return "".join(f"\n{line}" for line in lines)


def _seconds(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
