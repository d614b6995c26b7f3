"""Run Flow on a backend: a real `headrace serve` in a subprocess, the studio in Chromium
hands it flows and shows their results; a wrong token and an unreachable server each get
their message; a reopened studio re-attaches to a live backend run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import RECORD_EVENTS, REPO, TEMPLATES, _screenshot, cli_emits, dismiss_notices, wait_ready
from helpers import emits_until_idle, import_file, node, reset_events, run_and_wait_idle
from playwright.sync_api import Page, expect

FLOWS = sorted(TEMPLATES.glob("*.json"))


@dataclass
class Backend:
    url: str
    token: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def backend(studio_url: str) -> Iterator[Backend]:
    """`headrace serve` on a free loopback port, allowing the static server's origin."""
    port, token = free_port(), "e2e-token-7f3a"
    origin = studio_url.rstrip("/")
    python = os.environ.get("HEADRACE_PYTHON", sys.executable)
    env = {**os.environ, "PYTHONPATH": str(REPO / "py")}
    env.pop("HEADRACE_TOKEN", None)
    args = ["-m", "headrace", "serve", "--port", str(port), "--token", token, "--allow-origin", origin]
    proc = subprocess.Popen([python, *args], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            request = urllib.request.Request(f"{url}/api/health", headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=2) as answer:
                assert json.load(answer)["ok"]
            break
        except (urllib.error.URLError, ConnectionError) as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                stderr = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"headrace serve did not start: {stderr}") from exc
            time.sleep(0.2)
    yield Backend(url, token)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def set_backend(page: Page, url: str, token: str) -> None:
    """Run Flow ▸ Backend URL and token…: target On backend, URL and token, Save."""
    page.get_by_test_id("run-target").click()
    page.get_by_test_id("target-settings").click()
    dialog = page.get_by_test_id("run-target-dialog")
    dialog.get_by_text("On backend").click()
    page.get_by_test_id("backend-url").fill(url)
    page.get_by_test_id("backend-token").fill(token)
    page.get_by_test_id("run-target-save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("run-flow")).to_have_attribute("data-target", "backend")


@pytest.fixture(scope="module")
def expected() -> dict[str, list]:
    return {flow.name: cli_emits(flow) for flow in FLOWS}


def test_backend_runs_templates_like_the_cli(studio: Page, backend: Backend, expected: dict[str, list]) -> None:
    studio.get_by_test_id("run-target").click()
    studio.get_by_test_id("target-settings").click()
    studio.get_by_test_id("run-target-dialog").get_by_text("On backend").click()
    studio.get_by_test_id("backend-url").fill(backend.url)
    studio.get_by_test_id("backend-token").fill(backend.token)
    studio.get_by_test_id("backend-test").click()
    expect(studio.get_by_test_id("backend-test-result")).to_contain_text("Connected")
    studio.get_by_test_id("run-target-save").click()
    expect(studio.get_by_test_id("run-flow")).to_contain_text("Run on backend")

    for flow in FLOWS:
        import_file(studio, str(flow))
        name = json.loads(flow.read_text())["name"]
        expect(studio.locator(".q-tab--active")).to_contain_text(name)
        studio.wait_for_function("document.querySelectorAll('[data-node-id]').length > 0")
        reset_events(studio)
        run_and_wait_idle(studio)
        assert emits_until_idle(studio) == expected[flow.name], flow.name
        if flow.name == "hello.json":
            expect(node(studio, "greet")).to_have_attribute("data-state", "done")
            expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")
            _screenshot(studio, "backend_hello")
        studio.get_by_test_id("stop-flow").click()
        expect(studio.get_by_test_id("stop-flow")).to_be_disabled()


def test_wrong_token_and_unreachable_backend(studio: Page, backend: Backend) -> None:
    import_file(studio, str(TEMPLATES / "hello.json"))
    expect(node(studio, "greet")).to_be_visible()

    set_backend(studio, backend.url, "not-the-token")
    studio.get_by_test_id("run-flow").click()
    expect(studio.locator(".hr-notice--error").last).to_contain_text("refused the token (401)")
    expect(studio.get_by_test_id("messages")).to_contain_text("refused the token (401)")
    dismiss_notices(studio)

    nowhere = f"http://127.0.0.1:{free_port()}"
    set_backend(studio, nowhere, backend.token)
    studio.get_by_test_id("run-flow").click()
    expect(studio.locator(".hr-notice--error").last).to_contain_text(
        f"Cannot reach the backend at {nowhere}: is `headrace serve` running?"
    )
    _screenshot(studio, "backend_unreachable")
    dismiss_notices(studio)


def test_reopened_studio_reattaches_to_a_live_backend_run(studio: Page, backend: Backend, studio_url: str) -> None:
    set_backend(studio, backend.url, backend.token)
    import_file(studio, str(TEMPLATES / "schedule.json"))
    expect(node(studio, "heart").locator('[data-socket="beat"]')).to_be_visible()
    studio.get_by_test_id("run-flow").click()
    studio.wait_for_function("window.__hr.emits.filter(e => e.node === 'heart').length >= 2", timeout=15_000)
    studio.wait_for_timeout(800)  # autosave: the flow and the session reach IndexedDB

    # A second studio (same browser profile) opens the same flow and shows its live run.
    other = studio.context.new_page()
    try:
        other.add_init_script(RECORD_EVENTS)
        other.goto(studio_url)
        wait_ready(other)
        expect(other.get_by_test_id("schedule-heart-beat")).to_have_attribute("data-tone", "normal", timeout=15_000)
        other.wait_for_function("window.__hr.emits.filter(e => e.node === 'heart').length >= 3", timeout=10_000)
        # The replay is folded into a fresh view: counts are the run's, not doubled.
        seen = other.evaluate("window.__hr.emits.filter(e => e.node === 'heart').length")
        shown = int(other.get_by_test_id("count-heart-beat").inner_text())
        assert abs(shown - seen) <= 1, (shown, seen)
        _screenshot(other, "backend_reattached")
        other.get_by_test_id("stop-flow").click()
        expect(other.get_by_test_id("messages")).to_contain_text("Run stopped")
    finally:
        other.close()
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled(timeout=10_000)
    studio.get_by_test_id("run-target").click()
    studio.get_by_test_id("target-browser").click()
