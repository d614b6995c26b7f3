"""The ``headrace`` commands over a run history: ``run --record DB`` keeps a run,
``runs list DB`` and ``runs show DB RUN`` look at what was kept, ``replay DB RUN
--from NODE.SOCKET[@OFFSET]`` sends recorded values downstream again.

Exit codes: 0, or 2 when the history file or the run cannot be read (the reason on
stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from headrace.errors import FlowError
from headrace.flow import Flow
from headrace.history import RUN_STATES, History, HistoryError, RunRecord, RunSummary
from headrace.recording import Recorder
from headrace.replay import ReplayFrom, parse_from, values_to_replay

EXIT_OK, EXIT_INVALID = 0, 2


def add_runs_commands(commands: Any) -> None:
    """``runs list`` and ``runs show``, under ``commands`` (the parser's subparsers)."""
    runs = commands.add_parser("runs", help="list and show the runs a history file kept (run --record DB)")
    verbs = runs.add_subparsers(dest="verb", required=True)
    listing = verbs.add_parser("list", help="the runs kept, newest first")
    listing.add_argument("db", help="a history file (headrace run --record DB)")
    listing.add_argument("--flow", dest="flow_name", metavar="NAME", help="only runs of the flow of this name")
    listing.add_argument("--state", choices=RUN_STATES, help="only runs in this state")
    listing.add_argument("--limit", type=int, default=50, help="at most this many runs (default 50)")
    listing.add_argument("--json", action="store_true", help="one JSON object per run, per line")
    show = verbs.add_parser("show", help="one run: how it went, its nodes, errors and values")
    show.add_argument("db", help="a history file (headrace run --record DB)")
    show.add_argument("run", help="the run's id (or the start of it)")
    show.add_argument("--json", action="store_true", help="the whole record as one JSON object")
    export = verbs.add_parser("export", help="one run, its flow and values, as one JSON document (to stdout)")
    export.add_argument("db", help="a history file")
    export.add_argument("run", help="the run's id (or the start of it)")
    imported = verbs.add_parser("import", help="keep a run another history exported (runs export)")
    imported.add_argument("db", help="a history file (created if need be)")
    imported.add_argument("file", help="an exported run (JSON)")
    delete = verbs.add_parser("delete", help="forget runs")
    delete.add_argument("db", help="a history file")
    delete.add_argument("runs", nargs="+", metavar="run", help="the runs' ids (or the start of each)")


def recorder_for(db: str | None, flow: Flow, source: str) -> Recorder | None:
    """A recorder into the history file ``db`` for a run of ``flow`` (read from
    ``source``), or None when no recording was asked for."""
    if db is None:
        return None
    return Recorder(History.open(db), flow.to_json(), trigger="cli", source=os.path.abspath(source))


def runs_command(args: argparse.Namespace) -> int:
    try:
        with History.open(args.db) as history:
            if args.verb == "list":
                _list(history, args)
            elif args.verb == "show":
                _show(history.get(args.run), history, args.json)
            elif args.verb == "export":
                print(json.dumps(history.export(args.run), ensure_ascii=False, indent=1))
            elif args.verb == "import":
                print(f"kept run {history.import_run(_read_json(args.file))} in {history.path}")
            else:
                for run in [history.get(r).id for r in args.runs]:  # every one found before any goes
                    history.delete(run)
                    print(f"deleted run {run}")
    except HistoryError as exc:
        print(f"headrace: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def _list(history: History, args: argparse.Namespace) -> None:
    runs = history.runs(flow_name=args.flow_name, state=args.state, limit=max(1, args.limit))
    if args.json:
        for run in runs:
            print(json.dumps(run.to_json(), ensure_ascii=False))
        return
    if not runs:
        print(f"no runs kept in {history.path}" + (" that match" if args.flow_name or args.state else ""))
        return
    for run in runs:
        errors = f", {run.errors} errors ({run.unrouted_errors} not routed)" if run.errors else ""
        parent = f", from {run.parent}" if run.parent else ""
        print(
            f"{run.id}  {run.state:<11}  {_when(run.started_at)}  {_duration(run)}  {run.flow_name}"
            f"  ({run.trigger}{parent}): {run.emitted} values{errors}"
        )


def _show(record: RunRecord, history: History, as_json: bool) -> None:
    kept = history.sockets(record.id)
    if as_json:
        out = dict(record.to_json()) | {"source": record.source, "flow": record.flow, "view": record.view}
        out["kept"] = [{"node": n, "socket": s, "values": c} for (n, s), c in sorted(kept.items())]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    labels = {n["id"]: n.get("name") or n["id"] for n in record.flow.get("nodes", [])}
    why = f" ({record.message})" if record.message else ""
    print(f"run {record.id} of {record.flow_name!r}: {record.state}{why}")
    print(f"  started {_when(record.started_at)} by {record.trigger}, took {_duration(record)}")
    if record.parent:
        print(f"  replayed from run {record.parent}")
    if record.source:
        print(f"  flow file: {record.source}")
    nodes = (record.view or {}).get("nodes", {})
    for node_id, node in nodes.items():
        label = labels.get(node_id, node_id)
        print(f"  [{label}] {node['state']}")
        for socket, shown in node["sockets"].items():
            kept_here = kept.get((node_id, socket), 0)
            print(f"    {socket}: {shown['count']} values ({kept_here} kept), last {shown['last']['text']}")
        for error in node["error_list"]:
            print(f"    ✗ {error['type']}: {error['message']}")
        for line in node["console"][-5:]:
            print(f"    {'!' if line['stream'] == 'stderr' else '|'} {line['text'].rstrip()}")


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except OSError as exc:
        raise HistoryError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise HistoryError(f"{path} is not JSON: {exc}") from None


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _duration(run: RunSummary) -> str:
    seconds = run.duration
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def add_replay_command(commands: Any) -> None:
    replay = commands.add_parser(
        "replay",
        help="send a recorded run's values out of a socket again, through the flow's code of now",
        description="A new run, recorded in the same history file and linked to the old one: the values the "
        "socket sent in the recorded run, from OFFSET on (or just that one, --only), go downstream again; "
        "nothing upstream of the socket runs.",
    )
    replay.add_argument("db", help="a history file (headrace run --record DB)")
    replay.add_argument("run", help="the recorded run's id (or the start of it)")
    replay.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="NODE.SOCKET[@OFFSET]",
        help="the socket (its node by name or id) and the first of its values to send (default 0)",
    )
    replay.add_argument("--only", action="store_true", help="send only the value at OFFSET")
    replay.add_argument(
        "--flow", metavar="FILE", help="the flow to replay through (default: the file the recorded run was read from)"
    )
    replay.add_argument("--json", action="store_true", help="print one JSON object per event, one per line")


@dataclass
class ReplayPlan:
    """What ``headrace replay`` runs: the flow of now, where from, the values, and the recorder of the new run."""

    flow: Flow
    source: str
    start: ReplayFrom
    values: list[Any]
    recorder: Recorder


def replay_plan(args: argparse.Namespace) -> ReplayPlan:
    """Check everything a replay needs before anything runs; HistoryError says what is wrong."""
    history = History.open(args.db)
    try:
        record = history.get(args.run)
        source = args.flow or record.source
        if source is None:
            raise HistoryError(f"run {record.id} was not read from a file: give the flow to replay with --flow FILE")
        if not os.path.exists(source):
            raise HistoryError(f"the flow file of run {record.id}, {source}, is gone: give it with --flow FILE")
        try:
            flow = Flow.load(source)
        except FlowError as exc:
            raise HistoryError(f"invalid flow {source}: {exc}") from None
        start = parse_from(args.start, flow.spec)
        start.only = args.only
        values = values_to_replay(history, record, start, flow.spec)
    except BaseException:
        history.close()
        raise
    recorder = Recorder(history, flow.to_json(), trigger="replay", source=source, parent=record.id)
    return ReplayPlan(flow, source, start, values, recorder)
