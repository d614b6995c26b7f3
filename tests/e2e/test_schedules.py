"""Schedules in the studio: the Schedule table checks expressions with the engine as you
type; a scheduled socket fires on the canvas with a clock badge; Stop halts it; when two
tabs run the same flow, its schedules fire in one of them only."""

from conftest import RECORD_EVENTS, TEMPLATES, _screenshot, wait_ready
from helpers import drag_from_palette, emits, import_file, node, open_editor, set_code
from playwright.sync_api import Page, expect


def beats(page: Page, node_id: str) -> int:
    return len([e for e in emits(page) if e["node"] == node_id])


def test_schedule_table_validates_and_fires(studio: Page) -> None:
    data = drag_from_palette(studio, "data", 140, 140)
    set_code(studio, data, "beat = 'thump'\n")
    expect(node(studio, data).locator('[data-socket="beat"]')).to_be_visible()
    open_editor(studio, data)
    studio.get_by_test_id("tab-settings").click()
    field = studio.get_by_test_id("cron-beat")

    # A bad expression gets the engine's own message under the field.
    field.fill("*/61 * * * * *")
    expect(studio.get_by_test_id("cron-error-beat")).to_contain_text(
        "invalid cron '*/61 * * * * *': step 61 is out of range for the second field"
    )
    # A good one: its reading and the next three fire times.
    field.fill("*/1 * * * * *")
    expect(studio.get_by_test_id("cron-explain-beat")).to_contain_text("Every second")
    expect(studio.get_by_test_id("cron-next-beat").locator(".hr-schedule__time")).to_have_count(3)
    expect(studio.get_by_test_id("cron-error-beat")).to_have_count(0)
    # The canvas shows the socket is scheduled; the switch turns it off and on again.
    expect(studio.get_by_test_id(f"schedule-{data}-beat")).to_have_attribute("data-tone", "idle")
    studio.get_by_test_id("cron-enabled-beat").click()
    expect(studio.get_by_test_id(f"schedule-{data}-beat")).to_have_attribute("data-tone", "off")
    studio.get_by_test_id("cron-enabled-beat").click()
    expect(studio.get_by_test_id(f"schedule-{data}-beat")).to_have_attribute("data-tone", "idle")

    # Run Flow starts the schedule: at least 3 fires in 4 seconds, counted on the canvas.
    studio.get_by_test_id("run-flow").click()
    studio.wait_for_timeout(4000)
    fired = beats(studio, data)
    assert fired >= 3, fired
    badge = studio.get_by_test_id(f"schedule-{data}-beat")
    expect(badge).to_have_attribute("data-tone", "normal")
    expect(studio.get_by_test_id(f"next-{data}-beat")).to_contain_text("in ")
    fires = int(studio.get_by_test_id(f"fires-{data}-beat").inner_text())
    assert fires >= 2, fires  # Run's own trigger is not a schedule fire
    expect(studio.get_by_test_id(f"count-{data}-beat")).to_have_text(str(beats(studio, data)), timeout=1500)
    _screenshot(studio, "schedule_running")

    # Stop halts it: nothing fires in the next 2 seconds, and the countdown is gone.
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    after_stop = beats(studio, data)
    studio.wait_for_timeout(2000)
    assert beats(studio, data) == after_stop
    expect(studio.get_by_test_id(f"next-{data}-beat")).to_have_count(0)


def test_two_tabs_fire_schedules_once(studio: Page, studio_url: str) -> None:
    import_file(studio, str(TEMPLATES / "schedule.json"))
    expect(node(studio, "heart").locator('[data-socket="beat"]')).to_be_visible()
    studio.wait_for_timeout(1000)  # autosave: the second tab restores the same flow

    other = studio.context.new_page()
    try:
        other.add_init_script(RECORD_EVENTS)
        other.goto(studio_url)
        wait_ready(other)
        expect(node(other, "heart").locator('[data-socket="beat"]')).to_be_visible()

        studio.get_by_test_id("run-flow").click()
        expect(studio.get_by_test_id("schedule-heart-beat")).to_have_attribute("data-tone", "normal")
        other.get_by_test_id("run-flow").click()
        expect(other.get_by_test_id("schedules-elsewhere")).to_contain_text(
            "Schedules of this flow are running in another tab"
        )
        other.wait_for_timeout(3000)
        # The first tab fires every second; the second ran the sources once and fires nothing.
        assert beats(studio, "heart") >= 3
        assert beats(other, "heart") == 1
        expect(other.get_by_test_id("messages")).to_contain_text("Schedules of this flow are running in another tab")
        _screenshot(other, "schedules_in_another_tab")
        other.get_by_test_id("stop-flow").click()
        studio.get_by_test_id("stop-flow").click()
        expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    finally:
        other.close()
