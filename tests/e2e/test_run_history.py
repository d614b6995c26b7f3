"""The run history in the studio, as a user meets it: each run kept and listed in the
Runs panel (state, trigger, values, errors; filtered by state and flow; deleted), a run
downloaded and opened by the command line and one recorded there opened here (one
format), the exact flow a past run used opened again with the run as its next run's
parent, and a run cut off by a reload listed as interrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import REPO, ready_studio, wait_ready
from helpers import export_flow, import_file, reset_events, run_and_wait_idle, set_code
from playwright.sync_api import Browser, Page, expect


def _flow(name: str, double: str = "def double(x):\n    return x * 2\n", **extra: Any) -> dict[str, Any]:
    return {
        "headrace": 1,
        "name": name,
        "nodes": [
            {"id": "src", "type": "data", "name": "Source", "code": "x = 21\n"},
            {"id": "dbl", "type": "script", "name": "Double", "code": double},
        ],
        "edges": [{"from": {"node": "src", "socket": "x"}, "to": {"node": "dbl", "port": "double.x"}}],
        "ui": {"nodes": {"src": {"x": 60, "y": 80}, "dbl": {"x": 360, "y": 80}}},
        **extra,
    }


def _open(page: Page, tmp_path: Path, doc: dict[str, Any]) -> None:
    path = tmp_path / f"{doc['name'].replace(' ', '-')}.json"
    path.write_text(json.dumps(doc))
    import_file(page, str(path))


def _panel(page: Page) -> None:
    if not page.get_by_test_id("runs-panel").is_visible():
        page.get_by_test_id("open-runs").click()
    expect(page.get_by_test_id("runs-panel")).to_be_visible()


def _close(page: Page) -> None:
    page.get_by_test_id("runs-close").click()
    expect(page.get_by_test_id("runs-panel")).to_be_hidden()


def _rows(page: Page):
    return page.get_by_test_id("runs-panel").get_by_test_id("run-row")


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "py")}
    python = os.environ.get("HEADRACE_PYTHON", sys.executable)
    return subprocess.run(
        [python, "-m", "headrace", *args], cwd=REPO, env=env, capture_output=True, text=True, input=stdin, timeout=120
    )


def _menu(page: Page, row_index: int, action: str) -> None:
    _rows(page).nth(row_index).get_by_test_id("run-menu").click()
    page.get_by_test_id(action).click()


def test_each_run_is_listed_with_what_started_it_its_state_values_and_errors(studio: Page, tmp_path: Path) -> None:
    _open(studio, tmp_path, _flow("History listing"))
    run_and_wait_idle(studio)
    _panel(studio)
    rows = _rows(studio)
    expect(rows).to_have_count(1)  # this flow's runs only
    first = rows.first
    expect(first).to_have_attribute("data-state", "success")
    expect(first.get_by_test_id("run-trigger")).to_have_text("Run Flow")
    expect(first.get_by_test_id("run-values")).to_have_text("2 value(s)")

    # A failing run: newest first, its errors counted, the state says so.
    _close(studio)
    set_code(studio, "dbl", "def double(x):\n    raise ValueError('no doubling today')\n")
    studio.keyboard.press("Escape")
    reset_events(studio)
    run_and_wait_idle(studio)
    _panel(studio)
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-state", "failure")
    expect(rows.first.get_by_test_id("run-errors")).to_contain_text("1 error(s), 1 unhandled")
    expect(rows.nth(1)).to_have_attribute("data-state", "success")

    # Stopped at rest, a run keeps how it finished; ▶ on a node with no run open starts
    # one, named after the node.
    _close(studio)
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    studio.get_by_test_id("run-node-src").click()
    _panel(studio)
    expect(rows).to_have_count(3)
    expect(rows.first.get_by_test_id("run-trigger")).to_have_text("▶ Source")

    # Filtered by state, then every flow's runs.
    studio.get_by_test_id("runs-state-filter").click()
    studio.get_by_role("option", name="success (1)").click()
    expect(rows).to_have_count(1)
    studio.get_by_test_id("runs-state-filter").click()
    studio.get_by_role("option", name="failure (2)").click()
    expect(rows).to_have_count(2)
    studio.get_by_test_id("runs-state-filter").click()
    studio.get_by_role("option", name="Any state (3)").click()
    expect(rows).to_have_count(3)

    # Deleted (after asking), and gone from the list.
    doomed = rows.first.get_attribute("data-run-id")
    _menu(studio, 0, "run-delete")
    studio.get_by_test_id("runs-confirm-delete").click()
    expect(rows).to_have_count(2)
    expect(studio.locator(f'[data-testid=run-row][data-run-id="{doomed}"]')).to_have_count(0)
    _close(studio)


def test_a_run_downloaded_here_replays_in_the_command_line_and_one_recorded_there_opens_here(
    studio: Page, tmp_path: Path
) -> None:
    _open(studio, tmp_path, _flow("History exchange"))
    run_and_wait_idle(studio)
    _panel(studio)
    expect(_rows(studio)).to_have_count(1)
    run_id = _rows(studio).first.get_attribute("data-run-id")
    with studio.expect_download() as info:
        _menu(studio, 0, "run-download")
    exported = tmp_path / info.value.suggested_filename
    info.value.save_as(exported)
    document = json.loads(exported.read_text())
    assert document["headrace_run"] == 1 and document["run"]["id"] == run_id
    assert document["flow"]["name"] == "History exchange"

    # The command line keeps it, shows it, and replays from its recorded values.
    db = str(tmp_path / "runs.db")
    imported = _cli("runs", "import", db, str(exported))
    assert imported.returncode == 0, imported.stderr
    shown = json.loads(_cli("runs", "show", db, run_id or "", "--json").stdout)
    assert shown["state"] == "success" and shown["trigger"] == "run-flow"
    assert {(k["node"], k["socket"]): k["values"] for k in shown["kept"]} == {("src", "x"): 1, ("dbl", "double"): 1}
    # (With the flow as it is now: a run from the studio has no file of its own.)
    current = tmp_path / "current.json"
    current.write_text(json.dumps(document["flow"]))
    replayed = _cli("replay", db, run_id or "", "--from", "Source.x", "--flow", str(current), "--json")
    assert replayed.returncode == 0, replayed.stderr
    emits = [json.loads(line) for line in replayed.stdout.splitlines() if '"emit"' in line]
    assert [(e["node"], e["value"]) for e in emits] == [("src", 21), ("dbl", 42)]  # sent out again, then on

    # A run recorded by the command line opens here, named as what started it.
    flow_file = tmp_path / "cli-flow.json"
    flow_file.write_text(json.dumps(_flow("History exchange")))
    recorded = _cli("run", str(flow_file), "--record", str(tmp_path / "cli.db"))
    assert recorded.returncode == 0, recorded.stderr
    listed = _cli("runs", "list", str(tmp_path / "cli.db"), "--json").stdout.splitlines()
    (cli_run,) = [json.loads(line)["id"] for line in listed]
    cli_file = tmp_path / "cli-run.json"
    cli_file.write_text(_cli("runs", "export", str(tmp_path / "cli.db"), cli_run).stdout)
    studio.get_by_test_id("import-run-file").set_input_files(str(cli_file))
    expect(_rows(studio)).to_have_count(2)
    row = studio.locator(f'[data-testid=run-row][data-run-id="{cli_run}"]')
    expect(row.get_by_test_id("run-trigger")).to_have_text("command line")
    expect(row).to_have_attribute("data-state", "success")

    # The same run twice, or a file that is no run: refused, by what is wrong.
    studio.get_by_test_id("import-run-file").set_input_files(str(cli_file))
    expect(studio.locator(".hr-notice--error").last).to_contain_text(f"already holds run {cli_run}")
    studio.get_by_test_id("import-run-file").set_input_files(str(flow_file))
    expect(studio.locator(".hr-notice--error").last).to_contain_text("this is a flow, not a run")
    expect(_rows(studio)).to_have_count(2)
    _close(studio)


def test_the_flow_a_past_run_used_opens_again_and_its_next_run_descends_from_it(studio: Page, tmp_path: Path) -> None:
    _open(studio, tmp_path, _flow("History clone"))
    run_and_wait_idle(studio)
    set_code(studio, "dbl", "def double(x):\n    return x * 3\n")
    studio.keyboard.press("Escape")
    _panel(studio)
    past = _rows(studio).first.get_attribute("data-run-id") or ""
    _menu(studio, 0, "run-open-flow")
    # A flow of that name is open: the studio asks, as for any import.
    studio.get_by_test_id("same-name-copy").click()
    active_tab = "document.querySelector('.hr-tab.q-tab--active .hr-tab__name')?.title"
    studio.wait_for_function(f"{active_tab}.includes('History clone')")
    doc = export_flow(studio, tmp_path)
    assert next(n for n in doc["nodes"] if n["id"] == "dbl")["code"] == "def double(x):\n    return x * 2\n"

    reset_events(studio)
    run_and_wait_idle(studio)
    studio.get_by_test_id("runs-scope").get_by_text("All flows").click()
    child = studio.locator("[data-testid=run-row]").first
    expect(child.get_by_test_id("run-lineage")).to_contain_text(f"from {past[:8]}")
    parent_row = studio.locator(f'[data-testid=run-row][data-run-id="{past}"]')
    expect(parent_row.get_by_test_id("run-lineage")).to_contain_text("1 run(s) from this")
    studio.get_by_test_id("runs-scope").get_by_text("This flow").click()
    _close(studio)


def test_a_run_cut_off_by_a_reload_is_listed_as_interrupted(fresh_studio: Page, tmp_path: Path) -> None:
    page = fresh_studio
    slow = "import asyncio\n\nasync def double(x):\n    await asyncio.sleep(120)\n    return x * 2\n"
    _open(page, tmp_path, _flow("History interrupted", double=slow))
    page.get_by_test_id("run-flow").click()
    _panel(page)
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_have_attribute("data-state", "running")
    run_id = _rows(page).first.get_attribute("data-run-id")
    page.reload()
    wait_ready(page)
    _panel(page)
    page.get_by_test_id("runs-scope").get_by_text("All flows").click()
    row = page.locator(f'[data-testid=run-row][data-run-id="{run_id}"]')
    expect(row).to_have_attribute("data-state", "interrupted")


def test_a_past_run_opens_on_the_canvas_as_it_ran_read_only_with_what_changed_since(
    studio: Page, tmp_path: Path
) -> None:
    flow = _flow("History past")
    flow["nodes"][1]["code"] = "def double(x):\n    print('doubling', x)\n    return x * 2\n"
    _open(studio, tmp_path, flow)
    current_tab = studio.locator(".hr-tab.q-tab--active").get_attribute("data-testid")
    run_and_wait_idle(studio)
    set_code(studio, "dbl", "def double(x):\n    return x * 3\n")
    studio.keyboard.press("Escape")
    _panel(studio)
    past = _rows(studio).first.get_attribute("data-run-id")
    _rows(studio).first.click()
    _close(studio)

    bar = studio.get_by_test_id("past-run-bar")
    expect(bar).to_have_attribute("data-run-id", past or "")
    expect(bar).to_contain_text("success")
    expect(studio.get_by_test_id("past-run-since")).to_have_text("Since: 1 node(s) changed")
    expect(studio.get_by_test_id("past-run-tab")).to_contain_text("History past")
    # The cards as they ran: states, counts, the changed one marked; nothing to run.
    expect(studio.get_by_test_id("node-state-dbl")).to_have_text("done")
    expect(studio.get_by_test_id("count-dbl-double")).to_have_text("1")
    expect(studio.locator('[data-node-id="dbl"]')).to_have_attribute("data-since-run", "changed")
    expect(studio.locator('[data-node-id="src"]')).not_to_have_attribute("data-since-run", "changed")
    expect(studio.get_by_test_id("run-node-src")).to_have_count(0)
    expect(studio.get_by_test_id("run-flow")).to_be_disabled()

    # Its code, console and values, from the record; the code cannot be changed.
    studio.locator('[data-node-id="dbl"] .hr-node__name').click()
    editor = studio.get_by_test_id("code-editor").locator(".cm-content")
    expect(editor).to_contain_text("return x * 2")
    expect(editor).to_have_attribute("contenteditable", "false")
    studio.get_by_test_id("tab-console").click()
    expect(studio.get_by_test_id("node-editor")).to_contain_text("doubling 21")
    studio.get_by_test_id("tab-results").click()
    expect(studio.get_by_test_id("node-editor")).to_contain_text("42")
    studio.keyboard.press("Escape")

    # Moving a card, or deleting it, changes nothing in a past run.
    card = studio.locator('[data-node-id="dbl"]')
    box = card.bounding_box()
    assert box
    studio.mouse.move(box["x"] + 40, box["y"] + 10)
    studio.mouse.down()
    studio.mouse.move(box["x"] + 240, box["y"] + 110, steps=5)
    studio.mouse.up()
    card.locator(".hr-node__name").click()
    studio.keyboard.press("Escape")
    studio.keyboard.press("Delete")
    expect(card).to_be_visible()
    after = card.bounding_box()
    assert after and abs(after["x"] - box["x"]) < 1 and abs(after["y"] - box["y"]) < 1

    # Back to the flow as it is now, which kept its edit.
    studio.get_by_test_id("past-run-current").click()
    expect(studio.locator(".hr-tab.q-tab--active")).to_have_attribute("data-testid", current_tab or "")
    expect(studio.get_by_test_id("past-run-bar")).to_have_count(0)
    expect(studio.get_by_test_id("run-flow")).to_be_enabled()
    studio.locator('[data-testid="past-run-tab"]').click()
    studio.get_by_test_id("past-run-close").click()
    expect(studio.get_by_test_id("past-run-tab")).to_have_count(0)


def _counting_flow(name: str, double: str) -> dict[str, Any]:
    return {
        "headrace": 1,
        "name": name,
        "nodes": [
            {"id": "count", "type": "script", "name": "Count", "code": "def count(n=5):\n    yield from range(n)\n"},
            {"id": "dbl", "type": "script", "name": "Double", "code": double},
        ],
        "edges": [{"from": {"node": "count", "socket": "count"}, "to": {"node": "dbl", "port": "double.x"}}],
        "ui": {"nodes": {"count": {"x": 60, "y": 80}, "dbl": {"x": 360, "y": 80}}},
    }


def test_replay_from_a_recorded_value_runs_the_code_of_now_downstream_only(studio: Page, tmp_path: Path) -> None:
    _open(studio, tmp_path, _counting_flow("History replay", "def double(x):\n    return 2 * x\n"))
    current_tab = studio.locator(".hr-tab.q-tab--active").get_attribute("data-testid")
    run_and_wait_idle(studio)
    # The code downstream changes; the slow, costly source is not run again.
    set_code(studio, "dbl", "def double(x):\n    return 100 * x\n")
    studio.keyboard.press("Escape")
    _panel(studio)
    past = _rows(studio).first.get_attribute("data-run-id") or ""
    _rows(studio).first.click()
    _close(studio)
    studio.locator('[data-node-id="count"] .hr-node__name').click()
    studio.get_by_test_id("tab-results").click()

    reset_events(studio)
    studio.get_by_test_id("value-count-count-3").get_by_test_id("value-replay").click()
    studio.get_by_test_id("replay-from").click()
    # A new run of the flow as it is now, in its own tab, fed the values 3 and 4 of Count.
    expect(studio.locator(".hr-tab.q-tab--active")).to_have_attribute("data-testid", current_tab or "")
    studio.wait_for_function("window.__hr.emits.filter(e => e.node === 'dbl').length >= 2", timeout=30_000)
    studio.wait_for_timeout(300)
    sent = [(e["node"], e["value"]) for e in studio.evaluate("window.__hr.emits")]
    assert [v for n, v in sent if n == "count"] == [3, 4]  # sent out of Count again, in order
    assert [v for n, v in sent if n == "dbl"] == [300, 400]  # through Double's code of now

    # Only one value, the same way.
    studio.locator('[data-testid="past-run-tab"]').click()
    studio.locator('[data-node-id="count"] .hr-node__name').click()
    studio.get_by_test_id("tab-results").click()
    reset_events(studio)
    studio.get_by_test_id("value-count-count-1").get_by_test_id("value-replay").click()
    studio.get_by_test_id("replay-only").click()
    studio.wait_for_function("window.__hr.emits.some(e => e.node === 'dbl')", timeout=30_000)
    studio.wait_for_timeout(300)
    assert [(e["node"], e["value"]) for e in studio.evaluate("window.__hr.emits")] == [("count", 1), ("dbl", 100)]

    # Each replay is a run of its own, the past run its parent.
    _panel(studio)
    replays = studio.locator('[data-testid=run-row]:has([data-testid=run-trigger]:text-is("replay"))')
    expect(replays).to_have_count(2)
    expect(replays.first.get_by_test_id("run-lineage")).to_contain_text(f"replay of {past}")
    expect(
        studio.locator(f'[data-testid=run-row][data-run-id="{past}"]').get_by_test_id("run-lineage")
    ).to_contain_text("2 run(s) from this")
    _close(studio)


def test_a_replay_the_flow_of_now_cannot_take_is_refused_saying_why(studio: Page, tmp_path: Path) -> None:
    _open(studio, tmp_path, _counting_flow("History refusal", "def double(x):\n    return 2 * x\n"))
    run_and_wait_idle(studio)
    # Count's function is renamed: its socket `count` is gone from the flow of now.
    set_code(studio, "count", "def numbers(n=5):\n    yield from range(n)\n")
    studio.keyboard.press("Escape")
    expect(studio.locator('[data-node-id="count"] [data-socket="numbers"]')).to_be_visible()
    _panel(studio)
    _rows(studio).first.click()
    _close(studio)
    studio.locator('[data-node-id="count"] .hr-node__name').click()
    studio.get_by_test_id("tab-results").click()
    runs_before = studio.evaluate("window.__hr.idle")
    studio.get_by_test_id("value-count-count-0").get_by_test_id("value-replay").click()
    studio.get_by_test_id("replay-from").click()
    notice = studio.locator(".hr-notice--error").last
    expect(notice).to_contain_text("Cannot replay Count · count")
    expect(notice).to_contain_text("Count has no socket count now (its sockets: numbers, error)")
    assert studio.evaluate("window.__hr.idle") == runs_before, "a refused replay ran something"
    expect(studio.get_by_test_id("past-run-bar")).to_be_visible()  # still where the user was


def test_a_socket_pinned_to_a_runs_values_stands_in_for_its_node_until_unpinned(studio: Page, tmp_path: Path) -> None:
    _open(studio, tmp_path, _counting_flow("History pin", "def double(x):\n    return 2 * x\n"))
    run_and_wait_idle(studio)
    studio.locator('[data-node-id="count"] .hr-node__name').click()
    studio.get_by_test_id("tab-results").click()
    studio.get_by_test_id("values-count-count").get_by_test_id("values-pin").click()
    expect(studio.locator(".hr-notice").last).to_contain_text("Pinned Count · count to 5 value(s)")
    expect(studio.get_by_test_id("pinned-count")).to_be_visible()
    expect(studio.get_by_test_id("pin-count-count")).to_be_visible()

    # The costly node breaks, but is pinned: runs send its values and never call it.
    set_code(studio, "count", "def count(n=5):\n    raise RuntimeError('the costly service was called')\n    yield\n")
    studio.keyboard.press("Escape")
    reset_events(studio)
    run_and_wait_idle(studio)
    sent = [(e["node"], e["value"]) for e in studio.evaluate("window.__hr.emits")]
    assert [v for n, v in sent if n == "dbl"] == [0, 2, 4, 6, 8]
    assert studio.evaluate("window.__hr.errors.length") == 0
    exported = export_flow(studio, tmp_path)
    pinned = next(n for n in exported["nodes"] if n["id"] == "count")["pinned"]
    assert pinned["count"]["values"] == [0, 1, 2, 3, 4] and pinned["count"]["run"].startswith("run-")

    # Unpinned (in its Settings), the node runs again — and fails, as its code now does.
    studio.locator('[data-node-id="count"] .hr-node__name').click()
    studio.get_by_test_id("tab-settings").click()
    studio.get_by_test_id("unpin-count").click()
    studio.keyboard.press("Escape")
    expect(studio.get_by_test_id("pinned-count")).to_have_count(0)
    reset_events(studio)
    run_and_wait_idle(studio)
    studio.wait_for_function("window.__hr.errors.length > 0")
    assert "the costly service was called" in studio.evaluate("window.__hr.errors[0].message")


def test_a_run_downloaded_opens_in_a_fresh_browser_profile(
    studio: Page, tmp_path: Path, browser: Browser, studio_url: str, browser_context_args: dict[str, Any]
) -> None:
    _open(studio, tmp_path, _flow("History travels"))
    run_and_wait_idle(studio)
    _panel(studio)
    run_id = _rows(studio).first.get_attribute("data-run-id") or ""
    with studio.expect_download() as info:
        _menu(studio, 0, "run-download")
    exported = tmp_path / "travels.json"
    info.value.save_as(exported)
    _close(studio)

    # Someone else's browser: no flows, no runs; the bug report's run file opens there.
    for page in ready_studio(browser, studio_url, browser_context_args):
        page.get_by_test_id("open-runs").click()
        page.get_by_test_id("runs-scope").get_by_text("All flows").click()
        expect(page.get_by_test_id("runs-empty")).to_be_visible()
        page.get_by_test_id("import-run-file").set_input_files(str(exported))
        row = page.locator(f'[data-testid=run-row][data-run-id="{run_id}"]')
        expect(row).to_have_attribute("data-state", "success")
        row.click()
        page.get_by_test_id("runs-close").click()
        expect(page.get_by_test_id("past-run-bar")).to_contain_text("success")
        expect(page.get_by_test_id("past-run-since")).to_contain_text("is not open")
        expect(page.get_by_test_id("count-dbl-double")).to_have_text("1")
        page.locator('[data-node-id="dbl"] .hr-node__name').click()
        page.get_by_test_id("tab-results").click()
        expect(page.get_by_test_id("values-dbl-double")).to_contain_text("42")
