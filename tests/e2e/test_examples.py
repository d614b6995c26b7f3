"""The example flows in the studio: shipped in the build (`examples/`), listed in the
Examples menu and on the first visit's start screen, and opened by `?flow=examples/…`.
A first visit saves nothing until the user chooses."""

import json
from pathlib import Path

from conftest import RECORD_EVENTS, TEMPLATES, wait_ready
from helpers import drag_from_palette, emits, import_file, node, node_ids, reset_events, run_and_wait_idle
from playwright.sync_api import Page, expect

EXAMPLES = sorted(TEMPLATES.glob("*.json"))

#: The names of the flows saved in this browser (every IndexedDB record with a `doc`).
STORED_NAMES = """async () => {
  const request = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = no; });
  const names = [];
  for (const info of await indexedDB.databases()) {
    const db = await request(indexedDB.open(info.name));
    for (const store of db.objectStoreNames) {
      for (const row of await request(db.transaction(store).objectStore(store).getAll())) {
        if (row && row.doc && typeof row.doc.name === 'string') names.push(row.doc.name);
      }
    }
    db.close();
  }
  return names.sort();
}"""


def first_visit(page: Page, url: str) -> None:
    page.add_init_script(RECORD_EVENTS)
    page.goto(url)
    wait_ready(page)


def test_the_build_ships_every_example_with_an_index(page: Page, studio_url: str) -> None:
    index = page.request.get(f"{studio_url}examples/index.json")
    assert index.ok
    listed = index.json()
    assert sorted(e["file"] for e in listed) == sorted(p.name for p in EXAMPLES)
    assert listed[0]["file"] == "hello.json", "the first example is the simplest"
    for entry in listed:
        doc = json.loads((TEMPLATES / entry["file"]).read_text())
        assert entry["name"] == doc["name"] and entry["description"] == doc["description"]
        assert entry["description"], f"{entry['file']} has no description for the menu"
        shipped = page.request.get(f"{studio_url}examples/{entry['file']}")
        assert shipped.ok and shipped.json() == doc


def test_first_visit_offers_examples_and_saves_nothing(page: Page, studio_url: str) -> None:
    first_visit(page, studio_url)
    start = page.get_by_test_id("start-screen")
    expect(start).to_be_visible()
    for path in EXAMPLES:
        name = json.loads(path.read_text())["name"]
        expect(start.get_by_test_id(f"start-example-{path.stem}")).to_contain_text(name)
    expect(page.locator(".hr-tab")).to_have_count(0)
    page.wait_for_timeout(1500)  # past the autosave delay: nothing was written
    assert page.evaluate(STORED_NAMES) == []
    # A reload still has nothing open and nothing saved: the start screen again.
    page.reload()
    wait_ready(page)
    expect(page.get_by_test_id("start-screen")).to_be_visible()
    assert page.evaluate(STORED_NAMES) == []

    page.get_by_test_id("start-example-join").click()
    expect(node(page, "add")).to_be_visible()
    expect(page.get_by_test_id("start-screen")).to_have_count(0)
    expect(page.locator(".hr-tab.q-tab--active")).to_contain_text("Join")
    assert sorted(node_ids(page)) == ["add", "left", "right"]
    assert emits(page) == [], "opening an example ran it"
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    assert page.evaluate(STORED_NAMES) == ["Join"]


def test_start_empty_opens_an_empty_flow(page: Page, studio_url: str) -> None:
    first_visit(page, studio_url)
    page.get_by_test_id("start-empty").click()
    expect(page.get_by_test_id("start-screen")).to_have_count(0)
    expect(page.locator(".hr-tab.q-tab--active")).to_contain_text("Untitled 1")
    expect(page.locator(".hr-canvas__empty")).to_contain_text("Drag Data and Script")
    data = drag_from_palette(page, "data", 150, 150)
    expect(node(page, data)).to_be_visible()
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    # Closing the last tab brings the start screen back; the flow stays saved.
    page.get_by_role("button", name="Close tab").click()
    expect(page.get_by_test_id("start-screen")).to_be_visible()
    assert page.evaluate(STORED_NAMES) == ["Untitled 1"]


def test_a_drop_on_the_start_screen_starts_a_flow(page: Page, studio_url: str) -> None:
    first_visit(page, studio_url)
    canvas = page.get_by_test_id("canvas").bounding_box()
    card = page.get_by_test_id("start-screen").bounding_box()
    assert canvas and card
    data = drag_from_palette(page, "data", int(card["x"] - canvas["x"] + 40), int(card["y"] - canvas["y"] + 40))
    expect(node(page, data)).to_be_visible()
    expect(page.locator(".hr-tab.q-tab--active")).to_contain_text("Untitled 1")


def test_examples_menu_opens_each_example(page: Page, studio_url: str) -> None:
    first_visit(page, studio_url)
    for path in EXAMPLES:
        doc = json.loads(path.read_text())
        page.get_by_test_id("examples-menu").click()
        item = page.get_by_test_id(f"example-{path.stem}")
        expect(item).to_contain_text(doc["name"])
        expect(item).to_contain_text(doc["description"][:40])
        item.click()
        expect(page.locator(".hr-tab.q-tab--active")).to_contain_text(doc["name"])
        expect(page.get_by_test_id("canvas")).to_have_attribute("data-flow-nodes", str(len(doc["nodes"])))
    assert emits(page) == [], "opening an example ran it"
    expect(page.locator(".hr-notice--error")).to_have_count(0)


def test_open_an_example_by_url(page: Page, studio_url: str) -> None:
    # examples/ comes from dist/ itself (the test server adds no such folder).
    first_visit(page, f"{studio_url}?flow=examples/join.json")
    expect(node(page, "add")).to_be_visible()
    assert sorted(node_ids(page)) == ["add", "left", "right"]
    expect(page.get_by_test_id("start-screen")).to_have_count(0)
    assert emits(page) == []
    assert "flow=" not in page.url


def test_a_missing_example_says_so(page: Page, studio_url: str) -> None:
    first_visit(page, f"{studio_url}?flow=examples/no-such-example.json")
    expect(page.locator(".hr-notice--error")).to_contain_text("Cannot fetch examples/no-such-example.json: HTTP 404")
    expect(page.get_by_test_id("start-screen")).to_be_visible()


def test_a_web_page_is_not_taken_for_a_flow(page: Page, studio_url: str) -> None:
    # Hosts that answer unknown paths with the app's page: say so, not "Unexpected token '<'".
    first_visit(page, f"{studio_url}?flow=index.html")
    notice = page.locator(".hr-notice--error")
    expect(notice).to_contain_text("Cannot fetch index.html: the server answered with a web page, not a flow file")
    expect(notice).not_to_contain_text("Unexpected token")


def test_http_fetch_uses_pyfetch_in_the_browser(studio: Page, studio_url: str, tmp_path: Path) -> None:
    # The tests have no internet: the example's URL is pointed at this test server.
    doc = json.loads((TEMPLATES / "http-fetch.json").read_text())
    request = next(n for n in doc["nodes"] if n["id"] == "request")
    request["code"] = f"url = {studio_url + 'pages/github-repo.json'!r}\n"
    path = tmp_path / "http-fetch.json"
    path.write_text(json.dumps(doc))
    import_file(studio, str(path))
    expect(node(studio, "summary")).to_be_visible()
    reset_events(studio)
    run_and_wait_idle(studio)
    summary = [e["value"] for e in emits(studio) if e["node"] == "summary"]
    assert summary == [
        {
            "name": "pyodide/pyodide",
            "description": "Pyodide is a Python distribution for the browser and Node.js based on WebAssembly",
            "stars": 13500,
            "language": "Python",
        }
    ]
    assert studio.evaluate("window.__hr.errors") == []

    # A URL that fails goes to the handler, as the example says.
    request["code"] = f"url = {studio_url + 'pages/no-such-file.json'!r}\n"
    doc["name"] = "HTTP fetch (404)"
    path.write_text(json.dumps(doc))
    import_file(studio, str(path))
    expect(studio.locator(".hr-tab.q-tab--active")).to_contain_text("HTTP fetch (404)")
    reset_events(studio)
    run_and_wait_idle(studio)
    explained = [e["value"] for e in emits(studio) if e["node"] == "explain"]
    assert len(explained) == 1, explained
    assert explained[0].startswith("Could not fetch the URL: OSError: HTTP 404 from "), explained


def test_the_csv_example_reads_a_file_the_user_picks(page: Page, studio_url: str, tmp_path: Path) -> None:
    first_visit(page, f"{studio_url}?flow=examples/csv-summary.json")
    expect(node(page, "summary")).to_be_visible()
    run_and_wait_idle(page)
    by_region = [e["value"] for e in emits(page) if e["socket"] == "by_region"]
    assert list(by_region[-1]) == ["North", "East", "South"], "without a file: the sample"

    picked = tmp_path / "my-sales.csv"
    picked.write_text("date,region,product,amount\n2026-02-01,west,Tea,3\n2026-02-02,West ,Coffee,4.5\n")
    page.get_by_test_id("pick-files").set_input_files(str(picked))
    expect(page.get_by_test_id("picked-file-my-sales.csv")).to_contain_text('open("files/my-sales.csv")')
    page.get_by_test_id("stop-flow").click()
    expect(page.get_by_test_id("stop-flow")).to_be_disabled()
    reset_events(page)
    run_and_wait_idle(page)
    by_region = [e["value"] for e in emits(page) if e["socket"] == "by_region"]
    assert by_region == [{"West": {"orders": 2, "total": 7.5}}]
    assert page.evaluate("window.__hr.errors") == []
