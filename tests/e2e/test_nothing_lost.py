"""Nothing the studio said was saved is ever lost.

An edit is acknowledged (the toolbar says "Saved", `headrace:saved` fires) only after
IndexedDB committed it. Random edit sequences are cut short by a reload, a closed tab or a
crashed engine worker; afterwards every acknowledged edit is in storage (that version or a
later one) and every stored flow is a valid flow. Damaged records fall back to their
previous version; two tabs saving one flow is a conflict the user settles; a full quota
leaves the edit unsaved, says so and offers the export.

The default run cuts 6 sequences; `pytest -m long` runs 200.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import drag_from_palette, node_ids
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from headrace.load import validate

# Every record in the studio's IndexedDB store of flows, by key.
READ_STORED = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('headrace-studio-flows');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const request = db.transaction('flows', 'readonly').objectStore('flows').getAll();
    request.onsuccess = () => { db.close(); resolve(Object.fromEntries(request.result.map((r) => [r.key, r]))); };
    request.onerror = () => reject(request.error);
  };
})"""

WRITE_RECORD = """([key, record]) => new Promise((resolve, reject) => {
  const open = indexedDB.open('headrace-studio-flows');
  open.onsuccess = () => {
    const tx = open.result.transaction('flows', 'readwrite');
    tx.objectStore('flows').put(record, key);
    tx.oncomplete = () => { open.result.close(); resolve(null); };
    tx.onerror = () => reject(tx.error);
  };
})"""


GESTURE_MS = 2000
TABS_AT_MOST = 6
#: Restoring the open tabs after a reload, on a busy 2-core machine.
RESTORE_MS = 30_000


class Acks:
    """The latest acknowledged save of each flow, as the page announced it."""

    def __init__(self) -> None:
        self.latest: dict[str, dict[str, Any]] = {}

    def record(self, _source: Any, detail: dict[str, Any]) -> None:
        key = detail["key"]
        if key not in self.latest or detail["version"] >= self.latest[key]["version"]:
            self.latest[key] = detail

    def attach(self, page: Page) -> None:
        page.expose_binding("__ackSaved", self.record)
        page.add_init_script("window.addEventListener('headrace:saved', (e) => window.__ackSaved(e.detail));")


@pytest.fixture
def context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    context = browser.new_context(**browser_context_args)
    yield context
    context.close()


def open_studio(context: BrowserContext, url: str, acks: Acks) -> Page:
    page = context.new_page()
    acks.attach(page)
    page.goto(url)
    # The open flows restored, or, with none (a first visit), the start screen.
    expect(page.get_by_test_id("save-state").or_(page.get_by_test_id("start-screen"))).to_be_visible(timeout=RESTORE_MS)
    return page


def check_nothing_lost(page: Page, acks: Acks) -> int:
    """Every acknowledged save is stored (or a later one is); every stored flow is valid."""
    stored = page.evaluate(READ_STORED)
    for key, ack in acks.latest.items():
        assert key in stored, f"acknowledged flow {key} is gone"
        record = stored[key]
        acked, kept = ack["version"], record["version"]
        assert kept >= acked, f"{key}: version {acked} was acknowledged, {kept} is stored"
        if kept == acked:
            assert record["doc"] == ack["doc"], f"{key}: stored version {acked} is not what was acknowledged"
    for key, record in stored.items():
        validate(record["doc"])  # raises FlowError if a stored flow is not a valid flow
        assert key == record["key"]
    return len(stored)


def random_edits(page: Page, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 5)):
        # A gesture that cannot land (its node covered by another, or gone in a tab
        # switch) is skipped: what is tested is saving, whatever the edits are.
        with contextlib.suppress(PlaywrightTimeout, ValueError):  # ValueError: a drop that added two nodes
            random_edit(page, rng)
        page.wait_for_timeout(rng.choice([0, 0, 50, 200, 600]))


def random_edit(page: Page, rng: random.Random) -> None:
    ids = node_ids(page)
    actions = ["add", "add", "move", "delete", "undo", "duplicate", "new-flow"] if ids else ["add", "new-flow"]
    action = rng.choice(actions)
    if action == "add":
        drag_from_palette(page, rng.choice(["data", "script"]), rng.randint(80, 700), rng.randint(80, 500))
        page.keyboard.press("Escape")
        return
    if action == "new-flow":
        # Tabs come and go, as a user's do (closing one keeps its saved flow).
        close = page.get_by_role("button", name="Close tab")
        if close.count() >= TABS_AT_MOST:
            close.first.click(timeout=GESTURE_MS)
        else:
            page.get_by_test_id("new-flow").click(timeout=GESTURE_MS)
        return
    if action == "undo":
        page.keyboard.press("Control+z")
        return
    target = page.locator(f'[data-node-id="{rng.choice(ids)}"] .hr-node__name')
    target.wait_for(timeout=GESTURE_MS)
    if action == "move":
        box = target.bounding_box(timeout=GESTURE_MS)
        if box:
            page.mouse.move(box["x"] + 5, box["y"] + 5)
            page.mouse.down()
            page.mouse.move(box["x"] + rng.randint(-150, 150), box["y"] + rng.randint(-100, 100), steps=3)
            page.mouse.up()
    elif action == "delete":
        target.click(timeout=GESTURE_MS)
        page.keyboard.press("Escape")
        target.click(modifiers=["Shift"], timeout=GESTURE_MS)
        page.keyboard.press("Delete")
    else:  # duplicate
        target.click(modifiers=["Shift"], timeout=GESTURE_MS)
        page.keyboard.press("Control+d")


def interrupt(page: Page, context: BrowserContext, url: str, acks: Acks, rng: random.Random) -> Page:
    how = rng.choice(["reload", "close", "worker-crash"])
    if how == "reload":
        page.reload()
        expect(page.get_by_test_id("save-state").or_(page.get_by_test_id("start-screen"))).to_be_visible(
            timeout=RESTORE_MS
        )
        return page
    if how == "worker-crash":
        for worker in page.workers:
            # The worker is gone before it answers: that's the point.
            with contextlib.suppress(Exception):
                worker.evaluate("close()")
        random_edits(page, rng)
    page.close()
    return open_studio(context, url, acks)


def run_sequences(context: BrowserContext, url: str, count: int, seed: int) -> None:
    rng = random.Random(seed)
    acks = Acks()
    page = open_studio(context, url, acks)
    for _ in range(count):
        random_edits(page, rng)
        page = interrupt(page, context, url, acks, rng)
        check_nothing_lost(page, acks)
    assert acks.latest, "no save was ever acknowledged"
    page.close()


def test_interrupted_edits_lose_nothing_acknowledged(context: BrowserContext, studio_url: str) -> None:
    run_sequences(context, studio_url, count=3, seed=1)


@pytest.mark.long
def test_interrupted_edits_lose_nothing_acknowledged_long(context: BrowserContext, studio_url: str) -> None:
    run_sequences(context, studio_url, count=200, seed=2)


def test_damaged_save_falls_back_to_the_previous_version(context: BrowserContext, studio_url: str) -> None:
    acks = Acks()
    page = open_studio(context, studio_url, acks)
    drag_from_palette(page, "data", 200, 200)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    drag_from_palette(page, "script", 500, 200)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    stored = page.evaluate(READ_STORED)
    ((key, record),) = [(k, r) for k, r in stored.items() if len(r["doc"]["nodes"]) == 2]
    # The version before the last write: the one-node flow, or — on a slow machine, when a
    # later change of the same edit (the new node's shape, say) came after the autosave's
    # pause and was written apart — the two-node flow before it. Each write keeps the one
    # before; which one it is depends on timing, not on what the user did.
    assert record["previous"] and record["previous"]["version"] == record["version"] - 1
    before = len(record["previous"]["doc"]["nodes"])
    assert before in (1, 2)
    page.evaluate(WRITE_RECORD, [key, {**record, "doc": {"headrace": 1, "name": 7, "nodes": "damaged"}}])
    page.reload()
    expect(page.locator(".hr-notice--warning")).to_contain_text("Opened the previous version")
    expect(page.locator("[data-node-id]")).to_have_count(before)


def test_two_tabs_saving_one_flow_is_a_conflict_the_user_settles(context: BrowserContext, studio_url: str) -> None:
    acks = Acks()
    first = open_studio(context, studio_url, acks)
    drag_from_palette(first, "data", 200, 200)
    expect(first.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    second = open_studio(context, studio_url, acks)  # restores the same open flow
    expect(second.locator("[data-node-id]")).to_have_count(1)

    drag_from_palette(first, "script", 500, 200)
    expect(first.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    drag_from_palette(second, "data", 200, 400)
    state = second.get_by_test_id("save-state")
    expect(state).to_have_attribute("data-state", "conflict")
    # Nothing was overwritten: storage has the first tab's version.
    (record,) = [r for r in second.evaluate(READ_STORED).values() if r["doc"]["nodes"]]
    assert sorted(n["type"] for n in record["doc"]["nodes"]) == ["data", "script"]

    second.get_by_test_id("conflict-keep-both").click()
    # This tab's edits (the first data node and its own) live on in a new flow, "(my copy)".
    expect(second.locator("[data-node-id]")).to_have_count(2)
    kinds = second.locator("[data-node-id]").evaluate_all("(ns) => ns.map((n) => n.dataset.nodeId && n.className)")
    assert all("hr-node--data" in kind for kind in kinds)
    expect(second.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    names = sorted(r["doc"]["name"] for r in second.evaluate(READ_STORED).values())
    assert any(name.endswith("(my copy)") for name in names)
    check_nothing_lost(second, acks)


def test_a_full_quota_is_reported_and_nothing_is_acknowledged(context: BrowserContext, studio_url: str) -> None:
    acks = Acks()
    page = context.new_page()
    acks.attach(page)
    # A site quota of one byte (Chromium applies the override to an origin with no data yet).
    context.new_cdp_session(page).send(
        "Storage.overrideQuotaForOrigin", {"origin": studio_url.rstrip("/"), "quotaSize": 1}
    )
    page.goto(studio_url)
    drag_from_palette(page, "data", 200, 200)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "failed")
    expect(page.get_by_test_id("save-state")).to_have_attribute("title", "the browser storage for this site is full")
    expect(page.locator(".hr-notice--error")).to_contain_text("Not saved")
    with page.expect_download() as download:
        page.get_by_test_id("save-failed-export").click()
    assert download.value.suggested_filename.endswith(".json")
    assert acks.latest == {}
    # The edit is still on the canvas, and the studio keeps working.
    expect(page.locator("[data-node-id]")).to_have_count(1)
    drag_from_palette(page, "script", 500, 200)
    expect(page.locator("[data-node-id]")).to_have_count(2)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "failed")
