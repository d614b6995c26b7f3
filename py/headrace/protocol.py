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
from typing import Any, ClassVar, Literal

PROTOCOL_VERSION = 1


class NodeState(enum.StrEnum):
    """What a node is doing, as the canvas shows it."""

    IDLE = "idle"
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"


class RunState(enum.StrEnum):
    """The life of a run. ``STOPPED`` is the only terminal state."""

    RUNNING = "running"
    IDLE = "idle"
    STOPPED = "stopped"


@dataclasses.dataclass(slots=True)
class Held:
    """How many of a function's required ports hold a value, and which params
    still miss one (what the canvas shows for "why hasn't this fired?")."""

    held: int
    required: int
    missing: list[str] = dataclasses.field(default_factory=list)


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
    """Node code raised. ``socket`` is the function (script) or socket (data) that
    failed, or null when the module itself failed to run. ``routed`` tells whether
    an edge leaves the node's ``error`` socket."""

    kind: ClassVar[str] = "node_error"
    run: str
    node: str
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


Event = RunStarted | NodeStateChanged | Emit | Output | NodeError | RunIdle | RunStopped | ScheduleNext | ScheduleFire
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
)


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
        elif isinstance(value, enum.Enum):
            out[name] = value.value
        else:
            out[name] = value
    if isinstance(event, Emit):
        out["repr"] = False
    return out


def event_to_json(event: Event) -> str:
    """One event as one line of JSON. An emitted value JSON cannot hold (a set,
    an object, NaN, a cycle) goes as its ``repr``, with ``"repr": true``."""
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
