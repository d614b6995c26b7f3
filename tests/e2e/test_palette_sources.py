"""The palette's sources as a new user takes them: a File input and an HTTP request
dragged from the palette, wired and run in the studio (a picked file read in the
browser, pyfetch to a URL), and the example that puts them with a Timer (Timer, file
and HTTP): its request fires on the Timer, its file is counted once picked."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TEMPLATES
from helpers import connect, drag_from_palette, emits, import_file, node, reset_events, run_and_wait_idle, set_code
from playwright.sync_api import Page, expect

REPO = {
    "name": "pyodide/pyodide",
    "description": "Pyodide is a Python distribution for the browser and Node.js based on WebAssembly",
    "stars": 13500,
    "language": "Python",
}


def values(page: Page, node_id: str, socket: str) -> list[object]:
    return [e["value"] for e in emits(page) if e["node"] == node_id and e["socket"] == socket]


def test_file_input_and_http_request_from_the_palette(studio: Page, studio_url: str, tmp_path: Path) -> None:
    page = studio
    file_input = drag_from_palette(page, "file-input", 120, 80)
    url = drag_from_palette(page, "data", 120, 320)
    request = drag_from_palette(page, "http-request", 480, 320)
    expect(node(page, request).locator(".hr-node__name")).to_have_text("HTTP request 1")
    set_code(page, url, f"url = {studio_url + 'pages/github-repo.json'!r}\n")
    page.keyboard.press("Escape")
    expect(node(page, url).locator('[data-socket="url"]')).to_be_visible()
    connect(page, url, "url", request, "request.url")
    expect(page.locator(".hr-edge")).to_have_count(1)

    # Nothing picked yet: the File input sends nothing and says why in its console.
    reset_events(page)
    run_and_wait_idle(page)
    assert values(page, file_input, "text") == []
    (answer,) = values(page, request, "request")
    assert answer == {"status": 200, "url": studio_url + "pages/github-repo.json", "body": {"id": 122663163, **{
        "full_name": REPO["name"], "description": REPO["description"], "stargazers_count": 13500,
        "language": "Python", "html_url": "https://github.com/pyodide/pyodide"}}}  # fmt: skip
    assert page.evaluate("window.__hr.errors") == []

    picked = tmp_path / "notes.txt"
    picked.write_text("two words\nand three more\n", encoding="utf-8")
    page.get_by_test_id("pick-files").set_input_files(str(picked))
    expect(page.get_by_test_id("picked-file-notes.txt")).to_be_visible()
    page.get_by_test_id("stop-flow").click()
    expect(page.get_by_test_id("stop-flow")).to_be_disabled()
    reset_events(page)
    run_and_wait_idle(page)
    assert values(page, file_input, "name") == ["notes.txt"]
    assert values(page, file_input, "text") == ["two words\nand three more\n"]


def test_the_sources_example_fetches_on_its_timer_and_counts_a_picked_file(
    studio: Page, studio_url: str, tmp_path: Path
) -> None:
    page = studio
    # The tests have no internet: the Timer's URL is pointed at this test server.
    doc = json.loads((TEMPLATES / "sources.json").read_text())
    timer = next(n for n in doc["nodes"] if n["id"] == "timer")
    timer["code"] = timer["code"].replace(
        "https://api.github.com/repos/pyodide/pyodide", studio_url + "pages/github-repo.json"
    )
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(doc))
    import_file(page, str(path))
    expect(page.get_by_test_id("schedule-timer-tick")).to_be_visible()  # the Timer's schedule
    picked = tmp_path / "notes.txt"
    picked.write_text("two words\nand three more\n", encoding="utf-8")
    page.get_by_test_id("pick-files").set_input_files(str(picked))
    expect(page.get_by_test_id("picked-file-notes.txt")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page)
    assert values(page, "stars", "stars") == [{"repo": "pyodide/pyodide", "stars": 13500, "language": "Python"}]
    assert values(page, "count", "count") == [{"file": "notes.txt", "lines": 2, "words": 5, "characters": 25}]
    assert page.evaluate("window.__hr.errors") == []
    page.get_by_test_id("stop-flow").click()
    expect(page.get_by_test_id("stop-flow")).to_be_disabled()
