"""Draw a flow from the palette, connect it, run it, see the result; edit it."""

import json
import re
from pathlib import Path

from helpers import connect, drag_from_palette, emits, node, run_and_wait_idle, set_code
from playwright.sync_api import Page, expect


def test_draw_connect_run(studio: Page) -> None:
    data = drag_from_palette(studio, "data", 120, 120)
    set_code(studio, data, "x = 20\n")
    script = drag_from_palette(studio, "script", 520, 160)
    set_code(studio, script, "def double(x):\n    print('doubling', x)\n    return x * 2\n")
    # The ports follow the code once the engine has inspected it.
    expect(node(studio, script).locator('[data-port="double.x"]')).to_be_visible()
    expect(node(studio, data).locator('[data-socket="x"]')).to_be_visible()
    connect(studio, data, "x", script, "double.x")
    expect(studio.locator(".hr-edge")).to_have_count(1)

    run_and_wait_idle(studio)

    assert {"node": script, "socket": "double", "value": 40} in emits(studio)
    expect(node(studio, script)).to_have_attribute("data-state", "done")
    expect(studio.get_by_test_id(f"count-{script}-double")).to_have_text("1")
    # The console shows the node's print.
    studio.get_by_test_id("tab-console").click()
    expect(studio.get_by_test_id("node-console")).to_contain_text("doubling 20")


def test_edit_undo_copy_paste_and_hover(studio: Page) -> None:
    data = drag_from_palette(studio, "data", 120, 140)
    set_code(studio, data, "rows = [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'y'}]\n")
    script = drag_from_palette(studio, "script", 520, 160)
    set_code(studio, script, "def count(rows):\n    return {'n': len(rows), 'first': rows[0]}\n")
    expect(node(studio, script).locator('[data-port="count.rows"]')).to_be_visible()
    connect(studio, data, "rows", script, "count.rows")
    expect(studio.locator(".hr-edge")).to_have_count(1)

    # Undo and redo the connection from the keyboard (focus on the canvas, not the editor).
    studio.keyboard.press("Escape")
    studio.get_by_test_id("canvas").click(position={"x": 40, "y": 500})
    studio.keyboard.press("ControlOrMeta+z")
    expect(studio.locator(".hr-edge")).to_have_count(0)
    studio.keyboard.press("ControlOrMeta+Shift+z")
    expect(studio.locator(".hr-edge")).to_have_count(1)

    run_and_wait_idle(studio)
    # Results: a table for the list of records, a tree for the dict.
    node(studio, data).locator(".hr-node__name").click()
    studio.get_by_test_id("tab-results").click()
    expect(studio.get_by_test_id("value-table")).to_contain_text("y")
    node(studio, script).locator(".hr-node__name").click()
    expect(studio.get_by_test_id("value-json")).to_contain_text("first")

    # Hovering the edge shows the last value that passed along it.
    point = studio.evaluate(
        """() => { const p = document.querySelector('.hr-edge path');
                   const q = p.getPointAtLength(p.getTotalLength() / 2);
                   const m = p.getScreenCTM(); return {x: q.x * m.a + m.e, y: q.y * m.d + m.f}; }"""
    )
    studio.mouse.move(point["x"], point["y"])
    expect(studio.get_by_test_id("edge-tooltip")).to_contain_text("rows → count.rows")
    expect(studio.get_by_test_id("edge-tooltip")).to_contain_text('"a": 1')

    # Select both nodes (shift-click), duplicate: two new nodes and the edge between them.
    studio.keyboard.press("Escape")
    node(studio, data).locator(".hr-node__header").click(modifiers=["Shift"])
    node(studio, script).locator(".hr-node__header").click(modifiers=["Shift"])
    studio.keyboard.press("ControlOrMeta+d")
    expect(studio.locator("[data-node-id]")).to_have_count(4)
    expect(studio.locator(".hr-edge")).to_have_count(2)
    studio.keyboard.press("Delete")
    expect(studio.locator("[data-node-id]")).to_have_count(2)
    studio.keyboard.press("ControlOrMeta+z")
    expect(studio.locator("[data-node-id]")).to_have_count(4)


def test_flow_settings_and_drop_file(studio: Page) -> None:
    studio.get_by_test_id("open-flow-settings").click()
    studio.get_by_test_id("flow-name").fill("Renamed flow")
    studio.get_by_test_id("flow-requirements").fill("cronsim>=2")
    studio.get_by_test_id("flow-requirements").press("Enter")
    studio.get_by_test_id("flow-settings-save").click()
    expect(studio.locator(".q-tab--active")).to_contain_text("Renamed flow")

    # Dropping a .json file on the canvas imports it.
    text = (Path(__file__).parents[2] / "templates" / "flows" / "hello.json").read_text()
    studio.evaluate(
        """(text) => { const dt = new DataTransfer();
                       dt.items.add(new File([text], 'hello.json', {type: 'application/json'}));
                       const canvas = document.querySelector('[data-testid=canvas]');
                       const drop = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
                       canvas.dispatchEvent(drop); }""",
        text,
    )
    expect(studio.locator(".q-tab--active")).to_contain_text(json.loads(text)["name"])


def test_search_the_palette_and_run_a_template(studio: Page) -> None:
    search = studio.get_by_test_id("palette-search")  # the <input> itself (QInput passes attributes on)
    expect(studio.get_by_test_id("palette-group-flow-control")).to_be_visible()
    # The search filters by description too: Node-RED's name for the timer finds it.
    search.fill("inject")
    expect(studio.get_by_test_id("palette-timer")).to_be_visible()
    expect(studio.get_by_test_id("palette-data")).to_have_count(0)
    expect(studio.get_by_test_id("palette-group-flow-control")).to_have_count(0)
    search.fill("no such node")
    expect(studio.get_by_test_id("palette-no-match")).to_be_visible()
    search.press("Escape")
    expect(search).to_have_value("")
    expect(studio.get_by_test_id("palette-router")).to_be_visible()
    expect(studio.get_by_test_id("palette-data")).to_be_visible()

    search.fill("timer")
    timer = drag_from_palette(studio, "timer", 160, 160)
    expect(node(studio, timer).locator(".hr-node__name")).to_have_text("Timer 1")
    # The template's schedule came with it: the socket shows its clock badge.
    expect(studio.get_by_test_id(f"schedule-{timer}-tick")).to_be_visible()
    run_and_wait_idle(studio)
    (tick,) = [e["value"] for e in emits(studio) if e["node"] == timer and e["socket"] == "tick"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", tick), tick
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
