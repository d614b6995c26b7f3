"""What a run shows, as a user meets it: state that belongs to its flow, a node that blocks
seen running, Stop that is not an error, the result on the canvas and in the debug
sidebar, a join that shows it waits, a node's ▶ after the flow changed, and the window
events a long run still sends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES, ready_studio
from helpers import drag_from_palette, import_file, node, run_and_wait_idle, set_code
from playwright.sync_api import Browser, Page, expect
from test_running import edge, write_flow

SPIN = "def spin(x):\n    while True:\n        pass\n"


def spinning_flow(tmp_path: Path) -> str:
    return write_flow(
        tmp_path,
        "Spinner",
        [
            {"id": "d", "type": "data", "name": "Start", "code": "x = 1\n"},
            {"id": "spin", "type": "script", "name": "Spin", "code": SPIN},
            {"id": "handler", "type": "script", "name": "Handler", "code": "def seen(e):\n    return e['type']\n"},
        ],
        [edge("d", "x", "spin", "spin.x"), edge("spin", "error", "handler", "seen.e")],
    )


def test_run_state_belongs_to_its_flow(studio: Page, tmp_path: Path) -> None:
    import_file(studio, str(TEMPLATES / "join.json"))
    run_and_wait_idle(studio)
    expect(node(studio, "add")).to_have_attribute("data-state", "done")
    expect(studio.get_by_test_id("count-add-add")).to_have_text("1")
    first_tab = studio.get_by_test_id(studio.locator(".hr-tab.q-tab--active").get_attribute("data-testid") or "")

    # Another flow with a node of the same id, in a new tab: nothing of the other run shows.
    other = write_flow(
        tmp_path, "Other", [{"id": "add", "type": "script", "name": "Add", "code": "def add(a):\n    return a\n"}], []
    )
    import_file(studio, other)
    expect(node(studio, "add")).to_have_attribute("data-state", "idle")
    expect(studio.get_by_test_id("count-add-add")).to_have_count(0)
    expect(studio.get_by_test_id("last-add-add")).to_have_count(0)
    expect(studio.get_by_test_id("messages")).to_contain_text("not run yet")
    expect(studio.get_by_test_id("messages")).not_to_contain_text("Run started")

    # Back on the first flow, its run is as it was.
    first_tab.locator(".hr-tab__name").click()
    expect(node(studio, "add")).to_have_attribute("data-state", "done")
    expect(studio.get_by_test_id("last-add-add")).to_have_text("42")


def test_the_result_is_on_the_canvas_and_in_the_debug_sidebar(studio: Page) -> None:
    import_file(studio, str(TEMPLATES / "hello.json"))
    studio.get_by_test_id("toggle-debug").click()
    run_and_wait_idle(studio)
    expect(studio.get_by_test_id("last-greet-greet")).to_contain_text("Hello, world!")
    sidebar = studio.get_by_test_id("debug-sidebar")
    entries = sidebar.get_by_test_id("debug-entry")
    expect(entries.filter(has_text="Hello, world!")).to_have_count(1)
    expect(entries.filter(has_text='"world"')).to_have_count(1)
    expect(entries.filter(has_text="greeting world")).to_have_count(0)  # print() lines when asked
    sidebar.get_by_test_id("debug-prints").click()
    expect(entries.filter(has_text="greeting world")).to_have_count(1)

    # The preview expands to the whole value, read from the engine.
    entries.filter(has_text="Hello, world!").get_by_test_id("debug-preview").click()
    expect(sidebar.get_by_test_id("debug-value")).to_contain_text("Hello, world!")

    # Filter by node; a click on its name selects it on the canvas.
    sidebar.get_by_test_id("debug-node-filter").click()
    studio.get_by_role("option", name="Greet").click()
    expect(entries).to_have_count(2)  # its value and its print() line
    entries.first.locator(".hr-debug__node").click()
    expect(node(studio, "greet")).to_have_class(re.compile(r"\bhr-node--selected\b"))

    # Pause, clear.
    sidebar.get_by_test_id("debug-clear").click()
    expect(entries).to_have_count(0)
    sidebar.get_by_test_id("debug-pause").click()
    run_and_wait_idle(studio)
    expect(entries).to_have_count(0)
    expect(sidebar.get_by_test_id("debug-missed")).to_contain_text("not listed")
    studio.get_by_test_id("toggle-debug").click()


def test_a_join_shows_it_is_waiting_while_its_other_source_works(studio: Page, tmp_path: Path) -> None:
    flow = write_flow(
        tmp_path,
        "Slow partner",
        [
            {"id": "a", "type": "data", "name": "A", "code": "x = 1\n"},
            {
                "id": "b",
                "type": "script",
                "name": "Slow",
                "code": "import time\n\ndef b(x):\n    time.sleep(3)\n    return 2\n",
            },
            {"id": "j", "type": "script", "name": "Join", "code": "def add(x, y):\n    return x + y\n"},
        ],
        # a's value reaches the join first (edges deliver in file order), then b works on it.
        [edge("a", "x", "j", "add.x"), edge("a", "x", "b", "b.x"), edge("b", "b", "j", "add.y")],
    )
    import_file(studio, flow)
    expect(node(studio, "j")).to_be_visible()
    studio.get_by_test_id("run-flow").click()
    expect(node(studio, "b")).to_have_attribute("data-state", "running", timeout=2500)
    expect(node(studio, "j")).to_have_attribute("data-state", "waiting", timeout=1000)
    expect(studio.get_by_test_id("held-j-add")).to_have_text("1/2")
    expect(node(studio, "a")).to_have_attribute("data-state", "done")
    expect(studio.get_by_test_id("last-j-add")).to_have_text("3", timeout=10_000)


def test_a_node_run_added_after_a_run_runs(studio: Page) -> None:
    import_file(studio, str(TEMPLATES / "join.json"))
    run_and_wait_idle(studio)
    added = drag_from_palette(studio, "data", 120, 420)
    set_code(studio, added, "x = 5\n")
    expect(node(studio, added).locator('[data-socket="x"]')).to_be_visible()
    node(studio, added).get_by_test_id(f"run-node-{added}").click()
    expect(node(studio, added)).to_have_attribute("data-state", "done")
    expect(studio.get_by_test_id(f"last-{added}-x")).to_have_text("5")
    expect(studio.get_by_test_id("messages")).to_contain_text("Started a new run: the flow changed")
    expect(studio.locator(".hr-notice--error")).to_have_count(0)


def test_a_long_run_sends_the_first_values_as_window_events_then_says_how_many_were_left_out(
    studio: Page, tmp_path: Path
) -> None:
    flow = write_flow(
        tmp_path,
        "Long stream",
        [
            {"id": "src", "type": "script", "name": "Source", "code": "def s():\n    yield from range(1500)\n"},
            {"id": "inc", "type": "script", "name": "Inc", "code": "def inc(x):\n    return x + 1\n"},
        ],
        [edge("src", "s", "inc", "inc.x")],
    )
    import_file(studio, flow)
    studio.evaluate(
        "window.__leftOut = []; addEventListener('headrace:left-out', (e) => window.__leftOut.push(e.detail))"
    )
    run_and_wait_idle(studio)
    expect(studio.get_by_test_id("count-inc-inc")).to_have_text("1,500")
    emits = studio.evaluate("window.__hr.emits.filter(e => e.node === 'inc').map(e => e.value)")
    assert emits == list(range(1, 1001))
    left_out = studio.evaluate("window.__leftOut")
    assert [(d["left_out"], d["sockets"]) for d in left_out] == [(1000, {"src.s": 500, "inc.inc": 500})]
    # The values are still there to page through: the newest, by default.
    node(studio, "inc").locator(".hr-node__name").click()
    studio.get_by_test_id("tab-results").click()
    expect(studio.get_by_test_id("value-inc-inc-1499")).to_contain_text("1500")
    expect(studio.get_by_test_id("values-dropped")).to_contain_text("1,400 older value(s) no longer kept")


@pytest.fixture
def isolated(browser: Browser, isolated_studio_url: str, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    yield from ready_studio(browser, isolated_studio_url, browser_context_args)


@pytest.mark.parametrize("host", ["plain", "isolated"])
def test_a_spinning_node_is_seen_running_and_stop_leaves_it_stopped_not_failed(
    host: str, studio: Page, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Plain hosts restart the engine's worker to stop it; isolated pages interrupt Python.
    page = studio if host == "plain" else request.getfixturevalue("isolated")
    import_file(page, spinning_flow(tmp_path))
    expect(node(page, "spin")).to_be_visible()
    page.get_by_test_id("run-flow").click()
    expect(node(page, "spin")).to_have_attribute("data-state", "running", timeout=1000)
    expect(node(page, "d")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("last-d-x")).to_have_text("1")
    page.wait_for_timeout(500)  # still spinning, still shown so
    expect(node(page, "spin")).to_have_attribute("data-state", "running")

    page.get_by_test_id("stop-flow").click()
    expect(node(page, "spin")).to_have_attribute("data-state", "stopped", timeout=30_000)
    expect(page.get_by_test_id("count-spin-error")).to_have_count(0)
    expect(node(page, "handler")).to_have_attribute("data-state", "idle")
    messages = page.get_by_test_id("messages")
    expect(messages).to_contain_text("Run stopped")
    expect(messages).not_to_contain_text("KeyboardInterrupt")
    expect(messages.locator(".hr-msg--error")).to_have_count(0)
    assert page.evaluate("window.__hr.errors") == []
    expect(page.get_by_test_id("engine-status")).to_have_attribute("data-status", "ready", timeout=60_000)
