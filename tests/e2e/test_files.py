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
    import_file(studio, str(again))
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
