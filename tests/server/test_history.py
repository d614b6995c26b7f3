"""The server's run history: each run's process records its run into a SQLite file
beside the server (``--history``), which outlives the run's process and the server
itself; ``/api/history`` reads it, with the token every route takes."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Any

import httpx
from conftest import LiveServer, Serve, data, flow, script

from headrace.history import History

CHAIN = flow(
    data("d", "x = 21\n"),
    script("s", "def double(x):\n    print('doubling', x)\n    return 2 * x\n"),
    edges=[{"id": "e", "from": {"node": "d", "socket": "x"}, "to": {"node": "s", "port": "double.x"}}],
)


def wait_state(server: LiveServer, run_id: str, state: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = server.http.get(f"/api/history/{run_id}")
        if response.status_code == 200 and response.json()["run"]["state"] == state:
            return dict(response.json())
        assert time.monotonic() < deadline, response.text
        time.sleep(0.05)


def test_each_run_is_recorded_with_what_started_it_and_read_back(serve: Serve, tmp_path: pathlib.Path) -> None:
    db = tmp_path / "runs.db"
    server = serve(history=str(db))
    run_id = server.start(CHAIN, origin="run-flow")
    server.events(run_id, until="run_idle")
    # At rest with nothing left to do: done; Stop then cuts nothing short.
    record = wait_state(server, run_id, "success")
    server.http.delete(f"/api/runs/{run_id}")
    time.sleep(0.3)
    record = wait_state(server, run_id, "success")
    assert record["run"]["trigger"] == "run-flow" and record["run"]["emitted"] == 2
    assert record["flow"]["nodes"][1]["code"].startswith("def double")
    assert record["view"]["nodes"]["s"]["console"][0]["text"].startswith("doubling 21")
    assert {(k["node"], k["socket"]): k["values"] for k in record["kept"]} == {("d", "x"): 1, ("s", "double"): 1}
    page = server.http.get(f"/api/history/{run_id}/values", params={"node": "s", "socket": "double"}).json()
    assert page == {"count": 1, "first": 0, "values": [{"index": 0, "value": 42, "repr": False}]}
    [listed] = server.http.get("/api/history").json()["runs"]
    assert listed["id"] == run_id and listed["state"] == "success"
    assert server.http.get("/api/history", params={"state": "failure"}).json()["runs"] == []
    exported = server.http.get(f"/api/history/{run_id}/export").json()
    assert exported["headrace_run"] == 1 and exported["run"]["id"] == run_id
    # The same file, as the command line reads it.
    with History.open(db) as history:
        assert history.get(run_id).state == "success"


def test_the_history_outlives_the_server_and_a_killed_run_reads_interrupted(
    serve: Serve, tmp_path: pathlib.Path
) -> None:
    db = tmp_path / "runs.db"
    first = serve(history=str(db))
    slow = flow(script("w", "import time\n\ndef wait():\n    print('waiting')\n    time.sleep(60)\n    return 1\n"))
    run_id = first.start(slow, origin="run-flow")
    wait_state(first, run_id, "running")
    # The run's process dies mid-run (the machine's OOM killer, a crash): its record
    # stays as it was last written.
    process = first.server.runs.runs[run_id]._process
    assert process is not None
    os.kill(process.pid, signal.SIGKILL)
    first.close()
    second = serve(history=str(db))
    record = wait_state(second, run_id, "interrupted")
    assert record["run"]["trigger"] == "run-flow"


def test_history_routes_take_the_token_and_refuse_bad_requests(serve: Serve, tmp_path: pathlib.Path) -> None:
    server = serve(history=str(tmp_path / "runs.db"))
    run_id = server.start(CHAIN)
    wait_state(server, run_id, "success")
    with httpx.Client(base_url=server.url) as anonymous:
        for method, path in [
            ("GET", "/api/history"),
            ("GET", f"/api/history/{run_id}"),
            ("GET", f"/api/history/{run_id}/values?node=s&socket=double"),
            ("GET", f"/api/history/{run_id}/export"),
            ("DELETE", f"/api/history/{run_id}"),
        ]:
            assert anonymous.request(method, path).status_code == 401, path
    assert server.http.get("/api/history/nope").status_code == 404
    assert "no run 'nope'" in server.http.get("/api/history/nope").json()["error"]["message"]
    assert str(tmp_path) not in server.http.get("/api/history/nope").text, "the answer names the server's files"
    assert server.http.get("/api/history", params={"state": "great"}).status_code == 400
    assert server.http.get(f"/api/history/{run_id}/values", params={"node": "s"}).status_code == 400
    assert server.http.delete(f"/api/history/{run_id}").json() == {"deleted": run_id}
    assert server.http.get(f"/api/history/{run_id}").status_code == 404


def test_a_server_without_history_says_so(serve: Serve) -> None:
    server = serve()
    answer = server.http.get("/api/history")
    assert answer.status_code == 404 and "--no-history" in answer.json()["error"]["message"]


def test_serve_records_by_default_beside_the_users_state(tmp_path: pathlib.Path) -> None:
    from headrace.server.main import default_history, parser

    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    code = "from headrace.server.main import default_history; print(default_history())"
    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
    assert shown == str(tmp_path / "headrace" / "runs.db")
    assert parser().parse_args(["--no-history"]).no_history
    assert default_history().endswith(os.path.join("headrace", "runs.db"))
