"""What the OpenAPI document says: the flow a run takes, and what each route may answer.

Every error the server sends is ``{"error": {"type", "message", ...}}``; listing
each status a route can give, with that shape, lets a client (and schemathesis,
in tests/server) check every answer against the document, errors included. A
run's body is described by the flow format's own JSON Schema, so the document
and the engine agree on what a flow is (the engine checks more than a schema can
say: unique ids, edges naming existing ports, code that parses).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from headrace.schema import flow_schema

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "path": {"type": ["string", "null"], "description": "A FlowError's JSON path."},
                "line": {"type": ["integer", "null"], "description": "The line of node code a FlowError points at."},
                "column": {"type": ["integer", "null"], "description": "Its column (1-based), when known."},
                "requirements": {
                    "type": ["array", "null"],
                    "items": {"type": "string"},
                    "description": "A RequirementError's requirements.",
                },
                "problem": {
                    "type": ["string", "null"],
                    "description": "Why a RequirementError's install failed: offline, not_found, "
                    "not_for_browser, conflict or other.",
                },
            },
        }
    },
}

_WHY = {
    400: "The request is malformed (not JSON, an unknown field or parameter, a bad command, no such node or socket).",
    401: "No token, or the wrong one.",
    403: "The request's Host is not a name of this server (see --allow-host), or its Origin is not on the "
    "allow-list (see --allow-origin).",
    404: "No such run.",
    409: "The run has stopped.",
    413: "The body is over --max-body.",
    422: "The flow is invalid (FlowError, with its JSON path) or needs missing requirements.",
    429: "As many runs as --max-runs are running.",
    500: "The run's process could not start, or the engine or the server failed (the message says which, "
    "naming no file of the server).",
    503: "The run's process did not answer in time (node code may be blocking it), or the server is shutting down.",
}
#: Every route can meet the door (see guard.py).
_ALWAYS = (401, 403, 413)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that may answer these error statuses (and
    those of the door)."""
    return {
        status: {"description": _WHY[status], "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        for status in sorted({*statuses, *_ALWAYS})
    }


_RUN_OPTIONS_SCHEMA: dict[str, Any] = {
    "trigger": {"enum": ["sources", "none"], "description": "Fire every source at start (default), or nothing."},
    "schedules": {"type": "boolean", "description": "Arm the flow's schedules (default true)."},
    "origin": {
        "type": ["string", "null"],
        "description": "What started the run, as the run history keeps it (`run-flow`, `node:NAME`, `replay`; "
        "default `api`).",
    },
    "parent": {
        "type": ["string", "null"],
        "description": "The run this one was replayed or cloned from, for the run history's graph of runs.",
    },
    "timezone": {"type": "string", "description": "The IANA zone schedules are read in, when the flow names none."},
    "report": {
        "enum": ["view", "events"],
        "description": "What the run's events say: `view` (default), a `view` event per slice of work saying "
        "what changed, plus the first `emit_limit` values of each socket; or `events`, one event per value.",
    },
    "emit_limit": {
        "type": ["integer", "null"],
        "minimum": 0,
        "description": "With `view`: values of each socket also sent as `emit` events (default 1000; null: all).",
    },
    "keep_values": {
        "type": "integer",
        "minimum": 1,
        "description": "Values each socket keeps for `GET /api/runs/{id}/values` (default 100).",
    },
    "console_lines": {
        "type": "integer",
        "minimum": 1,
        "description": "Lines of each node's console kept (default 500).",
    },
}


def flow_components() -> dict[str, Any]:
    """Schemas for ``components.schemas``: the flow format (its ``$defs`` moved
    next to it, references rewritten) and a run's body, a flow or an envelope."""
    schema = flow_schema()
    defs = schema.pop("$defs")
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    moved = {f"Flow_{name}": value for name, value in defs.items()}
    moved["Flow"] = schema
    text = json.dumps(moved).replace('"#/$defs/', '"#/components/schemas/Flow_')
    components: dict[str, Any] = json.loads(text)
    components["RunRequest"] = {
        "description": "A flow document (format 1), or {flow, trigger?, schedules?, timezone?, report?, "
        "emit_limit?, keep_values?, console_lines?}.",
        "oneOf": [
            {"$ref": "#/components/schemas/Flow"},
            {
                "type": "object",
                "required": ["flow"],
                "additionalProperties": False,
                "properties": {"flow": {"$ref": "#/components/schemas/Flow"}, **copy.deepcopy(_RUN_OPTIONS_SCHEMA)},
            },
        ],
    }
    return components


RUN_BODY: dict[str, Any] = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunRequest"}}},
}


def _query(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


#: The query of ``GET /api/runs/{id}/values`` (the route reads it itself, to
#: answer in the server's error format).
VALUES_PARAMETERS: list[dict[str, Any]] = [
    _query("node", {"type": "string"}, "The node's id.", required=True),
    _query("socket", {"type": "string"}, "The socket's name.", required=True),
    _query("offset", {"type": "integer", "minimum": 0}, "The index of the first value (default: the oldest kept)."),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "Values at most."),
]
