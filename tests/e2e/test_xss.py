"""Strings from an imported flow are text, never HTML: a flow carrying 200 script-injection
payloads in every field a user sees — flow name and description, notes, node ids and names,
code, emitted values and dict keys, table headers and cells, console output, error
messages — is opened, run and inspected in the studio and in the embed, and not one
payload runs. HTML a flow asks for (`_repr_html_`, `_repr_markdown_`, `_repr_svg_`)
is shown, in its sandboxed frame or as an image, and the same payloads aimed out of
it (at the top window) reach neither the studio nor the page an embed is in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import BOOT_TIMEOUT_MS
from helpers import run_and_wait_idle
from playwright.sync_api import Page, expect
from xss_payloads import payloads

PAYLOADS = payloads(200)
TRAP = "window.__xssHits = []; window.__xss = (n) => window.__xssHits.push(n);"
DATA_NODES = 20


def hostile_flow() -> dict[str, Any]:
    p = iter(PAYLOADS)
    flow: dict[str, Any] = {"headrace": 1, "name": next(p), "description": next(p), "nodes": [], "edges": []}
    notes = [{"id": f"note{i}", "x": 40 + 300 * i, "y": -160, "text": next(p)} for i in range(8)]
    positions: dict[str, dict[str, int]] = {}
    for i in range(DATA_NODES):
        data_id, data_name, script_name, comment, *values = (next(p) for _ in range(8))
        script_id = f"show{i}"
        flow["nodes"].append(
            {"id": data_id, "type": "data", "name": data_name, "code": f"# {comment}\nvalue = {values!r}\n"}
        )
        flow["nodes"].append(
            {
                "id": script_id,
                "type": "script",
                "name": script_name,
                "code": (
                    "def show(value):\n"
                    "    print(*value, sep='\\n')\n"
                    "    if len(value) > 1:\n"
                    "        raise ValueError(value[1])\n"
                    "    return {v: [{v: v}] for v in value}\n"
                ),
            }
        )
        flow["edges"].append(
            {"from": {"node": data_id, "socket": "value"}, "to": {"node": script_id, "port": "show.value"}}
        )
        positions[data_id] = {"x": 40, "y": 120 * i}
        positions[script_id] = {"x": 380, "y": 120 * i}
    rest = list(p)
    assert len(rest) == 200 - 2 - 8 - 8 * DATA_NODES
    # The rest as keys, records (table headers and cells) and values.
    records = f"rows = [{{k: k for k in {rest!r}}}]\nkeys = {{k: 1 for k in {rest!r}}}\n"
    flow["nodes"].append({"id": "records", "type": "data", "name": "Records", "code": records})
    positions["records"] = {"x": 760, "y": 0}
    flow["ui"] = {"nodes": positions, "notes": notes}
    return flow


@pytest.fixture
def trapped(page: Page) -> Iterator[Page]:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(TRAP)
    yield page
    assert dialogs == [], f"a payload opened a dialog: {dialogs}"


def hits(page: Page) -> list[int]:
    return page.evaluate("window.__xssHits")


def test_no_payload_runs_in_the_studio(trapped: Page, studio_url: str, tmp_path: Any) -> None:
    from conftest import RECORD_EVENTS, wait_ready
    from helpers import import_file

    page = trapped
    page.add_init_script(RECORD_EVENTS)
    page.goto(studio_url)
    wait_ready(page)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile_flow()))
    import_file(page, str(path))
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-flow-nodes", str(2 * DATA_NODES + 1))
    # Every card in the DOM (the canvas renders those near the view): the whole flow in view.
    page.get_by_test_id("fit").click()
    expect(page.locator("[data-node-id]")).to_have_count(2 * DATA_NODES + 1)
    run_and_wait_idle(page)
    # Every payload is on screen somewhere, as text.
    text = page.locator("body").inner_text()
    canvas_and_panel = [p for p in PAYLOADS[:10] if p.replace("\u0000", "") in text.replace("\u0000", "")]
    assert canvas_and_panel, "the payloads are not shown at all"
    # Open what shows the rest: a node's editor, the flow settings, the values.
    page.locator(".hr-node__name").first.click()
    expect(page.get_by_test_id("node-editor")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_test_id("open-flow-settings").click()
    page.wait_for_timeout(300)
    page.keyboard.press("Escape")
    for edge in page.locator("svg.jtk-connector path").all()[:5]:
        edge.hover(force=True)
    page.wait_for_timeout(500)
    assert hits(page) == []
    # The trap works: the same payload given to innerHTML does run.
    page.evaluate(
        "(p) => { const d = document.createElement('div'); d.innerHTML = p; document.body.append(d); }", PAYLOADS[0]
    )
    page.wait_for_function("window.__xssHits.length > 0")
    assert hits(page) == [0]


def test_no_payload_runs_in_the_embed(trapped: Page, studio_url: str) -> None:
    page = trapped
    body = json.dumps(hostile_flow())
    page.route("**/hostile.json", lambda route: route.fulfill(status=200, content_type="application/json", body=body))
    page.route(
        "**/hostile.html",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body=(
                '<!doctype html><script type="module" src="/embed/headrace-embed.js"></script>'
                '<headrace-flow id="x" src="/hostile.json" height="600px"></headrace-flow>'
            ),
        ),
    )
    page.goto(f"{studio_url}hostile.html")
    run = page.get_by_test_id("embed-run")
    expect(run).to_be_enabled(timeout=BOOT_TIMEOUT_MS)
    run.click()
    expect(page.get_by_test_id("embed-status")).to_contain_text("Done", timeout=60_000)
    expect(page.get_by_test_id("embed-results")).to_contain_text("ValueError")
    # A node's code, on click.
    page.locator("headrace-flow .hr-node__header").first.click()
    expect(page.get_by_test_id("embed-code")).to_be_visible()
    page.wait_for_timeout(500)
    assert hits(page) == []


# -- rich views: HTML a flow asks for, in its sandboxed frame --------------------------------

#: The suite's payloads aimed out of the frame they are shown in: each calls the trap of
#: the top window (the studio's, or the page the embed is in). In a frame that had the
#: studio's origin these would reach it (the trap check below shows they do).
ESCAPES = [p.replace("window.__xss(", "top.__xss(").replace("parent.__xss(", "top.__xss(") for p in payloads(200)]
#: Node code whose values show themselves as HTML, Markdown (raw HTML passes through
#: Markdown) and SVG (shown as an <img>), each carrying every escape.
RICH = f"""
_escapes = {ESCAPES!r}


class Html:
    def _repr_html_(self):
        return "<table><tr><td>rich</td></tr></table>" + "".join(_escapes)


class Markdown:
    def _repr_markdown_(self):
        return "# rich\\n\\n" + "\\n\\n".join(_escapes)


class Svg:
    def _repr_svg_(self):
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="top.__xss(1000)">'
                '<script>top.__xss(1001)</script><rect width="20" height="20"/></svg>')


html = Html()
markdown = Markdown()
svg = Svg()
"""


def rich_flow() -> dict[str, Any]:
    rich = {"id": "rich", "type": "data", "name": "Rich", "code": RICH}
    return {"headrace": 1, "name": "Rich escapes", "nodes": [rich], "edges": []}


def test_rich_views_cannot_reach_the_studio(trapped: Page, studio_url: str, tmp_path: Any) -> None:
    from conftest import RECORD_EVENTS, wait_ready
    from helpers import import_file, node

    page = trapped
    page.add_init_script(RECORD_EVENTS)
    page.goto(studio_url)
    wait_ready(page)
    path = tmp_path / "rich.json"
    path.write_text(json.dumps(rich_flow()))
    import_file(page, str(path))
    run_and_wait_idle(page)
    node(page, "rich").locator(".hr-node__name").click()
    page.get_by_test_id("tab-results").click()
    for socket, mime in (("html", "text/html"), ("markdown", "text/markdown")):
        values = page.get_by_test_id(f"values-rich-{socket}")
        expect(values.get_by_test_id("value-rich")).to_have_attribute("data-mime", mime)
        frame = values.get_by_test_id("value-frame")
        expect(frame).to_have_attribute("sandbox", "allow-scripts")  # no allow-same-origin: an opaque origin
        expect(values.frame_locator('[data-testid="value-frame"]').locator("body")).to_contain_text("rich")
    image = page.get_by_test_id("values-rich-svg").get_by_test_id("value-image")
    expect(image).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    page.wait_for_timeout(1000)
    assert hits(page) == []
    # The trap works: the same HTML in a frame of the studio's origin (srcdoc, no sandbox) reaches it.
    page.evaluate(
        "(html) => { const f = document.createElement('iframe'); f.srcdoc = html; document.body.append(f); }",
        "".join(ESCAPES[:3]),
    )
    page.wait_for_function("window.__xssHits.length > 0")


def test_rich_views_cannot_reach_the_page_an_embed_is_in(trapped: Page, studio_url: str) -> None:
    page = trapped
    body = json.dumps(rich_flow())
    page.route("**/rich.json", lambda route: route.fulfill(status=200, content_type="application/json", body=body))
    page.route(
        "**/rich.html",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body=(
                '<!doctype html><script type="module" src="/embed/headrace-embed.js"></script>'
                '<headrace-flow id="x" src="/rich.json" height="600px"></headrace-flow>'
            ),
        ),
    )
    page.goto(f"{studio_url}rich.html")
    run = page.get_by_test_id("embed-run")
    expect(run).to_be_enabled(timeout=BOOT_TIMEOUT_MS)
    run.click()
    expect(page.get_by_test_id("embed-status")).to_contain_text("Done", timeout=60_000)
    frames = page.get_by_test_id("embed-results").get_by_test_id("value-frame")
    expect(frames).to_have_count(2)  # the HTML and the Markdown
    for i in range(2):
        expect(frames.nth(i)).to_have_attribute("sandbox", "allow-scripts")
    expect(page.get_by_test_id("embed-results").get_by_test_id("value-image")).to_be_visible()
    page.wait_for_timeout(1000)
    assert hits(page) == []
