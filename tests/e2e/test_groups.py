"""Groups on the canvas, in Chromium, as a user makes and uses them: select nodes, group
them (Ctrl+G), drag the group by its label (its members move as one, the rest stays),
rename and recolour it, collapse it (its members' cards go; their outside edges end at
the group's box; the flow still runs and the box shows how it went), and undo and redo
each step. A group is canvas data (`ui.groups`): it survives export and import, copy
and paste, and deleting a member.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES
from helpers import emits_until_idle, export_flow, import_file, node, node_ids, reset_events, run_and_wait_idle
from playwright.sync_api import Page, expect


def box(page: Page, selector: str) -> dict[str, float]:
    b = page.locator(selector).bounding_box()
    assert b, f"{selector} is not on screen"
    return b


def card(page: Page, node_id: str) -> dict[str, float]:
    return box(page, f'[data-node-id="{node_id}"]')


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        outer["x"] < inner["x"]
        and outer["y"] < inner["y"]
        and inner["x"] + inner["width"] < outer["x"] + outer["width"]
        and inner["y"] + inner["height"] < outer["y"] + outer["height"]
    )


def select(page: Page, *ids: str) -> None:
    """Ctrl+click each node's name (adds it to the selection without opening it)."""
    for node_id in ids:
        node(page, node_id).locator(".hr-node__name").click(modifiers=["ControlOrMeta"])


def drag(page: Page, selector: str, dx: float, dy: float) -> None:
    b = box(page, selector)
    x, y = b["x"] + 12, b["y"] + b["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=4)
    page.mouse.move(x + dx, y + dy, steps=4)
    page.mouse.up()


def edge_boxes(page: Page) -> list[dict[str, float]]:
    return page.eval_on_selector_all(
        "svg[data-edge]",
        """els => els.map(e => {
            const r = e.getBoundingClientRect();
            return {x: r.left, y: r.top, width: r.width, height: r.height};
        })""",
    )


def undo(page: Page, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press("ControlOrMeta+z")


def redo(page: Page, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press("ControlOrMeta+Shift+z")


def test_group_moves_as_one_collapses_runs_and_undoes(studio: Page, tmp_path: Path) -> None:
    import_file(studio, str(TEMPLATES / "join.json"))
    expect(node(studio, "add")).to_be_visible()
    start = {i: card(studio, i) for i in ("left", "right", "add")}

    select(studio, "left", "right")
    studio.keyboard.press("ControlOrMeta+g")
    group = studio.get_by_test_id("group-group1")
    expect(group).to_be_visible()
    expect(studio.get_by_test_id("group-label-group1")).to_have_text("Group 1")
    frame = box(studio, '[data-group-id="group1"]')
    assert inside(card(studio, "left"), frame) and inside(card(studio, "right"), frame)
    assert not inside(card(studio, "add"), frame)

    # Dragged by its label, the group carries its members; Add stays.
    drag(studio, '[data-testid="group-label-group1"]', 0, 120)
    expect(node(studio, "left")).to_have_css("top", f"{60 + 120}px")
    for i in ("left", "right"):
        assert card(studio, i)["y"] == pytest.approx(start[i]["y"] + 120, abs=1)
        assert card(studio, i)["x"] == pytest.approx(start[i]["x"], abs=1)
    assert card(studio, "add") == start["add"]
    assert inside(card(studio, "right"), box(studio, '[data-group-id="group1"]'))

    # Renamed with a double-click, recoloured from its palette.
    studio.get_by_test_id("group-label-group1").dblclick()
    studio.get_by_test_id("group-label-input-group1").fill("Inputs")
    studio.keyboard.press("Enter")
    expect(studio.get_by_test_id("group-label-group1")).to_have_text("Inputs")
    studio.get_by_test_id("group-colour-group1").click()
    studio.get_by_test_id("group-swatch-e53935").click()
    expect(group).to_have_attribute("style", _has("--hr-group: #e53935"))

    # Collapsed: one box; the two edges now leave it for Add's ports.
    studio.get_by_test_id("group-collapse-group1").click()
    expect(group).to_have_attribute("data-collapsed", "true")
    expect(node(studio, "left")).to_have_count(0)
    expect(node(studio, "right")).to_have_count(0)
    expect(studio.locator("svg[data-edge]")).to_have_count(2)
    collapsed = box(studio, '[data-group-id="group1"]')
    target = card(studio, "add")
    studio.wait_for_timeout(100)  # the connectors' repaint after the box moved in
    for edge in edge_boxes(studio):
        assert edge["x"] >= collapsed["x"] + collapsed["width"] - 12, "an edge should start at the box's right side"
        assert edge["x"] + edge["width"] <= target["x"] + 12, "and end at Add's left side"

    # It still runs the same; the box says how its members did.
    reset_events(studio)
    run_and_wait_idle(studio)
    assert {"node": "add", "socket": "add", "value": 42} in emits_until_idle(studio)
    expect(studio.get_by_test_id("group-state-group1")).to_have_text("done")
    expect(group).to_have_attribute("data-state", "done")

    doc = export_flow(studio, tmp_path)
    assert doc["ui"]["groups"] == [
        {"id": "group1", "label": "Inputs", "color": "#e53935", "items": ["left", "right"], "collapsed": True}
    ]

    # Each step undoes on its own: collapse, colour, name, move, the group itself.
    studio.get_by_test_id("canvas").click(position={"x": 5, "y": 5})
    undo(studio)
    expect(node(studio, "left")).to_be_visible()
    expect(group).to_have_attribute("data-collapsed", "false")
    undo(studio)
    expect(group).to_have_attribute("style", _has_not("#e53935"))
    undo(studio)
    expect(studio.get_by_test_id("group-label-group1")).to_have_text("Group 1")
    undo(studio)
    expect(node(studio, "left")).to_have_css("top", "60px")
    undo(studio)
    expect(group).to_have_count(0)
    assert {i: card(studio, i) for i in ("left", "right", "add")} == start

    redo(studio, 5)
    expect(group).to_have_attribute("data-collapsed", "true")
    expect(studio.get_by_test_id("group-label-group1")).to_have_text("Inputs")
    expect(node(studio, "left")).to_have_count(0)


def test_a_group_survives_import_paste_delete_and_ungroup(studio: Page, tmp_path: Path) -> None:
    flow: dict[str, Any] = json.loads((TEMPLATES / "join.json").read_text())
    sources = {"id": "g", "label": "Sources", "color": "#00897b", "items": ["left", "right"], "collapsed": True}
    flow["ui"]["groups"] = [sources]
    path = tmp_path / "grouped.json"
    path.write_text(json.dumps(flow))
    import_file(studio, str(path))

    # Opened collapsed, as saved.
    group = studio.get_by_test_id("group-g")
    expect(group).to_have_attribute("data-collapsed", "true")
    expect(group).to_contain_text("2 nodes")
    expect(node(studio, "add")).to_be_visible()
    assert node_ids(studio) == ["add"]
    expect(studio.locator("svg[data-edge]")).to_have_count(2)

    # Finding a member opens its group: its members are back with their edges.
    studio.get_by_test_id("canvas").click(position={"x": 5, "y": 5})
    studio.keyboard.press("ControlOrMeta+f")
    studio.get_by_test_id("find-input").fill("Left")
    studio.get_by_test_id("find-input").press("Enter")
    expect(group).to_have_attribute("data-collapsed", "false")
    expect(node(studio, "left")).to_have_class(re.compile(r"\bhr-node--selected\b"))
    studio.get_by_test_id("find-input").press("Escape")
    expect(studio.locator("svg[data-edge]")).to_have_count(2)

    # A press on the frame selects the group, to copy.
    studio.get_by_test_id("group-label-g").click()
    expect(node(studio, "left")).to_have_class(_has("hr-node--selected"))
    expect(node(studio, "right")).to_have_class(_has("hr-node--selected"))
    studio.keyboard.press("ControlOrMeta+c")

    # Deleting a member shrinks its group (and takes the member's edge).
    studio.get_by_test_id("canvas").click(position={"x": 5, "y": 5})
    select(studio, "left")
    studio.keyboard.press("Delete")
    expect(node(studio, "left")).to_have_count(0)
    doc = export_flow(studio, tmp_path)
    assert doc["ui"]["groups"][0]["items"] == ["right"]
    assert len(doc["edges"]) == 1

    # Pasting the copy makes a second group of the pasted nodes, selected.
    studio.keyboard.press("ControlOrMeta+v")
    expect(studio.locator("[data-group-id]")).to_have_count(2)
    doc = export_flow(studio, tmp_path)
    (copy,) = [g for g in doc["ui"]["groups"] if g["id"] != "g"]
    assert copy["label"] == "Sources" and copy["color"] == "#00897b" and len(copy["items"]) == 2
    assert set(copy["items"]).isdisjoint({"left", "right", "add"})
    assert len(doc["edges"]) == 1, "the copies are connected to nothing outside them"

    # Ctrl+Shift+G ungroups what is selected (the pasted group); its nodes stay.
    studio.keyboard.press("ControlOrMeta+Shift+g")
    expect(studio.locator("[data-group-id]")).to_have_count(1)
    expect(group).to_be_visible()
    assert len(node_ids(studio)) == 4


def _has(text: str) -> re.Pattern[str]:
    return re.compile(re.escape(text))


def _has_not(text: str) -> re.Pattern[str]:
    return re.compile(f"^(?!.*{re.escape(text)})")
