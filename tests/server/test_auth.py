"""Every route and the WebSocket refuse a request without the token, with a wrong
one, or from a foreign origin — before anything runs."""

from __future__ import annotations

import logging
import os
import pathlib
from typing import Any

import httpx
import pytest
from conftest import TOKEN, LiveServer, Serve, flow, raw_websocket, script
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from headrace.protocol import PROTOCOL_VERSION
from headrace.server.guard import RedactTokens, redact

ALLOWED_ORIGIN = "http://127.0.0.1:5173"
FOREIGN_ORIGIN = "http://evil.example"


def marker_flow(tmp: pathlib.Path) -> dict[str, Any]:
    """Writes ``loaded`` when its module runs (at start) and ``fired`` when triggered."""
    code = (
        "import os, pathlib\n"
        f"pathlib.Path({str(tmp / 'loaded')!r}).write_text(str(os.getpid()))\n"
        "def fire():\n"
        f"    pathlib.Path({str(tmp / 'fired')!r}).write_text(str(os.getpid()))\n"
        "    return 1\n"
    )
    return flow(script("m", code))


BAD = {
    "no token": ({}, ""),
    "wrong token": ({"Authorization": "Bearer nope"}, ""),
    "wrong token in the query": ({}, "?token=nope"),
    "wrong scheme": ({"Authorization": f"Basic {TOKEN}"}, ""),
    "foreign origin": ({"Authorization": f"Bearer {TOKEN}", "Origin": FOREIGN_ORIGIN}, ""),
}


def routes(run_id: str, body: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        ("GET", "/api/health", None),
        ("GET", "/api/openapi.json", None),
        ("GET", "/api/runs", None),
        ("POST", "/api/runs", {"flow": body}),
        ("GET", f"/api/runs/{run_id}", None),
        ("POST", f"/api/runs/{run_id}/trigger", {"node": "m"}),
        ("POST", f"/api/runs/{run_id}/deliver", {"node": "m", "socket": "fire", "values": [1]}),
        ("GET", f"/api/runs/{run_id}/values?node=m&socket=fire", None),
        ("DELETE", f"/api/runs/{run_id}", None),
        ("GET", "/api/nowhere", None),
    ]


@pytest.mark.parametrize("case", list(BAD))
def test_http_routes_refuse_without_running_anything(server: LiveServer, tmp_path: pathlib.Path, case: str) -> None:
    live = tmp_path / "live"
    live.mkdir()
    run_id = server.start(marker_flow(live), trigger="none")
    server.events(run_id, until="run_idle")
    assert (live / "loaded").exists() and not (live / "fired").exists()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    headers, query = BAD[case]
    with httpx.Client(base_url=server.url, headers=headers) as client:
        for method, path, body in routes(run_id, marker_flow(fresh)):
            response = client.request(method, path + query, json=body)
            expected = 403 if case == "foreign origin" else 401
            assert response.status_code == expected, (method, path, response.text)
            assert response.json()["error"]["type"] in ("Unauthorized", "Forbidden")
    assert not (live / "fired").exists(), "a refused trigger fired the node"
    assert list(fresh.iterdir()) == [], "a refused POST started a run"
    assert [r["run"] for r in server.http.get("/api/runs").json()["runs"]] == [run_id]
    assert server.info(run_id)["state"] == "idle", "a refused DELETE stopped the run"


def test_the_token_is_accepted_in_the_header_and_in_the_query(server: LiveServer) -> None:
    health = server.http.get("/api/health").json()
    assert health["ok"] is True
    # The studio refuses a server of another protocol: it must say which it speaks.
    assert health["protocol"] == PROTOCOL_VERSION
    assert httpx.get(f"{server.url}/api/health?token={TOKEN}").status_code == 200
    response = httpx.get(
        f"{server.url}/api/health", headers={"Origin": ALLOWED_ORIGIN, "Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_cors_preflight_allows_only_the_listed_origins(server: LiveServer) -> None:
    asks = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    ok = httpx.options(f"{server.url}/api/runs", headers={"Origin": ALLOWED_ORIGIN, **asks})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "*" not in ok.headers.get("access-control-allow-origin", "")
    refused = httpx.options(f"{server.url}/api/runs", headers={"Origin": FOREIGN_ORIGIN, **asks})
    assert "access-control-allow-origin" not in refused.headers
    # 403, as the request itself would get, saying how to allow the origin.
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/json"
    assert refused.json()["error"] == {
        "type": "Forbidden",
        "message": f"the origin {FOREIGN_ORIGIN} may not call this server: "
        f"start headrace serve with --allow-origin {FOREIGN_ORIGIN}",
    }
    odd = httpx.options(
        f"{server.url}/api/runs", headers={**asks, "Origin": ALLOWED_ORIGIN, **{"Access-Control-Request-Method": "PUT"}}
    )
    assert odd.status_code == 400 and "method" in odd.json()["error"]["message"]


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "LocalHost.", "127.0.0.1", "127.0.0.2:1", "[::1]:80"])
def test_loopback_names_are_answered(server: LiveServer, host: str) -> None:
    assert server.http.get("/api/health", headers={"Host": host}).status_code == 200


def test_a_host_that_is_not_ours_is_refused(serve: Serve, tmp_path: pathlib.Path) -> None:
    """DNS rebinding: a page on the attacker's name, resolved to this machine,
    calls the server by that name. It is refused before the token is looked at."""
    server: LiveServer = serve(allow_hosts=("studio-box.lan",))
    for host in ("evil.example", "evil.example:8000", "localhost.evil.example", "10.1.2.3", "[2001:db8::1]:80"):
        name = host.removesuffix(":8000").removesuffix(":80")
        for method, path, body in routes("nope", marker_flow(tmp_path)):
            response = server.http.request(method, path, json=body, headers={"Host": host})
            assert response.status_code == 403, (host, path, response.text)
            error = response.json()["error"]
            assert error["type"] == "Forbidden" and f"--allow-host {name.strip('[]')}" in error["message"], error
        sock, status = raw_websocket(server, f"/api/runs/nope/events?token={TOKEN}", host=host)
        sock.close()
        assert b" 403 " in status, status
    assert list(tmp_path.iterdir()) == [], "a refused POST started a run"
    for host in ("studio-box.lan", "STUDIO-BOX.lan:8000"):
        assert server.http.get("/api/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("case", ["no token", "wrong token", "foreign origin", "no run"])
def test_websocket_refuses(server: LiveServer, tmp_path: pathlib.Path, case: str) -> None:
    run_id = server.start(marker_flow(tmp_path), trigger="none")
    server.events(run_id, until="run_idle")
    url = f"{server.ws_url}/api/runs/{run_id}/events"
    if case == "foreign origin":
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{url}?token={TOKEN}", origin=FOREIGN_ORIGIN)  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403
        return
    target = {
        "no token": url,
        "wrong token": f"{url}?token=nope",
        "no run": f"{server.ws_url}/api/runs/nope/events?token={TOKEN}",
    }[case]
    with connect(target, origin=ALLOWED_ORIGIN) as ws, pytest.raises(ConnectionClosed) as closed:  # type: ignore[arg-type]
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == (4404 if case == "no run" else 4401)
    assert not (tmp_path / "fired").exists()


def test_websocket_from_an_allowed_origin_streams(server: LiveServer, tmp_path: pathlib.Path) -> None:
    run_id = server.start(marker_flow(tmp_path), trigger="none")
    with server.connect(run_id, origin=ALLOWED_ORIGIN) as ws:
        assert '"run_started"' in str(ws.recv(timeout=5))


def test_run_processes_do_not_see_the_token(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADRACE_TOKEN", TOKEN)
    run_id = server.start(
        flow(script("env", "import os\ndef env():\n    return [os.getpid(), os.environ.get('HEADRACE_TOKEN')]\n"))
    )
    server.events(run_id, until="run_idle")
    pid, token = server.newest(run_id, "env", "env")
    assert token is None
    assert pid != os.getpid(), "node code ran in the server's process"


def test_the_token_stays_out_of_the_logs(server: LiveServer, tmp_path: pathlib.Path) -> None:
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep()
    logging.getLogger("uvicorn.error").addHandler(handler)
    try:
        run_id = server.start(marker_flow(tmp_path), trigger="none")
        server.events(run_id, until="run_idle")
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)
    assert any("WebSocket" in line for line in seen)
    assert not any(TOKEN in line for line in seen)
    assert redact(f"GET /api/health?token={TOKEN}&x=1") == "GET /api/health?token=…&x=1"
    record = logging.LogRecord("uvicorn.access", 20, "", 0, '%s "%s"', ("1.2.3.4", f"/a?token={TOKEN}"), None)
    RedactTokens().filter(record)
    assert TOKEN not in record.getMessage()
