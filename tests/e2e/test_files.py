"""Export, import, bad files, and autosave across reloads."""

import json
from pathlib import Path

from conftest import TEMPLATES, wait_ready
from helpers import drag_from_palette, export_flow, import_file, node, node_ids, set_code
from playwright.sync_api import Page, expect


def test_export_import_round_trip(studio: Page, tmp_path: Path) -> None:
    source = TEMPLATES / "join.json"
    import_file(studio, str(source))
    expect(node(studio, "add")).to_be_visible()
    first = export_flow(studio, tmp_path)
    original = json.loads(source.read_text())
    # Everything but canvas data is exactly the file; canvas positions are kept.
    assert {k: v for k, v in first.items() if k != "ui"} == {k: v for k, v in original.items() if k != "ui"}
    assert first["ui"]["nodes"] == original["ui"]["nodes"]

    again = tmp_path / "again.json"
    again.write_text(json.dumps(first))
    import_file(studio, str(again), same_name="replace")  # "Join" is open: the studio asks
    expect(studio.locator(".q-tab--active")).to_contain_text("Join")
    second = export_flow(studio, tmp_path)
    assert second == first


def test_bad_file_changes_nothing(studio: Page, tmp_path: Path) -> None:
    drag_from_palette(studio, "data", 150, 150)
    tabs_before = studio.locator(".hr-tab").count()  # flow tabs (the node editor has tabs too)
    nodes_before = node_ids(studio)

    bad = json.loads((TEMPLATES / "join.json").read_text())
    bad["edges"][0]["to"]["port"] = "add.z"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    import_file(studio, str(path))

    notice = studio.locator(".hr-notice--error")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("edges[0].to.port")
    expect(notice).to_contain_text("add.z")
    assert studio.locator(".hr-tab").count() == tabs_before
    assert node_ids(studio) == nodes_before

    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    import_file(studio, str(junk))
    expect(studio.locator(".hr-notice--error").last).to_contain_text("not JSON")
    assert node_ids(studio) == nodes_before


def test_edits_survive_reload(fresh_studio: Page) -> None:
    studio = fresh_studio
    data = drag_from_palette(studio, "data", 150, 150)
    set_code(studio, data, "answer = 42\n")
    expect(node(studio, data).locator('[data-socket="answer"]')).to_be_visible()
    studio.get_by_test_id("node-name").fill("The answer")
    expect(node(studio, data)).to_contain_text("The answer")
    box_before = node(studio, data).bounding_box()

    studio.reload()
    wait_ready(studio)
    expect(node(studio, data)).to_contain_text("The answer")
    expect(node(studio, data).locator('[data-socket="answer"]')).to_be_visible()
    assert node(studio, data).bounding_box() == box_before


def test_a_key_given_twice_is_named_not_silently_dropped(studio: Page, tmp_path: Path) -> None:
    flow = json.loads((TEMPLATES / "join.json").read_text())
    text = json.dumps(flow).replace('"nodes": [', '"nodes": [], "nodes": [', 1)
    path = tmp_path / "twice.json"
    path.write_text(text)
    tabs_before = studio.locator(".hr-tab").count()
    import_file(studio, str(path))
    notice = studio.locator(".hr-notice--error").last
    expect(notice).to_contain_text("nodes: this key is given twice in one object")
    assert studio.locator(".hr-tab").count() == tabs_before


#: The flows saved in this browser, by name: {name: [doc, ...]}.
STORED_BY_NAME = """async () => {
  const request = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = no; });
  const db = await request(indexedDB.open('headrace-studio-flows'));
  const rows = await request(db.transaction('flows').objectStore('flows').getAll());
  db.close();
  const out = {};
  for (const row of rows) (out[row.doc.name] ??= []).push(row.doc);
  return out;
}"""


def tab_names(page: Page) -> list[str]:
    return page.eval_on_selector_all(".hr-tab__name", "els => els.map(e => e.title)")


def who_code(page: Page) -> str:
    """The code of the saved "Hello" flow's Who node, once every edit is saved."""
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    (doc,) = page.evaluate(STORED_BY_NAME)["Hello"]
    return next(n["code"] for n in doc["nodes"] if n["id"] == "who")


def test_importing_a_flow_twice_asks(fresh_studio: Page, tmp_path: Path) -> None:
    studio = fresh_studio
    hello = str(TEMPLATES / "hello.json")
    import_file(studio, hello)
    expect(node(studio, "greet")).to_be_visible()
    assert tab_names(studio) == ["Hello"]

    # Cancel: nothing changes.
    studio.get_by_test_id("import-flow").set_input_files(hello)
    dialog = studio.get_by_test_id("same-name-dialog")
    expect(dialog).to_contain_text("“Hello” is already here")
    expect(dialog).to_contain_text("A flow of this name is open in a tab")
    expect(dialog).to_contain_text("as a copy named “Hello (2)”")
    studio.get_by_test_id("same-name-cancel").click()
    expect(dialog).to_have_count(0)
    assert tab_names(studio) == ["Hello"]

    # A copy: a second tab, under a name of its own, saved as such.
    import_file(studio, hello, same_name="copy")
    expect(studio.locator(".hr-tab.q-tab--active")).to_contain_text("Hello (2)")
    assert tab_names(studio) == ["Hello", "Hello (2)"]
    expect(studio.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    stored = studio.evaluate(STORED_BY_NAME)
    assert sorted(stored) == ["Hello", "Hello (2)"] and len(stored["Hello"]) == 1

    # Replace, with the flow closed (saved only): it opens, holding the file's content...
    studio.locator(".hr-tab", has_text="Hello (2)").get_by_title("Close tab").click()
    studio.locator(".hr-tab", has_text="Hello").get_by_title("Close tab").click()
    expect(studio.get_by_test_id("start-screen")).to_be_visible()
    changed = json.loads((TEMPLATES / "hello.json").read_text())
    changed["nodes"][0]["code"] = 'name = "again"\n'
    path = tmp_path / "hello-changed.json"
    path.write_text(json.dumps(changed))
    import_file(studio, str(path), same_name="replace")
    expect(studio.get_by_test_id("same-name-dialog")).to_have_count(0)
    assert tab_names(studio) == ["Hello"]
    assert who_code(studio) == 'name = "again"\n'
    # ...as one step: Undo brings back what it held.
    studio.get_by_test_id("undo").click()
    original = json.loads((TEMPLATES / "hello.json").read_text())["nodes"][0]["code"]
    assert who_code(studio) == original
    assert sorted(studio.evaluate(STORED_BY_NAME)) == ["Hello", "Hello (2)"]
