"""The bridge's commands and results: what a host may ask, and what it gets back.

Like the events, these are defined once here as a tagged union (``"cmd"`` is the
tag), each command naming the result its success carries (``result``; None: an
empty object), and the studio's TypeScript types — the command → result map
included — are generated from them (:mod:`headrace.protocol_ts`).
"""

from __future__ import annotations

import dataclasses
import types
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin, get_type_hints

from headrace.errors import HeadraceError, RequirementProblem
from headrace.protocol import TS

#: A flow document on the wire: typed by the schema on the TypeScript side.
FlowJson = Annotated[dict[str, Any], TS("FlowDocument")]


class BadCommand(HeadraceError):
    """A command that is not well formed, or names a run that does not exist."""


@dataclasses.dataclass(frozen=True)
class Hello:
    """Who is there: versions and platform."""

    kind: ClassVar[str] = "hello"
    result: ClassVar[str | None] = "HelloResult"


@dataclasses.dataclass(frozen=True)
class Inspect:
    """Read a node's shape from its code, without running it."""

    kind: ClassVar[str] = "inspect"
    result: ClassVar[str | None] = "NodeShapeInfo"
    type: Literal["data", "script"]
    code: str


@dataclasses.dataclass(frozen=True)
class Validate:
    """Validate a flow document (an object, or JSON text as read from a file) and
    return every node's shape."""

    kind: ClassVar[str] = "validate"
    result: ClassVar[str | None] = "ValidateResult"
    #: Whatever the user gave: the engine decides whether it is a flow.
    flow: Annotated[dict[str, Any] | str, TS("unknown")]


@dataclasses.dataclass(frozen=True)
class DescribeCron:
    """Check a cron expression as the user types it: its plain-words reading and
    next fire times in ``timezone`` (default: the machine's zone)."""

    kind: ClassVar[str] = "cron"
    result: ClassVar[str | None] = "CronResult"
    expression: str
    timezone: str | None = None
    count: int = 3


@dataclasses.dataclass(frozen=True)
class Install:
    """Make requirements importable: micropip in Pyodide; in CPython, only check
    (installing on a server is its operator's decision)."""

    kind: ClassVar[str] = "install"
    result: ClassVar[str | None] = "InstallResult"
    requirements: list[str]
    index_urls: list[str] | None = None
    #: Where Pyodide's own packages (its lock file's) are loaded from: named in messages.
    package_base_url: str | None = None


@dataclasses.dataclass(frozen=True)
class StartRun:
    """Start a run; it stays alive, for triggers, until ``stop``."""

    kind: ClassVar[str] = "run"
    result: ClassVar[str | None] = "RunResultInfo"
    flow: FlowJson
    run: str | None = None
    trigger: Literal["sources", "none"] = "sources"
    #: Arm the flow's schedules (they fire until the run is stopped).
    schedules: bool = True
    #: The host's time zone (the browser's), used when the flow names none.
    timezone: str | None = None
    #: What the host hears: ``events``, one per thing that happened, values
    #: included; or ``view``, the run's view — one ``view`` event per slice of
    #: work saying what changed (docs/events.md).
    report: Literal["events", "view"] = "events"
    #: With ``view``: also report the first this many values of each socket
    #: (and errors of each node) one by one; null: every one.
    emit_limit: int | None = None
    #: Values each socket keeps, for ``values`` (the newest; at least 1).
    keep_values: int = 100
    #: Lines of each node's console the view keeps.
    console_lines: int = 500
    #: What started the run, as a host that records runs keeps it (``run-flow``,
    #: ``node:NAME``, ``replay``, …); None: the host's own name for it.
    origin: str | None = None
    #: The run this one was replayed or cloned from, for the run history.
    parent: str | None = None


@dataclasses.dataclass(frozen=True)
class TriggerNode:
    """Fire a node, or one of its sockets, in a live run."""

    kind: ClassVar[str] = "trigger"
    result: ClassVar[str | None] = None
    run: str
    node: str
    socket: str | None = None


@dataclasses.dataclass(frozen=True)
class DeliverValues:
    """Send recorded values out of a socket of a live run again, in order, as if
    the node had emitted them, without running it: a replay (docs/history.md).
    Nodes downstream run with the run's code; nothing upstream runs."""

    kind: ClassVar[str] = "deliver"
    result: ClassVar[str | None] = None
    run: str
    node: str
    socket: str
    values: list[Any]


@dataclasses.dataclass(frozen=True)
class ReadValues:
    """A page of the values a socket of a run keeps (the newest ``keep_values``):
    from index ``offset`` on (default: the oldest kept), at most ``limit``. Works
    on a live run and on the last few that stopped."""

    kind: ClassVar[str] = "values"
    result: ClassVar[str | None] = "ValuesResult"
    run: str
    node: str
    socket: str
    offset: int | None = None
    limit: int = 100


@dataclasses.dataclass(frozen=True)
class StopRun:
    """End a run."""

    kind: ClassVar[str] = "stop"
    result: ClassVar[str | None] = None
    run: str
    #: Why, for the ``run_stopped`` event (a server's time limit, say).
    message: str | None = None


Command = (
    Hello | Inspect | Validate | DescribeCron | Install | StartRun | TriggerNode | DeliverValues | ReadValues | StopRun
)
COMMAND_TYPES: tuple[type, ...] = (
    Hello,
    Inspect,
    Validate,
    DescribeCron,
    Install,
    StartRun,
    TriggerNode,
    DeliverValues,
    ReadValues,
    StopRun,
)
_BY_TAG: dict[str, type] = {c.kind: c for c in COMMAND_TYPES}  # type: ignore[attr-defined]


# -- results -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PortInfo:
    """One input port, as the studio draws it."""

    name: str
    function: str
    param: str
    has_default: bool
    default: str | None
    sticky: bool
    required: bool


@dataclasses.dataclass(frozen=True)
class NodeShapeInfo:
    """A node's sockets (``error`` last) and ports."""

    sockets: list[str]
    ports: list[PortInfo]


@dataclasses.dataclass(frozen=True)
class HelloResult:
    version: str
    protocol: int
    python: str
    platform: str


@dataclasses.dataclass(frozen=True)
class ValidateResult:
    """The flow as the engine read it, and every node's shape by node id."""

    flow: FlowJson
    nodes: dict[str, NodeShapeInfo]


@dataclasses.dataclass(frozen=True)
class CronResult:
    """``next`` in ISO 8601 in the zone; ``next_ms`` the same instants in ms."""

    explain: str
    timezone: str
    next: list[str]
    next_ms: list[float]


@dataclasses.dataclass(frozen=True)
class InstallResult:
    installed: list[str]


@dataclasses.dataclass(frozen=True)
class RunResultInfo:
    run: str


@dataclasses.dataclass(frozen=True)
class KeptValue:
    """One kept value: its index among the socket's values (from 0), the value as
    JSON, or its repr when JSON cannot hold it (``repr`` true), and its rich views
    (``display``: MIME type → text, images base64; see :mod:`headrace.display`) when
    it has any."""

    index: int
    value: Any
    repr: bool
    display: dict[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class ValuesResult:
    """``count`` values left the socket; those from index ``first`` on are kept."""

    count: int
    first: int
    values: list[KeptValue]


@dataclasses.dataclass(frozen=True)
class ErrorInfo:
    """Why a command failed. ``type`` is FlowError, BadCommand, RequirementError,
    InternalError, or Busy (a server's run that did not answer in time); ``path`` is
    the JSON path for a FlowError; ``line`` and ``column`` (1-based) the place in node
    code a FlowError points at (a syntax error), else None; ``requirements`` the ones
    at fault for a RequirementError, and ``problem`` why they could not be installed."""

    type: Literal["FlowError", "BadCommand", "RequirementError", "InternalError", "Busy"]
    message: str
    path: str | None = None
    requirements: list[str] | None = None
    line: int | None = None
    column: int | None = None
    problem: RequirementProblem | None = None


def failure(error: ErrorInfo) -> dict[str, Any]:
    """A failed command's result as it goes on the wire, whoever answers the
    command (the bridge, or a server whose run did not)."""
    return {"ok": False, "error": dataclasses.asdict(error)}


RESULT_TYPES: tuple[type, ...] = (
    PortInfo,
    NodeShapeInfo,
    HelloResult,
    ValidateResult,
    CronResult,
    InstallResult,
    RunResultInfo,
    KeptValue,
    ValuesResult,
    ErrorInfo,
)


def parse_command(obj: Any) -> Command:
    """Build a command from its JSON form, checking field names and types."""
    if not isinstance(obj, dict):
        raise BadCommand(f"a command is a JSON object, got {_json_type(obj)}")
    tag = obj.get("cmd")
    cls = _BY_TAG.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise BadCommand(f"unknown cmd {tag!r} (expected one of: {', '.join(_BY_TAG)})")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "cmd":
            continue
        if key not in fields:
            raise BadCommand(f"{tag}: unknown field {key!r} (fields: {', '.join(fields) or 'none'})")
        problem = _mismatch(value, hints[key], f"{tag}.{key}")
        if problem is not None:
            raise BadCommand(problem)
        values[key] = value
    for name, field in fields.items():
        if name not in values and field.default is dataclasses.MISSING:
            raise BadCommand(f"{tag}: missing field {name!r}")
    command: Command = cls(**values)
    return command


def _mismatch(value: Any, hint: Any, where: str) -> str | None:
    """Why ``value`` does not fit ``hint``, pointing into lists; None if it fits."""
    if get_origin(hint) is list and isinstance(value, list):
        (item,) = get_args(hint)
        for i, element in enumerate(value):
            problem = _mismatch(element, item, f"{where}[{i}]")
            if problem is not None:
                return problem
        return None
    if _matches(value, hint):
        return None
    literal = get_origin(hint) is Literal and isinstance(value, str | int) and not isinstance(value, bool)
    got = repr(value) if literal else _json_type(value)
    return f"{where}: expected {_describe(hint)}, got {got}"


def _json_type(value: Any) -> str:
    """A JSON value's type, as the user wrote it: ``a number``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _matches(value: Any, hint: Any) -> bool:
    origin = get_origin(hint)
    if hint is Any:
        return True
    if origin in (Union, types.UnionType):
        return any(_matches(value, arg) for arg in get_args(hint))
    if origin is Literal:
        return value in get_args(hint)
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = get_args(hint)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in get_args(hint))
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(hint))
    if origin is list:
        return f"a list of {_describe(get_args(hint)[0])}"
    if origin is dict:
        return "an object"
    return {str: "a string", int: "an integer", bool: "true or false", type(None): "null"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )
