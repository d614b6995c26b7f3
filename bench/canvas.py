"""Figure 3, canvas: a generated flow of 1,000 nodes and 1,500 edges (flows.canvas_flow)
in the studio, beside Node-RED's editor showing the same graph as function nodes
(imported through its admin API), in the same Chromium, same run.

Per editor: the time to open it — navigation to the flow's nodes all in the DOM and
the next frame painted, on a second visit (the first fills the HTTP cache; the studio
restores the flow from its own storage, Node-RED fetches it from its runtime) — frame
times (requestAnimationFrame intervals) while dragging a node and while panning with
Playwright's mouse, and the page's JS heap (CDP Performance.getMetrics, after a GC).
Panning is each editor's own gesture: dragging the background in the studio (its wheel
zooms), the wheel in Node-RED (its background drag selects).
"""

from __future__ import annotations

import json
import time
from typing import Any

from nodered import NodeRed
from nodered_flows import canvas_flows
from playwright.sync_api import Browser, Page
from report import figure, median, percentile, table
from studio import RECORDER, VIEWPORT, page_heap

from flows import canvas_flow

OPEN_TIMEOUT_MS = 300_000
# A gesture stops early after this long (its frames so far are kept): on a slow canvas
# each mouse move can take seconds.
GESTURE_BUDGET_S = 60.0

# Marks the first frame in which `count` elements match `selector`, then the frame after
# it (painted): window.__opened is that time since navigation.
WATCH_OPEN = """
window.__opened = 0;
(() => {
  const want = Number(sessionStorage.getItem('bench-count'));
  const selector = sessionStorage.getItem('bench-selector');
  const tick = () => {
    if (document.querySelectorAll(selector).length >= want) {
      requestAnimationFrame(() => requestAnimationFrame(() => { window.__opened = performance.now(); }));
    } else requestAnimationFrame(tick);
  };
  if (selector) requestAnimationFrame(tick);
})();
"""

FRAMES_START = """() => { window.__frames = []; let last = performance.now();
  const loop = (t) => { window.__frames.push(t - last); last = t; window.__raf = requestAnimationFrame(loop); };
  window.__raf = requestAnimationFrame(loop); }"""
FRAMES_STOP = "() => { cancelAnimationFrame(window.__raf); const f = window.__frames.slice(1); return f; }"

# A point on the studio canvas with no node, edge or control under it.
EMPTY_POINT = """() => {
  for (let y = 120; y < innerHeight - 200; y += 7) for (let x = 260; x < innerWidth - 260; x += 7) {
    const el = document.elementFromPoint(x, y);
    const busy = '[data-node-id], [data-note-id], .jtk-connector, .hr-canvas__zoom, .hr-minimap, svg';
    if (el && el.closest('.hr-canvas') && !el.closest(busy)) return { x, y };
  }
  return null;
}"""


def _open_twice(page: Page, url: str, selector: str, count: int) -> float:
    """Milliseconds to open on the second visit (see WATCH_OPEN)."""
    page.add_init_script(WATCH_OPEN)
    page.goto(url.split("?")[0] + "bench-blank.html")
    # Any page of the origin (a 404 will do) holds the sessionStorage WATCH_OPEN reads.
    page.evaluate(
        "([count, selector]) => { sessionStorage.setItem('bench-count', String(count));"
        " sessionStorage.setItem('bench-selector', selector); }",
        [count, selector],
    )
    opened = []
    for target in (url, url.split("?")[0]):  # the studio imports ?flow= once; then restores it
        page.goto(target)
        page.wait_for_function("window.__opened > 0", timeout=OPEN_TIMEOUT_MS, polling=200)
        opened.append(float(page.evaluate("window.__opened")))
    return opened[1]


def _frames_while(page: Page, gesture: Any) -> list[float]:
    page.evaluate(FRAMES_START)
    gesture()
    page.wait_for_timeout(100)
    frames: list[float] = page.evaluate(FRAMES_STOP)
    return frames


def _drag(page: Page, x: float, y: float, dx: float, dy: float, moves: int) -> None:
    page.mouse.move(x, y)
    page.mouse.down()
    deadline = time.monotonic() + GESTURE_BUDGET_S
    for i in range(1, moves + 1):
        page.mouse.move(x + dx * i / moves, y + dy * i / moves)
        if time.monotonic() > deadline:
            break
    page.mouse.up()


def _wheel(page: Page, x: float, y: float, moves: int) -> None:
    page.mouse.move(x, y)
    deadline = time.monotonic() + GESTURE_BUDGET_S
    for _ in range(moves):
        page.mouse.wheel(8, 5)
        page.wait_for_timeout(0)
        if time.monotonic() > deadline:
            break


def _zoom(page: Page, x: float, y: float, moves: int, modifier: str | None) -> None:
    """Zoom out by wheel steps, then back in (with ``modifier`` held: Node-RED's wheel
    pans, Ctrl+wheel zooms)."""
    page.mouse.move(x, y)
    if modifier:
        page.keyboard.down(modifier)
    deadline = time.monotonic() + GESTURE_BUDGET_S
    try:
        for i in range(moves):
            page.mouse.wheel(0, 60 if i < moves // 2 else -60)
            page.wait_for_timeout(0)
            if time.monotonic() > deadline:
                break
    finally:
        if modifier:
            page.keyboard.up(modifier)


def studio_canvas(
    browser: Browser, base_url: str, nodes: int, moves: int, flow_file: str = "canvas.json"
) -> dict[str, Any]:
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(RECORDER)
    page = context.new_page()
    # Interactive: the canvas holds the whole flow and has rendered what is in view (the
    # cards and edges near it; the rest is culled), edges drawn.
    settled = f'.hr-canvas[data-flow-nodes="{nodes}"][data-settled="true"]'
    opened = _open_twice(page, base_url + f"?flow=bench/{flow_file}", settled, 1)
    page.wait_for_function("window.__bench.ready", timeout=OPEN_TIMEOUT_MS)  # engine boot done: quiet page
    box = page.locator('[data-node-id="c1"] .hr-node__header').bounding_box()
    if box is None:
        raise RuntimeError("studio canvas: node c1 is not on screen")
    drag = _frames_while(page, lambda: _drag(page, box["x"] + 30, box["y"] + 8, 180, 120, moves))
    empty = page.evaluate(EMPTY_POINT)
    if empty is None:
        raise RuntimeError("studio canvas: no empty point to pan from")
    pan = _frames_while(page, lambda: _drag(page, empty["x"], empty["y"], -300, -200, moves))
    zoom = _frames_while(page, lambda: _zoom(page, empty["x"], empty["y"], moves, None))
    rendered = int(page.locator(".hr-canvas").get_attribute("data-rendered-nodes") or 0)
    heap = page_heap(page)
    context.close()
    return {"open_ms": opened, "drag": drag, "pan": pan, "zoom": zoom, "heap": heap, "rendered": rendered}


def node_red_canvas(browser: Browser, red: NodeRed, nodes: int, edges: int, moves: int) -> dict[str, Any]:
    red.deploy(canvas_flows(nodes, edges))
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    opened = _open_twice(page, red.url, "#red-ui-workspace-chart g.red-ui-flow-node", nodes)
    page.wait_for_timeout(500)
    box = page.locator("#red-ui-workspace-chart [id='c1'] rect.red-ui-flow-node").first.bounding_box()
    if box is None:
        raise RuntimeError("Node-RED canvas: node c1 is not on screen")
    drag = _frames_while(page, lambda: _drag(page, box["x"] + 30, box["y"] + 10, 180, 120, moves))
    chart = page.locator("#red-ui-workspace-chart").bounding_box()
    assert chart is not None
    centre = (chart["x"] + chart["width"] / 2, chart["y"] + chart["height"] / 2)
    pan = _frames_while(page, lambda: _wheel(page, *centre, moves))
    zoom = _frames_while(page, lambda: _zoom(page, *centre, moves, "Control"))
    heap = page_heap(page)
    context.close()
    return {"open_ms": opened, "drag": drag, "pan": pan, "zoom": zoom, "heap": heap}


def measure(
    browser: Browser,
    base_url: str,
    red: NodeRed,
    nodes: int,
    edges: int,
    repeat: int,
    moves: int,
    flow_file: str = "canvas.json",
    prefix: str = "canvas",
) -> dict[str, Any]:
    """``base_url`` serves bench/``flow_file`` (canvas_pages) and bench-blank.html."""
    runs: dict[str, list[dict[str, Any]]] = {"studio": [], "node_red": []}
    for _ in range(repeat):
        runs["studio"].append(studio_canvas(browser, base_url, nodes, moves, flow_file))
        runs["node_red"].append(node_red_canvas(browser, red, nodes, edges, moves))
    rendered = median([x["rendered"] for x in runs["studio"]])
    note = (
        f"{nodes:,} nodes, {edges:,} edges; gestures of {moves} mouse steps "
        f"(at most {GESTURE_BUDGET_S:.0f} s each); median of {repeat}; the studio had "
        f"{rendered:,.0f} of the nodes in the DOM at the end (the rest culled), Node-RED all"
    )

    def summary(kind: str) -> dict[str, float]:
        r = runs[kind]
        return {
            "open_ms": median([x["open_ms"] for x in r]),
            "drag_p50": median([percentile(x["drag"], 0.5) for x in r]),
            "drag_p95": median([percentile(x["drag"], 0.95) for x in r]),
            "pan_p50": median([percentile(x["pan"], 0.5) for x in r]),
            "pan_p95": median([percentile(x["pan"], 0.95) for x in r]),
            "zoom_p50": median([percentile(x["zoom"], 0.5) for x in r]),
            "zoom_p95": median([percentile(x["zoom"], 0.95) for x in r]),
            "heap": median([x["heap"] for x in r]),
        }

    mine, theirs = summary("studio"), summary("node_red")
    units = {"open_ms": "ms", "heap": "bytes"}
    return {
        f"{prefix}.{key}": figure(mine[key], units.get(key, "ms"), ("Node-RED editor", theirs[key]),
                                  higher_is_better=False, note=note)
        for key in mine
    }  # fmt: skip


def canvas_pages(nodes: int, edges: int, flow_file: str = "canvas.json") -> dict[str, tuple[bytes, str]]:
    return {
        f"/bench/{flow_file}": (json.dumps(canvas_flow(nodes, edges)).encode(), "application/json"),
        "/bench-blank.html": (b"<!doctype html><title>blank</title>", "text/html"),
    }


def markdown_large(figures: dict[str, Any]) -> str:
    """The 5,000-node figure: the same table (its keys are ``canvas_large.*``)."""
    return markdown({key.replace("canvas_large.", "canvas.", 1): value for key, value in figures.items()})


def markdown(figures: dict[str, Any]) -> str:
    labels = {
        "open_ms": "open until interactive (second visit)",
        "drag_p50": "frame time dragging a node, p50",
        "drag_p95": "frame time dragging a node, p95",
        "pan_p50": "frame time panning, p50",
        "pan_p95": "frame time panning, p95",
        "zoom_p50": "frame time zooming out and in, p50",
        "zoom_p95": "frame time zooming out and in, p95",
        "heap": "page JS heap (after GC)",
    }
    rows = []
    for key, label in labels.items():
        f = figures[f"canvas.{key}"]
        if key == "heap":
            mine, theirs = f"{f['value'] / 2**20:.1f} MiB", f"{f['baseline']['value'] / 2**20:.1f} MiB"
        else:
            mine, theirs = f"{f['value']:,.1f} ms", f"{f['baseline']['value']:,.1f} ms"
        rows.append([label, mine, theirs, f"{f['ratio']:.2f}×"])
    note = figures["canvas.open_ms"]["note"]
    return table(["", "studio", "Node-RED editor", "studio / Node-RED"], rows) + f"\n\n{note}."
