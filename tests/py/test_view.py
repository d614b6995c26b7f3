"""The run view: the engine keeps it, reports what changes, and a host that folds
the changes holds what the engine holds — in Python here, in TypeScript against
the same recorded streams (studio/src/run/fixtures/views.json)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from conftest import data, edge, make_flow, script
from hypothesis import given, settings
from hypothesis import strategies as st
from view_fixtures import FIXTURES, fold

from headrace.protocol import Event, event_to_dict
from headrace.run import Run
from headrace.view import MAX_LINE, ConsoleTail, RunView

RECORDED = json.loads(FIXTURES.read_text())


@pytest.mark.parametrize("fixture", RECORDED, ids=[f["name"] for f in RECORDED])
def test_each_recorded_stream_folds_to_its_recorded_view(fixture: dict[str, Any]) -> None:
    # (If the fold changed on purpose, re-record: python tests/py/view_fixtures.py)
    assert fold(fixture["events"]) == fixture["view"]


@pytest.mark.parametrize("fixture", RECORDED, ids=[f["name"] for f in RECORDED])
def test_a_snapshot_rebuilds_the_view_in_a_host_that_saw_nothing(fixture: dict[str, Any]) -> None:
    view = RunView()
    for event in fixture["events"]:
        view.apply(event)
    assert fold(view.snapshot()) == fixture["view"]


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.75])
def test_a_snapshot_taken_mid_run_then_the_rest_gives_the_whole_view(cut: float) -> None:
    events = next(f for f in RECORDED if f["name"] == "stream")["events"]
    split = int(len(events) * cut)
    early = RunView()
    for event in events[:split]:
        early.apply(event)
    late = RunView()
    for event in early.snapshot() + events[split:]:
        late.apply(event)
    assert late.to_json() == fold(events)


def test_the_recorded_streams_cover_what_the_view_shows() -> None:
    views = {f["name"]: f["view"] for f in RECORDED}
    assert views["waiting-join"]["nodes"]["j"]["state"] == "waiting"
    assert views["waiting-join"]["nodes"]["j"]["functions"]["add"] == {"held": 1, "required": 2, "missing": ["y"]}
    assert views["stopped-mid-call"]["nodes"]["w"]["state"] == "stopped"
    assert views["stopped-mid-call"]["nodes"]["w"]["errors"] == 0
    flood = views["console-flood"]["nodes"]["p"]
    assert (len(flood["console"]), flood["console_dropped"]) == (40, 3002 - 40)
    errors = views["error-flood"]["nodes"]["bad"]
    assert errors["errors"] == len(range(0, 500, 7)) and errors["error_list"][-1]["index"] == errors["errors"]
    stream = views["stream"]["nodes"]["sq"]["sockets"]["sq"]
    assert stream["count"] == 20000 and stream["last"]["text"].startswith('{"x": 19999, "sq": 399960001')


# -- the engine's view, reported and mirrored ----------------------------------------------------


async def view_run(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]] = (), **options: Any
) -> tuple[Run, RunView]:  # type: ignore[assignment]
    """Run a flow built inline to idle in view mode; the run and the host's fold."""
    host = RunView()

    def on_event(event: Event) -> None:
        host.apply(json.loads(json.dumps(event_to_dict(event))))

    run = make_flow(nodes, edges).start(on_event=on_event, report="view", **options)
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    return run, host


@settings(max_examples=60)
@given(
    chunks=st.lists(st.text(alphabet="ab\n", max_size=30), max_size=40),
    limit=st.integers(1, 8),
    stderr_every=st.integers(2, 5),
)
def test_the_hosts_console_is_the_engines_whatever_is_printed(chunks: list[str], limit: int, stderr_every: int) -> None:
    code = (
        "import sys\nCHUNKS = " + repr(chunks) + "\n\ndef f():\n    for i, c in enumerate(CHUNKS):\n"
        f"        (sys.stderr if i % {stderr_every} == 0 else sys.stdout).write(c)\n"
        "        yield i\n"
    )

    async def go() -> None:
        run, host = await view_run([script("p", code)], console_lines=limit)
        tail = run.nodes["p"].console
        kept = host.nodes["p"]
        assert [(line["stream"], line["text"]) for line in kept["console"]] == [tuple(x) for x in tail.lines]
        assert kept["console_dropped"] == tail.dropped
        await run.stop()

    asyncio.run(go())


def test_a_console_tail_keeps_its_last_lines_and_counts_the_rest() -> None:
    tail = ConsoleTail(3)
    tail.append("stdout", "a")
    tail.append("stdout", "b\nc\n")
    tail.append("stderr", "d")
    tail.append("stderr", "e\nf\ng")
    assert [t for _, t in tail.lines] == ["de\n", "f\n", "g"]
    assert tail.dropped == 2 and tail.end == 5
    tail.append("stdout", "x" * (MAX_LINE + 5) + "\n")
    assert tail.lines[-1][1].endswith("… [5 more characters]\n")


async def test_view_counts_and_last_values_equal_what_every_event_tells() -> None:
    nodes = [
        script("src", "def s():\n    yield from range(3000)\n"),
        script("inc", "def inc(x):\n    return x + 1\n"),
        script("odd", "def odd(x):\n    return x if x % 2 else None\n"),
        script("j", "def add(a, b):\n    return a + b\n"),
    ]
    edges = [
        edge("src.s", "inc.inc.x"),
        edge("inc.inc", "odd.odd.x"),
        edge("src.s", "j.add.a"),
        edge("odd.odd", "j.add.b"),
    ]
    run, host = await view_run(nodes, edges, emit_limit=10)
    every = await make_flow(nodes, edges).run()
    for node, socket in [("src", "s"), ("inc", "inc"), ("odd", "odd"), ("j", "add")]:
        values = every.values(node, socket)
        assert host.nodes[node]["sockets"][socket]["count"] == len(values)
        assert host.nodes[node]["sockets"][socket]["last"]["text"] == json.dumps(values[-1])
        page = run.values(node, socket, offset=None, limit=1000)
        assert [v for _, v in page["values"]] == values[-100:]  # the ring keeps the newest 100
        assert page["first"] == len(values) - len(page["values"])
    assert host.emitted == sum(len(every.values(n)) for n in ("src", "inc", "odd", "j"))
    await run.stop()


async def test_only_the_first_emit_limit_values_of_each_socket_are_reported_one_by_one() -> None:
    emits: list[tuple[str, Any]] = []

    def on_event(event: Event) -> None:
        wire = event_to_dict(event)
        if wire["event"] == "emit":
            emits.append((wire["node"], wire["value"]))

    flow = make_flow(
        [script("src", "def s():\n    yield from range(50)\n"), script("inc", "def inc(x):\n    return x + 1\n")],
        [edge("src.s", "inc.inc.x")],
    )
    run = flow.start(on_event=on_event, report="view", emit_limit=4)
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    assert emits == [("src", 0), ("inc", 1), ("src", 1), ("inc", 2), ("src", 2), ("inc", 3), ("src", 3), ("inc", 4)]
    assert run.nodes["inc"].sockets["inc"].count == 50
    await run.stop()


async def test_a_node_that_blocks_is_seen_running_before_it_blocks() -> None:
    seen: list[tuple[float, dict[str, Any]]] = []
    loop = asyncio.get_running_loop()
    pending: list[dict[str, Any]] = []

    def publish() -> None:  # what a worker posts at once, even while Python then blocks
        for event in pending:
            seen.append((loop.time(), event))
        pending.clear()

    code = "import time\n\ndef slow(x):\n    time.sleep(0.3)\n    return x\n"
    flow = make_flow([data("d", "x = 1"), script("s", code)], [edge("d.x", "s.slow.x")])
    run = flow.start(on_event=lambda e: pending.append(event_to_dict(e)), on_publish=publish, report="view")
    await run.start()
    started = loop.time()
    run.trigger_sources()
    await run.wait_idle()
    states = [(at - started, e["nodes"]["s"]["state"]) for at, e in seen if e["event"] == "view" and "s" in e["nodes"]]
    running = [at for at, state in states if state == "running"]
    done = [at for at, state in states if state == "done"]
    assert running and done and running[0] < 0.1 < 0.3 <= done[0]
    d_done = [at - started for at, e in seen if e["event"] == "view" and e["nodes"].get("d", {}).get("state") == "done"]
    assert d_done and d_done[0] < 0.1  # and the node before it shows done meanwhile
    await run.stop()


async def test_a_join_shows_waiting_with_its_counts_while_its_other_source_works() -> None:
    seen: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    # a's value reaches the join first (edges deliver in file order), then b works on it.
    code = "import time\n\ndef b(x):\n    time.sleep(0.2)\n    return 2\n"
    nodes = [data("a", "x = 1"), script("b", code), script("j", "def add(x, y):\n    return x + y\n")]
    flow = make_flow(nodes, [edge("a.x", "j.add.x"), edge("a.x", "b.b.x"), edge("b.b", "j.add.y")])

    def publish() -> None:
        seen.extend(pending)
        pending.clear()

    run = flow.start(on_event=lambda e: pending.append(event_to_dict(e)), on_publish=publish, report="view")
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    views = [e["nodes"] for e in seen if e["event"] == "view"]
    while_b_runs = next(v for v in views if v.get("b", {}).get("state") == "running")
    assert while_b_runs["j"]["state"] == "waiting"
    assert while_b_runs["j"]["functions"]["add"] == {"held": 1, "required": 2, "missing": ["y"]}
    await run.stop()


async def test_stop_leaves_the_node_that_was_running_stopped_and_its_error_socket_silent() -> None:
    code = "import asyncio\n\nasync def w(x):\n    await asyncio.Event().wait()\n"
    handler = script("h", "def h(e):\n    return e\n")
    nodes = [data("d", "x = 1"), script("w", code), handler]
    host = RunView()
    flow = make_flow(nodes, [edge("d.x", "w.w.x"), edge("w.error", "h.h.e")])
    run = flow.start(on_event=lambda e: host.apply(event_to_dict(e)), report="view")
    await run.start()
    run.trigger_sources()
    await asyncio.sleep(0.05)
    await run.stop()
    assert host.nodes["w"]["state"] == "stopped"
    assert host.nodes["w"]["errors"] == 0 and "error" not in host.nodes["w"]["sockets"]
    assert host.nodes["h"]["state"] == "idle"  # the handler never fired
    assert host.nodes["d"]["state"] == "done"
    assert (host.phase, host.errors) == ("stopped", 0)


async def test_an_interrupt_the_host_asked_for_stops_a_node_in_a_plain_call() -> None:
    # Pyodide's interrupt buffer and Ctrl-C raise KeyboardInterrupt inside whatever runs:
    # here node code raises it itself, after the host announced the interrupt.
    nodes = [data("d", "x = 1"), script("s", "def s(x):\n    raise KeyboardInterrupt\n")]
    host = RunView()
    flow = make_flow(nodes, [edge("d.x", "s.s.x")])
    run = flow.start(on_event=lambda e: host.apply(event_to_dict(e)), report="view")
    await run.start()
    run.request_interrupt()
    run.trigger_sources()
    for _ in range(100):
        if run.over:
            break
        await asyncio.sleep(0.01)
    assert run.over and host.phase == "stopped"
    assert host.nodes["s"]["state"] == "stopped" and host.errors == 0


def test_a_snapshot_keeps_the_schedules_counts() -> None:
    view = RunView("r")
    events = [
        {"event": "run_started", "run": "r", "flow": "f", "nodes": 1},
        {"event": "schedule_next", "run": "r", "node": "d", "socket": "x", "at": "t1", "at_ms": 1000.0},
    ]
    fire = {"event": "schedule_fire", "run": "r", "node": "d", "socket": "x", "slot": "t", "slot_ms": 0.0}
    events += [{**fire, "lateness_ms": 1500.0, "late": True, "missed": 1, "fired": True, "count": 1}]
    events += [{**fire, "lateness_ms": 0.0, "late": False, "missed": 3, "fired": False, "count": 1}]
    for event in events:
        view.apply(event)
    again = RunView()
    for event in view.snapshot():
        again.apply(event)
    assert again.to_json() == view.to_json()
    assert again.nodes["d"]["schedules"]["x"] == {
        "next_at": "t1",
        "next_ms": 1000.0,
        "fires": 1,
        "late_fires": 1,
        "skipped": 3,
        "last": {"late": False, "lateness_ms": 0.0, "missed": 3, "fired": False},
    }


@pytest.mark.parametrize("template", ["join", "hello", "error-routing", "generator"])
async def test_an_event_stream_folds_to_the_view_a_view_stream_folds_to(template: str) -> None:
    # The server folds runs of either kind (clients may ask for every value).
    from conftest import TEMPLATE_FLOWS

    from headrace import Flow

    flow = Flow.load(TEMPLATE_FLOWS / f"{template}.json")
    folds = []
    for report in ("events", "view"):
        host = RunView()
        run = flow.start(on_event=lambda e, h=host: h.apply(json.loads(json.dumps(event_to_dict(e)))), report=report)
        await run.start()
        run.trigger_sources()
        await run.wait_idle()
        await run.stop()
        data = host.to_json()
        data.pop("run")
        folds.append(data)
    assert folds[0] == folds[1]


async def test_output_from_threads_node_code_starts_is_all_kept_in_order() -> None:
    code = (
        "import threading\n\ndef f():\n    def work(k):\n        for i in range(400):\n            print(f't{k} {i}')\n"
        "    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]\n"
        "    for t in threads:\n        t.start()\n    for i in range(400):\n        print(f'main {i}')\n"
        "    for t in threads:\n        t.join()\n    return 1\n"
    )
    run, host = await view_run([script("p", code)], console_lines=5000)
    await asyncio.sleep(0.1)  # the loop takes in what the threads wrote
    await run.stop()
    lines = [line["text"] for line in host.nodes["p"]["console"]]
    assert host.nodes["p"]["console_dropped"] == 0
    assert sorted(lines) == sorted(
        [f"t{k} {i}\n" for k in range(4) for i in range(400)] + [f"main {i}\n" for i in range(400)]
    )
    for who in ("t0", "t3", "main"):  # each writer's lines in its own order
        mine = [line for line in lines if line.startswith(who + " ")]
        assert mine == [f"{who} {i}\n" for i in range(400)]


async def test_what_the_host_prints_while_told_of_a_nodes_output_mid_call_is_the_hosts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A print over the sink's flush size is passed on while node code still runs.
    code = "def f():\n    print('x' * 70000)\n    print('after')\n    return 1\n"
    seen: list[str] = []

    def on_event(event: Event) -> None:
        if event.kind == "output":
            print("host saw output")
            seen.append(event.text)  # type: ignore[attr-defined]

    run = make_flow([script("p", code)]).start(on_event=on_event)
    await run.start()
    run.trigger_sources()
    await run.wait_idle()
    await run.stop()
    assert "host saw output" not in "".join(seen)
    assert capsys.readouterr().out.count("host saw output") == len(seen) >= 2


async def test_a_thread_that_ends_mid_line_keeps_its_unfinished_line() -> None:
    code = (
        "import threading\n\ndef f():\n"
        "    t = threading.Thread(target=lambda: print('no newline', end=''))\n"
        "    t.start()\n    t.join()\n    print('main')\n    return 1\n"
    )
    run, host = await view_run([script("p", code)])
    await asyncio.sleep(0.1)
    await run.stop()
    text = "".join(line["text"] for line in host.nodes["p"]["console"])
    assert "no newline" in text and "main\n" in text
