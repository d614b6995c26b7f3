"""Run history: runs recorded into a SQLite file, read back, and replayed from a value."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import data, edge, flow_doc, script
from hypothesis import given, settings
from hypothesis import strategies as st

from headrace.flow import Flow
from headrace.history import History, HistoryError
from headrace.protocol import Emit, Event
from headrace.recording import Recorder
from headrace.replay import ReplayFrom, parse_from, values_to_replay


async def recorded_run(
    history: History, doc: dict[str, Any], *, trigger: str = "cli", parent: str | None = None, **options: Any
) -> tuple[str, list[Event]]:
    """Run ``doc``'s sources once, recorded; the run's id and its events."""
    events: list[Event] = []
    recorder = Recorder(history, doc, trigger=trigger, parent=parent)
    run = Flow.load(doc).start(on_event=events.append, **options)
    recorder.attach(run)
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    await run.stop("finished")
    return run.id, events


async def replayed_run(history: History, doc: dict[str, Any], run_id: str, start: ReplayFrom) -> list[Event]:
    """Replay ``start`` of run ``run_id`` through ``doc``, recorded as its child; the events."""
    flow = Flow.load(doc)
    values = values_to_replay(history, history.get(run_id), start, flow.spec)
    events: list[Event] = []
    recorder = Recorder(history, doc, trigger="replay", parent=run_id)
    run = flow.start(on_event=events.append)
    recorder.attach(run)
    await run.start()
    run.deliver(start.node, start.socket, values)
    await run.wait_idle()
    await run.stop("finished")
    return events


def emits_of(events: list[Event], node: str) -> list[Any]:
    return [e.value for e in events if isinstance(e, Emit) and e.node == node]


CHAIN = flow_doc(
    [
        script("src", "def value():\n    for i in range(6):\n        yield i\n"),
        script("dbl", "def double(x):\n    print('got', x)\n    return x * 2\n"),
    ],
    [edge("src.value", "dbl.double.x")],
    name="Chain",
)


@pytest.fixture
def history(tmp_path: Path) -> Any:
    with History.open(tmp_path / "runs.db") as opened:
        yield opened


def test_a_recorded_run_keeps_its_flow_state_values_and_console(history: History) -> None:
    run_id, _ = asyncio.run(recorded_run(history, CHAIN))
    [summary] = history.runs()
    assert (summary.id, summary.state, summary.trigger, summary.emitted) == (run_id, "success", "cli", 12)
    record = history.get(run_id[:6])  # the start of an id is enough
    assert record.flow == CHAIN
    assert record.ended_at is not None and record.ended_at >= record.started_at
    dbl = record.view["nodes"]["dbl"]
    assert dbl["state"] == "done" and dbl["sockets"]["double"]["count"] == 6
    assert [line["text"] for line in dbl["console"]] == [f"got {i}\n" for i in range(6)]
    kept = history.values(run_id, "dbl", "double")
    assert (kept.count, kept.first) == (6, 0)
    assert [(i, v) for i, v, _ in kept.values] == [(i, 2 * i) for i in range(6)]


def test_a_socket_keeps_its_ring_the_newest_values(history: History) -> None:
    run_id, _ = asyncio.run(recorded_run(history, CHAIN, keep_values=2))
    kept = history.values(run_id, "src", "value")
    assert (kept.count, kept.first, [v for _, v, _ in kept.values]) == (6, 4, [4, 5])


def test_errors_are_kept_with_tracebacks_and_unrouted_ones_fail_the_run(history: History) -> None:
    doc = flow_doc([data("a", "v = 0"), script("s", "def inv(v):\n    return 1 / v\n")], [edge("a.v", "s.inv.v")])
    run_id, _ = asyncio.run(recorded_run(history, doc))
    record = history.get(run_id)
    assert record.state == "failure" and record.unrouted_errors == 1
    [error] = record.view["nodes"]["s"]["error_list"]
    assert error["type"] == "ZeroDivisionError" and "return 1 / v" in error["traceback"]


def test_values_json_cannot_hold_are_kept_as_text_and_not_replayed(history: History) -> None:
    doc = flow_doc([script("s", "def thing():\n    return object()\n"), script("t", "def take(x):\n    return 1\n")],
                   [edge("s.thing", "t.take.x")])  # fmt: skip
    run_id, _ = asyncio.run(recorded_run(history, doc))
    [(_, shown, is_repr)] = history.values(run_id, "s", "thing").values
    assert is_repr and shown.startswith("<object object")
    with pytest.raises(HistoryError, match=r"cannot replay s\.thing: value 0 was recorded as its text only"):
        values_to_replay(history, history.get(run_id), ReplayFrom("s", "thing"), Flow.load(doc).spec)


def test_the_oldest_runs_are_evicted_past_the_limit(tmp_path: Path) -> None:
    with History.open(tmp_path / "runs.db", max_runs=3) as history:
        ids = [asyncio.run(recorded_run(history, CHAIN))[0] for _ in range(5)]
        assert [r.id for r in history.runs()] == ids[:1:-1]
        with pytest.raises(HistoryError, match="holds no run"):
            history.get(ids[0])
        # Their values went with them.
        db = sqlite3.connect(tmp_path / "runs.db")
        assert {row[0] for row in db.execute("SELECT DISTINCT run FROM socket_values")} == set(ids[2:])


def test_runs_are_listed_by_flow_and_state_and_deleted(history: History) -> None:
    good, _ = asyncio.run(recorded_run(history, CHAIN))
    bad_doc = flow_doc([data("a", "v = 0"), script("s", "def inv(v):\n    return 1 / v\n")], [edge("a.v", "s.inv.v")],
                       name="Bad")  # fmt: skip
    bad, _ = asyncio.run(recorded_run(history, bad_doc))
    assert [r.id for r in history.runs(state="failure")] == [bad]
    assert [r.id for r in history.runs(flow_name="Chain")] == [good]
    assert history.delete(bad) and not history.delete(bad)
    assert [r.id for r in history.runs()] == [good]


def test_a_file_that_is_no_history_is_refused_by_name(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, just some bytes" * 100)
    with pytest.raises(HistoryError, match=r"junk\.db is not a run history headrace can use"):
        History.open(junk)
    newer = tmp_path / "newer.db"
    sqlite3.connect(newer).execute("PRAGMA user_version=99")
    with pytest.raises(HistoryError, match=r"a run history of a newer headrace \(format 99"):
        History.open(newer)


def test_a_record_left_running_by_a_process_gone_is_interrupted(history: History) -> None:
    history.begin("gone", CHAIN, trigger="cli")
    history._db.execute("UPDATE runs SET owner_pid = ? WHERE id = 'gone'", (2**22 + 12345,))  # no such process
    assert history.get("gone").state == "interrupted"
    assert [r.id for r in history.runs(state="interrupted")] == ["gone"]


def test_a_replay_sends_recorded_values_through_the_code_of_now(history: History) -> None:
    run_id, _ = asyncio.run(recorded_run(history, CHAIN))
    now = {**CHAIN, "nodes": [CHAIN["nodes"][0], script("dbl", "def double(x):\n    return x * 10\n")]}
    events = asyncio.run(replayed_run(history, now, run_id, ReplayFrom("src", "value", 4)))
    assert emits_of(events, "dbl") == [40, 50]
    # Nothing upstream ran: the source's values are the recorded ones, sent again.
    assert emits_of(events, "src") == [4, 5]
    child = history.runs()[0]
    assert (child.trigger, child.parent, child.emitted) == ("replay", run_id, 4)
    only = asyncio.run(replayed_run(history, now, run_id, ReplayFrom("src", "value", 2, only=True)))
    assert emits_of(only, "dbl") == [20]


def test_an_error_value_replays_to_its_handler(history: History) -> None:
    doc = flow_doc(
        [
            data("a", "v = 0"),
            script("s", "def inv(v):\n    return 1 / v\n"),
            script("h", "def handle(e):\n    return e['type']\n"),
        ],
        [edge("a.v", "s.inv.v"), edge("s.error", "h.handle.e")],
    )
    run_id, _ = asyncio.run(recorded_run(history, doc))
    fixed = {**doc, "nodes": [*doc["nodes"][:2], script("h", "def handle(e):\n    return 'handled ' + e['type']\n")]}
    events = asyncio.run(replayed_run(history, fixed, run_id, ReplayFrom("s", "error")))
    assert emits_of(events, "h") == ["handled ZeroDivisionError"]


def test_a_replay_that_no_longer_fits_the_flow_says_why(history: History) -> None:
    run_id, _ = asyncio.run(recorded_run(history, CHAIN, keep_values=3))
    record, spec = history.get(run_id), Flow.load(CHAIN).spec
    renamed = Flow.load({**CHAIN, "nodes": [script("src", "def values():\n    yield 1\n"), CHAIN["nodes"][1]],
                         "edges": []}).spec  # fmt: skip
    cases = [
        (
            ReplayFrom("src", "value"),
            renamed,
            r"src\.value: src has no socket 'value' now \(its sockets: values, error\)",
        ),
        (ReplayFrom("gone", "value"), spec, r"gone\.value: the node is no longer in the flow"),
        (ReplayFrom("src", "value", 9), spec, r"from value 9: it sent 6 in run .* \(0 to 5\)"),
        (ReplayFrom("src", "value", 1), spec, r"from value 1: run .* kept only its newest values, 3 to 5"),
    ]
    for start, flow, message in cases:
        with pytest.raises(HistoryError, match=message):
            values_to_replay(history, record, start, flow)
    with pytest.raises(HistoryError, match=r"the flow has no node 'Nobody' now \(its nodes: 'src', 'dbl'\)"):
        parse_from("Nobody.value", spec)
    with pytest.raises(HistoryError, match=r"expected NODE\.SOCKET"):
        parse_from("src", spec)
    with pytest.raises(HistoryError, match="offset 'x' is not a whole number"):
        parse_from("src.value@x", spec)


OPS = {"add": "x + {k}", "mul": "x * {k}", "mod": "x % {k}", "neg": "-x"}


@st.composite
def downstream(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Script nodes below the source ``src.value``: each takes one earlier socket."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    sockets = ["src.value"]
    for i in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(sorted(OPS)))
        body = OPS[op].format(k=draw(st.integers(1, 7)))
        nodes.append(script(f"n{i}", f"def f(x):\n    return {body}\n"))
        edges.append(edge(draw(st.sampled_from(sockets)), f"n{i}.f.x"))
        sockets.append(f"n{i}.f")
    return nodes, edges


def source_of(values: list[int]) -> dict[str, Any]:
    return script("src", f"def value():\n    yield from {values!r}\n")


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(-50, 50), min_size=1, max_size=12), shape=downstream(), data=st.data())
def test_replaying_from_an_offset_is_a_fresh_run_fed_those_values(
    tmp_path_factory: pytest.TempPathFactory, values: list[int], shape: Any, data: st.DataObject
) -> None:
    nodes, edges = shape
    offset = data.draw(st.integers(0, len(values) - 1))
    doc = flow_doc([source_of(values), *nodes], edges)
    with History.open(tmp_path_factory.mktemp("h") / "runs.db") as history:
        run_id, _ = asyncio.run(recorded_run(history, doc))
        replayed = asyncio.run(replayed_run(history, doc, run_id, ReplayFrom("src", "value", offset)))
    fresh = asyncio.run(recorded_run(History.open(":memory:"), flow_doc([source_of(values[offset:]), *nodes], edges)))[
        1
    ]
    for node in nodes:
        assert emits_of(replayed, node["id"]) == emits_of(fresh, node["id"])


def test_a_run_reporting_its_view_is_recorded_alike(history: History) -> None:
    """As the studio and the server run flows: the view alone, no event per value."""
    run_id, events = asyncio.run(recorded_run(history, CHAIN, report="view", emit_limit=0))
    assert not any(isinstance(e, Emit) for e in events)
    record = history.get(run_id)
    dbl = record.view["nodes"]["dbl"]
    assert (record.state, dbl["state"], dbl["sockets"]["double"]["count"]) == ("success", "done", 6)
    assert [line["text"] for line in dbl["console"]] == [f"got {i}\n" for i in range(6)]
    assert [v for _, v, _ in history.values(run_id, "dbl", "double").values] == [0, 2, 4, 6, 8, 10]


def test_a_run_exported_while_live_is_imported_as_interrupted(history: History, tmp_path: Path) -> None:
    history.begin("live", CHAIN, trigger="cli")
    assert history.get("live").state == "running"
    with History.open(tmp_path / "other.db") as other:
        assert other.import_run(history.export("live")) == "live"
        assert other.get("live").state == "interrupted"


def test_a_damaged_record_is_refused_by_name_and_the_others_still_read(tmp_path: Path) -> None:
    with History.open(tmp_path / "runs.db") as history:
        good, _ = asyncio.run(recorded_run(history, CHAIN))
        bad, _ = asyncio.run(recorded_run(history, CHAIN))
    with sqlite3.connect(tmp_path / "runs.db") as db:
        db.execute("UPDATE runs SET view = '{not json' WHERE id = ?", (bad,))
    with History.open(tmp_path / "runs.db") as history:
        assert {r.id for r in history.runs()} == {good, bad}  # the list never needs the damaged part
        with pytest.raises(HistoryError, match=f"the record of run {bad} is damaged"):
            history.get(bad)
        assert history.get(good).state == "success"


def test_a_run_stopped_right_after_it_came_to_rest_is_recorded_as_finished(tmp_path: Path) -> None:
    async def go(history: History) -> str:
        recorder = Recorder(history, CHAIN, trigger="run-flow")
        run = Flow.load(CHAIN).start(on_event=lambda event: None)
        recorder.attach(run)
        await run.start()
        run.trigger_sources()
        await run.wait_idle()
        await run.stop("stopped")  # at once, as the studio's next Run Flow or a server's DELETE
        return run.id

    with History.open(tmp_path / "runs.db") as history:
        run_id = asyncio.run(go(history))
        assert history.get(run_id).state == "success"
