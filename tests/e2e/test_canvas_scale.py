"""A large flow on the canvas, in Chromium, as a user moves around it: zoomed out far, the
flow is drawn on one <canvas> (`far-view`), which still answers a click (select a node)
and a double click (zoom in on it) while the zoom bar stays usable above it; near, the
cards just outside the view are mounted ahead once the view rests, so a short pan finds
them there; zooming back in shows the cards again with their edges — by the wheel, once
it rests (the far view stands in while it turns).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from helpers import import_file, node, node_ids
from playwright.sync_api import Page, expect

COLUMNS, ROWS = 20, 20
DX, DY = 280, 120


def grid_flow(tmp_path: Path) -> str:
    """400 data nodes on a grid, each row a chain."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    positions: dict[str, dict[str, int]] = {}
    for r in range(ROWS):
        for c in range(COLUMNS):
            nid = f"n{r}_{c}"
            code = f"v = {r * COLUMNS + c}\n" if c == 0 else "def v(x):\n    return x\n"
            nodes.append({"id": nid, "type": "data" if c == 0 else "script", "name": f"Node {r}.{c}", "code": code})
            positions[nid] = {"x": 40 + c * DX, "y": 40 + r * DY}
            if c:
                edges.append({"from": {"node": f"n{r}_{c - 1}", "socket": "v"}, "to": {"node": nid, "port": "v.x"}})
    doc = {"headrace": 1, "name": "Grid", "nodes": nodes, "edges": edges, "ui": {"nodes": positions}}
    path = tmp_path / "grid.json"
    path.write_text(json.dumps(doc))
    return str(path)


def rendered(page: Page) -> int:
    return int(page.get_by_test_id("canvas").get_attribute("data-rendered-nodes") or 0)


def to_screen(page: Page, x: float, y: float) -> tuple[float, float]:
    """A world point on the page, through the world's transform."""
    return page.evaluate(
        """([x, y]) => {
            const world = document.querySelector('.hr-world');
            const m = new DOMMatrix(getComputedStyle(world).transform);
            const box = document.querySelector('[data-testid="canvas"]').getBoundingClientRect();
            return [box.left + m.e + x * m.a, box.top + m.f + y * m.d];
        }""",
        [x, y],
    )


def empty_point(page: Page) -> tuple[float, float]:
    """A point of the canvas's right half with nothing but background under it."""
    return page.evaluate(
        """() => {
            const box = document.querySelector('[data-testid="canvas"]').getBoundingClientRect();
            for (let y = box.top + 20; y < box.bottom - 20; y += 5)
                for (let x = box.left + box.width / 2; x < box.right - 200; x += 5) {
                    const el = document.elementFromPoint(x, y);
                    const busy = '[data-node-id], .hr-minimap, .hr-canvas__zoom, svg';
                    if (el && el.closest('.hr-canvas') && !el.closest(busy)) return [x, y];
                }
            return null;
        }"""
    )


def test_far_view_selects_zooms_in_and_keeps_its_controls(studio: Page, tmp_path: Path) -> None:
    import_file(studio, grid_flow(tmp_path))
    canvas = studio.get_by_test_id("canvas")
    expect(canvas).to_have_attribute("data-flow-nodes", str(COLUMNS * ROWS))
    expect(canvas).to_have_attribute("data-settled", "true")
    assert rendered(studio) < COLUMNS * ROWS, "cards far off screen are not mounted"

    # Fitted, the whole flow is in view: it is drawn from afar, and the zoom bar, over
    # the far view, stays usable.
    studio.get_by_test_id("fit").click()
    expect(canvas).to_have_attribute("data-far", "true")
    expect(studio.get_by_test_id("far-view")).to_be_visible()
    fitted = studio.locator(".hr-canvas__zoomlabel").inner_text()
    studio.get_by_title("Zoom in").click()
    expect(studio.locator(".hr-canvas__zoomlabel")).not_to_have_text(fitted)
    expect(canvas).to_have_attribute("data-far", "true")

    # A click on a node drawn from afar selects it; a double click zooms in on it.
    x, y = to_screen(studio, 40 + 5 * DX + 60, 40 + 4 * DY + 20)
    studio.mouse.click(x, y)
    studio.mouse.dblclick(x, y)
    expect(canvas).to_have_attribute("data-far", "false")
    expect(studio.locator(".hr-canvas__zoomlabel")).to_have_text("100%")
    target = node(studio, "n4_5")
    expect(target).to_be_visible()
    expect(target).to_have_class(re.compile("hr-node--selected"))
    # Its edges are drawn again, to the cards' dots.
    expect(studio.locator('svg[data-edge="n4_4.v->n4_5.v.x"]')).to_have_count(1)
    expect(studio.locator('svg[data-edge="n4_5.v->n4_6.v.x"]')).to_have_count(1)


def test_cards_just_off_screen_are_mounted_ahead(studio: Page, tmp_path: Path) -> None:
    import_file(studio, grid_flow(tmp_path))
    canvas = studio.get_by_test_id("canvas")
    expect(node(studio, "n0_0")).to_be_visible()
    box = canvas.bounding_box()
    assert box
    height = box["height"]
    # Rows are chains of their own: a row starting between a quarter and half a screen
    # below the view is rendered by nothing but the idle fill (culling alone renders a
    # quarter of a screen around the view, and the ends of edges crossing it).
    ahead_row = next(r for r in range(ROWS) if 1.25 * height + 10 < 40 + r * DY < 1.5 * height - 10)
    beyond_row = next(r for r in range(ROWS) if 40 + r * DY > 2 * height)
    expect(canvas).to_have_attribute("data-ahead", "true", timeout=15_000)
    expect(node(studio, f"n{ahead_row}_0")).to_have_count(1)
    expect(node(studio, f"n{beyond_row}_0")).to_have_count(0)

    # A third of a screen of panning up (drag the background): every card then in view
    # was mounted before the pan began (nothing pops in as it goes).
    before = set(node_ids(studio))
    start = empty_point(studio)
    studio.mouse.move(*start)
    studio.mouse.down()
    studio.mouse.move(start[0], start[1] - height / 3, steps=10)
    studio.mouse.up()
    in_view = set(
        studio.eval_on_selector_all(
            "[data-node-id]",
            """(els) => {
                const c = document.querySelector('[data-testid="canvas"]').getBoundingClientRect();
                return els.filter((e) => {
                    const r = e.getBoundingClientRect();
                    return r.right > c.left && r.left < c.right && r.bottom > c.top && r.top < c.bottom;
                }).map((e) => e.dataset.nodeId);
            }""",
        )
    )
    assert f"n{ahead_row - 1}_0" in in_view or f"n{ahead_row}_0" in in_view, (
        "the pan should bring the rows below into view"
    )
    assert in_view <= before


# Wheel steps dispatched in one go (no pause the canvas could take for a rest), then the
# far view's state two frames later, while the wheel still counts as turning.
WHEEL_STEPS = """async ([x, y, dy, steps]) => {
    for (let i = 0; i < steps; i++) {
        const target = document.elementFromPoint(x, y);
        const init = { deltaY: dy, clientX: x, clientY: y, bubbles: true, cancelable: true };
        target.dispatchEvent(new WheelEvent('wheel', init));
    }
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    return document.querySelector('[data-testid="canvas"]').dataset.far;
}"""


def test_the_far_view_stays_while_the_wheel_turns_and_the_cards_come_back_when_it_rests(
    studio: Page, tmp_path: Path
) -> None:
    import_file(studio, grid_flow(tmp_path))
    canvas = studio.get_by_test_id("canvas")
    expect(canvas).to_have_attribute("data-settled", "true")
    x, y = empty_point(studio)
    studio.mouse.move(x, y)
    # Out by the wheel, into the far view.
    assert studio.evaluate(WHEEL_STEPS, [x, y, 60, 24]) == "true"
    expect(canvas).to_have_attribute("data-far", "true")
    # Back in, near enough to show cards, at once: the far view stays while the wheel
    # turns (the cards would come back a few a frame) ...
    assert studio.evaluate(WHEEL_STEPS, [x, y, -60, 24]) == "true"
    assert int(studio.locator(".hr-canvas__zoomlabel").inner_text().rstrip("%")) >= 100
    # ... and gives way to them once it rests, with their edges to their dots.
    expect(canvas).to_have_attribute("data-far", "false")
    expect(canvas).to_have_attribute("data-settled", "true")
    expect(node(studio, "n0_1")).to_be_visible()
    expect(studio.locator('svg[data-edge="n0_0.v->n0_1.v.x"]')).to_have_count(1)
    # Nothing covers the cards any more: a click selects one.
    expect(studio.locator(".hr-shield")).to_be_hidden()
    node(studio, "n0_1").locator(".hr-node__header").click(position={"x": 40, "y": 8})
    expect(node(studio, "n0_1")).to_have_class(re.compile("hr-node--selected"))
