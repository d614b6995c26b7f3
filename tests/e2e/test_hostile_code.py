"""Node code that floods, exhausts memory, or merely sits in a flow someone sends you: the
studio stays alive and responsive, says what happened, and runs nothing until Run."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import BOOT_TIMEOUT_MS, RECORD_EVENTS, TEMPLATES, cli_emits, wait_ready
from helpers import emits, emits_until_idle, import_file, node, open_editor, reset_events, run_and_wait_idle
from playwright.sync_api import Page, expect
from test_running import edge, write_flow

# Main-thread tasks over 50 ms, as the browser reports them.
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
}).observe({ type: 'longtask', buffered: true });
"""


def one_node_flow(tmp_path: Path, name: str, code: str) -> str:
    return write_flow(
        tmp_path,
        name,
        [
            {"id": "n", "type": "data", "name": "N", "code": "n = 1\n"},
            {"id": "x", "type": "script", "name": "X", "code": code},
        ],
        [edge("n", "n", "x", "go.n")],
    )


def test_a_million_printed_lines(studio: Page, tmp_path: Path) -> None:
    studio.evaluate(LONG_TASKS)
    code = "def go(n):\n    for i in range(1_000_000):\n        print('line', i)\n    return 'done'\n"
    import_file(studio, one_node_flow(tmp_path, "Flood", code))
    expect(node(studio, "x")).to_be_visible()
    studio.evaluate("window.__longTasks = []")
    run_and_wait_idle(studio, timeout=120_000)
    assert {"node": "x", "socket": "go", "value": "done"} in emits(studio)
    # No main-thread task over 200 ms while a million lines came through.
    assert max(studio.evaluate("window.__longTasks"), default=0) < 200
    open_editor(studio, "x")
    studio.get_by_test_id("tab-console").click()
    console = studio.get_by_test_id("node-console")
    expect(console).to_contain_text("line 999999")
    # The console keeps its last 500 lines, and says how many it is not showing.
    dropped = studio.get_by_test_id("console-dropped").inner_text()
    count = int(re.search(r"… ([\d,]+) earlier line\(s\) not shown", dropped).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 999_000 <= count <= 1_000_000


def test_a_memory_bomb_is_a_memory_error(studio: Page, tmp_path: Path) -> None:
    code = "def go(n):\n    blocks = []\n    while True:\n        blocks.append(bytearray(50_000_000))\n"
    import_file(studio, one_node_flow(tmp_path, "Bomb", code))
    expect(node(studio, "x")).to_be_visible()
    run_and_wait_idle(studio, timeout=120_000)
    expect(node(studio, "x")).to_have_attribute("data-state", "error")
    expect(studio.get_by_test_id("messages")).to_contain_text("MemoryError")
    # The same Python goes on running flows.
    expect(studio.get_by_test_id("engine-status")).to_have_attribute("data-status", "ready")
    import_file(studio, str(TEMPLATES / "hello.json"))
    expect(node(studio, "greet")).to_be_visible()
    reset_events(studio)
    run_and_wait_idle(studio)
    assert emits_until_idle(studio) == cli_emits(TEMPLATES / "hello.json")


def armed_flow(tmp_path: Path) -> Path:
    """A flow that would show it ran: a schedule every second, a requirement to install,
    and code with a side effect."""
    flow = {
        "headrace": 1,
        "name": "Armed",
        "requirements": ["snowballstemmer"],
        "nodes": [
            {
                "id": "tick",
                "type": "data",
                "name": "Tick",
                "code": "print('ran!')\nt = 1\n",
                "schedule": {"t": "* * * * * *"},
            },
            {"id": "show", "type": "script", "name": "Show", "code": "def show(t):\n    return t\n"},
        ],
        "edges": [edge("tick", "t", "show", "show.t")],
    }
    path = tmp_path / "armed.json"
    path.write_text(json.dumps(flow))
    return path


def test_opening_a_flow_runs_nothing(page: Page, studio_url: str, tmp_path: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.add_init_script(RECORD_EVENTS)
    page.route("**/armed.json", lambda route: route.fulfill(path=str(armed_flow(tmp_path))))
    # By URL (a shared link)...
    page.goto(f"{studio_url}?flow=armed.json")
    wait_ready(page)
    expect(node(page, "tick")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
    # ...and by file.
    import_file(page, str(armed_flow(tmp_path)))
    page.wait_for_timeout(2500)  # two schedule slots, had anything been armed
    assert page.evaluate("window.__hr.emits") == []
    expect(page.get_by_test_id("stop-flow")).to_be_disabled()
    expect(page.get_by_test_id("schedule-tick-t")).to_have_attribute("data-tone", "idle")
    assert [url for url in requests if "snowballstemmer" in url] == [], "a package was fetched before Run"
    expect(node(page, "tick")).to_have_attribute("data-state", "idle")
