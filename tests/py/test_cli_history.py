"""``headrace run --record``, ``runs list``, ``runs show`` and ``replay``, run as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conftest import ROOT, edge, flow_doc, script
from test_cli import headrace, write_flow

from headrace.run import KEEP_VALUES

CHAIN = flow_doc(
    [
        script("src", "def value():\n    for i in range(5):\n        yield i\n", name="Source"),
        script("dbl", "def double(x):\n    print('got', x)\n    return x * 2\n", name="Double"),
    ],
    [edge("src.value", "dbl.double.x")],
    name="Chain",
)


def listed(db: Path, *options: str) -> list[dict[str, Any]]:
    result = headrace("runs", "list", str(db), "--json", *options)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_record_list_show_and_replay(tmp_path: Path) -> None:
    db, path = tmp_path / "runs.db", write_flow(tmp_path, CHAIN)
    assert headrace("run", "--record", str(db), path).returncode == 0
    [run] = listed(db)
    assert (run["state"], run["trigger"], run["emitted"], run["flow_name"]) == ("success", "cli", 10, "Chain")

    shown = headrace("runs", "show", str(db), run["id"][:4])
    assert shown.returncode == 0, shown.stderr
    assert f"run {run['id']} of 'Chain': success" in shown.stdout
    assert "double: 5 values (5 kept), last 8" in shown.stdout and "| got 4" in shown.stdout

    # The code changes; the recorded values go through the new code, upstream does not run.
    Path(path).write_text(json.dumps(CHAIN).replace("x * 2", "x * 10"), encoding="utf-8")
    replay = headrace("replay", str(db), run["id"], "--from", "Source.value@3", "--json")
    assert replay.returncode == 0, replay.stderr
    emits = [e for e in map(json.loads, replay.stdout.splitlines()) if e["event"] == "emit"]
    assert [(e["node"], e["value"]) for e in emits if e["node"] == "dbl"] == [("dbl", 30), ("dbl", 40)]
    child, parent = listed(db)
    assert (child["trigger"], child["parent"], parent["id"]) == ("replay", run["id"], run["id"])
    assert f"(replay, from {run['id']})" in headrace("runs", "list", str(db)).stdout
    assert listed(db, "--state", "failure") == []


def test_bad_requests_say_what_is_wrong(tmp_path: Path) -> None:
    db, path = tmp_path / "runs.db", write_flow(tmp_path, CHAIN)
    headrace("run", "--record", str(db), path)
    [run] = listed(db)
    cases = [
        (("runs", "show", str(db), "nope"), "holds no run 'nope'"),
        (
            ("replay", str(db), run["id"], "--from", "Source.nope"),
            "Source has no socket 'nope' now (its sockets: value, error)",
        ),
        (("replay", str(db), run["id"], "--from", "Nobody.value"), "the flow has no node 'Nobody' now"),
        (("replay", str(db), run["id"], "--from", "Source.value@7"), "it sent 5 in run"),
    ]
    for args, message in cases:
        result = headrace(*args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    os.remove(path)
    gone = headrace("replay", str(db), run["id"], "--from", "Source.value")
    assert gone.returncode == 2 and "is gone: give it with --flow FILE" in gone.stderr
    junk = tmp_path / "junk.db"
    junk.write_text("junk" * 1000)
    bad = headrace("runs", "list", str(junk))
    assert bad.returncode == 2 and "is not a run history headrace can use" in bad.stderr


def test_a_run_killed_mid_way_is_kept_as_interrupted_with_what_it_recorded(tmp_path: Path) -> None:
    """The history is WAL-mode SQLite: a kill -9 loses nothing a checkpoint committed."""
    slow = flow_doc(
        [
            script(
                "tick",
                "import time\n\ndef tick():\n    for i in range(10_000):\n        time.sleep(0.02)\n        yield i\n",
            ),
            script("show", "def show(i):\n    print('tick', i)\n    return i\n"),
        ],
        [edge("tick.tick", "show.show.i")],
        name="Slow",
    )
    db, path = tmp_path / "runs.db", write_flow(tmp_path, slow)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "headrace", "run", "--record", str(db), path],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            runs = listed(db) if db.exists() else []
            if runs and runs[0]["emitted"] >= 20:  # a checkpoint with values is in
                break
            time.sleep(0.2)
        else:
            raise AssertionError("no checkpoint was recorded within 30 s")
        assert runs[0]["state"] == "running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    [run] = listed(db)
    assert run["state"] == "interrupted" and run["emitted"] >= 20
    assert f"run {run['id']} of 'Slow': interrupted" in headrace("runs", "show", str(db), run["id"]).stdout
    record = json.loads(headrace("runs", "show", str(db), run["id"], "--json").stdout)
    assert "tick 5\n" in [line["text"] for line in record["view"]["nodes"]["show"]["console"]]
    # Every value it sent, up to the newest its ring keeps (a busy machine can send more
    # between the checkpoint seen here and the kill: a CI run saw 126).
    sent = record["view"]["nodes"]["show"]["sockets"]["show"]["count"]
    assert {"node": "show", "socket": "show", "values": min(sent, KEEP_VALUES)} in record["kept"]


def test_a_run_exported_opens_and_replays_in_another_history(tmp_path: Path) -> None:
    """A run attached to a bug report: exported from one file, imported into a fresh one."""
    db, path = tmp_path / "runs.db", write_flow(tmp_path, CHAIN)
    headrace("run", "--record", str(db), path)
    [run] = listed(db)
    exported = headrace("runs", "export", str(db), run["id"])
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["headrace_run"] == 1 and document["flow"] == CHAIN
    attached = tmp_path / "run.json"
    attached.write_text(exported.stdout, encoding="utf-8")

    elsewhere = tmp_path / "elsewhere.db"
    imported = headrace("runs", "import", str(elsewhere), str(attached))
    assert imported.returncode == 0 and f"kept run {run['id']}" in imported.stdout, imported.stderr
    assert listed(elsewhere) == [run]
    assert (
        headrace("runs", "show", str(elsewhere), run["id"]).stdout
        == headrace("runs", "show", str(db), run["id"]).stdout
    )
    replay = headrace("replay", str(elsewhere), run["id"], "--from", "Double.double", "--json")
    assert replay.returncode == 0, replay.stderr

    again = headrace("runs", "import", str(elsewhere), str(attached))
    assert again.returncode == 2 and f"already holds run {run['id']}" in again.stderr
    for bad, message in [("[]", "not an exported run"), ('{"headrace_run": 1}', "a malformed exported run: no 'run'"),
                         ("{", "is not JSON")]:  # fmt: skip
        attached.write_text(bad, encoding="utf-8")
        result = headrace("runs", "import", str(elsewhere), str(attached))
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_runs_are_deleted_all_or_none(tmp_path: Path) -> None:
    db, path = tmp_path / "runs.db", write_flow(tmp_path, CHAIN)
    headrace("run", "--record", str(db), path)
    headrace("run", "--record", str(db), path)
    first, second = (r["id"] for r in listed(db))
    refused = headrace("runs", "delete", str(db), first, "nope")
    assert refused.returncode == 2 and "holds no run 'nope'" in refused.stderr
    assert len(listed(db)) == 2
    assert headrace("runs", "delete", str(db), first).stdout == f"deleted run {first}\n"
    assert [r["id"] for r in listed(db)] == [second]
