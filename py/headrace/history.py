"""Run history: every run kept in a SQLite file, to list, open and replay later.

A run's record is what a host needs to show the run again without running
anything: the exact flow document it ran, what started it and from which run
(a replay's parent), when it started and ended, its final state and counts, and
its folded view (node states, consoles, errors with tracebacks — see
:mod:`headrace.view`) with, per socket, the values its ring kept. Values are kept
as the wire carries them: JSON, or the repr of what JSON cannot hold (such a
value can be looked at, not replayed).

The file is the standard library's ``sqlite3`` in WAL mode, so a process killed
mid-run (``kill -9``) leaves every committed checkpoint readable; a run whose
process is gone while its record still says ``running`` is shown as
``interrupted``, with what it had recorded. Records are bounded: a run keeps its
sockets' rings (``keep_values`` a socket), and the file keeps the newest
``max_runs`` runs, evicting the oldest first.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict, cast

from headrace.protocol import TS

#: The newest runs a history file keeps (older ones are evicted as new ones start).
MAX_RUNS = 500

RunState = Literal["running", "success", "failure", "error", "stopped", "interrupted"]
#: The states a run's record can be in (Apsis's vocabulary where it fits): ``success``
#: when it finished with every error routed, ``failure`` with some unrouted,
#: ``error`` when the flow itself could not go on, ``stopped`` when someone
#: stopped it, ``interrupted`` when its process went away mid-run.
RUN_STATES: tuple[RunState, ...] = ("running", "success", "failure", "error", "stopped", "interrupted")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    flow_name TEXT NOT NULL,
    flow TEXT NOT NULL,
    source TEXT,
    trigger TEXT NOT NULL,
    parent TEXT,
    started_at REAL NOT NULL,
    ended_at REAL,
    state TEXT NOT NULL,
    message TEXT,
    emitted INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    unrouted_errors INTEGER NOT NULL DEFAULT 0,
    owner_pid INTEGER,
    view TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_at);
CREATE TABLE IF NOT EXISTS socket_values (
    run TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node TEXT NOT NULL,
    socket TEXT NOT NULL,
    idx INTEGER NOT NULL,
    value TEXT NOT NULL,
    is_repr INTEGER NOT NULL,
    PRIMARY KEY (run, node, socket, idx)
);
"""
_VERSION = 1


class HistoryError(Exception):
    """A history file that cannot be used, or a run or socket it does not hold."""


@dataclass
class RunSummary:
    """One run as a list of runs shows it."""

    id: str
    flow_name: str
    trigger: str
    parent: str | None
    started_at: float
    ended_at: float | None
    state: RunState
    message: str | None
    emitted: int
    errors: int
    unrouted_errors: int

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at

    def to_json(self) -> ExportedRunSummary:
        """The summary as every history speaks it (an exported run's ``run``; the CLI's
        and the server's listings)."""
        return cast(ExportedRunSummary, {name: getattr(self, name) for name in _EXPORTED})


@dataclass
class RunRecord(RunSummary):
    """A run's whole record: its summary, the flow it ran, where that came from, and its view."""

    flow: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    view: dict[str, Any] | None = None


@dataclass
class KeptValues:
    """A page of a socket's recorded values: ``count`` left the socket in the run,
    those from index ``first`` on were kept; ``values`` are ``(index, value, is_repr)``."""

    count: int
    first: int
    values: list[tuple[int, Any, bool]]


class History:
    """A history file. Open it with :meth:`open`; one connection, used from one thread."""

    def __init__(self, connection: sqlite3.Connection, path: str, max_runs: int) -> None:
        self._db = connection
        self.path = path
        self.max_runs = max_runs

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, max_runs: int = MAX_RUNS) -> History:
        """Open (creating it if need be) the history file at ``path``."""
        where = str(path)
        if where != ":memory:":
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(where, isolation_level=None, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash of the process loses nothing committed
            db.execute("PRAGMA foreign_keys=ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > _VERSION:
                raise HistoryError(
                    f"{where} is a run history of a newer headrace (format {version}; this one reads {_VERSION})"
                )
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{where} is not a run history headrace can use: {exc}") from None
        return cls(db, where, max(1, max_runs))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- writing ------------------------------------------------------------------

    def begin(
        self,
        run_id: str,
        flow: dict[str, Any],
        *,
        trigger: str,
        source: str | None = None,
        parent: str | None = None,
        started_at: float | None = None,
    ) -> None:
        """Record that a run started (state ``running``), evicting the oldest runs past :attr:`max_runs`."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (id, flow_name, flow, source, trigger, parent, started_at, state, owner_pid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
                (
                    run_id,
                    str(flow.get("name", "")),
                    json.dumps(flow, ensure_ascii=False),
                    source,
                    trigger,
                    parent,
                    time.time() if started_at is None else started_at,
                    os.getpid(),
                ),
            )
            db.execute(
                "DELETE FROM runs WHERE id IN (SELECT id FROM runs ORDER BY started_at DESC, rowid DESC"
                " LIMIT -1 OFFSET ?)",
                (self.max_runs,),
            )

    def checkpoint(
        self,
        run_id: str,
        view: dict[str, Any],
        values: dict[tuple[str, str], tuple[int, list[tuple[int, Any, bool]]]],
        *,
        state: RunState = "running",
        message: str | None = None,
        ended_at: float | None = None,
    ) -> None:
        """Write what a run holds now: its view (``RunView.to_json()``), its state, and
        per socket ``(first, [(index, value, is_repr), ...])``: the values that came
        since the last checkpoint, and the index of the oldest its ring still keeps
        (those before it are dropped from the record as well)."""
        with self._transaction() as db:
            found = db.execute(
                "UPDATE runs SET view = ?, state = ?, message = ?, ended_at = ?, emitted = ?, errors = ?,"
                " unrouted_errors = ? WHERE id = ?",
                (
                    json.dumps(view, ensure_ascii=False),
                    state,
                    message,
                    ended_at,
                    view.get("emitted", 0),
                    view.get("errors", 0),
                    view.get("unrouted_errors", 0),
                    run_id,
                ),
            ).rowcount
            if not found:
                return  # evicted meanwhile (a tiny max_runs and many runs at once)
            for (node, socket), (first, kept) in values.items():
                db.execute(
                    "DELETE FROM socket_values WHERE run = ? AND node = ? AND socket = ? AND idx < ?",
                    (run_id, node, socket, first),
                )
                db.executemany(
                    "INSERT OR IGNORE INTO socket_values (run, node, socket, idx, value, is_repr)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [(run_id, node, socket, i, json.dumps(v, ensure_ascii=False), r) for i, v, r in kept],
                )

    def export(self, run_id: str) -> ExportedRun:
        """A run's record as one JSON-ready document (:data:`EXPORT_FORMAT`): the flow
        it ran, its summary and view, and every value kept — to attach to a bug report
        and :meth:`import_run` elsewhere."""
        record = self.get(run_id)
        rows = self._db.execute(
            "SELECT node, socket, idx, value, is_repr FROM socket_values WHERE run = ? ORDER BY node, socket, idx",
            (record.id,),
        )
        values: dict[tuple[str, str], list[list[Any]]] = {}
        for node, socket, idx, value, is_repr in rows:
            values.setdefault((node, socket), []).append([idx, json.loads(value), bool(is_repr)])
        summary = record.to_json()
        return {
            "headrace_run": EXPORT_FORMAT,
            "run": summary,
            "source": record.source,
            "flow": record.flow,
            "view": record.view,
            "values": [{"node": n, "socket": s, "values": v} for (n, s), v in values.items()],
        }

    def import_run(self, document: Any) -> str:
        """Keep a run :meth:`export` gave (from this file or another); its id. A run
        that was live when exported reads as ``interrupted``."""
        try:
            if not isinstance(document, dict) or "headrace_run" not in document:
                raise HistoryError("not an exported run (no 'headrace_run' key)")
            if document["headrace_run"] != EXPORT_FORMAT:
                raise HistoryError(f"an exported run of format {document['headrace_run']!r}; this headrace reads 1")
            run, flow = document["run"], document["flow"]
            if not isinstance(run, dict) or not isinstance(flow, dict):
                raise HistoryError("'run' and 'flow' must be objects")
            fields = [run[name] for name in _EXPORTED]
            rows = [
                (run["id"], v["node"], v["socket"], int(i), json.dumps(value, ensure_ascii=False), bool(r))
                for v in document.get("values", [])
                for i, value, r in v["values"]
            ]
            if not isinstance(run["id"], str) or not run["id"]:
                raise HistoryError("the run's id must be a string")
        except (KeyError, TypeError, ValueError) as exc:
            what = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
            raise HistoryError(f"a malformed exported run: {what}") from None
        if self._db.execute("SELECT 1 FROM runs WHERE id = ?", (run["id"],)).fetchone():
            raise HistoryError(f"{self.path} already holds run {run['id']}")
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO runs ({', '.join(_EXPORTED)}, flow, source, view) VALUES ({', '.join('?' * (len(_EXPORTED) + 3))})",  # noqa: S608, E501
                (*fields, json.dumps(flow, ensure_ascii=False), document.get("source"),
                 json.dumps(document.get("view"), ensure_ascii=False)),
            )  # fmt: skip
            db.executemany(
                "INSERT INTO socket_values (run, node, socket, idx, value, is_repr) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
        return str(run["id"])

    def delete(self, run_id: str) -> bool:
        """Forget a run; False if there was none of that id."""
        with self._transaction() as db:
            return db.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0

    # -- reading ------------------------------------------------------------------

    def runs(
        self, *, flow_name: str | None = None, state: RunState | None = None, limit: int = 100
    ) -> list[RunSummary]:
        """The newest runs first, of one flow (by name) and in one state if asked."""
        clauses, args = [], []
        if flow_name is not None:
            clauses.append("flow_name = ?")
            args.append(flow_name)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM runs {where} ORDER BY started_at DESC, rowid DESC",  # noqa: S608 - fixed clauses
            args,
        )
        found: list[RunSummary] = []
        for row in rows:
            summary = RunSummary(*row[:-1])
            summary.state = self._state(summary.state, row[-1])
            if state is None or summary.state == state:
                found.append(summary)
                if len(found) >= limit:
                    break
        return found

    def get(self, run_id: str) -> RunRecord:
        """A run's whole record; a prefix of its id is enough when only one run has it."""
        rows = self._db.execute(
            f"SELECT {_SUMMARY_COLUMNS}, flow, source, view FROM runs WHERE id = ? OR id LIKE ? ESCAPE '\\'",  # noqa: S608
            (run_id, _escape_like(run_id) + "%"),
        ).fetchall()
        exact = [r for r in rows if r[0] == run_id]
        if exact:
            rows = exact
        if not rows:
            raise HistoryError(f"{self.path} holds no run {run_id!r}")
        if len(rows) > 1:
            raise HistoryError(f"{run_id!r} is the start of {len(rows)} runs' ids: give more of it")
        row = rows[0]
        record = RunRecord(*row[:11])
        record.state = self._state(record.state, row[11])
        try:
            record.flow = json.loads(row[12])
            record.view = json.loads(row[14]) if row[14] else None
        except ValueError as exc:
            raise HistoryError(f"the record of run {record.id} is damaged ({exc}): it cannot be read") from None
        record.source = row[13]
        return record

    def sockets(self, run_id: str) -> dict[tuple[str, str], int]:
        """Per socket of the run's record, how many values it kept."""
        rows = self._db.execute(
            "SELECT node, socket, COUNT(*) FROM socket_values WHERE run = ? GROUP BY node, socket", (run_id,)
        )
        return {(node, socket): n for node, socket, n in rows}

    def values(self, run_id: str, node: str, socket: str, offset: int = 0, limit: int = 1000) -> KeptValues:
        """A page of a socket's recorded values from index ``offset`` on."""
        record = self.get(run_id)
        view_node = (record.view or {}).get("nodes", {}).get(node)
        count = 0 if view_node is None else view_node["sockets"].get(socket, {}).get("count", 0)
        rows = self._db.execute(
            "SELECT idx, value, is_repr FROM socket_values WHERE run = ? AND node = ? AND socket = ? AND idx >= ?"
            " ORDER BY idx LIMIT ?",
            (record.id, node, socket, offset, limit),
        ).fetchall()
        first_row = self._db.execute(
            "SELECT MIN(idx) FROM socket_values WHERE run = ? AND node = ? AND socket = ?", (record.id, node, socket)
        ).fetchone()[0]
        first = count if first_row is None else first_row
        return KeptValues(count, first, [(i, json.loads(v), bool(r)) for i, v, r in rows])

    @staticmethod
    def _state(state: str, owner_pid: int | None) -> RunState:
        """A record left ``running`` by a process that is gone was interrupted."""
        if state == "running" and not _alive(owner_pid):
            return "interrupted"
        return state  # type: ignore[return-value]


#: The version of :meth:`History.export`'s documents.
EXPORT_FORMAT = 1


# -- the exported run, the one format every history speaks ---------------------
# The CLI's file and the studio's IndexedDB history both write and read these
# (generated for TypeScript by protocol_ts), so a run exported from either opens
# in the other.


class ExportedRunSummary(TypedDict):
    """A run's summary in an exported run. Times are seconds since the epoch;
    ``trigger`` says what started it (``run``, ``node:NAME``, ``schedule``,
    ``replay``, …) and ``parent`` the run it was replayed or cloned from."""

    id: str
    flow_name: str
    trigger: str
    parent: str | None
    started_at: float
    ended_at: float | None
    state: Annotated[str, TS("RunState")]
    message: str | None
    emitted: int
    errors: int
    unrouted_errors: int


class ExportedSocketValues(TypedDict):
    """One socket's kept values: ``[index, value, is_repr]`` each, oldest first."""

    node: str
    socket: str
    values: Annotated[list[Any], TS("[number, unknown, boolean][]")]


class ExportedRun(TypedDict):
    """A run as one JSON document (``headrace runs export``, the studio's Export run):
    the exact flow it ran, its summary, its folded view (``ViewData``) and the
    values its sockets kept."""

    headrace_run: int
    run: ExportedRunSummary
    source: str | None
    flow: Annotated[dict[str, Any], TS("FlowDocument")]
    view: Annotated[dict[str, Any] | None, TS("ViewData | null")]
    values: list[ExportedSocketValues]


#: What protocol_ts generates for the studio from this module.
RECORD_TYPES: tuple[type, ...] = (ExportedRunSummary, ExportedSocketValues, ExportedRun)

#: The columns of a run an export carries as its summary.
_EXPORTED = tuple(ExportedRunSummary.__annotations__)

_SUMMARY_COLUMNS = (
    "id, flow_name, trigger, parent, started_at, ended_at, state, message, emitted, errors, unrouted_errors, owner_pid"
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: alive
    return True


def final_state(reason: str | None, unrouted_errors: int) -> RunState:
    """A finished run's state from how it stopped (``RunStopped.reason``)."""
    if reason == "failed":
        return "error"
    if reason == "finished":
        return "failure" if unrouted_errors else "success"
    return "stopped"
