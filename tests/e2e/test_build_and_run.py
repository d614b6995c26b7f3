"""Draw a flow from the palette, connect it, run it, see the result."""

from playwright.sync_api import Page, expect

from helpers import connect, drag_from_palette, emits, node, run_and_wait_idle, set_code


def test_draw_connect_run(studio: Page) -> None:
    data = drag_from_palette(studio, "data", 120, 120)
    set_code(studio, data, "x = 20\n")
    script = drag_from_palette(studio, "script", 520, 160)
    set_code(studio, script, "def double(x):\n    print('doubling', x)\n    return x * 2\n")
    # The ports follow the code once the engine has inspected it.
    expect(node(studio, script).locator('[data-port="double.x"]')).to_be_visible()
    expect(node(studio, data).locator('[data-socket="x"]')).to_be_visible()
    connect(studio, data, "x", script, "double.x")
    expect(studio.locator(".hr-edge")).to_have_count(1)

    run_and_wait_idle(studio)

    assert {"node": script, "socket": "double", "value": 40} in emits(studio)
    expect(node(studio, script)).to_have_attribute("data-state", "done")
    expect(studio.get_by_test_id(f"count-{script}-double")).to_have_text("1")
    # The console shows the node's print.
    studio.get_by_test_id("tab-console").click()
    expect(studio.get_by_test_id("node-console")).to_contain_text("doubling 20")
