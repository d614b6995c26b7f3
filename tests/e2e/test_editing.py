"""Editing habits, in Chromium: problems marked on the code's lines (and cleared when
fixed), notices that name nodes by their names, `__all__` and unticked functions, the
keyboard (run, run a node, close the editor, the shortcut sheet) and dark mode."""

from __future__ import annotations

import re

from conftest import TEMPLATES, wait_ready
from helpers import connect, drag_from_palette, import_file, node, open_editor, set_code
from playwright.sync_api import Page, expect

#: A mark CodeMirror's lint puts on a range, and the gutter's sign.
MARK = ".cm-lintRange-error"
SIGN = ".cm-lint-marker-error"


def editor(page: Page):
    return page.get_by_test_id("code-editor")


def marked_line(page: Page):
    """The code editor's lines that carry an error mark."""
    return editor(page).locator(f".cm-line:has({MARK})")


def rename(page: Page, name: str) -> None:
    page.get_by_test_id("node-name").fill(name)


def idle_count(page: Page) -> int:
    return page.evaluate("window.__hr.idle")


def test_a_syntax_error_is_marked_on_its_line_and_goes_when_fixed(studio: Page) -> None:
    script = drag_from_palette(studio, "script", 300, 160)
    set_code(studio, script, "def add(x, y):\n    total = x + y\n    return total +\n")
    expect(marked_line(studio)).to_have_count(1)
    expect(marked_line(studio)).to_have_text("    return total +")
    expect(editor(studio).locator(SIGN)).to_have_count(1)
    # The message below the editor has no JSON path in it.
    expect(studio.get_by_test_id("code-problem")).to_have_text("SyntaxError at line 3: invalid syntax")

    editor(studio).locator(".cm-content").press("End")
    studio.keyboard.insert_text(" 1")
    expect(studio.get_by_test_id("code-problem")).to_have_count(0)
    expect(editor(studio).locator(MARK)).to_have_count(0)
    expect(editor(studio).locator(SIGN)).to_have_count(0)


def test_the_line_an_error_was_raised_at_is_marked_until_the_code_changes(studio: Page) -> None:
    script = drag_from_palette(studio, "script", 300, 160)
    set_code(studio, script, "def boom():\n    x = 0\n    return 1 / x\n")
    expect(node(studio, script).locator('[data-socket="boom"]')).to_be_visible()
    before = idle_count(studio)
    studio.get_by_test_id("run-flow").click()
    studio.wait_for_function(f"window.__hr.idle > {before}")
    expect(node(studio, script)).to_have_attribute("data-state", "error")
    open_editor(studio, script)
    studio.get_by_test_id("tab-code").click()
    expect(marked_line(studio)).to_have_text("    return 1 / x")
    # The mark says what was raised; hovering it shows the message.
    marked_line(studio).locator(MARK).hover()
    expect(studio.locator(".cm-tooltip-lint")).to_contain_text("ZeroDivisionError: division by zero")

    # Once the code is not the code that ran, the run's mark goes.
    editor(studio).locator(".cm-content").press("ControlOrMeta+End")
    studio.keyboard.insert_text("\n")
    expect(editor(studio).locator(MARK)).to_have_count(0)


def test_a_flow_that_cannot_run_names_the_node_and_the_notice_goes_when_fixed(studio: Page) -> None:
    data = drag_from_palette(studio, "data", 120, 120)
    set_code(studio, data, "x = 1\n")
    script = drag_from_palette(studio, "script", 460, 160)
    set_code(studio, script, "def add(x):\n    return x +\n")
    rename(studio, "Adder")
    expect(node(studio, script).locator(".hr-node__name")).to_have_text("Adder")

    studio.get_by_test_id("run-flow").click()
    notice = studio.get_by_test_id("notice-error")
    expect(notice).to_contain_text("The flow cannot run")
    expect(notice).to_contain_text("Adder: SyntaxError at line 2: invalid syntax")
    expect(notice).not_to_contain_text("nodes[")
    messages = studio.get_by_test_id("messages")
    expect(messages).to_contain_text("FlowError: Adder: SyntaxError at line 2")

    # Still broken after an edit: the notice stays.
    editor(studio).locator(".cm-content").press("ControlOrMeta+End")
    studio.keyboard.insert_text("\n")
    studio.wait_for_timeout(800)
    expect(notice).to_be_visible()
    # Fixed: it goes by itself.
    set_code(studio, script, "def add(x):\n    return x + 1\n")
    expect(notice).to_have_count(0)


HELPERS = (
    "def total(xs):\n    return sum(clean(xs))\n\ndef clean(xs, limit=0):\n    return [x for x in xs if x > limit]\n"
)


def test_all_leaves_helper_functions_without_socket_or_ports(studio: Page) -> None:
    script = drag_from_palette(studio, "script", 300, 160)
    set_code(studio, script, HELPERS)
    card = node(studio, script)
    expect(card.locator('[data-port="clean.xs"]')).to_be_visible()
    expect(card.locator('[data-socket="clean"]')).to_be_visible()

    set_code(studio, script, "__all__ = ['total']\n\n" + HELPERS)
    expect(card.locator('[data-port="clean.xs"]')).to_have_count(0)
    expect(card.locator('[data-port="clean.limit"]')).to_have_count(0)
    expect(card.locator('[data-socket="clean"]')).to_have_count(0)
    expect(card.locator('[data-port="total.xs"]')).to_be_visible()
    expect(card.locator('[data-socket="total"]')).to_be_visible()

    # A name __all__ lists that the code lacks is marked on its line.
    set_code(studio, script, "__all__ = ['totl']\n\n" + HELPERS)
    expect(studio.get_by_test_id("code-problem")).to_have_text("__all__ lists 'totl', which the code does not define")
    expect(marked_line(studio)).to_have_text("__all__ = ['totl']")


def test_unticking_a_function_drops_its_socket_ports_and_edges_and_runs_so(studio: Page) -> None:
    data = drag_from_palette(studio, "data", 100, 120)
    set_code(studio, data, "xs = [1, 5, 9]\n")
    script = drag_from_palette(studio, "script", 460, 160)
    set_code(studio, script, HELPERS)
    card = node(studio, script)
    expect(card.locator('[data-port="clean.xs"]')).to_be_visible()
    connect(studio, data, "xs", script, "total.xs")
    connect(studio, data, "xs", script, "clean.xs")
    expect(studio.locator(".hr-edge")).to_have_count(2)

    studio.get_by_test_id("tab-settings").click()
    toggle = studio.get_by_test_id("expose-clean")
    expect(toggle).to_have_attribute("aria-checked", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "false")
    expect(card.locator('[data-port="clean.xs"]')).to_have_count(0)
    expect(card.locator('[data-socket="clean"]')).to_have_count(0)
    expect(card.locator('[data-port="total.xs"]')).to_be_visible()
    # The edge into the hidden function's port went with it; the other stays.
    expect(studio.locator(".hr-edge")).to_have_count(1)
    expect(studio.locator(f'[data-edge="{data}.xs->{script}.total.xs"]')).to_have_count(1)

    studio.get_by_test_id("canvas").click(position={"x": 40, "y": 500})
    before = idle_count(studio)
    studio.keyboard.press("ControlOrMeta+Enter")
    studio.wait_for_function(f"window.__hr.idle > {before}")
    values = studio.evaluate("window.__hr.emits.map(e => [e.node, e.socket, e.value])")
    assert [script, "total", 15] in values
    assert not [v for v in values if v[1] == "clean"], values

    # Ticked again, the socket and its ports come back.
    open_editor(studio, script)
    studio.get_by_test_id("tab-settings").click()
    studio.get_by_test_id("expose-clean").click()
    expect(card.locator('[data-port="clean.xs"]')).to_be_visible()


def test_keyboard_runs_the_flow_and_a_node_closes_the_editor_and_shows_the_sheet(studio: Page) -> None:
    data = drag_from_palette(studio, "data", 100, 120)
    set_code(studio, data, "x = 2\n")
    script = drag_from_palette(studio, "script", 460, 160)
    set_code(studio, script, "def ping():\n    return 'pong'\n")
    expect(node(studio, script).locator('[data-socket="ping"]')).to_be_visible()

    # Ctrl/⌘+Enter in the code editor runs the flow; the text is not changed.
    editor(studio).locator(".cm-content").click()
    before = idle_count(studio)
    studio.keyboard.press("ControlOrMeta+Enter")
    studio.wait_for_function(f"window.__hr.idle > {before}")
    expect(editor(studio).locator(".cm-content")).to_have_text("def ping():    return 'pong'")
    assert {"node": script, "socket": "ping", "value": "pong"} in studio.evaluate(
        "window.__hr.emits.map(e => ({node: e.node, socket: e.socket, value: e.value}))"
    )

    # Typing `?` or Shift+Enter in the code editor is typing.
    studio.keyboard.press("?")
    expect(studio.get_by_test_id("shortcut-sheet")).to_have_count(0)
    expect(editor(studio).locator(".cm-content")).to_contain_text("'pong'?")
    studio.keyboard.press("Backspace")
    # Esc in the code editor closes the editor.
    studio.keyboard.press("Escape")
    expect(studio.get_by_test_id("node-editor")).to_have_count(0)

    # Shift+Enter runs the selected node only.
    studio.evaluate("window.__hr.emits = []")
    node(studio, data).locator(".hr-node__name").click()
    studio.keyboard.press("Escape")  # closes the editor, and clears the selection
    expect(studio.get_by_test_id("node-editor")).to_have_count(0)
    node(studio, data).locator(".hr-node__header").click()
    expect(node(studio, data)).to_have_class(re.compile("hr-node--selected"))
    before = idle_count(studio)
    studio.keyboard.press("Shift+Enter")
    studio.wait_for_function(f"window.__hr.idle > {before}")
    sent = studio.evaluate("window.__hr.emits.map(e => e.node)")
    assert sent and set(sent) == {data}, sent

    # Esc in the name field closes the editor too.
    open_editor(studio, script)
    studio.get_by_test_id("node-name").click()
    studio.keyboard.press("Escape")
    expect(studio.get_by_test_id("node-editor")).to_have_count(0)

    # `?` on the canvas opens the sheet; Esc closes it.
    studio.get_by_test_id("canvas").click(position={"x": 40, "y": 500})
    studio.keyboard.press("?")
    sheet = studio.get_by_test_id("shortcut-sheet")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text("Run the selected node")
    studio.keyboard.press("Escape")
    expect(sheet).to_have_count(0)
    # The toolbar's keyboard button opens it too.
    studio.get_by_test_id("shortcuts").click()
    expect(sheet).to_be_visible()
    studio.keyboard.press("Escape")
    expect(sheet).to_have_count(0)

    # After a click on a toolbar button (it keeps the focus), Ctrl/⌘+Enter runs the flow
    # rather than pressing that button again.
    debug = studio.get_by_test_id("toggle-debug")
    debug.click()
    expect(studio.get_by_test_id("debug-sidebar")).to_be_visible()
    before = idle_count(studio)
    studio.keyboard.press("ControlOrMeta+Enter")
    studio.wait_for_function(f"window.__hr.idle > {before}")
    expect(studio.get_by_test_id("debug-sidebar")).to_be_visible()
    debug.click()


def test_a_paste_leaves_the_originals_dots_free_and_the_editor_follows_it(studio: Page) -> None:
    script = drag_from_palette(studio, "script", 300, 160)
    set_code(studio, script, "def double(x):\n    return x * 2\n")
    original = node(studio, script)
    expect(original.locator('[data-socket="double"]')).to_be_visible()
    rename(studio, "Doubler")
    # Pressing the card, straight from typing its name, gives the keys to the canvas.
    original.locator(".hr-node__name").click()
    studio.keyboard.press("ControlOrMeta+c")
    studio.keyboard.press("ControlOrMeta+v")
    studio.keyboard.press("ControlOrMeta+v")
    cards = studio.locator("[data-node-id]")
    expect(cards).to_have_count(3)
    # The editor moved to the last copy, as the selection did.
    expect(studio.get_by_test_id("node-name")).to_have_value("Doubler copy 2")
    # Every socket and port dot of every card is in view (the canvas panned no more than
    # it had to, to show the copy) and on top, where it can be wired.
    hidden = studio.evaluate("""() => [...document.querySelectorAll('[data-socket], [data-port]')].filter((dot) => {
        const r = dot.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !(top && top.closest('[data-node-id]') === dot.closest('[data-node-id]'));
    }).map((dot) => dot.closest('[data-node-id]').dataset.nodeId + ':' + (dot.dataset.socket || dot.dataset.port))""")
    assert hidden == []


def test_dark_mode_follows_the_system_and_the_toggle_is_kept(fresh_studio: Page) -> None:
    page = fresh_studio
    body = page.locator("body")
    toggle = page.get_by_test_id("dark-mode")
    page.emulate_media(color_scheme="light")
    expect(toggle).to_have_attribute("data-theme", "auto")
    expect(body).not_to_have_class(re.compile("body--dark"))
    page.emulate_media(color_scheme="dark")
    expect(body).to_have_class(re.compile("body--dark"))

    # The cards and the code editor are drawn dark too.
    script = drag_from_palette(page, "script", 300, 160)
    set_code(page, script, "def f(x):\n    return x\n")
    card_bg = node(page, script).evaluate("e => getComputedStyle(e).backgroundColor")
    code_bg = editor(page).locator(".cm-editor").evaluate("e => getComputedStyle(e).backgroundColor")
    canvas_bg = page.get_by_test_id("canvas").evaluate("e => getComputedStyle(e).backgroundColor")
    for what, colour in (("card", card_bg), ("code editor", code_bg), ("canvas", canvas_bg)):
        rgb = [int(c) for c in re.findall(r"\d+", colour)[:3]]
        assert sum(rgb) < 3 * 80, f"the {what} is not dark in dark mode: {colour}"

    # auto -> light -> dark -> auto; the choice is kept over a reload.
    toggle.click()
    expect(toggle).to_have_attribute("data-theme", "light")
    expect(body).not_to_have_class(re.compile("body--dark"))
    toggle.click()
    expect(toggle).to_have_attribute("data-theme", "dark")
    page.emulate_media(color_scheme="light")
    expect(body).to_have_class(re.compile("body--dark"))
    page.reload()
    wait_ready(page)
    expect(page.get_by_test_id("dark-mode")).to_have_attribute("data-theme", "dark")
    expect(body).to_have_class(re.compile("body--dark"))


def test_messages_newest_at_the_bottom_resizable_and_stop_looks_disabled(studio: Page) -> None:
    stop = studio.get_by_test_id("stop-flow")
    expect(stop).to_be_disabled()
    idle_colour = stop.evaluate("e => getComputedStyle(e).color")
    assert [int(c) for c in re.findall(r"\d+", idle_colour)[:3]] == [158, 158, 158], idle_colour

    script = drag_from_palette(studio, "script", 300, 160)
    set_code(studio, script, "def tick():\n    return 1\n")
    expect(node(studio, script).locator('[data-socket="tick"]')).to_be_visible()
    before = idle_count(studio)
    studio.get_by_test_id("run-flow").click()
    studio.wait_for_function(f"window.__hr.idle > {before}")
    lines = studio.get_by_test_id("messages-list").locator(".hr-msg")
    expect(lines.first).to_contain_text("Run started")
    expect(lines.last).to_contain_text("Idle: 1 value(s), 0 error(s)")
    expect(lines.last).to_contain_text("after the run started")
    # A live run can be stopped: Stop is red then.
    expect(stop).to_be_enabled()
    assert stop.evaluate("e => getComputedStyle(e).color") != idle_colour

    # The top edge drags: the panel grows, and the height is kept in the settings.
    panel = studio.get_by_test_id("messages")
    height = panel.bounding_box()["height"]
    grip = studio.get_by_test_id("messages-resize").bounding_box()
    x, y = grip["x"] + 200, grip["y"] + grip["height"] / 2
    studio.mouse.move(x, y)
    studio.mouse.down()
    studio.mouse.move(x, y - 60, steps=4)
    studio.mouse.move(x, y - 120, steps=4)
    studio.mouse.up()
    grown = panel.bounding_box()["height"]
    expect(lines.last).to_be_in_viewport()
    assert abs(grown - (height + 120)) <= 2, (height, grown)
    assert studio.evaluate("JSON.parse(localStorage.getItem('headrace.settings')).bottomPanelHeight") == round(grown)
    # The canvas got smaller, not covered: the footer is part of the layout.
    canvas = studio.get_by_test_id("canvas").bounding_box()
    assert canvas["y"] + canvas["height"] <= panel.bounding_box()["y"] + 2


def test_a_schedule_firing_every_second_keeps_to_one_idle_line(studio: Page) -> None:
    import_file(studio, str(TEMPLATES / "schedule.json"))
    expect(studio.get_by_test_id("notice-success")).to_contain_text("Opened")
    before = idle_count(studio)
    studio.get_by_test_id("run-flow").click()
    # The heartbeat fires every second: wait for three idles after the first.
    studio.wait_for_function(f"window.__hr.idle >= {before + 4}", timeout=30_000)
    studio.get_by_test_id("stop-flow").click()
    lines = studio.get_by_test_id("messages-list").locator(".hr-msg")
    expect(lines.last).to_contain_text("Run stopped")
    idles = lines.filter(has_text="Idle:")
    expect(idles).to_have_count(1)
    repeats = idles.get_by_test_id("message-repeats")
    expect(repeats).to_have_text(re.compile(r"×\d+"))
    assert int(repeats.inner_text().lstrip("×")) >= 4
