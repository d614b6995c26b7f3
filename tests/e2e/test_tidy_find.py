"""Tidy up (ELK's layered layout, in its own worker) and Find on the canvas, in Chromium.

Boxes are read from the rendered cards, on screen (so the tests hold however cards are
positioned, and keep every card in view where the canvas may leave off-screen cards
out): no two cards overlap, every edge runs from its source card's right edge to the left
of its target card, undo brings back the exact boxes, and a found node ends up selected
inside the visible canvas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES
from helpers import import_file, node, node_ids
from playwright.sync_api import Page, expect

#: A script whose function takes eight arguments: a tall card (taller than the old grid's row).
WIDE = "def wide(a, b, c, d, e, f, g, h):\n    return a\n"
STEP = "def step(x):\n    return x\n"


def boxes(page: Page) -> dict[str, dict[str, float]]:
    """Every node card's box on screen, by node id."""
    return page.eval_on_selector_all(
        "[data-node-id]",
        """els => Object.fromEntries(els.map(e => {
            const r = e.getBoundingClientRect();
            return [e.dataset.nodeId, {x: r.left, y: r.top, width: r.width, height: r.height}];
        }))""",
    )


def corner(b: dict[str, dict[str, float]]) -> tuple[float, float]:
    """The top-left corner of all the boxes."""
    return min(r["x"] for r in b.values()), min(r["y"] for r in b.values())


def overlaps(b: dict[str, dict[str, float]]) -> list[tuple[str, str]]:
    ids = sorted(b)
    found = []
    for i, p in enumerate(ids):
        for q in ids[i + 1 :]:
            r, s = b[p], b[q]
            if (
                r["x"] < s["x"] + s["width"]
                and s["x"] < r["x"] + r["width"]
                and r["y"] < s["y"] + s["height"]
                and s["y"] < r["y"] + r["height"]
            ):
                found.append((p, q))
    return found


def backwards(b: dict[str, dict[str, float]], edges: list[dict[str, Any]]) -> list[str]:
    """Edges whose source card's right edge is not left of the target card."""
    return [
        f"{e['from']['node']}->{e['to']['node']}"
        for e in edges
        if not b[e["from"]["node"]]["x"] + b[e["from"]["node"]]["width"] < b[e["to"]["node"]]["x"]
    ]


def wait_laid_out(page: Page) -> None:
    """Until no layout is being computed (the Tidy up button says so)."""
    expect(page.get_by_test_id("tidy-up")).to_have_attribute("data-busy", "false", timeout=30_000)


def write_flow(tmp_path: Path, name: str, doc: dict[str, Any]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return str(path)


def unplaced_flow() -> dict[str, Any]:
    """A chain source → one → two → three and two tall cards fed by the source; no positions."""
    nodes = [{"id": "source", "type": "data", "name": "Source", "code": "v = 1\n"}]
    nodes += [{"id": n, "type": "script", "name": n.title(), "code": STEP} for n in ("one", "two", "three")]
    nodes += [{"id": n, "type": "script", "name": n.title(), "code": WIDE} for n in ("tall1", "tall2")]
    edges = [
        {"from": {"node": a, "socket": s}, "to": {"node": b, "port": "step.x"}}
        for a, s, b in (("source", "v", "one"), ("one", "step", "two"), ("two", "step", "three"))
    ]
    edges += [
        {"from": {"node": "source", "socket": "v"}, "to": {"node": t, "port": f"wide.{p}"}}
        for t in ("tall1", "tall2")
        for p in "ah"
    ]
    return {"headrace": 1, "name": "Unplaced", "requirements": [], "nodes": nodes, "edges": edges}


def test_a_flow_without_positions_is_laid_out_when_opened(studio: Page, tmp_path: Path) -> None:
    doc = unplaced_flow()
    import_file(studio, write_flow(tmp_path, "unplaced", doc))
    expect(node(studio, "tall2")).to_be_visible()
    wait_laid_out(studio)
    studio.keyboard.press("f")  # every card in view
    studio.wait_for_timeout(300)
    b = boxes(studio)
    assert set(b) == {n["id"] for n in doc["nodes"]}
    assert overlaps(b) == []
    assert backwards(b, doc["edges"]) == []
    # Part of opening the file, not an edit of the user's: nothing to undo.
    studio.keyboard.press("ControlOrMeta+z")
    assert boxes(studio) == b


def scramble(page: Page, ids: list[str]) -> None:
    """Drag the cards by their headers into a heap, the last ones leftmost."""
    canvas = page.get_by_test_id("canvas").bounding_box()
    assert canvas
    for i, node_id in enumerate(ids):
        header = node(page, node_id).locator(".hr-node__header").bounding_box()
        assert header
        page.mouse.move(header["x"] + 20, header["y"] + header["height"] / 2)
        page.mouse.down()
        target_x = canvas["x"] + 500 - 90 * i
        target_y = canvas["y"] + 150 + 25 * i
        page.mouse.move(target_x, target_y, steps=6)
        page.mouse.up()


def zoom_out(page: Page, times: int) -> None:
    """So that the flow stays in view whatever the layout does (the viewport then stays)."""
    for _ in range(times):
        page.get_by_title("Zoom out").click()


def wait_at(page: Page, node_id: str, x: float) -> None:
    """Until the node's card is at `x` on screen (undo and redo apply on the next frame)."""
    page.wait_for_function(
        '([id, x]) => document.querySelector(`[data-node-id="${id}"]`)?.getBoundingClientRect().x === x',
        arg=[node_id, x],
    )


def test_tidy_up_is_one_undoable_edit(studio: Page) -> None:
    import_file(studio, str(TEMPLATES / "fan-out.json"))
    expect(node(studio, "total")).to_be_visible()
    wait_laid_out(studio)
    zoom_out(studio, 2)
    edges = json.loads((TEMPLATES / "fan-out.json").read_text())["edges"]
    ids = node_ids(studio)
    scramble(studio, ids)
    scrambled = boxes(studio)
    assert overlaps(scrambled), "the drags should have heaped the cards"
    assert backwards(scrambled, edges)

    studio.get_by_test_id("tidy-up").click()
    wait_laid_out(studio)
    tidied = boxes(studio)
    assert tidied != scrambled
    assert overlaps(tidied) == []
    assert backwards(tidied, edges) == []
    # The layout keeps the heap's top-left corner.
    assert corner(tidied) == pytest.approx(corner(scrambled), abs=0.01)

    studio.get_by_test_id("canvas").click(position={"x": 5, "y": 5})
    studio.keyboard.press("ControlOrMeta+z")
    wait_at(studio, "total", scrambled["total"]["x"])
    assert boxes(studio) == scrambled
    studio.keyboard.press("ControlOrMeta+Shift+z")
    wait_at(studio, "total", tidied["total"]["x"])
    assert boxes(studio) == tidied

    # Shift+T does the same.
    scramble(studio, ids[:3])
    assert overlaps(boxes(studio))
    studio.keyboard.press("Shift+T")
    wait_laid_out(studio)
    assert overlaps(boxes(studio)) == []
    assert backwards(boxes(studio), edges) == []


def test_tidy_up_of_a_selection_moves_only_it(studio: Page) -> None:
    import_file(studio, str(TEMPLATES / "fan-out.json"))
    expect(node(studio, "total")).to_be_visible()
    wait_laid_out(studio)
    zoom_out(studio, 2)
    before = boxes(studio)
    # Select square and total (Ctrl/⌘-click adds to the selection).
    node(studio, "square").locator(".hr-node__name").click(modifiers=["ControlOrMeta"])
    node(studio, "total").locator(".hr-node__name").click(modifiers=["ControlOrMeta"])
    expect(studio.locator(".hr-node--selected")).to_have_count(2)
    studio.get_by_test_id("tidy-up").click()
    wait_laid_out(studio)
    after = boxes(studio)
    for unmoved in ("numbers", "split", "scale"):
        assert after[unmoved] == before[unmoved]
    assert after["square"]["x"] + after["square"]["width"] < after["total"]["x"]
    pair = {k: before[k] for k in ("square", "total")}
    assert corner({k: after[k] for k in pair}) == pytest.approx(corner(pair), abs=0.01)


def far_flow() -> dict[str, Any]:
    """Twelve steps in a row, far wider than the canvas, and one node far off to the right."""
    nodes = [{"id": f"s{i}", "type": "script", "name": f"Step {i}", "code": STEP} for i in range(1, 13)]
    nodes.append({"id": "needle", "type": "script", "name": "Far Away Target", "code": STEP})
    ui = {f"s{i}": {"x": 60 + 400 * (i - 1), "y": 60} for i in range(1, 13)}
    ui["needle"] = {"x": 6000, "y": 2400}
    return {
        "headrace": 1,
        "name": "Far",
        "requirements": [],
        "nodes": nodes,
        "edges": [],
        "ui": {"nodes": ui, "notes": []},
    }


def inside(page: Page, node_id: str) -> bool:
    """Whether the node's card is on screen, all of it within the canvas."""
    canvas = page.get_by_test_id("canvas").bounding_box()
    card = node(page, node_id).bounding_box() if node(page, node_id).count() else None
    assert canvas
    return card is not None and (
        canvas["x"] <= card["x"]
        and card["x"] + card["width"] <= canvas["x"] + canvas["width"]
        and canvas["y"] <= card["y"]
        and card["y"] + card["height"] <= canvas["y"] + canvas["height"]
    )


def wait_inside(page: Page, node_id: str) -> None:
    page.wait_for_function(
        """id => {
            const c = document.querySelector('[data-testid=canvas]').getBoundingClientRect();
            const n = document.querySelector(`[data-node-id="${id}"]`)?.getBoundingClientRect();
            return !!n && n.left >= c.left && n.right <= c.right && n.top >= c.top && n.bottom <= c.bottom;
        }""",
        arg=node_id,
    )
    assert inside(page, node_id)


def test_find_goes_to_a_node_off_screen(studio: Page, tmp_path: Path) -> None:
    import_file(studio, write_flow(tmp_path, "far", far_flow()))
    expect(node(studio, "s1")).to_be_visible()
    assert not inside(studio, "needle")
    studio.get_by_test_id("canvas").click(position={"x": 5, "y": 5})

    studio.keyboard.press("ControlOrMeta+f")
    box = studio.get_by_test_id("find-node")
    expect(box).to_be_visible()
    find = studio.get_by_test_id("find-input")
    expect(find).to_be_focused()
    count = studio.get_by_test_id("find-count")

    find.fill("away tar")
    expect(count).to_have_text("1 match")
    expect(studio.get_by_test_id("minimap")).to_have_attribute("data-matches", "1")
    find.press("Enter")
    expect(count).to_have_text("1 of 1")
    expect(studio.locator(".hr-node--selected")).to_have_count(1)
    expect(studio.locator('.hr-node--selected[data-node-id="needle"]')).to_have_count(1)
    wait_inside(studio, "needle")

    # Ids match too; the count follows Enter, Shift+Enter and the arrows, wrapping around.
    find.fill("STEP")
    expect(count).to_have_text("12 matches")
    expect(studio.get_by_test_id("minimap")).to_have_attribute("data-matches", "12")
    find.press("Enter")
    expect(count).to_have_text("1 of 12")
    find.press("ArrowDown")
    expect(count).to_have_text("2 of 12")
    find.press("Shift+Enter")
    expect(count).to_have_text("1 of 12")
    find.press("ArrowUp")
    expect(count).to_have_text("12 of 12")
    expect(studio.locator('.hr-node--selected[data-node-id="s12"]')).to_have_count(1)
    wait_inside(studio, "s12")
    find.fill("nothing like it")
    expect(count).to_have_text("No match")
    expect(studio.get_by_test_id("minimap")).to_have_attribute("data-matches", "0")

    find.fill("Step 3")
    find.press("Escape")
    expect(box).to_be_hidden()
    assert studio.evaluate("document.activeElement === document.body")
    expect(studio.get_by_test_id("minimap")).to_have_attribute("data-matches", "0")
    # The canvas has its keys again: F fits the whole flow (the needle is far down).
    studio.keyboard.press("f")
    studio.wait_for_function("() => document.querySelector('.hr-canvas__zoomlabel').textContent.trim() !== '100%'")


def test_ctrl_f_in_the_code_editor_is_the_editor_s(studio: Page, tmp_path: Path) -> None:
    import_file(studio, write_flow(tmp_path, "far", far_flow()))
    expect(node(studio, "s1")).to_be_visible()
    node(studio, "s1").locator(".hr-node__name").click()
    expect(studio.get_by_test_id("node-editor")).to_be_visible()
    studio.get_by_test_id("tab-code").click()
    studio.get_by_test_id("code-editor").locator(".cm-content").click()
    studio.keyboard.press("ControlOrMeta+f")
    studio.wait_for_timeout(300)
    expect(studio.get_by_test_id("find-node")).to_be_hidden()
    studio.keyboard.press("Escape")
