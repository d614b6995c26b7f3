"""``headrace serve`` as a person starts it, and the server going away."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from conftest import LiveServer, flow, script

from headrace.server.config import parse_duration, parse_size


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """``headrace serve ARGS``; the process and its first line that names the token."""
    process = subprocess.Popen(
        [sys.executable, "-m", "headrace", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Uvicorn running" in line or "error" in line.lower():
            break
    return process, "".join(lines)


def stop_cli(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def test_serve_prints_a_token_and_requires_it() -> None:
    port = free_port()
    process, banner = start_cli("--port", str(port))
    try:
        token = re.search(r"token: (\S+)", banner)
        assert token is not None, banner
        assert f"http://127.0.0.1:{port}/api/health?token={token.group(1)}" in banner
        assert len(token.group(1)) >= 32
        assert httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 401
        ok = httpx.get(f"http://127.0.0.1:{port}/api/health", headers={"Authorization": f"Bearer {token.group(1)}"})
        assert ok.status_code == 200
    finally:
        stop_cli(process)
    assert process.returncode in (0, -signal.SIGINT)  # uvicorn re-raises Ctrl-C after a clean shutdown


def test_serve_takes_the_token_from_the_environment_and_never_prints_it() -> None:
    port = free_port()
    secret = "from-the-environment-0123456789"
    process, banner = start_cli("--port", str(port), env={"HEADRACE_TOKEN": secret})
    try:
        assert secret not in banner
        response = httpx.get(f"http://127.0.0.1:{port}/api/health?token={secret}")
        assert response.status_code == 200
    finally:
        stop_cli(process)
    assert process.stdout is not None
    assert secret not in process.stdout.read()


def test_serve_options() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "headrace", "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--host", "--port", "--token", "--allow-origin", "--max-body", "--max-runs", "--run-time-limit"):
        assert option in help_text
    assert (
        "serve" in subprocess.run([sys.executable, "-m", "headrace", "--help"], capture_output=True, text=True).stdout
    )
    bad = subprocess.run(
        [sys.executable, "-m", "headrace", "serve", "--allow-origin", "*"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "'*' is not an allowed origin" in bad.stderr
    assert parse_size("2MiB") == 2 * 1024 * 1024 and parse_size("512k") == 512 * 1024 and parse_size("0") == 0
    assert parse_duration("90s") == 90 and parse_duration("2h") == 7200 and parse_duration("0") == 0
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_stopping_the_server_stops_its_runs(serve) -> None:  # type: ignore[no-untyped-def]
    server: LiveServer = serve()
    code = "import os\ndef pid():\n    return os.getpid()\n"
    run_id = server.start(flow(script("p", code)))
    server.events(run_id, until="run_idle")
    pid = server.newest(run_id, "p", "pid")
    server.close()
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, "the run's process outlived the server"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes (the server's thread reaps it on exit).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"
