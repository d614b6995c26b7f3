"""Reading and validating flow files.

Every problem becomes one :class:`FlowError` whose message starts with the JSON
path of the culprit, so a user can find it in the file (or the studio can point at
it). The checks follow the JSON Schema in ``schema/flow-v1.schema.json``, plus what
a schema cannot say: unique ids, edges that name existing sockets and ports, code
that parses.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from packaging.requirements import InvalidRequirement, Requirement

from headrace.cron import Cron, CronError, zone
from headrace.errors import FlowError, PathPart
from headrace.model import FORMAT_VERSION, Edge, FlowSpec, Node, Pinned, PortSettings, Schedule
from headrace.scheduler import MISFIRE_POLICIES, Misfire
from headrace.shape import NODE_TYPES, NodeShape, read_shape

FLOW_KEYS = (
    "headrace",
    "name",
    "description",
    "requirements",
    "timezone",
    "misfire",
    "time_limit",
    "queue_limit",
    "nodes",
    "edges",
    "ui",
)
NODE_KEYS = ("id", "type", "name", "description", "code", "sockets", "schedule", "ports", "time_limit", "pinned")
EDGE_KEYS = ("id", "from", "to")
PORT_SETTING_KEYS = ("sticky",)
SCHEDULE_KEYS = ("cron", "enabled")

#: How deep a flow document may nest (its ``ui`` is free-form, but not bottomless).
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Characters an id or a name cannot hold: control characters (a NUL cannot even be
#: part of a file name, which every node's code is compiled under).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")

_TYPE_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _fail(path: list[PathPart], problem: str) -> NoReturn:
    raise FlowError(path, problem)


def _what(value: Any) -> str:
    """Name a JSON value's type for a message: ``got a list``."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _expect(value: Any, kind: type, path: list[PathPart], wanted: str) -> None:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        _fail(path, f"expected {wanted}, got {_what(value)}")


def _check_keys(obj: Mapping[str, Any], known: tuple[str, ...], path: list[PathPart]) -> None:
    for key in obj:
        if key not in known:
            _fail([*path, key], f"unknown key (expected one of: {', '.join(known)})")


def _string(obj: Mapping[str, Any], key: str, path: list[PathPart], *, nonempty: bool) -> str:
    if key not in obj:
        _fail([*path, key], "missing")
    value = obj[key]
    _expect(value, str, [*path, key], "a string")
    if nonempty and not value.strip():
        _fail([*path, key], "must not be empty")
    return str(value)


def parse_document(source: str | bytes | os.PathLike[str] | Mapping[str, Any]) -> Any:
    """Turn what ``Flow.load`` accepts into a JSON value: a dict is taken as is, a
    string that looks like JSON is parsed, any other string or path is a file."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "[") and not _is_file(source):
        return parse_json(source, "$")
    path = os.fspath(source)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise FlowError("$", f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the path
        raise FlowError("$", f"cannot read {path}: {exc}") from None
    return parse_json(text, "$")


def _is_file(text: str) -> bool:
    try:
        return len(text) < 4096 and os.path.isfile(text)
    except (OSError, ValueError):
        return False


class _Pairs(dict):  # type: ignore[type-arg]
    """An object of a parsed file that had a key twice (JSON parsers keep the last
    value silently); the walk in :func:`validate` reports it with its path."""

    duplicate: str = ""


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads`` of a flow read elsewhere (a request
    body): an object with a key given twice is marked, and :func:`validate` names it."""
    out = _Pairs() if len({k for k, _ in pairs}) < len(pairs) else {}
    for key, value in pairs:
        if key in out and not out.duplicate:  # type: ignore[attr-defined]
            out.duplicate = key  # type: ignore[attr-defined]
        out[key] = value
    return out


def parse_json(text: str, path: str) -> Any:
    """Parse flow JSON text, turning any problem into a FlowError at ``path``. A key
    given twice in one object is a FlowError too (see :func:`validate`)."""

    def reject_constant(name: str) -> NoReturn:
        raise ValueError(f"{name} is not valid JSON")

    try:
        return json.loads(text, parse_constant=reject_constant, object_pairs_hook=json_object)
    except json.JSONDecodeError as exc:
        raise FlowError(path, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise FlowError(path, f"not valid JSON: {exc}") from None


def _check_document(doc: Any) -> None:
    """What holds for every value in a flow, wherever it is: no key given twice in an
    object, no lone surrogate in a string (half of a character, as cutting a string in
    the middle of an emoji gives: no UTF-8 text can carry it), no nesting deeper than
    MAX_DEPTH."""
    stack: list[tuple[Any, list[PathPart]]] = [(doc, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                _fail(path, "contains a lone surrogate (half of a character, as cutting text inside an emoji gives)")
            continue
        if not isinstance(value, dict | list):
            continue
        if len(path) >= MAX_DEPTH:
            _fail(path, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            if isinstance(value, _Pairs):
                _fail([*path, value.duplicate], "this key is given twice in one object (only one can be kept)")
            for key, item in value.items():
                if isinstance(key, str) and _SURROGATE.search(key):
                    _fail([*path, key], "this key contains a lone surrogate (half of a character)")
                stack.append((item, [*path, key]))
        else:
            stack.extend((item, [*path, i]) for i, item in enumerate(value))


def _plain_text(value: str, path: list[PathPart], what: str) -> None:
    match = _CONTROL.search(value)
    if match:
        name = {"\x00": "a NUL character", "\n": "a line break"}.get(match.group(), "a control character")
        _fail(path, f"{what} cannot contain {name}")


def validate(doc: Any) -> FlowSpec:
    """Check a parsed flow document and build the model. Raises FlowError."""
    if not isinstance(doc, Mapping):
        _fail([], f"expected a flow object, got {_what(doc)}")
    _check_document(doc)
    _check_version(doc)
    _check_keys(doc, FLOW_KEYS, [])
    name = _string(doc, "name", [], nonempty=False)
    _plain_text(name, ["name"], "a flow's name")
    description = _optional_string(doc, "description", [])
    requirements = _requirements(doc)
    if "nodes" not in doc:
        _fail(["nodes"], "missing")
    nodes_doc = doc["nodes"]
    _expect(nodes_doc, list, ["nodes"], "a list of nodes")
    nodes = [_node(item, ["nodes", i]) for i, item in enumerate(nodes_doc)]
    _check_unique_ids(nodes)
    edges_doc = doc.get("edges", [])
    if "edges" not in doc:
        _fail(["edges"], "missing")
    _expect(edges_doc, list, ["edges"], "a list of edges")
    by_id = {n.id: n for n in nodes}
    edges = [_edge(item, ["edges", i], by_id) for i, item in enumerate(edges_doc)]
    _check_edge_duplicates(edges)
    ui = doc.get("ui")
    if "ui" in doc:
        _expect(ui, dict, ["ui"], "an object")
    flow = FlowSpec(
        name=name,
        nodes=nodes,
        edges=edges,
        description=description,
        requirements=requirements,
        timezone=_zone_name(doc),
        misfire=_misfire(doc),
        time_limit=_time_limit(doc, []),
        queue_limit=_queue_limit(doc),
        ui=copy.deepcopy(ui),  # the flow owns its copy: later edits to ``doc`` do not leak in
    )
    _check_sources(flow)
    return flow


def _check_version(doc: Mapping[str, Any]) -> None:
    if "headrace" not in doc:
        _fail(["headrace"], f'missing: this is not a headrace flow file (expected "headrace": {FORMAT_VERSION})')
    version = doc["headrace"]
    if isinstance(version, float) and version.is_integer():
        version = int(version)  # JSON does not tell 1 from 1.0
    if not isinstance(version, int) or isinstance(version, bool):
        _fail(["headrace"], f"expected the format version as a whole number, got {json.dumps(version)}")
    if version > FORMAT_VERSION:
        _fail(
            ["headrace"],
            f"format version {version} is newer than this headrace reads (up to {FORMAT_VERSION}); upgrade headrace",
        )
    if version < 1:
        _fail(["headrace"], f"unknown format version {version} (versions start at 1)")


def _optional_string(obj: Mapping[str, Any], key: str, path: list[PathPart]) -> str | None:
    if key not in obj:
        return None
    _expect(obj[key], str, [*path, key], "a string")
    return str(obj[key])


def _requirements(doc: Mapping[str, Any]) -> list[str] | None:
    if "requirements" not in doc:
        return None
    value = doc["requirements"]
    _expect(value, list, ["requirements"], "a list of requirement strings")
    for i, item in enumerate(value):
        _expect(item, str, ["requirements", i], 'a requirement string such as "cronsim>=2.6"')
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            # (packaging's message goes on with the text and a caret under the fault)
            _fail(["requirements", i], f"not a valid requirement {item!r}: {str(exc).splitlines()[0]}")
    return list(value)


def _node(item: Any, path: list[PathPart]) -> Node:
    _expect(item, dict, path, "a node object")
    _check_keys(item, NODE_KEYS, path)
    node_id = _string(item, "id", path, nonempty=True)
    _plain_text(node_id, [*path, "id"], "a node's id")
    if "type" not in item:
        _fail([*path, "type"], "missing (expected 'data' or 'script')")
    node_type = item["type"]
    if node_type not in NODE_TYPES:
        _fail([*path, "type"], f"unknown node type {json.dumps(node_type)} (expected 'data' or 'script')")
    name = _string(item, "name", path, nonempty=False)
    _plain_text(name, [*path, "name"], "a node's name")
    code = _string(item, "code", path, nonempty=False)
    if "\x00" in code:
        _fail([*path, "code"], "contains a NUL character (Python source cannot)")
    shape = read_shape(node_type, code, [*path, "code"])
    sockets = _exposed_sockets(item, path, shape)
    if sockets is not None:
        shape = shape.restricted_to(sockets)
    ports = _port_settings(item, path, shape)
    schedule = _schedule(item, path, shape)
    return Node(
        id=node_id,
        type=node_type,
        name=name,
        code=code,
        shape=shape,
        sockets=sockets,
        schedule=schedule,
        ports=ports,
        description=_optional_string(item, "description", path),
        time_limit=_time_limit(item, path),
        pinned=_pinned(item, path, shape),
    )


def _pinned(item: Mapping[str, Any], path: list[PathPart], shape: NodeShape) -> dict[str, Pinned] | None:
    if "pinned" not in item:
        return None
    value = item["pinned"]
    _expect(value, dict, [*path, "pinned"], "an object of socket names to pinned values")
    pinned: dict[str, Pinned] = {}
    for socket, setting in value.items():
        where = [*path, "pinned", socket]
        if socket not in shape.sockets:
            _fail(where, f"the code has no socket {socket!r} ({_listing('sockets', shape.sockets)})")
        _expect(setting, dict, where, 'an object such as {"values": [1, 2], "run": "run-1-…"}')
        _check_keys(setting, ("values", "run"), where)
        if "values" not in setting:
            _fail([*where, "values"], "missing (expected the list of values the socket sends)")
        _expect(setting["values"], list, [*where, "values"], "a list of values")
        run = setting.get("run")
        if run is not None:
            _expect(run, str, [*where, "run"], "the id of the run the values came from")
        pinned[socket] = Pinned(values=list(setting["values"]), run=run)
    return pinned


def _exposed_sockets(item: Mapping[str, Any], path: list[PathPart], shape: NodeShape) -> list[str] | None:
    if "sockets" not in item:
        return None
    value = item["sockets"]
    _expect(value, list, [*path, "sockets"], "a list of socket names")
    for i, socket in enumerate(value):
        _expect(socket, str, [*path, "sockets", i], "a socket name")
        if socket in value[:i]:
            _fail([*path, "sockets", i], f"{socket!r} is listed twice")
        if socket not in shape.sockets:
            _fail([*path, "sockets", i], f"the code has no socket {socket!r} ({_listing('sockets', shape.sockets)})")
    return list(value)


def _port_settings(item: Mapping[str, Any], path: list[PathPart], shape: NodeShape) -> dict[str, PortSettings] | None:
    if "ports" not in item:
        return None
    value = item["ports"]
    _expect(value, dict, [*path, "ports"], "an object of port settings")
    settings: dict[str, PortSettings] = {}
    for name, setting in value.items():
        where = [*path, "ports", name]
        if shape.port(name) is None:
            _fail(where, f"the code has no port {name!r} ({_listing('ports', [p.name for p in shape.ports])})")
        _expect(setting, dict, where, 'an object such as {"sticky": true}')
        _check_keys(setting, PORT_SETTING_KEYS, where)
        sticky = setting.get("sticky")
        if "sticky" in setting:
            _expect(sticky, bool, [*where, "sticky"], "true or false")
        settings[name] = PortSettings(sticky=sticky)
    return settings


def _schedule(item: Mapping[str, Any], path: list[PathPart], shape: NodeShape) -> dict[str, Schedule] | None:
    if "schedule" not in item:
        return None
    value = item["schedule"]
    _expect(value, dict, [*path, "schedule"], "an object of socket names to cron expressions")
    schedules: dict[str, Schedule] = {}
    for socket, setting in value.items():
        where = [*path, "schedule", socket]
        if socket not in shape.sockets:
            _fail(where, f"the code has no socket {socket!r} ({_listing('sockets', shape.sockets)})")
        enabled: bool | None = None
        if isinstance(setting, dict):
            _check_keys(setting, SCHEDULE_KEYS, where)
            if "cron" not in setting:
                _fail([*where, "cron"], "missing")
            expression = setting["cron"]
            _expect(expression, str, [*where, "cron"], "a cron expression string")
            enabled = setting.get("enabled", True)
            _expect(enabled, bool, [*where, "enabled"], "true or false")
            cron_path = [*where, "cron"]
        else:
            _expect(setting, str, where, 'a cron expression string, or {"cron": ..., "enabled": ...}')
            expression, cron_path = setting, where
        try:
            cron = Cron(expression)
        except CronError as exc:
            _fail(cron_path, f"invalid cron {expression!r}: {exc}")
        schedules[socket] = Schedule(cron=cron, enabled=enabled, written_as_object=isinstance(setting, dict))
    return schedules


def _check_sources(flow: FlowSpec) -> None:
    """Only sources can have schedules: a data socket, or a function no port of
    which must wait for a value."""
    for i, node in enumerate(flow.nodes):
        for socket in node.schedule or {}:
            waits = [p.name for p in node.shape.ports_of(socket) if flow.is_required(node, p)]
            if waits:
                _fail(
                    ["nodes", i, "schedule", socket],
                    f"{socket!r} cannot be scheduled: it is not a source, it waits for {', '.join(waits)}",
                )


def _zone_name(doc: Mapping[str, Any]) -> str | None:
    if "timezone" not in doc:
        return None
    name = doc["timezone"]
    _expect(name, str, ["timezone"], "an IANA time zone name such as 'Europe/Paris'")
    try:
        zone(name)
    except CronError as exc:
        _fail(["timezone"], str(exc))
    return str(name)


def _time_limit(obj: Mapping[str, Any], path: list[PathPart]) -> float | None:
    """``time_limit``: seconds, a number above 0 (ints stay ints, so a file
    exports as written)."""
    if "time_limit" not in obj:
        return None
    value = obj["time_limit"]
    where = [*path, "time_limit"]
    if not isinstance(value, int | float) or isinstance(value, bool):
        _fail(where, f"expected a number of seconds, got {_what(value)}")
    if not value > 0 or value == float("inf"):
        _fail(where, f"expected a number of seconds above 0, got {json.dumps(value)}")
    return value


def _queue_limit(doc: Mapping[str, Any]) -> int | None:
    if "queue_limit" not in doc:
        return None
    value = doc["queue_limit"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON does not tell 10000 from 10000.0
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        _fail(["queue_limit"], f"expected a whole number of values, at least 1, got {json.dumps(value)}")
    return value


def _misfire(doc: Mapping[str, Any]) -> Misfire | None:
    if "misfire" not in doc:
        return None
    policy = doc["misfire"]
    if policy not in MISFIRE_POLICIES:
        _fail(["misfire"], f"unknown policy {json.dumps(policy)} (expected one of: {', '.join(MISFIRE_POLICIES)})")
    return policy  # type: ignore[no-any-return]


def _check_unique_ids(nodes: list[Node]) -> None:
    seen: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.id in seen:
            _fail(["nodes", i, "id"], f"duplicate id {node.id!r} (also nodes[{seen[node.id]}])")
        seen[node.id] = i


def _endpoint(item: Mapping[str, Any], key: str, path: list[PathPart], field: str) -> tuple[str, str]:
    if key not in item:
        _fail([*path, key], f'missing (expected {{"node": ..., "{field}": ...}})')
    end = item[key]
    _expect(end, dict, [*path, key], f'an object {{"node": ..., "{field}": ...}}')
    _check_keys(end, ("node", field), [*path, key])
    return _string(end, "node", [*path, key], nonempty=True), _string(end, field, [*path, key], nonempty=True)


def _edge(item: Any, path: list[PathPart], nodes: Mapping[str, Node]) -> Edge:
    _expect(item, dict, path, "an edge object")
    _check_keys(item, EDGE_KEYS, path)
    edge_id = _optional_string(item, "id", path)
    if edge_id is not None:
        _plain_text(edge_id, [*path, "id"], "an edge's id")
    from_id, socket = _endpoint(item, "from", path, "socket")
    to_id, port = _endpoint(item, "to", path, "port")
    source = nodes.get(from_id)
    if source is None:
        _fail([*path, "from", "node"], f"no node {from_id!r} ({_listing('nodes', list(nodes))})")
    if socket not in source.shape.all_sockets:
        _fail(
            [*path, "from", "socket"],
            f"node {from_id!r} has no socket {socket!r} ({_listing('sockets', source.shape.all_sockets)})",
        )
    target = nodes.get(to_id)
    if target is None:
        _fail([*path, "to", "node"], f"no node {to_id!r} ({_listing('nodes', list(nodes))})")
    if target.type == "data":
        _fail([*path, "to", "node"], f"node {to_id!r} is a data node: it has no input ports")
    if target.shape.port(port) is None:
        _fail(
            [*path, "to", "port"],
            f"node {to_id!r} has no port {port!r} ({_listing('ports', [p.name for p in target.shape.ports])})",
        )
    return Edge(from_node=from_id, from_socket=socket, to_node=to_id, to_port=port, id=edge_id)


def _check_edge_duplicates(edges: list[Edge]) -> None:
    ids: dict[str, int] = {}
    wires: dict[tuple[str, str, str, str], int] = {}
    for i, edge in enumerate(edges):
        if edge.id is not None:
            if edge.id in ids:
                _fail(["edges", i, "id"], f"duplicate id {edge.id!r} (also edges[{ids[edge.id]}])")
            ids[edge.id] = i
        wire = (edge.from_node, edge.from_socket, edge.to_node, edge.to_port)
        if wire in wires:
            _fail(["edges", i], f"the same wire as edges[{wires[wire]}]")
        wires[wire] = i


def _listing(what: str, names: Any) -> str:
    names = list(names)
    return f"{what}: {', '.join(names)}" if names else f"it has no {what}"
