"""The HTTP and WebSocket routes: a thin adapter over the bridge and the runs.

Flows are checked here with the bridge's ``validate`` and ``install`` commands
(static: reading code with ``ast`` and looking up installed packages, never
running it), then handed to a run's own process (:mod:`headrace.server.runs`).
Errors are JSON ``{"error": {"type", "message", ...}}``, with the bridge's
error fields when the bridge said no; an unexpected failure is a 500 of that
form too. Every answer is JSON in ASCII, and none names a file of this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.websockets import WebSocketDisconnect

from headrace import __version__
from headrace.bridge import Bridge
from headrace.load import json_object
from headrace.protocol import PROTOCOL_VERSION, HealthRecord, ServerErrorKind
from headrace.run import new_run_id
from headrace.server.config import ServerConfig
from headrace.server.guard import Cors, Guard
from headrace.server.history_routes import add_history_routes
from headrace.server.openapi import RUN_BODY, VALUES_PARAMETERS, errors, flow_components
from headrace.server.runs import RunProcess, RunRegistry, Viewer
from headrace.server.sanitize import hide_paths

log = logging.getLogger("headrace.server")

#: HTTP status for each kind of bridge error.
STATUS = {"FlowError": 422, "RequirementError": 422, "BadCommand": 400, "Busy": 503, "InternalError": 500}
#: How long a run's process gets to start and accept its run.
START_SECONDS = 30.0
#: How long a trigger or a values read waits for the run's answer (node code may
#: be blocking it).
ANSWER_SECONDS = 5.0
#: Close codes of the events WebSocket.
WS_NO_RUN, WS_TOO_SLOW = 4404, 1013
#: How long closing a WebSocket may wait for the viewer: one that stopped reading
#: cannot be sent the close frame, and is then left to its TCP connection.
CLOSE_SECONDS = 5.0
#: Longest close reason (the protocol allows 123 bytes).
_CLOSE_REASON_BYTES = 120
#: Batch lines are joined into WebSocket messages of about this many characters
#: at most (a longer line goes alone): a viewer that fell behind catches up in
#: messages of a sensible size.
MESSAGE_CHARS = 1024 * 1024

_RUN_OPTIONS = (
    "trigger",
    "schedules",
    "timezone",
    "report",
    "emit_limit",
    "keep_values",
    "console_lines",
    "origin",
    "parent",
)
#: What the server's runs report unless the client says: the run's view, with the
#: first 1,000 values of each socket one by one (as the studio asks). Clients
#: that want every value pass ``report=events``.
_RUN_DEFAULTS: dict[str, Any] = {"report": "view", "emit_limit": 1000}
#: Query parameters of ``GET /api/runs/{id}/values``.
_VALUES_PARAMETERS = ("node", "socket", "offset", "limit")


class AsciiJSON(JSONResponse):
    """JSON in ASCII: text from a flow or from node code may hold a lone
    surrogate (half a character), which a JSON escape carries and UTF-8 cannot."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


def create_app(config: ServerConfig) -> FastAPI:
    """The server's ASGI application (its runs are ``app.state.runs``)."""
    runs = RunRegistry(config)
    checker = Bridge(lambda text: None)  # validate and check only: it never runs a flow

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await runs.close()

    app = FastAPI(
        title="Headrace server",
        version=__version__,
        summary="Runs Headrace flows on this machine and streams their events.",
        lifespan=lifespan,
        docs_url=None,  # the HTML pages load scripts from a CDN, without the token
        redoc_url=None,
        openapi_url="/api/openapi.json",
        default_response_class=AsciiJSON,
    )
    app.state.runs = runs
    # The address bound, when it is one, is a name the server is called by (and
    # an address cannot be rebound to another machine as a name can).
    bound = () if config.host in ("", "0.0.0.0", "::") else (config.host,)  # noqa: S104 - compared, not bound
    app.add_middleware(
        Guard,
        token=config.token,
        allow_origins=config.allow_origins,
        allow_hosts=config.allow_hosts + bound,
        max_body=config.max_body,
    )
    app.add_middleware(
        Cors,
        allow_origins=list(config.allow_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
    )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """Starlette's own answers (no such route, a method a route lacks) in the
        server's error format; a 405 lists every method of the path, not only
        those of the first route that matched it."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            methods = {
                method
                for route in app.router.routes
                if route.matches(request.scope)[0] is not Match.NONE
                for method in getattr(route, "methods", None) or ()
            }
            headers["Allow"] = ", ".join(sorted(methods))
        kinds: dict[int, ServerErrorKind] = {404: "NotFound", 405: "MethodNotAllowed"}
        kind = kinds.get(exc.status_code, "HTTPError")
        return AsciiJSON({"error": {"type": kind, "message": exc.detail}}, exc.status_code, headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        """A bug in the server: a JSON answer that names the error, not where the
        server's files are (the traceback goes to the server's log)."""
        return _error(
            500,
            "InternalError",
            f"the server failed to answer: {type(exc).__name__}: {hide_paths(str(exc))[:500]} "
            "(the server's log has the details)",
        )

    @app.get("/api/health", summary="Whether the server answers, and how many runs it has", responses=errors())
    async def health() -> dict[str, Any]:
        record: HealthRecord = {
            "ok": True,
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "runs": runs.live_count(),
            "max_runs": config.max_runs,
        }
        return dict(record)

    @app.post(
        "/api/runs",
        status_code=201,
        summary="Start a run of a flow",
        openapi_extra={"requestBody": RUN_BODY},
        responses=errors(400, 422, 429, 500, 503),
    )
    async def start_run(request: Request) -> Any:
        try:
            # Keys given twice are marked: validate names them, as it does in a file.
            body = json.loads(await request.body(), object_pairs_hook=json_object)
            flow, options = _run_request(body, dict(request.query_params))
        except (ValueError, RecursionError) as exc:
            return _error(400, "BadRequest", str(exc))
        checked = await checker.handle_object({"cmd": "validate", "flow": flow})
        if not checked["ok"]:
            return _bridge_error(checked)
        spec = checked["value"]["flow"]
        present = await checker.handle_object({"cmd": "install", "requirements": spec.get("requirements") or []})
        if not present["ok"]:
            return _bridge_error(present)
        if runs.closing:
            return _error(503, "ShuttingDown", "the server is shutting down: start the run again once it is back")
        if runs.live_count() >= config.max_runs:
            return _error(
                429,
                "TooManyRuns",
                f"this server runs at most {config.max_runs} flows at once (--max-runs), and that many are running: "
                "stop one (DELETE /api/runs/ID) or try again later",
            )
        run = runs.new_run(new_run_id(), spec["name"])
        runs.add(run)  # no await since the check: the cap holds under concurrent requests
        # From here on, a run that did not start must not stay registered: it would
        # count against --max-runs until its time limit, and stay listed as starting.
        try:
            await run.spawn()
            result = await run.command({"cmd": "run", "flow": flow, "run": run.id, **options}, START_SECONDS)
        except Exception as exc:
            log.exception("run %s: could not start", run.id)
            await _abandon(runs, run)
            return _error(500, "InternalError", f"cannot start a process for the run: {hide_paths(str(exc))}")
        except BaseException:  # cancelled: the server is going away
            await _abandon(runs, run)
            raise
        if not result["ok"]:
            await _abandon(runs, run)
            if result["error"]["type"] == "BadCommand" and run.view.reason == "failed":
                # The process died before it took the run: say how, not "it has stopped".
                return _error(500, "InternalError", f"the run's process ended as it started: {run.view.message}")
            return _bridge_error(result)
        return {"run": run.id}

    @app.get("/api/runs", summary="Every run, live or recently stopped", responses=errors())
    async def list_runs() -> dict[str, Any]:
        return {"runs": [run.info() for run in runs.runs.values()]}

    @app.get("/api/runs/{run_id}", summary="One run", responses=errors(404))
    async def get_run(run_id: str) -> Any:
        run = runs.runs.get(run_id)
        return _no_run(run_id) if run is None else run.info()

    @app.post(
        "/api/runs/{run_id}/trigger",
        summary="Fire a node, or one of its sockets, in a live run",
        responses=errors(400, 404, 409, 422, 500, 503),
    )
    async def trigger(run_id: str, request: Request) -> Any:
        return await live_command(run_id, request, "trigger", '{"node": ID, "socket": NAME (optional)}')

    @app.post(
        "/api/runs/{run_id}/deliver",
        summary="Send recorded values out of a socket of a live run again (a replay)",
        responses=errors(400, 404, 409, 413, 422, 500, 503),
    )
    async def deliver(run_id: str, request: Request) -> Any:
        return await live_command(run_id, request, "deliver", '{"node": ID, "socket": NAME, "values": [...]}')

    async def live_command(run_id: str, request: Request, cmd: str, body_is: str) -> Any:
        """A command to a live run, its fields the request's JSON body (`body_is` says which)."""
        run = runs.runs.get(run_id)
        if run is None:
            return _no_run(run_id)
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError) as exc:
            return _error(400, "BadRequest", f"the body is not JSON: {exc}")
        if not isinstance(body, dict) or {"cmd", "run"} & body.keys():
            return _error(400, "BadRequest", f"the body is {body_is}")
        if not run.live:
            return _error(409, "Stopped", f"run {run_id} has stopped")
        result = await run.command({**body, "cmd": cmd, "run": run_id}, ANSWER_SECONDS)
        return result["value"] if result["ok"] else _bridge_error(result)

    add_history_routes(app, config.history, _error, hide_paths)

    @app.get(
        "/api/runs/{run_id}/values",
        summary="A page of the values a socket of a live run keeps",
        openapi_extra={"parameters": VALUES_PARAMETERS},
        responses=errors(400, 404, 409, 500, 503),
    )
    async def values(run_id: str, request: Request) -> Any:
        run = runs.runs.get(run_id)
        if run is None:
            return _no_run(run_id)
        try:
            page = _values_request(dict(request.query_params))
        except ValueError as exc:
            return _error(400, "BadRequest", str(exc))
        if run.live:
            result = await run.command({**page, "cmd": "values", "run": run_id}, ANSWER_SECONDS)
            if result["ok"]:
                # In ASCII (see AsciiJSON); NaN as the bridge gives it.
                return Response(json.dumps(result["value"]), media_type="application/json")
            if run.live:  # else the process ended while we asked
                return _bridge_error(result)
        return _error(409, "Stopped", f"run {run_id} has stopped: its values went with its process")

    @app.delete("/api/runs/{run_id}", summary="Stop a run (its process ends)", responses=errors(404))
    async def stop_run(run_id: str) -> Any:
        run = runs.runs.get(run_id)
        if run is None:
            return _no_run(run_id)
        await run.stop()
        return run.info()

    @app.websocket("/api/runs/{run_id}/events")
    async def events(websocket: WebSocket, run_id: str) -> None:
        """A snapshot of the run's view, then its batches of events as they come."""
        await websocket.accept()
        run = runs.runs.get(run_id)
        if run is None:
            await websocket.close(WS_NO_RUN, _close_reason(f"no run {run_id!r}"))
            return
        snapshot, viewer = run.attach()
        gone = asyncio.ensure_future(_until_disconnect(websocket))
        cut = asyncio.ensure_future(viewer.cut.wait())
        try:
            close = await _stream(websocket, snapshot, viewer, gone, cut)
            if close is not None:
                if close[0] == WS_TOO_SLOW:
                    run.detach(viewer)  # it holds nothing any more: say so at once
                # A viewer that stopped reading cannot be sent the close frame
                # either: do not wait for it for ever.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(websocket.close(*close), CLOSE_SECONDS)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the viewer went away; the run goes on
        finally:
            gone.cancel()
            cut.cancel()
            run.detach(viewer)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with the flow format's schemas the run body refers to."""
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            document.setdefault("components", {}).setdefault("schemas", {}).update(flow_components())
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


async def _stream(
    websocket: WebSocket, snapshot: str | None, viewer: Viewer, gone: asyncio.Future[Any], cut: asyncio.Future[Any]
) -> tuple[int, str] | None:
    """Send a viewer the snapshot, then the batch lines as they come; the code and
    reason to close with, or None if the viewer went away.

    Each line of a message is one batch (a JSON array of events), as the run's
    process wrote it: a busy run publishes a hundred a second, and re-encoding
    them, or a message per event, would cost more than the events themselves.
    A send waits while the viewer does not read; its backlog meanwhile is bounded
    (:class:`~headrace.server.runs.Viewer`), and once over, ``cut`` ends the wait.
    """
    too_slow = (WS_TOO_SLOW, "too far behind: attach again for the run's state")

    async def send(text: str) -> bool:
        """Whether the text went (else the viewer went away or was cut off)."""
        sending: asyncio.Future[Any] = asyncio.ensure_future(websocket.send_text(text))
        await asyncio.wait((sending, gone, cut), return_when=asyncio.FIRST_COMPLETED)
        if not sending.done():
            sending.cancel()  # it waits for the viewer to read, before writing: nothing is half sent
            return False
        sending.result()  # its error, if it failed
        return True

    if snapshot is not None and not await send(snapshot):
        return too_slow if viewer.overflowed else None
    while not gone.done():
        batch: asyncio.Future[Any] = asyncio.ensure_future(viewer.take())
        await asyncio.wait((batch, gone), return_when=asyncio.FIRST_COMPLETED)
        if not batch.done():
            batch.cancel()
            return None
        if viewer.overflowed:
            return too_slow
        lines = batch.result()
        if not lines:  # the run ended and every batch was sent
            return (1000, "the run has stopped")
        for message in _messages(lines):
            if not await send(message):
                return too_slow if viewer.overflowed else None
    return None


def _close_reason(text: str) -> str:
    """``text`` cut to fit a close frame (a long run id would not)."""
    data = text.encode("utf-8")
    return text if len(data) <= _CLOSE_REASON_BYTES else data[: _CLOSE_REASON_BYTES - 3].decode("utf-8", "ignore") + "…"


async def _abandon(runs: RunRegistry, run: RunProcess) -> None:
    """A run that did not start: its process ended, and the run forgotten."""
    try:
        await run.stop()
    finally:
        runs.forget(run.id)


async def _until_disconnect(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass  # viewers have nothing to say: commands go over HTTP


def _run_request(body: Any, query: dict[str, str]) -> tuple[Any, dict[str, Any]]:
    """The flow and the run options of ``POST /api/runs``, the server's defaults
    filled in."""
    options: dict[str, Any] = {}
    for key, value in query.items():
        if key == "token":
            continue
        if key not in _RUN_OPTIONS:
            raise ValueError(f"unknown query parameter {key!r} (parameters: {', '.join(_RUN_OPTIONS)})")
        if key == "schedules":
            options[key] = _flag(key, value)
        elif key in ("emit_limit", "keep_values", "console_lines"):
            options[key] = _whole_number(key, value)
        else:
            options[key] = value
    flow = body
    if isinstance(body, dict) and "flow" in body and "headrace" not in body:
        if getattr(body, "duplicate", ""):
            raise ValueError(f"the field {body.duplicate!r} is given twice")  # type: ignore[attr-defined]
        extra = body.keys() - {"flow", *_RUN_OPTIONS}
        if extra:
            raise ValueError(f"unknown field {sorted(extra)[0]!r} (fields: flow, {', '.join(_RUN_OPTIONS)})")
        options.update({k: body[k] for k in _RUN_OPTIONS if k in body})
        flow = body["flow"]
    options.setdefault("report", _RUN_DEFAULTS["report"])
    if options["report"] == "view":
        options.setdefault("emit_limit", _RUN_DEFAULTS["emit_limit"])  # an explicit null: every value
    return flow, options


def _values_request(query: dict[str, str]) -> dict[str, Any]:
    """The arguments of the ``values`` command from ``GET /api/runs/{id}/values``."""
    unknown = query.keys() - {"token", *_VALUES_PARAMETERS}
    if unknown:
        raise ValueError(
            f"unknown query parameter {sorted(unknown)[0]!r} (parameters: {', '.join(_VALUES_PARAMETERS)})"
        )
    for key in ("node", "socket"):
        if key not in query:
            raise ValueError(f"missing query parameter {key!r}: which socket's values? (?node=ID&socket=NAME)")
    page: dict[str, Any] = {"node": query["node"], "socket": query["socket"]}
    for key in ("offset", "limit"):
        if key in query:
            page[key] = _whole_number(key, query[key])
    return page


def _whole_number(key: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{key}: expected a whole number of at least 0, got {value!r}") from None
    if number < 0:
        raise ValueError(f"{key}: expected a whole number of at least 0, got {value!r}")
    return number


def _flag(key: str, value: str) -> bool:
    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    if value.lower() not in words:
        raise ValueError(f"{key}: expected true or false, got {value!r}")
    return words[value.lower()]


def _messages(lines: list[str]) -> Iterator[str]:
    """Batch lines joined by newlines into messages of about :data:`MESSAGE_CHARS`
    at most; a line is never split."""
    start = size = 0
    for end, line in enumerate(lines):
        if end > start and size + len(line) > MESSAGE_CHARS:
            yield "\n".join(lines[start:end])
            start, size = end, 0
        size += len(line) + 1
    if start < len(lines):
        yield "\n".join(lines[start:])


def _error(status: int, kind: ServerErrorKind, message: str, **fields: Any) -> JSONResponse:
    return AsciiJSON({"error": {"type": kind, "message": message, **fields}}, status_code=status)


def _bridge_error(result: dict[str, Any]) -> JSONResponse:
    # The engine's messages quote exceptions, which may name files of this machine.
    error = {**result["error"], "message": hide_paths(str(result["error"].get("message")))}
    return AsciiJSON({"error": error}, status_code=STATUS.get(error["type"], 500))


def _no_run(run_id: str) -> JSONResponse:
    return _error(404, "NotFound", f"no run {run_id!r}")
