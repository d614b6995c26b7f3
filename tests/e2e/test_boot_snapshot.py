"""The studio restores Python from the build's engine snapshot (the rest of the suite runs
on it: every example gives the CLI's values) — and a snapshot that cannot be used, because
it is damaged or of another build, is set aside with a note in the engine status, for a
normal boot that runs flows all the same. Restored Pythons do not share random numbers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RECORD_EVENTS, TEMPLATES, cli_emits, wait_ready
from helpers import emits_until_idle, import_file, node, reset_events, run_and_wait_idle
from playwright.sync_api import Browser, Page, Route, expect
from test_running import write_flow

DIST = Path(__file__).resolve().parents[2] / "dist"


def manifest() -> dict[str, Any]:
    return json.loads((DIST / "wheels" / "manifest.json").read_text())


def open_studio(browser: Browser, url: str, context_args: dict[str, Any], tamper: Any = None) -> Page:
    """A fresh studio page; `tamper(context)` may route its requests first."""
    context = browser.new_context(**context_args)
    if tamper:
        tamper(context)
    page = context.new_page()
    page.add_init_script(RECORD_EVENTS)
    page.goto(url)
    wait_ready(page)
    return page


@pytest.fixture
def pages(browser: Browser) -> Iterator[list[Page]]:
    opened: list[Page] = []
    yield opened
    for page in opened:
        page.context.close()


def hello_runs(page: Page) -> None:
    import_file(page, str(TEMPLATES / "hello.json"))
    expect(node(page, "greet")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page)
    assert emits_until_idle(page) == cli_emits(TEMPLATES / "hello.json")


def test_python_is_restored_from_the_snapshot(
    browser: Browser, studio_url: str, browser_context_args: dict[str, Any], pages: list[Page], tmp_path: Path
) -> None:
    assert manifest().get("snapshot"), "the build made no engine snapshot"
    values = []
    for _ in range(2):
        page = open_studio(browser, studio_url, browser_context_args)
        pages.append(page)
        status = page.get_by_test_id("engine-status")
        expect(status).to_have_attribute("data-boot", "snapshot")
        # Restored as it was made, every visit would draw the same numbers.
        code = "import random\n\ndraw = random.random()\n"
        import_file(page, write_flow(tmp_path, "Draw", [{"id": "d", "type": "data", "name": "D", "code": code}], []))
        expect(node(page, "d")).to_be_visible()
        reset_events(page)
        run_and_wait_idle(page)
        (drawn,) = [e["value"] for e in emits_until_idle(page) if e["node"] == "d"]
        values.append(drawn)
    assert values[0] != values[1]
    # The wheels' files are back too: what imports lazily from them works.
    hello_runs(pages[0])


def _damaged(context: Any) -> None:
    file = manifest()["snapshot"]["file"]
    context.route(f"**/wheels/{file}", lambda route: route.fulfill(status=200, body=b"\0not a snapshot" * 1000))


def _of_another_build(context: Any) -> None:
    def serve(route: Route) -> None:
        theirs = manifest()
        theirs["snapshot"]["key"] = "0123456789abcdef"  # what a newer build would name
        route.fulfill(status=200, content_type="application/json", body=json.dumps(theirs))

    context.route("**/wheels/manifest.json", serve)


@pytest.mark.parametrize(
    ("tamper", "why"),
    [(_damaged, "Python started without the engine snapshot"), (_of_another_build, "this build's is 0123456789abcdef")],
)
def test_an_unusable_snapshot_is_set_aside_with_a_note(
    browser: Browser, studio_url: str, browser_context_args: dict[str, Any], pages: list[Page], tamper: Any, why: str
) -> None:
    page = open_studio(browser, studio_url, browser_context_args, tamper)
    pages.append(page)
    status = page.get_by_test_id("engine-status")
    expect(status).to_have_attribute("data-status", "ready")
    expect(status).to_have_attribute("data-boot", "boot")
    expect(status).to_have_attribute("title", re.compile(re.escape(why)))
    hello_runs(page)
