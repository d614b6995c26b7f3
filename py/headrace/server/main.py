"""``headrace serve``: its options, the start-up banner, and uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Sequence

import uvicorn

from headrace.cli import add_executor_options
from headrace.server.app import create_app
from headrace.server.config import DEFAULT_ORIGINS, ServerConfig, parse_duration, parse_size
from headrace.server.guard import RedactTokens

TOKEN_ENV = "HEADRACE_TOKEN"  # noqa: S105 - the name of the variable, not a token


def parser() -> argparse.ArgumentParser:
    defaults = ServerConfig(token="unused")  # noqa: S106 - only read for its defaults
    p = argparse.ArgumentParser(
        prog="headrace serve",
        description="Run flows on this machine for the studio (or any client) over HTTP and WebSocket. "
        "Every request needs the token printed at start. See docs/backend.md.",
    )
    p.add_argument("--host", default=defaults.host, help="address to bind (default: %(default)s, this machine only)")
    p.add_argument("--port", type=int, default=defaults.port, help="port (default: %(default)s)")
    p.add_argument("--token", help=f"the token clients must send (default: ${TOKEN_ENV}, else a random one)")
    p.add_argument(
        "--allow-origin",
        action="append",
        dest="allow_origins",
        metavar="ORIGIN",
        help="a browser origin allowed to call the server, e.g. https://studio.example.org (repeatable; "
        f"default: {' '.join(DEFAULT_ORIGINS)})",
    )
    p.add_argument("--max-body", type=_size, default=defaults.max_body, help="largest request body (default: 2MiB)")
    p.add_argument("--max-runs", type=int, default=defaults.max_runs, help="runs at once (default: %(default)s)")
    p.add_argument(
        "--run-time-limit",
        type=_duration,
        default=defaults.run_time_limit,
        metavar="DURATION",
        help="stop runs after this long: 30s, 5m, 2h, 0 for never (default: 1h)",
    )
    p.add_argument(
        "--run-memory-limit",
        type=_size,
        default=defaults.run_memory_limit,
        metavar="SIZE",
        help="address space of each run's process: 512MiB, 4G, 0 for none (default: 4GiB)",
    )
    add_executor_options(p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.executor == "dask" and not args.scheduler:
        print("headrace serve: --executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)", file=sys.stderr)
        return 2
    token = args.token or os.environ.get(TOKEN_ENV) or None
    try:
        config = ServerConfig(
            token=token or ServerConfig().token,
            host=args.host,
            port=args.port,
            allow_origins=tuple(args.allow_origins or DEFAULT_ORIGINS),
            max_body=args.max_body,
            max_runs=args.max_runs,
            run_time_limit=args.run_time_limit,
            run_memory_limit=args.run_memory_limit,
            dask_scheduler=args.scheduler if args.executor == "dask" else None,
            dask_spread=args.spread,
        )
    except ValueError as exc:
        print(f"headrace serve: {exc}", file=sys.stderr)
        return 2
    print(banner(config, token_given=token is not None), flush=True)
    server = build_server(config)
    server.run()
    return 0 if server.started else 1  # uvicorn has said why (the port is taken, say)


def banner(config: ServerConfig, *, token_given: bool) -> str:
    """What ``headrace serve`` prints at start: the only place the token appears."""
    base = f"http://{_url_host(config.host)}:{config.port}"
    lines = [f"Headrace server at {base}"]
    if token_given:
        lines.append("  token: the one you gave (--token or $HEADRACE_TOKEN)")
    else:
        lines += [f"  token: {config.token}", f"  check: {base}/api/health?token={config.token}"]
    lines.append(f"  studio origins allowed: {', '.join(config.allow_origins)}")
    if not _is_loopback(config.host):
        lines.append(
            f"  warning: listening on {config.host}: anyone who can reach it and holds the token runs code here"
        )
    return "\n".join(lines)


def build_server(config: ServerConfig) -> uvicorn.Server:
    """A uvicorn server for the app, with tokens kept out of its logs."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host=config.host, port=config.port, ws="auto", lifespan="on")
    )
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


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
