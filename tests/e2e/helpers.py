"""Gestures and reads the e2e tests share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect


def node(page: Page, node_id: str):
    return page.locator(f'[data-node-id="{node_id}"]')


def node_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all("[data-node-id]", "els => els.map(e => e.dataset.nodeId)")


def drag_from_palette(page: Page, template: str, x: int, y: int) -> str:
    """Drop the palette's template ``template`` (its id: ``data``, ``script``, ``timer``, …)
    on the canvas at (x, y) (canvas pixels); returns the new node id."""
    before = set(node_ids(page))
    page.get_by_test_id(f"palette-{template}").drag_to(page.get_by_test_id("canvas"), target_position={"x": x, "y": y})
    page.wait_for_function(f"document.querySelectorAll('[data-node-id]').length > {len(before)}")
    (new,) = set(node_ids(page)) - before
    return new


def open_editor(page: Page, node_id: str) -> None:
    node(page, node_id).locator(".hr-node__name").click()
    expect(page.get_by_test_id("node-editor")).to_be_visible()


def set_code(page: Page, node_id: str, code: str) -> None:
    """Replace a node's code through its CodeMirror editor."""
    open_editor(page, node_id)
    page.get_by_test_id("tab-code").click()
    editor = page.get_by_test_id("code-editor").locator(".cm-content")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    # insert_text types as one input event: no auto-indent or bracket closing.
    page.keyboard.insert_text(code)


def connect(page: Page, src: str, socket: str, dst: str, port: str) -> None:
    """Drag from a socket's dot to a port's dot."""
    a = node(page, src).locator(f'[data-socket="{socket}"]').bounding_box()
    b = node(page, dst).locator(f'[data-port="{port}"]').bounding_box()
    assert a and b
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, steps=5)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=5)
    page.mouse.up()


def run_and_wait_idle(page: Page, timeout: int = 60_000) -> None:
    before = page.evaluate("window.__hr.idle")
    page.get_by_test_id("run-flow").click()
    page.wait_for_function(f"window.__hr.idle > {before}", timeout=timeout)


def emits(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("window.__hr.emits.map(e => ({node: e.node, socket: e.socket, value: e.value}))")


def reset_events(page: Page) -> None:
    page.evaluate("window.__hr.emits = []; window.__hr.errors = []; window.__hr.emitsAtIdle = undefined")


def emits_until_idle(page: Page) -> list[dict[str, Any]]:
    """The emits up to the first idle since the last reset (schedules may add more later)."""
    return page.evaluate(
        "window.__hr.emits.slice(0, window.__hr.emitsAtIdle)"
        ".map(e => ({node: e.node, socket: e.socket, value: e.value}))"
    )


def assert_emits_like_cli(got: list[dict[str, Any]], expected: list[dict[str, Any]], flow: Path) -> None:
    """The emits of Run Flow up to its first idle are the CLI's. A flow with schedules
    may fire a slot before that idle (the run started just before a second's boundary,
    or the machine is slow): then what the CLI emitted comes first, and the rest are
    the scheduled sockets' repeats."""
    doc = json.loads(flow.read_text())
    scheduled = {(n["id"], s) for n in doc["nodes"] for s in n.get("schedule", {})}
    if not scheduled or len(got) == len(expected):
        assert got == expected, flow.name
        return
    assert got[: len(expected)] == expected, flow.name
    assert any((e["node"], e["socket"]) in scheduled for e in got[len(expected) :]), (flow.name, got)


#: The names of the flows open in tabs and saved in this browser (what the studio checks
#: an imported flow's name against).
NAMES_HERE = """async () => {
  const names = [...document.querySelectorAll('.hr-tab__name')].map((e) => e.title);
  const request = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = no; });
  if (!(await indexedDB.databases()).some((d) => d.name === 'headrace-studio-flows')) return names;
  const db = await request(indexedDB.open('headrace-studio-flows'));
  for (const row of await request(db.transaction('flows').objectStore('flows').getAll())) {
    if (row && row.doc && typeof row.doc.name === 'string') names.push(row.doc.name);
  }
  db.close();
  return names;
}"""


def import_file(page: Page, path: str, same_name: str = "copy") -> None:
    """Import a flow file. When a flow of its name is already here the studio asks:
    `same_name` answers (`copy`, `replace` or `cancel`)."""
    try:
        name = json.loads(Path(path).read_text())["name"]
    except (ValueError, KeyError, TypeError):
        name = None
    asks = isinstance(name, str) and name in page.evaluate(NAMES_HERE)
    errors = page.locator(".hr-notice--error").count()
    page.get_by_test_id("import-flow").set_input_files(path)
    if not asks:
        _wait_opened(page, name, errors)
        return
    # Asked only once the engine found the file valid: an invalid one gets an error notice.
    page.wait_for_function(
        f"document.querySelector('[data-testid=same-name-dialog]')"
        f" || document.querySelectorAll('.hr-notice--error').length > {errors}",
        timeout=30_000,
    )
    dialog = page.get_by_test_id("same-name-dialog")
    if dialog.count():
        page.get_by_test_id(f"same-name-{same_name}").click()
        expect(dialog).to_have_count(0)
        if same_name != "cancel":
            _wait_opened(page, name, errors)


def _wait_opened(page: Page, name: object, errors: int) -> None:
    """Until the imported flow is the active tab and its nodes stand where they will stay
    (as a user waits to see it before pressing Run: the engine validates a file first, and
    nodes the file gives no position are laid out after), or an error notice says why not."""
    if not isinstance(name, str) or not name.strip():
        return
    # (A test that measured a card before the layout came back dragged onto another node: a CI run.)
    page.wait_for_function(
        """([name, errors]) => {
          const tab = document.querySelector('.hr-tab.q-tab--active .hr-tab__name');
          const laidOut = document.querySelector('[data-testid=tidy-up]')?.dataset.busy !== 'true';
          return (tab && tab.title.includes(name.trim()) && laidOut)
            || document.querySelectorAll('.hr-notice--error').length > errors;
        }""",
        arg=[name, errors],
        timeout=30_000,
    )


def export_flow(page: Page, tmp_path: Path, timeout: int = 5_000) -> dict[str, Any]:
    """The active flow as Export gives it (a download), parsed."""
    with page.expect_download(timeout=timeout) as info:
        page.get_by_test_id("export-flow").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return json.loads(target.read_text())


#: The dots not on their card's edge: "node:socket" for each socket dot whose centre is
#: not on the card's right edge, "node:port" for each port dot not on its left edge.
DOTS_OFF_THEIR_CARD = """() => [...document.querySelectorAll('[data-node-id]')].flatMap((card) => {
  const box = card.getBoundingClientRect();
  const centre = (dot) => { const r = dot.getBoundingClientRect(); return r.left + r.width / 2; };
  const off = (selector, edge, key) => [...card.querySelectorAll(selector)]
    .filter((dot) => Math.abs(centre(dot) - edge) > 2)
    .map((dot) => `${card.dataset.nodeId}:${dot.dataset[key]}`);
  return [...off('[data-socket]', box.right, 'socket'), ...off('[data-port]', box.left, 'port')];
})"""


def dots_off_their_card(page: Page) -> list[str]:
    """Socket and port dots not on their card's edge, where a user cannot find or wire them."""
    return page.evaluate(DOTS_OFF_THEIR_CARD)
