"""Runs over HTTP and the WebSocket: the same events as in process, triggers,
stops, re-attaching, and the errors a client gets back."""

from __future__ import annotations

import json
import pathlib
import time

import pytest
from conftest import TEMPLATE_FLOWS, LiveServer, data, flow, script, strip

from headrace import Flow
from headrace.protocol import event_to_dict

TEMPLATES = sorted(TEMPLATE_FLOWS.glob("*.json"))


def test_every_template_emits_what_it_emits_in_process(server: LiveServer) -> None:
    for path in TEMPLATES:
        expected = [strip(event_to_dict(e)) for e in Flow.load(path).run_sync().events]
        run_id = server.start(json.loads(path.read_text()), schedules=False)
        got = server.events(run_id, until="run_idle")
        assert server.http.delete(f"/api/runs/{run_id}").status_code == 200
        rest = server.events(run_id)  # re-attach: the whole run, then the socket closes
        assert [strip(e) for e in got] == expected[:-1], path.name
        assert rest[: len(got)] == got, "re-attaching replays the run's events"
        assert [e["event"] for e in rest[len(got) :]] == ["run_stopped"]
        assert rest[-1]["reason"] == "stopped" and expected[-1]["reason"] == "finished"
        assert {e["run"] for e in rest} == {run_id}


def test_the_flow_document_itself_is_a_body_with_options_in_the_query(server: LiveServer) -> None:
    body = (TEMPLATE_FLOWS / "hello.json").read_bytes()
    response = server.http.post("/api/runs?schedules=false&trigger=none", content=body)
    assert response.status_code == 201
    run_id = response.json()["run"]
    events = server.events(run_id, until=lambda e: e["event"] == "node_state" and e["node"] == "greet")
    assert events[0]["event"] == "run_started"
    info = server.info(run_id)
    assert info["flow"] == "Hello" and info["emitted"] == 0 and info["state"] in ("running", "idle")


def test_trigger_and_list(server: LiveServer) -> None:
    run_id = server.start(flow(data("d", "x = 1\n")), trigger="none")
    server.events(run_id, until="run_started")
    for _ in range(3):
        response = server.http.post(f"/api/runs/{run_id}/trigger", json={"node": "d", "socket": "x"})
        assert response.status_code == 200, response.text
    deadline = time.monotonic() + 10
    while server.info(run_id)["emitted"] < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    [listed] = server.http.get("/api/runs").json()["runs"]
    assert listed["run"] == run_id and listed["flow"] == "test" and listed["state"] == "idle"
    assert listed["emitted"] == 3 and listed["started"]
    bad = server.http.post(f"/api/runs/{run_id}/trigger", json={"node": "nope"})
    assert bad.status_code == 400 and "no node 'nope'" in bad.json()["error"]["message"]
    assert server.http.post(f"/api/runs/{run_id}/trigger", json={"node": "d", "run": "x"}).status_code == 400
    stopped = server.http.delete(f"/api/runs/{run_id}").json()
    assert stopped["state"] == "stopped" and stopped["reason"] == "stopped"
    assert server.http.post(f"/api/runs/{run_id}/trigger", json={"node": "d"}).status_code == 409
    assert server.http.get("/api/runs/nope").status_code == 404
    assert server.http.delete("/api/runs/nope").status_code == 404


def test_reattach_after_closing_the_socket_shows_the_state(server: LiveServer) -> None:
    code = "def double(x):\n    print('got', x)\n    return 2 * x\n"
    edges = [{"id": "e", "from": {"node": "d", "socket": "x"}, "to": {"node": "s", "port": "double.x"}}]
    run_id = server.start(flow(data("d", "x = 21\n"), script("s", code), edges=edges))
    first = server.events(run_id, until="run_idle")  # then the socket closes: the run goes on
    server.http.post(f"/api/runs/{run_id}/trigger", json={"node": "d"})
    deadline = time.monotonic() + 10
    while server.info(run_id)["emitted"] < 4:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert server.info(run_id)["state"] == "idle"
    again = server.events(run_id, until=lambda e: e["event"] == "run_idle" and e["emitted"] == 4)
    assert again[: len(first)] == first
    assert [e["value"] for e in again if e["event"] == "emit"] == [21, 42, 21, 42]
    assert sum(e["event"] == "output" for e in again) == 2


def test_a_long_run_replays_a_snapshot_of_its_state(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(replay_events=50)
    code = "def each(n=300):\n    for i in range(n):\n        print(i)\n        yield i\n"
    run_id = server.start(flow(script("g", code), script("sq", "def sq(x):\n    return x * x\n")))
    server.events(run_id, until="run_idle")
    replay = server.events(run_id, until="run_idle")
    assert replay[0]["event"] == "run_started"
    assert len(replay) < 200
    states = {e["node"]: e["state"] for e in replay if e["event"] == "node_state"}
    assert states == {"g": "done", "sq": "idle"}
    [last] = [e for e in replay if e["event"] == "emit"]
    assert last["value"] == 299 and last["seq"] == 300
    outputs = [e["text"] for e in replay if e["event"] == "output"]
    assert 0 < len(outputs) <= 50 and outputs[-1].endswith("299\n")


def test_invalid_flows_and_bodies_get_clear_errors(server: LiveServer) -> None:
    bad_code = server.http.post("/api/runs", json={"flow": flow(script("s", "def f(:\n"))})
    assert bad_code.status_code == 422
    assert bad_code.json()["error"]["type"] == "FlowError" and bad_code.json()["error"]["path"] == "nodes[0].code"
    assert server.http.post("/api/runs", content=b"{not json").status_code == 400
    assert server.http.post("/api/runs?color=red", json={"flow": flow()}).status_code == 400
    assert server.http.post("/api/runs?schedules=maybe", json={"flow": flow()}).status_code == 400
    zone = server.http.post("/api/runs", json={"flow": flow(), "timezone": "Mars/Olympus"})
    assert zone.status_code == 400 and "timezone" in zone.json()["error"]["message"]
    assert server.http.get("/api/runs").json()["runs"] == []


def test_missing_requirements_are_listed(server: LiveServer, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "ran"
    needs = ["surely-not-installed-headrace-test>=1", "packaging>=1"]
    body = flow(data("d", f"open({str(marker)!r}, 'w')\nx = 1\n"), requirements=needs)
    response = server.http.post("/api/runs", json={"flow": body})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "RequirementError"
    assert error["requirements"] == ["surely-not-installed-headrace-test>=1"]
    assert "surely-not-installed-headrace-test" in error["message"] and "pip install" in error["message"]
    assert not marker.exists()


def test_openapi_document(server: LiveServer) -> None:
    document = server.http.get("/api/openapi.json").json()
    assert {"/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/trigger", "/api/health"} <= document["paths"].keys()
    assert server.http.get("/docs").status_code == 404


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_body_gets_413(serve, chunked: bool) -> None:  # type: ignore[no-untyped-def]
    server = serve(max_body=4096)
    body = json.dumps({"flow": flow(data("d", "x = '" + "a" * 5000 + "'\n"))}).encode()
    content = iter([body[:2000], body[2000:]]) if chunked else body
    response = server.http.post("/api/runs", content=content)
    assert response.status_code == 413
    assert "4096 bytes" in response.json()["error"]["message"]
    assert server.http.get("/api/runs").json()["runs"] == []
    small = server.http.post("/api/runs", json={"flow": flow(data("d", "x = 1\n"))})
    assert small.status_code == 201


def test_too_many_runs_get_429(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(max_runs=1)
    first = server.start(flow(data("d", "x = 1\n")), trigger="none")
    refused = server.http.post("/api/runs", json={"flow": flow(data("d", "x = 1\n"))})
    assert refused.status_code == 429
    assert "at most 1" in refused.json()["error"]["message"]
    server.http.delete(f"/api/runs/{first}")
    assert server.http.post("/api/runs", json={"flow": flow(data("d", "x = 1\n"))}).status_code == 201
