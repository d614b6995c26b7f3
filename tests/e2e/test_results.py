"""Results worth looking at, as a user opens them: records as a table to sort and page,
bytes as images, objects shown by the display protocol (`_repr_html_`) in a sandboxed
frame that cannot reach the studio, a live chart of a streaming socket, and a socket's
values downloaded as JSON lines and CSV."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RECORD_EVENTS, wait_ready
from helpers import import_file, node, run_and_wait_idle
from playwright.sync_api import Browser, Page, expect
from test_running import write_flow
from xss_payloads import payloads

#: Counts what runs in the studio's own window (a payload that got out of its frame).
TRAP = "window.__xssHits = []; window.__xss = (n) => window.__xssHits.push(n);"
#: Planted in the studio's origin: the frame must not read any of them.
SECRETS = (
    "localStorage.setItem('secret', 'studio-secret');"
    " document.cookie = 'session=studio-cookie; path=/';"
    " window.__studioSecret = 'studio-window';"
)


@pytest.fixture(scope="module")
def _module_page(browser: Browser, studio_url: str, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """The module's studio, with the XSS trap set and secrets planted in its origin."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(TRAP)
    page.add_init_script(RECORD_EVENTS)
    page.goto(studio_url)
    page.evaluate(SECRETS)
    wait_ready(page)
    yield page
    assert dialogs == [], f"a frame opened a dialog: {dialogs}"
    context.close()


def results(page: Page, node_id: str) -> None:
    node(page, node_id).locator(".hr-node__name").click()
    page.get_by_test_id("tab-results").click()


def data_flow(tmp_path: Path, code: str, name: str = "Values") -> str:
    return write_flow(tmp_path, name, [{"id": "d", "type": "data", "name": "Source", "code": code}], [])


def test_records_are_a_table_to_sort_and_page(studio: Page, tmp_path: Path) -> None:
    # Item 5's n is None: a gap in a column of numbers, which stays one (right-aligned), sorted last.
    code = "rows = [{'name': f'item {i}', 'n': None if i == 5 else (i * 7) % 25} for i in range(25)]\n"
    import_file(studio, data_flow(tmp_path, code))
    run_and_wait_idle(studio)
    results(studio, "d")
    table = studio.get_by_test_id("value-table")
    body = table.locator("tbody tr")
    expect(body).to_have_count(10)
    expect(body.first).to_contain_text("item 0")
    table.get_by_role("columnheader", name="n", exact=True).click()  # ascending, as numbers (not 0, 1, 10, 11, …)
    expect(body.nth(0).locator("td").nth(1)).to_have_text("0")
    expect(body.nth(1).locator("td").nth(1)).to_have_text("1")
    expect(body.nth(2).locator("td").nth(1)).to_have_text("2")
    expect(body.nth(0).locator("td").nth(1)).to_have_class(re.compile("text-right"))
    table.get_by_role("button", name="Next page").click()
    expect(body.first.locator("td").nth(1)).to_have_text("11")  # 10 was item 5's
    expect(table.locator(".q-table__bottom")).to_contain_text("11–20 of 25")
    table.get_by_role("button", name="Last page").click()
    expect(body.last.locator("td").nth(0)).to_have_text("item 5")


def test_image_bytes_show_as_images(studio: Page, tmp_path: Path) -> None:
    # A 2x2 PNG, and an SVG as bytes.
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
    )
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="9"/></svg>'
    import_file(studio, data_flow(tmp_path, f"png = {png!r}\nsvg = {svg!r}\n"))
    run_and_wait_idle(studio)
    results(studio, "d")
    for socket, size in (("png", [2, 2]), ("svg", [30, 20])):
        image = studio.get_by_test_id(f"values-d-{socket}").get_by_test_id("value-image")
        expect(image).to_be_visible()
        studio.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == size
    # The plain value is a tab away.
    studio.get_by_test_id("values-d-png").get_by_test_id("view-plain").click()
    expect(studio.get_by_test_id("values-d-png").get_by_test_id("value-repr")).to_contain_text("b'\\x89PNG")


#: An object showing itself as HTML whose script probes what it can reach, and writes
#: what it found into its own page; then every XSS payload of the suite.
PROBE = """
<table id="t"><tr><th>a</th></tr><tr><td>42</td></tr></table>
<script>
  const found = {};
  const probe = (name, f) => { try { found[name] = String(f()); } catch (e) { found[name] = 'denied: ' + e.name; } };
  probe('origin', () => origin);
  probe('localStorage', () => localStorage.getItem('secret'));
  probe('cookie', () => document.cookie);
  probe('parentSecret', () => parent.__studioSecret);
  probe('parentDocument', () => parent.document.title);
  probe('indexedDB', () => indexedDB.open('x') && 'opened');
  probe('topNavigate', () => { top.location.href = 'about:blank'; return 'navigated'; });
  document.body.dataset.probe = JSON.stringify(found);
</script>
"""


def test_repr_html_shows_in_a_frame_that_cannot_reach_the_studio(studio: Page, tmp_path: Path) -> None:
    html = PROBE + "".join(payloads(200))
    code = (
        "class Frame:\n"
        f"    def _repr_html_(self):\n        return {html!r}\n"
        "    def __repr__(self):\n        return 'Frame()'\n"
        "frame = Frame()\n"
    )
    import_file(studio, data_flow(tmp_path, code, "Frames"))
    before = studio.url
    run_and_wait_idle(studio)
    results(studio, "d")
    frame_element = studio.get_by_test_id("value-frame")
    expect(frame_element).to_have_attribute("sandbox", "allow-scripts")
    frame = studio.frame_locator('[data-testid="value-frame"]')
    expect(frame.locator("#t td")).to_have_text("42")  # the HTML is shown
    expect(frame.locator("body")).to_have_attribute("data-probe", re.compile(".+"))
    probe_text = frame.locator("body").get_attribute("data-probe", timeout=5_000)
    assert probe_text, "the frame's script did not run"
    found = json.loads(probe_text)
    assert found["origin"] == "null"  # an opaque origin
    for key in ("localStorage", "cookie", "parentSecret", "parentDocument", "indexedDB"):
        assert found[key].startswith("denied"), (key, found[key])
        assert "studio-" not in found[key]
    studio.wait_for_timeout(500)
    assert studio.evaluate("window.__xssHits") == []  # no payload reached the studio's window
    assert studio.url == before  # not navigated away
    assert "studio-" not in found["topNavigate"]
    # The frame is as tall as its content says (within bounds), and the plain value is a tab away.
    assert 24 <= (frame_element.bounding_box() or {"height": 0})["height"] <= 602
    studio.get_by_test_id("view-plain").click()
    expect(studio.get_by_test_id("value-repr")).to_contain_text("Frame()")


def test_a_streaming_socket_charts_live(studio: Page, tmp_path: Path) -> None:
    code = (
        "import asyncio\n\n"
        "async def readings(n=60):\n"
        "    for t in range(n):\n"
        "        await asyncio.sleep(0.05)\n"
        "        yield {'t': t, 'level': (t * 3) % 17}\n"
    )
    import_file(
        studio, write_flow(tmp_path, "Stream", [{"id": "s", "type": "script", "name": "Sensor", "code": code}], [])
    )
    studio.get_by_test_id("run-flow").click()
    expect(studio.get_by_test_id("count-s-readings")).not_to_have_text("0", timeout=20_000)
    results(studio, "s")
    studio.get_by_test_id("values-as-chart").click()
    chart = studio.get_by_test_id("socket-chart")
    expect(chart).to_have_attribute("data-series", "level")  # over t, its x axis
    expect(chart.locator("canvas")).to_be_visible()
    early = int(chart.get_attribute("data-points") or 0)
    assert 0 < early < 60, "the chart is drawn while the run streams"
    expect(chart).to_have_attribute("data-points", "60", timeout=20_000)  # it followed the run
    studio.get_by_test_id("chart-bar").click()
    expect(chart).to_have_attribute("data-kind", "bar")
    expect(chart.locator("canvas")).to_be_visible()


def test_a_sockets_values_download_as_json_lines_and_csv(studio: Page, tmp_path: Path) -> None:
    code = (
        "def rows(n=12):\n"
        "    for i in range(n):\n"
        "        yield {'id': i, 'label': f'row, {i}', 'tags': ['a'] * (i % 2)}\n"
    )
    import_file(
        studio, write_flow(tmp_path, "Export", [{"id": "r", "type": "script", "name": "Rows out", "code": code}], [])
    )
    run_and_wait_idle(studio)
    results(studio, "r")
    files = {}
    for fmt in ("jsonl", "csv"):
        studio.get_by_test_id("values-download").click()
        with studio.expect_download() as info:
            studio.get_by_test_id(f"values-download-{fmt}").click()
        download = info.value
        assert download.suggested_filename == f"Rows_out-rows.{fmt}"
        files[fmt] = Path(download.path()).read_bytes().decode("utf-8")  # as written: CSV lines end in CRLF
    expected = [{"id": i, "label": f"row, {i}", "tags": ["a"] * (i % 2)} for i in range(12)]
    assert [json.loads(line) for line in files["jsonl"].splitlines()] == expected
    lines = files["csv"].split("\r\n")
    assert lines[0] == "id,label,tags"
    assert lines[1] == '0,"row, 0",[]'
    assert lines[2] == '1,"row, 1","[""a""]"'
    assert len(lines) == 12 + 2  # header, rows, and the last line's end


def test_a_value_copies_as_json(studio: Page, studio_url: str, tmp_path: Path) -> None:
    studio.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=studio_url.rstrip("/"))
    import_file(studio, data_flow(tmp_path, "record = {'a': [1, 2.5], 'b': None, 'c': 'x'}\nitems = {1, 2}\n", "Copy"))
    run_and_wait_idle(studio)
    results(studio, "d")
    studio.get_by_test_id("values-d-record").get_by_test_id("value-copy").click()
    expect(studio.locator(".hr-notice, .q-notification").last).to_contain_text("Copied the value as JSON")
    assert json.loads(studio.evaluate("navigator.clipboard.readText()")) == {"a": [1, 2.5], "b": None, "c": "x"}
    # A value JSON cannot hold is copied as the repr it came as, and the notice says so.
    studio.get_by_test_id("values-d-items").get_by_test_id("value-copy").click()
    expect(studio.locator(".hr-notice, .q-notification").last).to_contain_text("Python repr (it is not JSON)")
    assert studio.evaluate("navigator.clipboard.readText()") == "{1, 2}"
