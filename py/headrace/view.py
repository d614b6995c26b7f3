"""The run view: what a host shows of a run, and the one fold that keeps it.

The engine keeps each run's view itself (node states, per socket its count,
newest value and a ring of recent values, per node its console tail and errors)
and hands hosts what changed, in ``view`` events (:class:`~headrace.protocol.
ViewChanged`). A host that folds every event of a run's view stream into a
:class:`RunView` holds what the engine holds — the studio does it in
TypeScript (``studio/src/run/runView.ts``, checked against this fold by the
fixtures in ``studio/src/run/fixtures/``), the server here, for viewers that
attach late (:meth:`RunView.snapshot`).

Views are plain JSON-ready dicts, as they travel: the fold works on the wire
form of events, so the server folds lines without building objects.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Annotated, Any, TypedDict

from headrace.preview import PREVIEW_CHARS, preview
from headrace.protocol import TS, NodeState, RunPhase, ValuePreview

#: Lines of a node's console a view keeps (the studio's "console lines" setting).
CONSOLE_LINES = 500
#: A line longer than this is cut, saying by how much (one print of a huge string).
MAX_LINE = 10_000
#: Errors a view keeps per node, newest last (the count is exact).
ERRORS_KEPT = 50


def cap_line(text: str) -> str:
    """A console line cut at :data:`MAX_LINE` characters, saying how many more it had."""
    end = "\n" if text.endswith("\n") else ""
    body = text[: len(text) - len(end)]
    if len(body) <= MAX_LINE:
        return text
    return f"{body[:MAX_LINE]}… [{len(body) - MAX_LINE:,} more characters]{end}"


class ConsoleTail:
    """The last lines a node wrote. Lines are numbered from the first the node ever
    wrote (``dropped`` of them are no longer kept); the last line may be partial
    (no newline yet) and then grows with the next write of the same stream."""

    __slots__ = ("dropped", "limit", "lines")

    def __init__(self, limit: int = CONSOLE_LINES) -> None:
        self.limit = max(1, limit)
        self.lines: deque[list[str]] = deque()  # [stream, text] pairs
        self.dropped = 0

    @property
    def end(self) -> int:
        """The number of the line after the last."""
        return self.dropped + len(self.lines)

    def append(self, stream: str, text: str) -> None:
        if not text:
            return
        parts = text.split("\n")
        pieces = [p + "\n" for p in parts[:-1]]
        if parts[-1]:
            pieces.append(parts[-1])
        lines = self.lines
        last = lines[-1] if lines else None
        start = 0
        if last is not None and last[0] == stream and not last[1].endswith("\n"):
            last[1] = cap_line(last[1] + pieces[0])
            start = 1
        # Only the last `limit` lines of a flood can stay: skip the rest unbuilt.
        skip = max(start, len(pieces) - self.limit)
        if skip > start:
            self.dropped += len(lines) + (skip - start)
            lines.clear()
        for piece in pieces[skip:]:
            lines.append([stream, cap_line(piece)])
        while len(lines) > self.limit:
            lines.popleft()
            self.dropped += 1

    def since(self, number: int) -> list[dict[str, str]]:
        """The kept lines from line ``number`` on, as the wire carries them."""
        first = max(number - self.dropped, 0)
        return [{"stream": s, "text": t} for s, t in list(self.lines)[first:]]


class ScheduleLast(TypedDict):
    """How a schedule's latest fire (or skip) went."""

    late: bool
    lateness_ms: float
    missed: int
    fired: bool


class ViewSchedule(TypedDict):
    """A scheduled socket in a view: its next fire (null once the run stopped),
    its fires, late fires and skipped slots, and how the latest went."""

    next_at: str | None
    next_ms: float | None
    fires: int
    late_fires: int
    skipped: int
    last: Annotated[dict[str, Any] | None, TS("ScheduleLast | null")]


class ViewNode(TypedDict):
    """One node in a folded view. ``sockets`` holds every socket that emitted
    (count and newest value's preview); ``console`` the kept lines, after
    ``console_dropped`` lines no longer kept; ``errors`` counts the node's
    exceptions, ``error_list`` keeps the newest (each an ErrorRecord)."""

    state: Annotated[str, TS("NodeState")]
    functions: Annotated[dict[str, Any], TS("Record<string, Held>")]
    sockets: Annotated[dict[str, Any], TS("Record<string, SocketView>")]
    console: Annotated[list[dict[str, str]], TS("ConsoleText[]")]
    console_dropped: int
    errors: int
    error_list: Annotated[list[dict[str, Any]], TS("ErrorRecord[]")]
    schedules: dict[str, ViewSchedule]


class ViewData(TypedDict):
    """A folded view, as :meth:`RunView.to_json` gives it."""

    run: str | None
    flow: str | None
    phase: Annotated[str, TS("RunPhase")]
    reason: str | None
    message: str | None
    emitted: int
    errors: int
    unrouted_errors: int
    nodes: dict[str, ViewNode]


VIEW_TYPES: tuple[type, ...] = (ScheduleLast, ViewSchedule, ViewNode, ViewData)


def _empty_node() -> ViewNode:
    return {
        "state": NodeState.IDLE.value,
        "functions": {},
        "sockets": {},
        "console": [],
        "console_dropped": 0,
        "errors": 0,
        "error_list": [],
        "schedules": {},
    }


def _empty_schedule() -> ViewSchedule:
    return {"next_at": None, "next_ms": None, "fires": 0, "late_fires": 0, "skipped": 0, "last": None}


class RunView:
    """A run's view, folded from its view stream (the wire form of its events)."""

    def __init__(self, run: str | None = None) -> None:
        self.run = run
        self.flow: str | None = None
        self.phase: str = RunPhase.STARTING
        self.reason: str | None = None
        self.message: str | None = None
        self.emitted = 0
        self.errors = 0
        self.unrouted_errors = 0
        self.elapsed_ms: float | None = None
        self.nodes: dict[str, ViewNode] = {}
        #: The events that only a replay can tell (run_started, the last
        #: schedule_next of each socket...), for :meth:`snapshot`.
        self._started: dict[str, Any] | None = None
        #: Consoles of an event stream's nodes (a view stream carries its own).
        self._tails: dict[str, ConsoleTail] = {}
        self._idle: dict[str, Any] | None = None
        self._stopped: dict[str, Any] | None = None

    def node(self, node_id: str) -> ViewNode:
        node = self.nodes.get(node_id)
        if node is None:
            node = self.nodes[node_id] = _empty_node()
        return node

    @property
    def over(self) -> bool:
        return self.phase in (RunPhase.STOPPED.value, RunPhase.FAILED.value)

    def apply(self, event: dict[str, Any]) -> None:
        """Fold one event (its wire form). Events of other runs, and the per-value
        events of an event stream (``emit``, ``output``, ``node_state``), change
        nothing: a view stream carries them in ``view`` events."""
        run = event.get("run")
        if self.run is None:
            self.run = run
        elif run != self.run:
            return
        kind = event.get("event")
        if kind == "view":
            self._apply_view(event)
        elif kind == "node_error":
            self._add_error(self.node(event["node"]), event)
        elif kind in ("node_state", "emit", "output"):
            self._apply_event(event)
        elif kind == "run_started":
            self.flow = event.get("flow")
            self._started = event
            if not self.over:
                self.phase = RunPhase.RUNNING.value
        elif kind == "run_idle":
            self._idle = event
            self.elapsed_ms = event.get("elapsed_ms")
            self.emitted, self.errors = event["emitted"], event["errors"]
            self.unrouted_errors = event["unrouted_errors"]
            if not self.over:
                self.phase = RunPhase.IDLE.value
        elif kind == "run_stopped":
            self._stopped = event
            self.reason, self.message = event.get("reason"), event.get("message")
            self.phase = (RunPhase.FAILED if event.get("reason") == "failed" else RunPhase.STOPPED).value
            for node in self.nodes.values():
                if node["state"] == NodeState.RUNNING.value:
                    node["state"] = NodeState.STOPPED.value
                for schedule in node["schedules"].values():
                    schedule["next_at"] = schedule["next_ms"] = None
        elif kind == "schedule_next":
            schedule = self._schedule(event)
            schedule["next_at"], schedule["next_ms"] = event["at"], event["at_ms"]
        elif kind == "schedule_fire":
            schedule = self._schedule(event)
            if event["fired"]:
                schedule["fires"] = event["count"]
                schedule["late_fires"] += bool(event["late"])
            else:
                schedule["skipped"] += event["missed"]
            schedule["last"] = {k: event[k] for k in ("late", "lateness_ms", "missed", "fired")}

    def _apply_event(self, event: dict[str, Any]) -> None:
        """An event stream's per-value events (``report="events"``), folded to what a
        view stream would have said: a server folds either kind of run."""
        node = self.node(event["node"])
        kind = event["event"]
        if kind == "node_state":
            node["state"], node["functions"] = event["state"], event["functions"]
        elif kind == "emit":
            socket = node["sockets"].get(event["socket"])
            count = (socket["count"] if socket else 0) + 1
            value, is_repr = event["value"], event["repr"]
            last = _repr_preview(value) if is_repr else preview(value)
            node["sockets"][event["socket"]] = {"count": count, "last": _plain_preview(last)}
        else:
            tail = self._tails.get(event["node"])
            if tail is None:
                tail = self._tails[event["node"]] = ConsoleTail(CONSOLE_LINES)
            tail.append(event["stream"], event["text"])
            node["console"] = [{"stream": s, "text": t} for s, t in tail.lines]
            node["console_dropped"] = tail.dropped

    def _schedule(self, event: dict[str, Any]) -> ViewSchedule:
        schedules = self.node(event["node"])["schedules"]
        schedule = schedules.get(event["socket"])
        if schedule is None:
            schedule = schedules[event["socket"]] = _empty_schedule()
        return schedule

    def _apply_view(self, event: dict[str, Any]) -> None:
        if not self.over:
            self.phase = event["phase"]
        self.emitted, self.errors, self.unrouted_errors = event["emitted"], event["errors"], event["unrouted_errors"]
        for node_id, change in event["nodes"].items():
            node = self.node(node_id)
            node["state"] = change["state"]
            node["functions"] = change["functions"]
            sockets = node["sockets"]
            for name, socket in change["sockets"].items():
                sockets[name] = socket
            _mirror_console(node, change)
            node["errors"] = change["errors"]
            if change["last_error"] is not None:
                self._add_error(node, change["last_error"])
            if change.get("schedules"):  # a snapshot's
                node["schedules"] = copy.deepcopy(change["schedules"])

    @staticmethod
    def _add_error(node: ViewNode, error: dict[str, Any]) -> None:
        kept = node["error_list"]
        if kept and kept[-1]["index"] >= error["index"]:
            return  # seen already (as a node_error event, then in a view change)
        kept.append({k: error[k] for k in ("index", "socket", "type", "message", "traceback", "routed")})
        if len(kept) > ERRORS_KEPT:
            del kept[: len(kept) - ERRORS_KEPT]
        node["errors"] = max(node["errors"], error["index"])

    def to_json(self) -> ViewData:
        """The view as one JSON-ready dict (what the fixtures compare)."""
        return {
            "run": self.run,
            "flow": self.flow,
            "phase": self.phase,
            "reason": self.reason,
            "message": self.message,
            "emitted": self.emitted,
            "errors": self.errors,
            "unrouted_errors": self.unrouted_errors,
            "nodes": copy.deepcopy(self.nodes),
        }

    def snapshot(self) -> list[dict[str, Any]]:
        """Events that rebuild this view in a host that has seen none of the run:
        what the server sends a viewer that attaches late."""
        events: list[dict[str, Any]] = []
        if self._started is not None:
            events.append(self._started)
        if self._idle is not None:
            events.append(self._idle)
        nodes = {
            node_id: {
                "state": node["state"],
                "functions": node["functions"],
                "sockets": node["sockets"],
                "console_from": node["console_dropped"],
                "console": node["console"],
                "console_dropped": node["console_dropped"],
                "errors": node["errors"],
                "last_error": None,
                "schedules": node["schedules"] or None,
            }
            for node_id, node in self.nodes.items()
        }
        totals = {"emitted": self.emitted, "errors": self.errors, "unrouted_errors": self.unrouted_errors}
        events.append({"event": "view", "run": self.run, "phase": self.phase, **totals, "nodes": nodes})
        for node_id, node in self.nodes.items():
            events.extend({"event": "node_error", "run": self.run, "node": node_id, **e} for e in node["error_list"])
        if self._stopped is not None:
            events.append(self._stopped)
        return events


def _repr_preview(text: str) -> ValuePreview:
    """The preview of a value an event carries as its repr."""
    if len(text) > PREVIEW_CHARS:
        return ValuePreview(text[: PREVIEW_CHARS - 1] + "…", True, True)
    return ValuePreview(text, True, False)


def _plain_preview(shown: ValuePreview) -> dict[str, Any]:
    return {"text": shown.text, "repr": shown.repr, "truncated": shown.truncated}


def _mirror_console(node: ViewNode, change: dict[str, Any]) -> None:
    """Make the node's console the engine's: its lines from number
    ``console_from`` on are the change's, and those before ``console_dropped``
    are no longer kept."""
    kept: list[dict[str, str]] = node["console"]
    first, dropped = change["console_from"], node["console_dropped"]
    if not dropped <= first <= dropped + len(kept):
        # The change does not continue what is kept (lines went by untold, or more
        # changed than is kept here): start again from the change.
        kept.clear()
        dropped = first
    else:
        del kept[first - dropped :]
    kept.extend(change["console"])
    now_dropped = change["console_dropped"]
    if now_dropped > dropped:
        del kept[: now_dropped - dropped]
        dropped = now_dropped
    node["console_dropped"] = dropped
