"""``headrace serve`` as a person starts it, and the server going away."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from conftest import LiveServer, flow, read_batches, script
from websockets.sync.client import connect

from headrace.units import parse_duration, parse_size


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
    assert process.returncode == 130  # Ctrl-C, after a clean shutdown


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
    options = ("--host", "--port", "--token", "--token-file", "--allow-origin", "--allow-host", "--max-body")
    for option in (*options, "--max-runs", "--run-time-limit", "--replay-memory", "--run-as"):
        assert option in help_text
    assert "HEADRACE_TOKEN" in help_text and "exit status 130" in help_text
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


def test_the_token_file_must_be_yours_alone(tmp_path: pathlib.Path) -> None:
    secret = "from-a-file-0123456789abcdef"
    path = tmp_path / "token"
    path.write_text(secret + "\n")
    path.chmod(0o644)
    refused = subprocess.run(
        [sys.executable, "-m", "headrace", "serve", "--token-file", str(path)], capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "other users may read or change it (mode 0644)" in refused.stderr and "chmod 600" in refused.stderr
    assert secret not in refused.stderr + refused.stdout
    both = subprocess.run(
        [sys.executable, "-m", "headrace", "serve", "--token-file", str(path), "--token", "x"],
        capture_output=True,
        text=True,
    )
    assert both.returncode == 2 and "not both" in both.stderr

    path.chmod(0o600)
    port = free_port()
    process, banner = start_cli("--port", str(port), "--token-file", str(path), env={"HEADRACE_TOKEN": "not-this"})
    try:
        assert secret not in banner and "token: the one you gave (--token-file)" in banner
        assert "warning" not in banner
        assert httpx.get(f"http://127.0.0.1:{port}/api/health?token={secret}").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/api/health?token=not-this").status_code == 401
        # Read from a file, the token is in neither the command line nor the environment.
        with open(f"/proc/{process.pid}/cmdline", "rb") as cmdline, open(f"/proc/{process.pid}/environ", "rb") as env:
            assert secret.encode() not in cmdline.read() + env.read()
    finally:
        stop_cli(process)


def test_a_token_on_the_command_line_is_warned_about() -> None:
    port = free_port()
    process, banner = start_cli("--port", str(port), "--token", "on-the-command-line-0123456789")
    try:
        assert "warning: a token given with --token can be read by every user of this machine" in banner
        assert "--token-file PATH" in banner and "$HEADRACE_TOKEN" in banner
        assert "token: the one you gave (--token)" in banner
        assert httpx.get(f"http://127.0.0.1:{port}/api/health?token=on-the-command-line-0123456789").status_code == 200
    finally:
        stop_cli(process)
    quiet, banner = start_cli("--port", str(free_port()), env={"HEADRACE_TOKEN": "from-the-environment-0123"})
    try:
        assert "warning" not in banner and "token: the one you gave ($HEADRACE_TOKEN)" in banner
    finally:
        stop_cli(quiet)


def test_ctrl_c_mid_run_tells_every_viewer_and_ends_quietly() -> None:
    port, token = free_port(), "ctrl-c-token-0123456789"
    process, _ = start_cli("--port", str(port), env={"HEADRACE_TOKEN": token})
    try:
        spin = flow(script("spin", "def spin():\n    while True:\n        pass\n"))  # must be interrupted
        idle = flow(script("s", "def s():\n    return 1\n"))
        runs = []
        for body in (spin, idle):
            response = httpx.post(f"http://127.0.0.1:{port}/api/runs?token={token}", json={"flow": body})
            assert response.status_code == 201, response.text
            runs.append(response.json()["run"])
        with contextlib.ExitStack() as stack:
            url = f"ws://127.0.0.1:{port}/api/runs/{{}}/events?token={token}"
            viewers = [stack.enter_context(connect(url.format(run))) for run in runs]
            for viewer in viewers:
                read_batches(viewer, "run_started")
            process.send_signal(signal.SIGINT)
            for viewer in viewers:
                events = [event for batch in read_batches(viewer, "never", timeout=20) for event in batch]
                assert events[-1]["event"] == "run_stopped", events[-3:]
                assert (events[-1]["reason"], events[-1]["message"]) == ("stopped", "the server shut down")
                assert viewer.close_code == 1000
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stdout is not None
    rest = process.stdout.read()
    assert process.returncode == 130
    assert "Finished server process" in rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
