"""Every example flow, imported into the studio and run in Pyodide, emits exactly what the
CLI emits for the same file in CPython."""

import pytest
from conftest import OFFLINE_TEMPLATES, cli_emits
from helpers import (
    assert_emits_like_cli,
    dots_off_their_card,
    emits,
    emits_until_idle,
    import_file,
    node_ids,
    reset_events,
    run_and_wait_idle,
)
from playwright.sync_api import Page, expect

FLOWS = OFFLINE_TEMPLATES


@pytest.fixture(scope="module")
def expected() -> dict[str, list]:
    return {flow.name: cli_emits(flow) for flow in FLOWS}


def test_templates_match_cli(studio: Page, expected: dict[str, list]) -> None:
    assert FLOWS, "templates/flows/ has no flows"
    # One page for all templates: Pyodide boots once.
    for flow in FLOWS:
        import_file(studio, str(flow))
        expect(studio.locator(".hr-tab--active, .q-tab--active")).to_contain_text(
            __import__("json").loads(flow.read_text())["name"]
        )
        studio.wait_for_function("document.querySelectorAll('[data-node-id]').length > 0")
        reset_events(studio)
        run_and_wait_idle(studio)
        assert_emits_like_cli(emits_until_idle(studio), expected[flow.name], flow)
        # However long the newest values shown beside the sockets, the dots stay on the cards.
        assert dots_off_their_card(studio) == [], flow.name
        # Runs stay alive (for triggers and schedules) until stopped.
        studio.get_by_test_id("stop-flow").click()
        expect(studio.get_by_test_id("stop-flow")).to_be_disabled()


def test_open_by_url(page: Page, studio_url: str) -> None:
    from conftest import RECORD_EVENTS, wait_ready

    page.add_init_script(RECORD_EVENTS)
    page.goto(f"{studio_url}?flow=templates/join.json")
    wait_ready(page)
    expect(page.locator('[data-node-id="add"]')).to_be_visible()
    assert sorted(node_ids(page)) == ["add", "left", "right"]
    # Opening never runs the flow.
    assert emits(page) == []
    expect(page.locator('[data-node-id="add"]')).to_have_attribute("data-state", "idle")
    assert "flow=" not in page.url  # a reload restores it from storage instead
