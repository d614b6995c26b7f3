"""``--run-as USER``: node code runs with that user's rights, not the server's.

Needs a server running as root and a user ``nobody``. The server's own Python
may sit where ``nobody`` cannot read it (in root's home, as here): the server
refuses to start then, and says so; these runs use the system's Python, with the
same packages, which ``nobody`` can run.
"""

from __future__ import annotations

import os
import pathlib
import pwd
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import LiveServer, Serve, flow, script

import headrace.server.runs as runs_module

SYSTEM_PYTHON = pathlib.Path("/usr/bin/python3")

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or "nobody" not in {u.pw_name for u in pwd.getpwall()},
    reason="needs root and a user nobody",
)


@pytest.fixture
def shared_dir() -> Iterator[pathlib.Path]:
    """A folder every user may enter (pytest's tmp_path is root's alone)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="headrace-run-as-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


def test_runs_start_as_the_user_given(serve: Serve, monkeypatch: pytest.MonkeyPatch, shared_dir: pathlib.Path) -> None:
    if not SYSTEM_PYTHON.exists():
        pytest.skip("no system Python that nobody may run")
    worker_command = runs_module.worker_command

    def system_python(config: Any) -> list[str]:
        return [str(SYSTEM_PYTHON), *worker_command(config)[1:]]

    monkeypatch.setattr(runs_module, "worker_command", system_python)
    # The engine's own packages (pure Python), from this environment.
    monkeypatch.setenv("PYTHONPATH", sysconfig.get_paths()["purelib"])
    server: LiveServer = serve(run_as="nobody")
    assert runs_module.run_as_problem(server.config) is None

    secret, public = shared_dir / "secret", shared_dir / "public"
    secret.write_text("root's alone")
    secret.chmod(0o600)
    public.write_text("anyone's")
    public.chmod(0o644)
    code = (
        "import os\n"
        "def who():\n"
        "    read = []\n"
        f"    for path in ({str(secret)!r}, {str(public)!r}):\n"
        "        try:\n"
        "            read.append(open(path).read())\n"
        "        except OSError as exc:\n"
        "            read.append(type(exc).__name__)\n"
        "    return [os.getuid(), os.getgid(), os.getgroups(), os.environ['HOME'], read]\n"
    )
    run_id = server.start(flow(script("who", code)))
    server.events(run_id, until="run_idle")
    nobody = pwd.getpwnam("nobody")
    uid, gid, groups, home, read = server.newest(run_id, "who", "who")
    assert (uid, gid, home) == (nobody.pw_uid, nobody.pw_gid, nobody.pw_dir)
    assert 0 not in groups, "root's groups were left to the run"
    assert read == ["PermissionError", "anyone's"]


def test_the_server_refuses_run_as_a_user_that_cannot_run_it() -> None:
    """This venv's Python lives in root's home here: nobody cannot start it, and
    the server says so at start rather than failing every run."""
    nobody = pwd.getpwnam("nobody")
    try:
        subprocess.run(
            [sys.executable, "-c", "pass"], user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[], check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pass
    else:
        pytest.skip("nobody can run this Python here")
    refused = subprocess.run(
        [sys.executable, "-m", "headrace", "serve", "--run-as", "nobody"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert "--run-as nobody: nobody cannot" in refused.stderr and "where that user can read them" in refused.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "headrace", "serve", "--run-as", "no-such-user-here"], capture_output=True, text=True
    )
    assert unknown.returncode == 2 and "there is no such user" in unknown.stderr
