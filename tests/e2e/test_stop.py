"""Stop halts node code that never yields, and the studio survives it: the results already
shown stay, the flow and the other tabs are untouched, and Python is ready again.

Two ways, as users meet them: a plain static host (no isolation headers), where Stop
restarts the engine's worker; and a cross-origin isolated page (COOP/COEP, as `make studio`
serves it), where Stop first raises KeyboardInterrupt through Pyodide's interrupt buffer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import BOOT_TIMEOUT_MS, TEMPLATES, cli_emits, ready_studio
from helpers import emits_until_idle, import_file, node, reset_events, run_and_wait_idle
from playwright.sync_api import Browser, Page, expect
from test_running import edge, write_flow

RESTARTED = "Python was restarted to stop it"

# Each awaits first, as real nodes do (a fetch, a sleep): the UI has shown Echo's result
# and Spin running before Spin's body takes the worker and never gives it back. (Three
# seconds: on a loaded machine, just after a restart, 0.3 s once ended before Echo's value
# was out, and once in CI so did 1 s.)
PREFIX = "import asyncio, time\n\nasync def spin(n):\n    await asyncio.sleep(3)\n"
RUNAWAYS = {
    "while-true": PREFIX + "    while True:\n        pass\n",
    "recursion": PREFIX
    + "    def fan(k):\n        return 1 if k == 0 else fan(k - 1) + fan(k - 1)\n    return fan(n + 60)\n",
    "c-loop": PREFIX + "    return sum(range(10**15))\n",
    "sleep": PREFIX + "    time.sleep(10**6)\n",
}


ECHO = "def echo(n):\n    print('echoed', n)\n    return n\n"


def runaway_flow(tmp_path: Path, name: str, code: str) -> str:
    return write_flow(
        tmp_path,
        f"Runaway {name}",
        [
            {"id": "n", "type": "data", "name": "N", "code": "n = 1\n"},
            {"id": "echo", "type": "script", "name": "Echo", "code": ECHO},
            {"id": "spin", "type": "script", "name": "Spin", "code": code},
        ],
        # Echo first: its result is on screen before Spin starts and must survive the stop.
        [edge("n", "n", "echo", "echo.n"), edge("n", "n", "spin", "spin.n")],
    )


def stop_runaway(page: Page, tmp_path: Path, name: str) -> None:
    import_file(page, runaway_flow(tmp_path, name, RUNAWAYS[name]))
    expect(node(page, "spin")).to_be_visible()
    page.get_by_test_id("run-flow").click()
    expect(page.get_by_test_id("count-echo-echo")).to_have_text("1", timeout=30_000)
    expect(node(page, "spin")).to_have_attribute("data-state", "running")
    page.wait_for_timeout(4000)  # Spin is past its await, in code that never yields

    page.get_by_test_id("stop-flow").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Run stopped", timeout=10_000)
    expect(page.get_by_test_id("stop-flow")).to_be_disabled()
    expect(node(page, "spin")).not_to_have_attribute("data-state", "running")
    # What was shown stays shown; the flow is as it was.
    expect(page.get_by_test_id("count-echo-echo")).to_have_text("1")
    assert page.locator("[data-node-id]").count() == 3
    # Python is back (after a restart, in a new worker) and runs flows again.
    expect(page.get_by_test_id("engine-status")).to_have_attribute("data-status", "ready", timeout=BOOT_TIMEOUT_MS)


def run_hello(page: Page) -> list[dict[str, Any]]:
    import_file(page, str(TEMPLATES / "hello.json"))
    expect(node(page, "greet")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page)
    return emits_until_idle(page)


# Each kind of runaway code once, each way of stopping it at least once (a Python boot
# per restart keeps the matrix small): a plain host restarts the worker; an isolated page
# interrupts in place, and restarts what an interrupt cannot reach (a C loop).
@pytest.mark.parametrize("name", ["while-true", "sleep"])
def test_stop_restarts_python_on_a_plain_host(studio: Page, tmp_path: Path, name: str) -> None:
    assert studio.evaluate("crossOriginIsolated") is False
    stop_runaway(studio, tmp_path, name)
    expect(studio.get_by_test_id("messages")).to_contain_text(RESTARTED)
    assert run_hello(studio) == cli_emits(TEMPLATES / "hello.json")


@pytest.fixture(scope="module")
def isolated(browser: Browser, isolated_studio_url: str, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """The studio on a host sending COOP/COEP, as `make studio` serves it."""
    yield from ready_studio(browser, isolated_studio_url, browser_context_args)


@pytest.mark.parametrize("name", ["recursion"])
def test_stop_interrupts_python_in_an_isolated_page(isolated: Page, tmp_path: Path, name: str) -> None:
    assert isolated.evaluate("crossOriginIsolated") is True
    isolated.get_by_test_id("new-flow").click()
    stop_runaway(isolated, tmp_path, name)
    # Interrupted in place: the same Python, not a new one; the node is stopped, not failed.
    expect(isolated.get_by_test_id("messages")).not_to_contain_text(RESTARTED)
    expect(node(isolated, "spin")).to_have_attribute("data-state", "stopped")
    expect(isolated.get_by_test_id("messages")).not_to_contain_text("KeyboardInterrupt")
    expect(isolated.get_by_test_id("count-spin-error")).to_have_count(0)
    assert run_hello(isolated) == cli_emits(TEMPLATES / "hello.json")


def test_a_c_level_loop_is_restarted_even_when_isolated(isolated: Page, tmp_path: Path) -> None:
    isolated.get_by_test_id("new-flow").click()
    stop_runaway(isolated, tmp_path, "c-loop")
    expect(isolated.get_by_test_id("messages")).to_contain_text(RESTARTED)
    assert run_hello(isolated) == cli_emits(TEMPLATES / "hello.json")
