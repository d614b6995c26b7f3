"""Take the screenshots in docs/getting-started.md from the real build, so they stay true.

    make screenshots        # builds dist/, then writes docs/img/*.png

Each shot is a step of the getting-started page, clicked through as a user would in
Debian's Chromium: the first-visit screen, an example opened and run with a node's
results open, the debug sidebar, and dark mode. SHOTS names them; tests/docs checks
that the page shows each one and that each file is there.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from browser import ARGS, CHROMIUM, PREVIEW_HEADERS, serve_dist  # noqa: E402

IMAGES = REPO / "docs" / "img"
#: Wide enough for the palette, the canvas and the editor side by side, as on a laptop.
VIEWPORT: ViewportSize = {"width": 1280, "height": 760}
BOOT_TIMEOUT_MS = 180_000


def start_screen(page: Page) -> None:
    expect(page.get_by_test_id("start-screen")).to_be_visible()
    ready = page.get_by_test_id("engine-status")
    expect(ready).to_have_attribute("data-status", "ready", timeout=BOOT_TIMEOUT_MS)


def example_run(page: Page) -> None:
    page.get_by_test_id("start-example-enrich").click()
    expect(page.locator('[data-node-id="invoice"]')).to_be_visible()
    page.get_by_test_id("run-flow").click()
    expect(page.locator('[data-node-id="invoice"]')).to_have_attribute("data-state", "done", timeout=60_000)
    page.locator('[data-node-id="invoice"] .hr-node__name').click()
    page.get_by_test_id("tab-results").click()
    page.mouse.move(0, 0)  # no hover highlight in the picture
    expect(page.locator(".q-notification")).to_have_count(0, timeout=15_000)  # "Opened …" has gone


def debug_sidebar(page: Page) -> None:
    page.keyboard.press("Escape")
    page.get_by_test_id("toggle-debug").click()
    expect(page.get_by_test_id("debug-entry").first).to_be_visible()


def dark_mode(page: Page) -> None:
    page.get_by_test_id("toggle-debug").click()
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("document.body.classList.contains('body--dark')")


#: (file name, the step that sets the view up), in page order; each step goes on from the last.
SHOTS: list[tuple[str, Callable[[Page], None]]] = [
    ("start-screen.png", start_screen),
    ("example-run.png", example_run),
    ("debug-sidebar.png", debug_sidebar),
    ("dark-mode.png", dark_mode),
]


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with serve_dist({}, headers=PREVIEW_HEADERS) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=VIEWPORT, color_scheme="light")
        page.goto(url)
        for name, step in SHOTS:
            step(page)
            page.evaluate("document.activeElement?.blur()")  # no focus ring on the last button pressed
            page.wait_for_timeout(300)  # let transitions (the sidebar sliding in) finish
            page.screenshot(path=str(IMAGES / name))
            print(f"docs/img/{name}")
        browser.close()


if __name__ == "__main__":
    main()
