"""A returning user's studio restores Python from the memory snapshot its first boot kept
in this browser (most of the suite runs on such a restored Python: see `_module_page`) —
and a snapshot that cannot be used, because it is damaged or holds another engine, is set
aside with a note in the engine status, for a normal boot that runs flows all the same and
keeps a good snapshot again. Restored Pythons do not share random numbers, can sleep, and
import what the engine's wheels hold lazily."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES, cli_emits, kept_snapshot, profile_for_visits, tamper_snapshot, visit, wait_snapshot_kept
from helpers import emits_until_idle, import_file, node, reset_events, run_and_wait_idle
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from test_running import write_flow

DIST = Path(__file__).resolve().parents[2] / "dist"


@pytest.fixture
def visits(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    yield from profile_for_visits(browser, browser_context_args)


def status(page: Page) -> Any:
    return page.get_by_test_id("engine-status")


def draws_and_sleeps(page: Page, tmp_path: Path) -> float:
    """Run a node that sleeps and draws a random number; the number."""
    code = "import random\nimport time\n\ntime.sleep(0.2)\ndraw = random.random()\n"
    import_file(page, write_flow(tmp_path, "Draw", [{"id": "d", "type": "data", "name": "D", "code": code}], []))
    expect(node(page, "d")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page)
    (drawn,) = [e["value"] for e in emits_until_idle(page) if e["node"] == "d"]
    return float(drawn)


def hello_runs(page: Page) -> None:
    import_file(page, str(TEMPLATES / "hello.json"))
    expect(node(page, "greet")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page)
    assert emits_until_idle(page) == cli_emits(TEMPLATES / "hello.json")


def test_a_second_visit_restores_python_from_the_snapshot_the_first_kept(
    visits: BrowserContext, studio_url: str, tmp_path: Path
) -> None:
    first = visit(visits, studio_url)
    expect(status(first)).to_have_attribute("data-boot", "boot")
    assert "snapshot" not in (status(first).get_attribute("title") or "")  # nothing to say on a first boot
    wait_snapshot_kept(first)
    kept = kept_snapshot(first)
    assert kept and kept["size"] > 1_000_000, kept
    engine = json.loads((DIST / "wheels" / "manifest.json").read_text())["engine"]
    assert kept["key"].startswith(f"{engine} "), "kept under another build's engine"

    drawn = []
    for _ in range(2):
        page = visit(visits, studio_url)
        expect(status(page)).to_have_attribute("data-boot", "snapshot")
        # time.sleep must work in a restored Python (it did not in one made elsewhere).
        drawn.append(draws_and_sleeps(page, tmp_path))
    # Restored as it was made, every visit would draw the same numbers.
    assert drawn[0] != drawn[1]
    # The wheels' files are back too: what the engine imports on first use works.
    hello_runs(page)


def _another_engine(route: Route) -> None:
    response = route.fetch()
    theirs = response.json()
    theirs["engine"] = "another-engine-0000"  # what a newer build would name
    route.fulfill(response=response, body=json.dumps(theirs))


@pytest.mark.parametrize("damage", ["garbage", "another engine inside"])
def test_an_unusable_snapshot_is_set_aside_with_a_note_and_replaced(
    visits: BrowserContext, studio_url: str, damage: str
) -> None:
    first = visit(visits, studio_url)
    wait_snapshot_kept(first)
    kept = kept_snapshot(first)
    assert kept
    if damage == "garbage":
        tamper_snapshot(first, "damage")
        why = "Python was booted, not restored from its snapshot"
    else:
        # The memory of this build's engine, kept under the key of another: the check
        # inside the restored Python catches what the key outside did not.
        visits.route("**/wheels/manifest.json", _another_engine)
        engine = kept["key"].split(" ", 1)[0]
        tamper_snapshot(first, "rekey", kept["key"].replace(engine, "another-engine-0000", 1))
        why = "it holds another engine"
    page = visit(visits, studio_url)
    expect(status(page)).to_have_attribute("data-status", "ready")
    expect(status(page)).to_have_attribute("data-boot", "boot")
    expect(status(page)).to_have_attribute("title", re.compile(re.escape(why)))
    hello_runs(page)
    # The boot kept a good snapshot in its place: the next visit restores again.
    for _ in range(100):
        now = kept_snapshot(page)
        if now and now["made"] > kept["made"]:
            break
        page.wait_for_timeout(100)
    expect(status(visit(visits, studio_url))).to_have_attribute("data-boot", "snapshot")
