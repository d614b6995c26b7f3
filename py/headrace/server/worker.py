"""A run's own process: a :class:`~headrace.bridge.Bridge` behind a pipe.

The server starts ``python -m headrace.server.worker`` for each run, so node code
never runs in the server. It reads commands, one JSON line each, on stdin:
``{"id": 1, "command": {"cmd": "run", ...}}``, and writes JSON lines to stdout:
the bridge's batches of events exactly as the bridge gives them (one JSON array
per publish point of the run, ``[{"event": ...}, ...]``) and a result per
command (``{"reply": 1, "result": {"ok": ...}}``).

Both pipes are moved off file descriptors 0 and 1 at start, so node code that
reads stdin or writes to fd 1 (``os.write(1, ...)``, a C library, a
subprocess) cannot corrupt the protocol: its writes go to stderr, which the
server logs. The process ends when its last run has stopped, or when stdin
closes (the server went away). SIGINT asks it to stop its runs, interrupting
node code that is running, as Ctrl-C does for ``headrace run``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import json
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence

from headrace import capture
from headrace.bridge import Bridge
from headrace.commands import StartRun
from headrace.history import History, HistoryError
from headrace.recording import Recorder
from headrace.remote import Executor
from headrace.run import Run

#: Longest command line accepted (a flow, with its code).
MAX_LINE = 64 * 1024 * 1024


class LineWriter:
    """Writes whole lines to a pipe, at once: a node that blocks right after a
    publish point (``while True: pass``) must not keep its batch from the server.
    Lines never interleave: a thread node code started publishes a batch from
    that thread when its output is due."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        # A lone surrogate (node code's text from a bad decode) is JSON but not
        # UTF-8: it goes as the JSON escape backslashreplace writes, ``\udc80``.
        data = memoryview((text + "\n").encode("utf-8", "backslashreplace"))
        with self._lock:
            while data:
                data = data[os.write(self.fd, data) :]


def recording_into(path: str) -> Callable[[Run, StartRun], None]:
    """Record each run the bridge starts into the history file at ``path`` (as
    ``headrace run --record`` does). A history that cannot be written is said on
    stderr, which the server logs, and the run goes on unrecorded."""

    def record(run: Run, command: StartRun) -> None:
        try:
            history = History.open(path)
            Recorder(history, run.flow.to_json(), trigger=command.origin or "api", parent=command.parent).attach(run)
        except (HistoryError, sqlite3.Error, OSError) as exc:
            print(f"headrace worker: run {run.id} is not recorded: {exc}", file=sys.stderr)

    return record


async def serve(
    commands_fd: int, out: LineWriter, executor: Executor | None = None, history: str | None = None
) -> None:
    """Answer commands until the last run has stopped or stdin closes."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    started = False

    def finish_if_no_run_is_left() -> None:
        if started and not bridge.runs:
            done.set()

    def on_batch(text: str) -> None:
        out.write(text)
        # A run's last batch (its run_stopped) is published as the bridge forgets
        # it: look once this call is over, without reading the batch, whether any
        # run is left for this process to host. (Thread-safe: a batch can come
        # from a thread of node code, even once the loop has closed and the
        # process is ending.)
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(finish_if_no_run_is_left)

    bridge = Bridge(on_batch, executor=executor, on_run=recording_into(history) if history else None)
    _stop_on_sigint(bridge, loop, done)
    reader = asyncio.StreamReader(limit=MAX_LINE)
    pipe = os.fdopen(commands_fd, "rb", buffering=0)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    finished = asyncio.ensure_future(done.wait())
    while not done.is_set():
        line_task = asyncio.ensure_future(reader.readline())
        await asyncio.wait({line_task, finished}, return_when=asyncio.FIRST_COMPLETED)
        if not line_task.done():
            line_task.cancel()
            break
        line = line_task.result()
        if not line:  # the server went away: nobody is left to watch these runs
            await bridge.close()
            break
        try:
            message = json.loads(line)
            ident, command = message["id"], message["command"]
        except (ValueError, KeyError, TypeError) as exc:
            out.write(json.dumps({"reply": None, "error": f"bad line from the server: {exc}"}))
            continue
        result = await bridge.handle_object(command)
        out.write(json.dumps({"reply": ident, "result": result}, ensure_ascii=False))
        if isinstance(command, dict) and command.get("cmd") == "run":
            started = True  # one run per process: if it did not start, we are done
            if not bridge.runs:
                done.set()
    finished.cancel()


async def _serve_with_executor(
    commands_fd: int, out: LineWriter, scheduler: str | None, spread: bool, history: str | None
) -> None:
    if scheduler is None:
        await serve(commands_fd, out, history=history)
        return
    from headrace.dask import DaskExecutor  # the dask extra, only when asked for

    executor = await DaskExecutor.connect(scheduler, spread=spread)
    try:
        await serve(commands_fd, out, executor, history)
    finally:
        await executor.close()


def _stop_on_sigint(bridge: Bridge, loop: asyncio.AbstractEventLoop, done: asyncio.Event) -> None:
    async def stop_all() -> None:
        await bridge.close()
        done.set()

    def on_sigint(signum: int, frame: object) -> None:
        bridge.request_interrupt()
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(stop_all()))
        if capture.node_code_running():
            raise KeyboardInterrupt  # node code is running: the run takes this as "stop"

    signal.signal(signal.SIGINT, on_sigint)


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    import resource  # POSIX only

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m headrace.server.worker")
    parser.add_argument("--memory-limit", type=int, default=0, help="address space limit in bytes (0: none)")
    parser.add_argument("--dask-scheduler", help="send script calls to this Dask scheduler")
    parser.add_argument("--dask-spread", action="store_true", help="let any Dask worker take any call")
    parser.add_argument("--history", help="record the run into this run history file (SQLite)")
    args = parser.parse_args(argv)
    # Keep the protocol's pipes for ourselves; fd 0 reads nothing, fd 1 is stderr.
    commands_fd, out_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    faulthandler.enable()  # a crash in native code leaves a traceback on stderr
    _limit_memory(args.memory_limit)
    try:
        asyncio.run(
            _serve_with_executor(commands_fd, LineWriter(out_fd), args.dask_scheduler, args.dask_spread, args.history)
        )
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    # Node code may have left threads behind: do not wait for them.
    os._exit(0)


if __name__ == "__main__":
    main()
