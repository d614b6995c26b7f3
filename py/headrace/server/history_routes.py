"""The server's run history over HTTP: ``/api/history``.

Each run's process records its run into the server's history file (SQLite, see
:mod:`headrace.history` and ``--history``), so runs outlive their process and the
server's restarts; these routes read it. They take the token as every route does.
A run whose process died while it ran (the server killed, the machine restarted)
reads as ``interrupted``. Reads go to a thread of their own: a run's process may
hold the file's write lock for a moment, and the server's loop must not wait on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from headrace.history import RUN_STATES, History, HistoryError
from headrace.server.openapi import errors

T = TypeVar("T")

#: Most runs one page of ``GET /api/history`` lists, and most values one page of a socket's.
MAX_PAGE = 1000


def add_history_routes(
    app: FastAPI, path: str | None, error: Callable[..., JSONResponse], hide_paths: Callable[[str], str]
) -> None:
    """The ``/api/history`` routes of ``app``, reading the history file at ``path``
    (None: the server keeps none, and says so)."""

    async def reading(read: Callable[[History], T]) -> T | JSONResponse:
        if path is None:
            return error(404, "NotFound", "this server keeps no run history (it was started with --no-history)")

        def in_thread() -> T:
            with History.open(path) as history:
                return read(history)

        try:
            return await asyncio.to_thread(in_thread)
        except HistoryError as exc:
            message = hide_paths(str(exc))
            status = 404 if "holds no run" in message else 400
            return error(status, "NotFound" if status == 404 else "BadRequest", message)

    @app.get("/api/history", summary="The runs the server recorded, newest first", responses=errors(400, 404))
    async def list_runs(request: Request) -> Any:
        query = request.query_params
        state = query.get("state")
        if state is not None and state not in RUN_STATES:
            return error(400, "BadRequest", f"state: expected one of {', '.join(RUN_STATES)}, got {state!r}")
        limit = _whole(query.get("limit"), 100)
        if limit is None or not 1 <= limit <= MAX_PAGE:
            return error(400, "BadRequest", f"limit: expected a whole number from 1 to {MAX_PAGE}")
        flow = query.get("flow")
        return await reading(
            lambda h: {"runs": [r.to_json() for r in h.runs(flow_name=flow, state=state, limit=limit)]}
        )

    @app.get(
        "/api/history/{run_id}",
        summary="One recorded run: its flow, view and kept values' counts",
        responses=errors(400, 404),
    )
    async def one_run(run_id: str) -> Any:
        def read(h: History) -> dict[str, Any]:
            record = h.get(run_id)
            kept = h.sockets(record.id)
            return {
                "run": record.to_json(),
                "flow": record.flow,
                "view": record.view,
                "kept": [{"node": n, "socket": s, "values": c} for (n, s), c in sorted(kept.items())],
            }

        return await reading(read)

    @app.get(
        "/api/history/{run_id}/values",
        summary="A page of the values a recorded run's socket kept",
        responses=errors(400, 404),
    )
    async def run_values(run_id: str, request: Request) -> Any:
        query = request.query_params
        node, socket = query.get("node"), query.get("socket")
        if not node or not socket:
            return error(400, "BadRequest", "give node=ID&socket=NAME")
        offset, limit = _whole(query.get("offset"), 0), _whole(query.get("limit"), 100)
        if offset is None or offset < 0 or limit is None or not 1 <= limit <= MAX_PAGE:
            return error(400, "BadRequest", f"offset: a whole number from 0; limit: from 1 to {MAX_PAGE}")

        def read(h: History) -> dict[str, Any]:
            page = h.values(run_id, node, socket, offset, limit)
            values = [{"index": i, "value": v, "repr": r} for i, v, r in page.values]
            return {"count": page.count, "first": page.first, "values": values}

        return await reading(read)

    @app.get(
        "/api/history/{run_id}/export",
        summary="A recorded run as one document (headrace runs import)",
        responses=errors(400, 404),
    )
    async def export_run(run_id: str) -> Any:
        return await reading(lambda h: h.export(run_id))

    @app.delete("/api/history/{run_id}", summary="Forget a recorded run", responses=errors(400, 404))
    async def delete_run(run_id: str) -> Any:
        def delete(h: History) -> dict[str, Any]:
            record = h.get(run_id)
            h.delete(record.id)
            return {"deleted": record.id}

        return await reading(delete)


def _whole(text: str | None, default: int) -> int | None:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        return None


__all__ = ["add_history_routes"]
