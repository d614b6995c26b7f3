"""The engine's events: what a run reports, defined once, as a tagged union.

Every event is a slotted dataclass with a ``kind`` class attribute that becomes the
``"event"`` tag on the wire. Treat events as immutable; they are not frozen because
a frozen dataclass is markedly slower to create, and a busy flow creates one per
message. The studio's TypeScript types are generated from these
classes (:mod:`headrace.protocol_ts`), so this module is the single source of truth
for the wire format that the Web Worker, the server's WebSocket and the CLI share.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Annotated, Any, ClassVar, Literal, TypedDict

PROTOCOL_VERSION = 1


class TS:
    """The TypeScript type of a field that Python holds as plain JSON (views keep
    wire dicts, which TypeScript types precisely): ``Annotated[dict[str, Any],
    TS("Record<string, Held>")]`` (read by :mod:`headrace.protocol_ts`)."""

    def __init__(self, spelling: str) -> None:
        self.spelling = spelling


class NodeState(enum.StrEnum):
    """What a node is doing, as the canvas shows it: ``idle`` (not run in this
    run), ``waiting`` (holds new values, misses others), ``running`` (in a call,
    or called since the host last looked), ``done`` (its last call returned),
    ``error`` (its last call raised), ``stopped`` (cut short by Stop)."""

    IDLE = "idle"
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    STOPPED = "stopped"


#: The states a node can settle in once it has run: nothing of it is in progress.
SETTLED_NODE_STATES = frozenset({NodeState.DONE, NodeState.ERROR, NodeState.STOPPED})


class RunPhase(enum.StrEnum):
    """The life of a run, the one vocabulary of the engine, the server and the
    studio: ``installing`` its requirements (hosts that install), ``starting``
    (created, modules loading), ``running`` (work queued), ``idle`` (nothing to do
    until a trigger or a schedule), then one of the terminal phases: ``stopped``
    (asked to, or finished) or ``failed`` (the flow could not go on)."""

    INSTALLING = "installing"
    STARTING = "starting"
    RUNNING = "running"
    IDLE = "idle"
    STOPPED = "stopped"
    FAILED = "failed"


#: A run in one of these phases is over: nothing in it runs again.
TERMINAL_RUN_PHASES = frozenset({RunPhase.STOPPED, RunPhase.FAILED})


@dataclasses.dataclass(slots=True)
class Held:
    """How many of a function's required ports hold a value, and which params
    still miss one (what the canvas shows for "why hasn't this fired?")."""

    held: int
    required: int
    missing: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class ValuePreview:
    """A value as a short line of text: its JSON (``repr`` false) or its Python
    repr, cut at a few hundred characters (``truncated``). The whole value is
    fetched on demand (the bridge's ``values`` command)."""

    text: str
    repr: bool
    truncated: bool


@dataclasses.dataclass(slots=True)
class SocketView:
    """One socket in a view change: values emitted so far, and the newest."""

    count: int
    last: ValuePreview | None


@dataclasses.dataclass(slots=True)
class ConsoleText:
    """Text a node wrote, in the order written."""

    stream: Literal["stdout", "stderr"]
    text: str


@dataclasses.dataclass(slots=True)
class ErrorRecord:
    """One exception of node code, as views carry it. ``index`` counts the node's
    exceptions in the run, from 1."""

    index: int
    socket: str | None
    type: str
    message: str
    traceback: str
    routed: bool


@dataclasses.dataclass(slots=True)
class NodeView:
    """One node in a view change. ``state`` and ``functions`` replace what the host
    holds; ``sockets`` lists the sockets that emitted since the last change. The
    console's lines are numbered from the node's first: ``console`` holds its lines
    from number ``console_from`` on (the first may replace a partial line the host
    holds), and lines before ``console_dropped`` are no longer kept. ``errors``
    counts the node's exceptions in the run; ``last_error`` is the newest, when
    it is new."""

    state: NodeState
    functions: dict[str, Held]
    sockets: dict[str, SocketView]
    console_from: int
    console: list[ConsoleText]
    console_dropped: int
    errors: int
    last_error: ErrorRecord | None
    #: Only in a view rebuilt from a host's fold (``RunView.snapshot``): the
    #: schedules' counts, which the engine reports as ``schedule_*`` events.
    schedules: Annotated[dict[str, Any] | None, TS("Record<string, ViewSchedule> | null")] = None


@dataclasses.dataclass(slots=True)
class RunStarted:
    """A run began. ``nodes`` is the number of nodes in the flow."""

    kind: ClassVar[str] = "run_started"
    run: str
    flow: str
    nodes: int


@dataclasses.dataclass(slots=True)
class NodeStateChanged:
    """A node moved to another state; ``functions`` holds the per-function counts
    of a script node (``{"add": {"held": 1, "required": 2}}``)."""

    kind: ClassVar[str] = "node_state"
    run: str
    node: str
    state: NodeState
    functions: dict[str, Held]


@dataclasses.dataclass(slots=True)
class Emit:
    """A value left a socket. ``value`` is the value itself inside the engine; on
    the wire it is JSON where it can be, else its ``repr`` (and ``repr`` is true).
    ``seq`` counts emits within the run, from 1."""

    kind: ClassVar[str] = "emit"
    run: str
    node: str
    socket: str
    value: Any
    seq: int


@dataclasses.dataclass(slots=True)
class Output:
    """Text a node wrote to stdout or stderr."""

    kind: ClassVar[str] = "output"
    run: str
    node: str
    stream: Literal["stdout", "stderr"]
    text: str


@dataclasses.dataclass(slots=True)
class NodeError:
    """Node code raised. ``index`` counts the node's exceptions in the run, from 1.
    ``socket`` is the function (script) or socket (data) that failed, or null when
    the module itself failed to run. ``routed`` tells whether an edge leaves the
    node's ``error`` socket."""

    kind: ClassVar[str] = "node_error"
    run: str
    node: str
    index: int
    socket: str | None
    type: str
    message: str
    traceback: str
    routed: bool


@dataclasses.dataclass(slots=True)
class RunIdle:
    """Nothing is left to do until something is triggered again. Counts are totals
    for the run so far."""

    kind: ClassVar[str] = "run_idle"
    run: str
    emitted: int
    errors: int
    unrouted_errors: int
    elapsed_ms: float


@dataclasses.dataclass(slots=True)
class RunStopped:
    """The run ended: ``reason`` is ``"stopped"`` (asked to), ``"finished"`` (ran
    to idle and was not kept alive) or ``"failed"`` (the flow could not go on —
    a port overflowed its ``queue_limit`` — or the engine itself failed;
    ``message`` says why)."""

    kind: ClassVar[str] = "run_stopped"
    run: str
    reason: Literal["stopped", "finished", "failed"]
    message: str | None = None


@dataclasses.dataclass(slots=True)
class ScheduleNext:
    """A scheduled socket's next fire time: ``at`` in the flow's zone (ISO 8601),
    ``at_ms`` the same instant in milliseconds since the epoch."""

    kind: ClassVar[str] = "schedule_next"
    run: str
    node: str
    socket: str
    at: str
    at_ms: float


@dataclasses.dataclass(slots=True)
class ScheduleFire:
    """A schedule came due. ``fired`` is false when the misfire policy skipped it;
    ``missed`` counts the slots due at once (1 when on time); ``slot`` is the
    (latest) slot's time; ``late`` is true when the fire came over a second late;
    ``count`` counts this socket's fires in the run."""

    kind: ClassVar[str] = "schedule_fire"
    run: str
    node: str
    socket: str
    slot: str
    slot_ms: float
    lateness_ms: float
    late: bool
    missed: int
    fired: bool
    count: int


@dataclasses.dataclass(slots=True)
class ViewChanged:
    """What changed in the run's view since the last change (hosts that ask for the
    view get this instead of ``node_state``, ``output`` and one ``emit`` per
    value): the run's phase and totals, and each node that changed. A change
    carries absolute states and counts, so a host that folds every change since
    ``run_started`` holds the engine's view (:mod:`headrace.view`)."""

    kind: ClassVar[str] = "view"
    run: str
    phase: RunPhase
    emitted: int
    errors: int
    unrouted_errors: int
    nodes: dict[str, NodeView]


Event = (
    RunStarted
    | NodeStateChanged
    | Emit
    | Output
    | NodeError
    | RunIdle
    | RunStopped
    | ScheduleNext
    | ScheduleFire
    | ViewChanged
)
EVENT_TYPES: tuple[type, ...] = (
    RunStarted,
    NodeStateChanged,
    Emit,
    Output,
    NodeError,
    RunIdle,
    RunStopped,
    ScheduleNext,
    ScheduleFire,
    ViewChanged,
)


# -- a backend server's records (docs/backend.md) ------------------------------


class HealthRecord(TypedDict):
    """``GET /api/health``: the server answers and takes the token; ``protocol`` is
    the event and command protocol it speaks (a studio of another refuses it)."""

    ok: bool
    version: str
    protocol: int
    runs: int
    max_runs: int


class RunRecord(TypedDict):
    """``GET /api/runs/{id}``, and each of ``GET /api/runs``: ``phase`` is the
    run's; ``state`` the same, except that a failed run is ``stopped`` too (its
    ``reason`` says it failed). Times are ISO 8601, in UTC."""

    run: str
    flow: str
    state: Annotated[str, TS("RunPhase")]
    phase: Annotated[str, TS("RunPhase")]
    reason: str | None
    message: str | None
    started: str
    stopped: str | None
    emitted: int
    errors: int
    unrouted_errors: int
    viewers: int


#: The ``type`` of a server's HTTP error answer (``{"error": {"type", "message"}}``)
#: when it is not the bridge's (``ErrorInfo``, which keeps its own types).
ServerErrorKind = Literal[
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "HTTPError",
    "TooLarge",
    "TooManyRuns",
    "ShuttingDown",
    "Stopped",
    "InternalError",
]

#: What a server answers besides the bridge's results (generated for the studio).
SERVER_RECORDS: tuple[type, ...] = (HealthRecord, RunRecord)


_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def safe_repr(value: Any) -> str:
    """``repr(value)``, or a placeholder when its ``__repr__`` itself fails (or
    the value nests too deep to print)."""
    try:
        return repr(value)
    except KeyboardInterrupt:
        raise  # the host interrupting (Ctrl-C, Stop) must still get through
    except BaseException as exc:  # a broken __repr__ must not break the run, whatever it raises
        return f"<unrepresentable {type(value).__name__}: {_exception_text(exc)}>"


def _exception_text(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}({exc})"
    except KeyboardInterrupt:
        raise
    except BaseException:
        return type(exc).__name__


_SCALARS = frozenset({int, float, str, bool, type(None)})


def _json_key(key: Any) -> str | None:
    """The string JSON turns a dict key into, or None when it cannot be a key."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return json.dumps(key)
    if isinstance(key, int):
        return str(int(key))
    if isinstance(key, float):
        return json.dumps(key)
    return None


def _keys_survive_json(value: Any) -> bool:
    """False when JSON would merge two keys of some dict in ``value`` (``1`` and
    ``"1"``): encoding it would silently lose an entry."""
    stack = [value]
    seen: set[int] = set()  # a value may contain itself: JSON will refuse it, we must not loop
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            if any(type(k) is not str for k in item):
                keys = [_json_key(k) for k in item]
                if None not in keys and len(set(keys)) < len(keys):
                    return False
            stack.extend(v for v in item.values() if type(v) not in _SCALARS)
        elif isinstance(item, list | tuple):
            stack.extend(v for v in item if type(v) not in _SCALARS)
    return True


def _json_safe(value: Any) -> bool:
    return type(value) in _SCALARS or _keys_survive_json(value)


def encode_value(value: Any) -> tuple[Any, bool]:
    """Return ``(wire_value, is_repr)``: the value as JSON would carry it (tuples
    become lists, number keys strings), else its ``repr`` — also when JSON would
    merge two of its keys."""
    try:
        if not _json_safe(value):
            raise ValueError("keys collide")
        text = _encode(value)
    except KeyboardInterrupt:
        raise
    except BaseException:  # not JSON, or node code's dict subclass raising whatever it likes
        return safe_repr(value), True
    return json.loads(text), False


def event_to_dict(event: Event) -> dict[str, Any]:
    """The wire form of an event: a JSON-ready dict tagged with ``"event"``."""
    out = _tagged_dict(event)
    if isinstance(event, Emit):
        out["value"], out["repr"] = encode_value(event.value)
    return out


def _tagged_dict(event: Event) -> dict[str, Any]:
    """The event as a tagged dict, an emitted value as it is."""
    out: dict[str, Any] = {"event": event.kind}
    for name in _field_names(type(event)):
        value = getattr(event, name)
        if name == "functions":
            out[name] = {k: {"held": v.held, "required": v.required, "missing": v.missing} for k, v in value.items()}
        elif name == "nodes" and isinstance(event, ViewChanged):
            out[name] = {node: _plain(change) for node, change in value.items()}
        elif isinstance(value, enum.Enum):
            out[name] = value.value
        else:
            out[name] = value
    if isinstance(event, Emit):
        out["repr"] = False
    return out


def _plain(value: Any) -> Any:
    """A dataclass (nested, with enums) as JSON-ready dicts and lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


_quote = json.encoder.encode_basestring  # the C encoder, with ensure_ascii=False's output


def emit_prefix(run: str, node: str, socket: str) -> str:
    """The start of every ``emit`` event of one socket, as :func:`emit_json` writes it."""
    return f'{{"event": "emit", "run": {_quote(run)}, "node": {_quote(node)}, "socket": {_quote(socket)}, "value": '


def emit_json(prefix: str, run: str, node: str, socket: str, value: Any, seq: int) -> str:
    """One ``emit`` event as JSON, from its parts and its socket's :func:`emit_prefix`
    (hosts that hear values one by one encode one per value: the generic path would
    cost several times the value itself)."""
    kind = type(value)
    if kind is str:
        text = _quote(value)
    elif kind is int:
        text = int.__repr__(value)
    elif kind is float and value == value and value not in (_INF, -_INF):
        text = float.__repr__(value)
    elif kind is bool:
        text = "true" if value else "false"
    else:
        return _emit_json_slowly(Emit(run, node, socket, value, seq))
    return f'{prefix}{text}, "seq": {seq}, "repr": false}}'


def _emit_json(event: Emit) -> str:
    return emit_json(emit_prefix(event.run, event.node, event.socket), event.run, event.node, event.socket,
                     event.value, event.seq)  # fmt: skip


def _emit_json_slowly(event: Emit) -> str:
    out = _tagged_dict(event)
    try:
        if not _json_safe(event.value):
            raise ValueError("keys collide")
        return _encode(out)
    except KeyboardInterrupt:
        raise
    except BaseException:  # not JSON, or node code's dict subclass raising whatever it likes
        out["value"] = safe_repr(event.value)
        out["repr"] = True
        return _encode(out)


_INF = float("inf")


def event_to_json(event: Event) -> str:
    """One event as one line of JSON. An emitted value JSON cannot hold (a set,
    an object, NaN, a cycle) goes as its ``repr``, with ``"repr": true``."""
    if event.__class__ is Emit:
        return _emit_json(event)
    out = _tagged_dict(event)
    try:
        if isinstance(event, Emit) and not _json_safe(event.value):
            raise ValueError("keys collide")
        return _encode(out)
    except KeyboardInterrupt:
        raise
    except BaseException:  # not JSON, or node code's dict subclass raising whatever it likes
        if not isinstance(event, Emit):
            raise
    out["value"] = safe_repr(event.value)
    out["repr"] = True
    return _encode(out)
