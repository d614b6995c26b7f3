"""Careless and hostile input does not leave the server worse off: a run whose
start fails is never left registered (nor counted against --max-runs), text
UTF-8 cannot carry never fails an answer, and no answer names a file of this
machine."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from conftest import LiveServer, Serve, data, flow, script
from websockets.exceptions import ConnectionClosed

import headrace.server.runs as runs_module
from headrace.bridge import Bridge
from headrace.server.runs import RunProcess

SURROGATE = "\ud800"  # half an emoji, as a JavaScript slice leaves it


def post(server: LiveServer, body: dict[str, Any]) -> Any:
    # json.dumps escapes the surrogate (httpx's json= would fail to encode it first).
    return server.http.post("/api/runs", content=json.dumps(body), headers={"Content-Type": "application/json"})


def assert_cap_free(server: LiveServer) -> None:
    """No run left behind: none listed, none counted, and as many as the cap start."""
    listed = server.http.get("/api/runs")
    assert listed.status_code == 200 and listed.json()["runs"] == [], listed.text
    assert server.http.get("/api/health").json()["runs"] == 0
    started = [server.start(flow(data("d", "x = 1\n")), trigger="none") for _ in range(server.config.max_runs)]
    for run_id in started:
        assert server.http.delete(f"/api/runs/{run_id}").status_code == 200


@pytest.mark.parametrize("field", ["name", "description"])
def test_lone_surrogates_in_a_flow_leave_no_ghost_run(serve: Serve, field: str) -> None:
    server: LiveServer = serve(max_runs=2)
    body = {"flow": flow(data("d", "x = 1\n"), **{field: f"caf{SURROGATE}"}), "trigger": "none"}
    for _ in range(4):
        response = post(server, body)
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["error"]["type"] == "FlowError"
    assert_cap_free(server)


def test_a_surrogate_that_reaches_the_run_is_carried_as_an_escape(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the server's own check (were it to let one by), the flow still goes to
    the run's process: commands travel in ASCII."""
    checked = Bridge.handle_object

    async def lenient(self: Bridge, obj: Any) -> dict[str, Any]:
        if isinstance(obj, dict) and obj.get("cmd") == "validate":
            return {"ok": True, "value": {"flow": {"name": obj["flow"]["name"], "requirements": []}}}
        return await checked(self, obj)

    monkeypatch.setattr(Bridge, "handle_object", lenient)
    server: LiveServer = serve(max_runs=2)
    for _ in range(4):
        response = post(server, {"flow": flow(data("d", "x = 1\n"), name=f"caf{SURROGATE}"), "trigger": "none"})
        # The run's own process refuses it (422), as the server would; never a 500.
        assert response.status_code in (201, 422), response.text
        if response.status_code == 201:
            assert server.http.delete(f"/api/runs/{response.json()['run']}").status_code == 200
    assert server.http.get("/api/runs").status_code == 200
    assert server.http.get("/api/health").json()["runs"] == 0


def test_a_stored_name_utf8_cannot_carry_does_not_fail_the_list(server: LiveServer) -> None:
    run = RunProcess("ghost1234567", f"caf{SURROGATE}", server.config)
    run.exited.set()
    server.server.runs.runs[run.id] = run
    listed = server.http.get("/api/runs")
    assert listed.status_code == 200
    assert "caf\\ud800" in listed.text and listed.json()["runs"][0]["flow"] == f"caf{SURROGATE}"
    assert server.http.get(f"/api/runs/{run.id}").status_code == 200


def _dies_at_once(config: Any) -> list[str]:
    return [sys.executable, "-c", "import sys; sys.exit(3)"]


def _no_such_program(config: Any) -> list[str]:
    return ["/nonexistent/headrace-test/python"]


@pytest.mark.parametrize("failure", ["the process dies at once", "it cannot be started", "sending the run fails"])
def test_a_run_whose_start_fails_is_not_left_registered(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    if failure == "the process dies at once":
        monkeypatch.setattr(runs_module, "worker_command", _dies_at_once)
        expected = "the run's process ended as it started: the run's process exited unexpectedly with code 3"
    elif failure == "it cannot be started":
        monkeypatch.setattr(runs_module, "worker_command", _no_such_program)
        expected = "cannot start a process for the run: [Errno 2] No such file or directory: '<path>'"
    else:
        command = RunProcess.command

        async def fails_to_send(self: RunProcess, sent: dict[str, Any], seconds: float) -> dict[str, Any]:
            if sent["cmd"] == "run":
                raise RuntimeError("the pipe broke")
            return await command(self, sent, seconds)

        monkeypatch.setattr(RunProcess, "command", fails_to_send)
        expected = "cannot start a process for the run: the pipe broke"
    server: LiveServer = serve(max_runs=2)
    for _ in range(4):
        response = server.http.post("/api/runs", json={"flow": flow(data("d", "x = 1\n"))})
        assert response.status_code == 500, response.text
        error = response.json()["error"]
        assert error["type"] == "InternalError" and error["message"].startswith(expected), error
    assert server.http.get("/api/runs").json()["runs"] == []
    assert server.http.get("/api/health").json()["runs"] == 0
    monkeypatch.undo()
    assert_cap_free(server)


def test_no_answer_names_a_file_of_this_machine(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "/srv/headrace-test/site-packages/headrace/secret.py"
    dispatch = Bridge._dispatch

    async def engine_bug(self: Bridge, command: Any) -> Any:
        if type(command).__name__ == "Validate":
            raise FileNotFoundError(2, "No such file or directory", secret)
        return await dispatch(self, command)

    monkeypatch.setattr(Bridge, "_dispatch", engine_bug)
    refused = server.http.post("/api/runs", json={"flow": flow(data("d", "x = 1\n"))})
    assert refused.status_code == 500 and refused.json()["error"]["type"] == "InternalError"
    assert "'<path>'" in refused.json()["error"]["message"] and "/srv/" not in refused.text
    monkeypatch.undo()

    # A route that fails unexpectedly answers JSON, without a traceback or paths.
    run_id = server.start(flow(data("d", "x = 1\n")), trigger="none")

    def broken(self: RunProcess) -> dict[str, Any]:
        raise OSError(f"cannot read {secret}")

    monkeypatch.setattr(RunProcess, "info", broken)
    failed = server.http.get(f"/api/runs/{run_id}")
    assert failed.status_code == 500 and failed.headers["content-type"] == "application/json"
    assert failed.json()["error"]["type"] == "InternalError"
    assert failed.json()["error"]["message"].startswith("the server failed to answer: OSError: cannot read <path>")
    assert "/srv/" not in failed.text and "Traceback" not in failed.text
    monkeypatch.undo()

    # The last words of a process that died name no file either.
    code = f"import os\ndef die():\n    os.write(2, b'  File \"{secret}\", line 3, in f\\n')\n    os._exit(3)\n"
    dying = server.start(flow(script("die", code)))
    events = server.events(dying)
    stopped = events[-1]
    assert stopped["event"] == "run_stopped" and stopped["reason"] == "failed"
    assert 'File "<path>", line 3' in stopped["message"] and secret not in stopped["message"]
    assert secret not in server.http.get(f"/api/runs/{dying}").text


def test_a_websocket_to_a_long_made_up_run_id_is_told_there_is_none(server: LiveServer) -> None:
    # A close reason holds 123 bytes at most: the server cuts its own, not the socket.
    with server.connect("é" * 300) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
    assert closed.value.rcvd.reason.startswith("no run 'éé")


def test_a_key_given_twice_in_a_posted_flow_is_named_not_dropped(server: LiveServer) -> None:
    """As in a file (headrace validate), a key given twice is an error naming where,
    not a run of whichever value the JSON parser kept."""
    nodes = json.dumps(flow(data("d", "x = 1\n"))["nodes"])
    text = '{"flow": {"headrace": 1, "name": "twice", "nodes": [], "nodes": ' + nodes + ', "edges": []}}'
    response = server.http.post("/api/runs", content=text, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "FlowError" and error["path"] == "nodes" and "given twice" in error["message"]
    envelope = '{"flow": ' + json.dumps(flow(data("d", "x = 1\n"))) + ', "trigger": "none", "trigger": "all"}'
    response = server.http.post("/api/runs", content=envelope, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "'trigger' is given twice" in response.json()["error"]["message"]
    assert server.http.get("/api/runs").json()["runs"] == []
