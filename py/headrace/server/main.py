"""``headrace serve``: its options, the start-up banner, and uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import socket
import stat
import sys
from collections.abc import Sequence

import uvicorn

from headrace.options import add_executor_options, duration, size
from headrace.server.app import create_app
from headrace.server.config import DEFAULT_ORIGINS, ServerConfig
from headrace.server.guard import RedactTokens
from headrace.server.runs import RunRegistry, run_as_problem

TOKEN_ENV = "HEADRACE_TOKEN"  # noqa: S105 - the name of the variable, not a token
#: Exit status after Ctrl-C (the shell's convention, as for ``headrace run``).
EXIT_INTERRUPTED = 130


def parser() -> argparse.ArgumentParser:
    defaults = ServerConfig(token="unused")  # noqa: S106 - only read for its defaults
    p = argparse.ArgumentParser(
        prog="headrace serve",
        description="Run flows on this machine for the studio (or any client) over HTTP and WebSocket. "
        "Every request needs the token printed at start. See docs/backend.md and docs/security.md.",
        epilog=f"The token: from --token-file, else ${TOKEN_ENV}, else a random one, printed once. "
        "Ctrl-C stops every run and the server (exit status 130).",
    )
    p.add_argument("--host", default=defaults.host, help="address to bind (default: %(default)s, this machine only)")
    p.add_argument("--port", type=int, default=defaults.port, help="port (default: %(default)s)")
    p.add_argument(
        "--token-file",
        metavar="PATH",
        help="read the token clients must send from this file (only you may read it: mode 0600)",
    )
    p.add_argument(
        "--token",
        help=f"the token clients must send; every user of this machine can read a command line "
        f"(ps), so prefer --token-file or ${TOKEN_ENV}",
    )
    p.add_argument(
        "--allow-origin",
        action="append",
        dest="allow_origins",
        metavar="ORIGIN",
        help="a browser origin allowed to call the server, e.g. https://studio.example.org (repeatable; "
        f"default: {' '.join(DEFAULT_ORIGINS)})",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        dest="allow_hosts",
        default=[],
        metavar="NAME",
        help="a name the server may be called by (the Host header), besides localhost, 127.0.0.1, [::1] "
        "and the --host address, e.g. the machine's name when --host 0.0.0.0 (repeatable)",
    )
    p.add_argument("--max-body", type=size, default=defaults.max_body, help="largest request body (default: 2MiB)")
    p.add_argument("--max-runs", type=int, default=defaults.max_runs, help="runs at once (default: %(default)s)")
    p.add_argument(
        "--run-time-limit",
        type=duration,
        default=defaults.run_time_limit,
        metavar="DURATION",
        help="stop runs after this long: 30s, 5m, 2h, 0 for never (default: 1h)",
    )
    p.add_argument(
        "--run-memory-limit",
        type=size,
        default=defaults.run_memory_limit,
        metavar="SIZE",
        help="address space of each run's process: 512MiB, 4G, 0 for none (default: 4GiB)",
    )
    p.add_argument(
        "--replay-memory",
        type=size,
        default=defaults.replay_memory,
        metavar="SIZE",
        help="memory for the values told one by one that viewers attaching late still hear, over all runs; "
        "the oldest stopped runs' go first (default: 64MiB)",
    )
    p.add_argument(
        "--run-as",
        metavar="USER",
        help="start each run's process as this user, so node code gets that user's rights, not the server's "
        "(the server must run as root)",
    )
    p.add_argument(
        "--history",
        metavar="FILE",
        default=default_history(),
        help="the run history: every run is recorded into this SQLite file, which survives restarts "
        "(default: %(default)s)",
    )
    p.add_argument("--no-history", action="store_true", help="keep no run history")
    add_executor_options(p)
    return p


def default_history() -> str:
    """Where the server keeps its run history unless told: the user's state directory."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "headrace", "runs.db")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.executor == "dask" and not args.scheduler:
        print("headrace serve: --executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)", file=sys.stderr)
        return 2
    try:
        token, source = _token(args)
        config = ServerConfig(
            token=token or ServerConfig().token,
            host=args.host,
            port=args.port,
            allow_origins=tuple(args.allow_origins or DEFAULT_ORIGINS),
            allow_hosts=tuple(args.allow_hosts),
            max_body=args.max_body,
            max_runs=args.max_runs,
            run_time_limit=args.run_time_limit,
            run_memory_limit=args.run_memory_limit,
            replay_memory=args.replay_memory,
            run_as=args.run_as,
            dask_scheduler=args.scheduler if args.executor == "dask" else None,
            dask_spread=args.spread,
            history=None if args.no_history else os.path.abspath(args.history),
        )
    except ValueError as exc:
        print(f"headrace serve: {exc}", file=sys.stderr)
        return 2
    if config.run_as is not None:
        problem = run_as_problem(config)
        if problem is not None:
            print(
                f"headrace serve: --run-as {config.run_as}: {problem}. Install Python and headrace where that "
                "user can read them (a virtual environment outside root's home, say)",
                file=sys.stderr,
            )
            return 2
    if source == "--token":
        print(
            "headrace serve: warning: a token given with --token can be read by every user of this machine "
            f"(ps, /proc/PID/cmdline); pass it in a file only you can read (--token-file PATH, mode 0600) "
            f"or in ${TOKEN_ENV} instead",
            file=sys.stderr,
            flush=True,
        )
    print(banner(config, token_given=source), flush=True)
    server = build_server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        # uvicorn shut down cleanly, then raised Ctrl-C again for whoever called
        # it: end as Ctrl-C ends a program, without a traceback.
        return EXIT_INTERRUPTED
    return 0 if server.started else 1  # uvicorn has said why (the port is taken, say)


def _token(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The token given, and how: ``--token-file``, ``--token``, the environment,
    or (None, None): the server makes one. Raises ValueError saying what is wrong."""
    if args.token_file is not None and args.token is not None:
        raise ValueError("give the token one way: --token-file or --token, not both")
    if args.token_file is not None:
        return _read_token_file(args.token_file), "--token-file"
    if args.token:
        return args.token, "--token"
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV], f"${TOKEN_ENV}"
    return None, None


def _read_token_file(path: str) -> str:
    try:
        with open(path, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            data = file.read(4096)
    except OSError as exc:
        raise ValueError(f"--token-file {path}: cannot read it ({exc.strerror})") from None
    # Whoever can read the token can run code as the server's user: a file
    # others may read is as public as the command line.
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(
            f"--token-file {path}: other users may read or change it (mode {stat.S_IMODE(mode):04o}), and whoever "
            f"holds the token runs code as you: make it yours alone (chmod 600 {path})"
        )
    token = data.decode("utf-8", "replace").strip()
    if not token:
        raise ValueError(f"--token-file {path}: the file is empty")
    if any(char.isspace() for char in token):
        raise ValueError(f"--token-file {path}: the token must be one line without spaces")
    return token


def banner(config: ServerConfig, *, token_given: str | None) -> str:
    """What ``headrace serve`` prints at start: the only place the token appears
    (``token_given``: how it was given, if it was)."""
    base = f"http://{_url_host(config.host)}:{config.port}"
    lines = [f"Headrace server at {base}"]
    if token_given:
        lines.append(f"  token: the one you gave ({token_given})")
    else:
        lines += [f"  token: {config.token}", f"  check: {base}/api/health?token={config.token}"]
    lines.append(f"  studio origins allowed: {', '.join(config.allow_origins)}")
    if config.run_as:
        lines.append(f"  runs start as user {config.run_as}")
    if not _is_loopback(config.host):
        lines.append(
            f"  warning: listening on {config.host}: anyone who can reach it and holds the token runs code here"
        )
    return "\n".join(lines)


class Server(uvicorn.Server):
    """uvicorn's server, stopping the runs first when it shuts down.

    uvicorn closes every WebSocket (1012) before the application hears of the
    shutdown; stopping the runs first means every viewer is sent its run's
    ``run_stopped`` ("the server shut down") and closed as docs/backend.md says.
    A second Ctrl-C stops waiting.
    """

    def __init__(self, config: uvicorn.Config, runs: RunRegistry) -> None:
        super().__init__(config)
        self.runs = runs

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        stopping = asyncio.ensure_future(self.runs.close())
        while not stopping.done() and not self.force_exit:
            await asyncio.wait({stopping}, timeout=0.1)
        await super().shutdown(sockets)


def build_server(config: ServerConfig) -> Server:
    """A uvicorn server for the app, with tokens kept out of its logs."""
    app = create_app(config)
    server = Server(uvicorn.Config(app, host=config.host, port=config.port, ws="auto", lifespan="on"), app.state.runs)
    for name in ("uvicorn.error", "uvicorn.access", "headrace.server"):
        logging.getLogger(name).addFilter(RedactTokens())
    ours = logging.getLogger("headrace.server")
    if not ours.handlers:  # the runs' stderr and stops, beside uvicorn's own lines
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        ours.addHandler(handler)
        ours.setLevel(logging.INFO)
    return server


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
