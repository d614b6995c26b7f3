"""The ``headrace`` command, run as a user runs it: ``python -m headrace ...``."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from conftest import FIXTURE_FLOWS, INVALID_FLOWS, QUICK_TEMPLATES, ROOT, TEMPLATE_FLOWS, data, edge, flow_doc, script

pytestmark = pytest.mark.skipif(
    not (ROOT / "py" / "headrace" / "cli.py").exists(), reason="headrace.cli does not exist yet"
)

TEMPLATES = sorted(TEMPLATE_FLOWS.glob("*.json"))


def headrace(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py"), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "headrace", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=timeout,
        check=False,
    )


def write_flow(tmp_path: pathlib.Path, doc: dict[str, Any], name: str = "flow.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


ROUTED = flow_doc(
    [
        data("a", "v = 0"),
        script("s", "def inv(v):\n    return 1 / v\n"),
        script("h", "def handle(e):\n    return e['type']\n"),
    ],
    [edge("a.v", "s.inv.v"), edge("s.error", "h.handle.e")],
    name="routed",
)
UNROUTED = flow_doc(
    [data("a", "v = 0"), script("s", "def inv(v):\n    return 1 / v\n"), data("b", "still = 'here'")],
    [edge("a.v", "s.inv.v")],
    name="unrouted",
)


@pytest.mark.parametrize("path", QUICK_TEMPLATES, ids=[p.name for p in QUICK_TEMPLATES])
def test_run_each_template(path: pathlib.Path) -> None:
    done = headrace("run", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    name = json.loads(path.read_text(encoding="utf-8"))["name"]
    assert done.stdout.startswith(f"▶ {name}: ")
    assert "■ idle after " in done.stdout


@pytest.mark.parametrize("path", QUICK_TEMPLATES, ids=[p.name for p in QUICK_TEMPLATES])
def test_json_lines_parse_and_carry_event(path: pathlib.Path) -> None:
    done = headrace("run", str(path), "--json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(isinstance(e.get("event"), str) for e in events)
    assert events[0]["event"] == "run_started"
    assert events[-1]["event"] == "run_stopped"
    assert any(e["event"] == "emit" for e in events)
    assert len({e["run"] for e in events}) == 1


def test_readable_log_shows_values_prints_and_errors(tmp_path: pathlib.Path) -> None:
    doc = flow_doc(
        [
            data("who", "name = 'world'", name="Who"),
            script("greet", "def greet(name):\n    print('greeting', name)\n    return f'Hello, {name}!'\n"),
            script("bad", "def bad(name):\n    raise ValueError('nope')\n", name="Bad"),
        ],
        [edge("who.name", "greet.greet.name"), edge("who.name", "bad.bad.name")],
        name="log",
    )
    done = headrace("run", write_flow(tmp_path, doc))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert '  [Who] name → "world"' in lines
    assert "  [greet] | greeting world" in lines  # a node without a name goes by its id
    assert '  [greet] greet → "Hello, world!"' in lines
    assert "  ✗ [Bad.bad] ValueError: nope (not routed)" in lines


def test_json_values_that_are_not_json_go_as_repr(tmp_path: pathlib.Path) -> None:
    done = headrace("run", write_flow(tmp_path, flow_doc([data("d", "s = {3}\nn = float('nan')\n")])), "--json")
    assert done.returncode == 0
    emits = [e for e in map(json.loads, done.stdout.splitlines()) if e["event"] == "emit"]
    assert [(e["value"], e["repr"]) for e in emits] == [("{3}", True), ("nan", True)]


def test_routed_errors_exit_0(tmp_path: pathlib.Path) -> None:
    done = headrace("run", write_flow(tmp_path, ROUTED))
    assert done.returncode == 0
    assert "(routed to its error socket)" in done.stdout


def test_unrouted_error_exits_1_and_the_flow_goes_on(tmp_path: pathlib.Path) -> None:
    done = headrace("run", write_flow(tmp_path, UNROUTED), "--json")
    assert done.returncode == 1
    events = [json.loads(line) for line in done.stdout.splitlines()]
    [error] = [e for e in events if e["event"] == "node_error"]
    assert (error["node"], error["type"], error["routed"]) == ("s", "ZeroDivisionError", False)
    assert any(e["event"] == "emit" and e["node"] == "b" for e in events)
    assert "Traceback" not in done.stderr


def test_node_code_raising_keyboard_interrupt_or_system_exit_is_a_node_error_not_ctrl_c(tmp_path: pathlib.Path) -> None:
    doc = flow_doc(
        [
            script("k", "def f():\n    raise KeyboardInterrupt\n"),
            script("x", "import sys\n\n\ndef f():\n    sys.exit(0)\n"),
            data("after", "y = 'still running'"),
        ]
    )
    done = headrace("run", write_flow(tmp_path, doc), "--json")
    assert done.returncode == 1  # unrouted node errors, not 130 (Ctrl-C) nor 0 (sys.exit(0))
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(e["node"], e["type"]) for e in events if e["event"] == "node_error"] == [
        ("k", "KeyboardInterrupt"),
        ("x", "SystemExit"),
    ]
    assert any(e["event"] == "emit" and e["node"] == "after" for e in events)
    assert events[-1]["event"] == "run_stopped" and events[-1]["reason"] == "finished"


@pytest.mark.parametrize("name", ["not-json.json", "edge-to-unknown-port.json", "code-syntax-error.json"])
def test_invalid_flow_exits_2_with_the_message_and_no_traceback(name: str) -> None:
    from headrace import Flow, FlowError

    path = INVALID_FLOWS / name
    with pytest.raises(FlowError) as info:
        Flow.load(path)
    for command in ("run", "validate"):
        done = headrace(command, str(path))
        assert done.returncode == 2
        assert done.stdout == ""
        assert str(info.value) in done.stderr
        assert "Traceback" not in done.stderr


def test_missing_file_exits_2(tmp_path: pathlib.Path) -> None:
    done = headrace("run", str(tmp_path / "nope.json"))
    assert done.returncode == 2
    assert f"$: no such file: {tmp_path / 'nope.json'}" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_requirements_exit_2(tmp_path: pathlib.Path) -> None:
    doc = flow_doc([data("a", "x = 1")], requirements=["surely-not-installed-headrace-test-pkg"])
    done = headrace("run", write_flow(tmp_path, doc))
    assert done.returncode == 2
    assert "surely-not-installed-headrace-test-pkg" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("path", [*TEMPLATES, *sorted((FIXTURE_FLOWS / "valid").glob("*.json"))], ids=lambda p: p.name)
def test_validate_ok(path: pathlib.Path) -> None:
    done = headrace("validate", str(path))
    assert done.returncode == 0, done.stderr
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert done.stdout.startswith(f"{path}: ok ")
    assert f"{len(doc['nodes'])} nodes, {len(doc['edges'])} edges" in done.stdout


def test_validate_does_not_run_the_flow(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "ran"
    doc = flow_doc([data("d", f"open({str(marker)!r}, 'w').write('x')\nx = 1\n")])
    done = headrace("validate", write_flow(tmp_path, doc))
    assert done.returncode == 0
    assert not marker.exists()


def test_no_command_prints_help_and_exits_2() -> None:
    done = headrace()
    assert done.returncode == 2
    assert "run" in done.stdout and "validate" in done.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_stops_an_endless_run_cleanly(tmp_path: pathlib.Path) -> None:
    doc = flow_doc([script("g", "import itertools\ndef g():\n    yield from itertools.count()\n")], name="endless")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py"), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "headrace", "run", write_flow(tmp_path, doc), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )
    try:
        assert proc.stdout is not None
        for _ in range(20):  # wait until it is running
            if '"emit"' in proc.stdout.readline():
                break
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err
    last = json.loads(out.splitlines()[-1])
    assert (last["event"], last["reason"]) == ("run_stopped", "stopped")


# -- hostile and careless input ------------------------------------------------------------------------


VALID_LOOKING = {
    "ui nested 500 deep": '{"headrace": 1, "name": "x", "nodes": [], "edges": [], "ui": {"a": '
    + "[" * 500
    + "]" * 500
    + "}}",
    "a folder of the zone database": json.dumps(flow_doc([], timezone="Europe")),
    "a 5,000-character zone": json.dumps(flow_doc([], timezone="x" * 5000)),
    "a NUL in a node id": json.dumps(flow_doc([data("a\x00b", "x = 1")])),
    "a NUL in a node name": json.dumps(flow_doc([data("a", "x = 1", name="A\x00")])),
    "a lone surrogate in the name": json.dumps(flow_doc([data("a", "x = 1")], name="caf\ud800")),
    "a key given twice": '{"headrace": 1, "name": "x", "nodes": [], "nodes": [], "edges": []}',
}


@pytest.mark.parametrize("text", list(VALID_LOOKING.values()), ids=list(VALID_LOOKING))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_valid_looking_input_is_a_flow_error_naming_its_path_not_a_traceback(
    tmp_path: pathlib.Path, text: str, command: str
) -> None:
    path = tmp_path / "flow.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    done = headrace(command, str(path))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"headrace: invalid flow {path}: "), done.stderr
    where = done.stderr.split(": ")[2]
    assert where in {"ui.a" + "[0]" * 62, "timezone", "nodes[0].id", "nodes[0].name", "name", "nodes"}, done.stderr


def test_validate_shows_control_characters_of_a_hostile_file_as_escapes(tmp_path: pathlib.Path) -> None:
    # A key that would clear the screen and draw a fake "ok" line where the error is.
    key = "\x1b[2K\rflow.json: ok (\x1b[32mall good\x1b[0m)\n"
    doc = {**flow_doc([]), key: 1}
    done = headrace("validate", write_flow(tmp_path, doc))
    assert done.returncode == 2
    assert "\x1b" not in done.stderr and "\r" not in done.stderr
    assert "\\x1b[2K\\rflow.json: ok" in done.stderr and done.stderr.count("\n") == 1


def test_the_install_hint_is_safe_to_paste_into_a_shell(tmp_path: pathlib.Path) -> None:
    # A quote in it made repr() switch to double quotes, inside which a shell runs $(...).
    requirement = "no-such-pkg-xyz @ https://example.invalid/$(id)/'x.whl"
    done = headrace("run", write_flow(tmp_path, flow_doc([data("a", "x = 1")], requirements=[requirement])))
    assert done.returncode == 2
    hint = done.stderr.split("pip install ", 1)[1].removesuffix(")\n")
    echoed = subprocess.run(["sh", "-c", f"printf %s {hint}"], capture_output=True, text=True, check=True).stdout
    assert echoed == requirement


def test_a_lone_surrogate_in_a_value_goes_out_like_any_value(tmp_path: pathlib.Path) -> None:
    # os.listdir gives such names for files whose names are not UTF-8.
    doc = flow_doc([data("d", "x = 'caf\\ud800'\ny = 2\n")])
    readable = headrace("run", write_flow(tmp_path, doc))
    assert readable.returncode == 0, readable.stderr
    assert '[d] x → "caf\\ud800"' in readable.stdout and "[d] y → 2" in readable.stdout
    lines = headrace("run", write_flow(tmp_path, doc), "--json").stdout.splitlines()
    values = [json.loads(line)["value"] for line in lines if '"emit"' in line]
    assert values == ["caf\ud800", 2]


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: pathlib.Path) -> None:
    doc = flow_doc([script("g", "def g():\n    yield from range(10**7)\n")])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    for extra in ([], ["--json"]):
        command = f"{sys.executable} -m headrace run {write_flow(tmp_path, doc)} {' '.join(extra)} | head -1"
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert len(done.stdout.splitlines()) == 1


def test_threads_node_code_leaves_running_do_not_keep_the_command_alive(tmp_path: pathlib.Path) -> None:
    code = "import threading, time\nthreading.Thread(target=time.sleep, args=(3600,), name='sleeper').start()\nx = 1\n"
    started = time.monotonic()
    done = headrace("run", write_flow(tmp_path, flow_doc([data("d", code)])), timeout=30)
    assert time.monotonic() - started < 20
    assert done.returncode == 0
    assert "[d] x → 1" in done.stdout
    assert "node code left 1 thread(s) running (sleeper); exiting without them" in done.stderr


LOOP = flow_doc(
    [data("seed", "x = 0"), script("a", "def a(x):\n    return x + 1\n"), script("b", "def b(y):\n    return y\n")],
    [edge("seed.x", "a.a.x"), edge("a.a", "b.b.y"), edge("b.b", "a.a.x")],
    name="loop",
)


def test_a_loop_ended_by_for_says_how_far_it_got(tmp_path: pathlib.Path) -> None:
    done = headrace("run", write_flow(tmp_path, LOOP), "--for", "0.5s")
    assert done.returncode == 0, done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith("■ still busy when it ended, after ") and last.endswith(" values")


def test_a_loop_ended_by_ctrl_c_says_how_far_it_got(tmp_path: pathlib.Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py"), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "headrace", "run", write_flow(tmp_path, LOOP)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = out.splitlines()
    assert "■ stopped" in lines and lines[-1].startswith("■ still busy when it ended")
