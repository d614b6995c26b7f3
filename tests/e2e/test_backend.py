"""Run Flow on a backend: a real `headrace serve` in a subprocess, the studio in Chromium
hands it flows and shows their results; a wrong token, an unreachable server and a server
that does not allow the studio's origin each get their message; a reopened studio
re-attaches to a live backend run; a backend that stops, or dies and comes back, leaves
the run shown as it was, saying once that it ended with it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import (
    OFFLINE_TEMPLATES,
    RECORD_EVENTS,
    REPO,
    TEMPLATES,
    _screenshot,
    cli_emits,
    dismiss_notices,
    wait_ready,
)
from helpers import assert_emits_like_cli, emits_until_idle, import_file, node, reset_events, run_and_wait_idle
from playwright.sync_api import Page, expect

FLOWS = OFFLINE_TEMPLATES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Backend:
    """`headrace serve` on a loopback port, allowing `origin`; it can be stopped and
    started again on the same port."""

    origin: str
    port: int = field(default_factory=free_port)
    token: str = "e2e-token-7f3a"
    process: subprocess.Popen[bytes] | None = None
    #: Its user state directory, where it keeps its run history by default (the test's own).
    state: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="headrace-e2e-state-"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Backend:
        python = os.environ.get("HEADRACE_PYTHON", sys.executable)
        # The token in the environment: on the command line every user could read it.
        env = {**os.environ, "PYTHONPATH": str(REPO / "py"), "HEADRACE_TOKEN": self.token, "XDG_STATE_HOME": self.state}
        args = ["-m", "headrace", "serve", "--port", str(self.port), "--allow-origin", self.origin]
        self.process = subprocess.Popen(
            [python, *args], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(
                    f"{self.url}/api/health", headers={"Authorization": f"Bearer {self.token}"}
                )
                with urllib.request.urlopen(request, timeout=2) as answer:
                    assert json.load(answer)["ok"]
                return self
            except (urllib.error.URLError, ConnectionError) as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                    raise RuntimeError(f"headrace serve did not start: {stderr}") from exc
                time.sleep(0.2)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process is None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture(scope="module")
def backend(studio_url: str) -> Iterator[Backend]:
    """`headrace serve` on a free loopback port, allowing the static server's origin."""
    server = Backend(studio_url.rstrip("/")).start()
    yield server
    server.stop()


@pytest.fixture
def own_backend(studio_url: str) -> Iterator[Backend]:
    """A backend of the test's own, to stop and start again."""
    server = Backend(studio_url.rstrip("/")).start()
    yield server
    server.stop()


def set_backend(page: Page, url: str, token: str) -> None:
    """Run Flow ▸ Packages, backend URL and token…: target On backend, URL and token, Save."""
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
        try:
            assert_emits_like_cli(emits_until_idle(studio), expected[flow.name], flow)
            if flow.name == "hello.json":
                expect(node(studio, "greet")).to_have_attribute("data-state", "done")
                expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")
                _screenshot(studio, "backend_hello")
        finally:
            # Stopped even when a check failed: a live run (a schedule's) on the module's
            # backend would be re-attached to, and counted, by the tests after this one.
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


def test_a_backend_that_refuses_the_studios_origin_says_how_to_allow_it(studio: Page, studio_url: str) -> None:
    other = Backend("http://studio.example.org").start()
    try:
        origin = studio_url.rstrip("/")
        import_file(studio, str(TEMPLATES / "hello.json"))
        expect(node(studio, "greet")).to_be_visible()
        set_backend(studio, other.url, other.token)
        studio.get_by_test_id("run-flow").click()
        expect(studio.locator(".hr-notice--error").last).to_contain_text(
            f"The backend at {other.url} is running but refuses this page's origin, {origin}: "
            f"start it with `headrace serve --allow-origin {origin}`"
        )
        _screenshot(studio, "backend_origin_refused")
        dismiss_notices(studio)
    finally:
        other.stop()
        studio.get_by_test_id("run-target").click()
        studio.get_by_test_id("target-browser").click()


def messages(page: Page) -> str:
    return page.get_by_test_id("messages").inner_text()


def test_a_backend_that_stops_mid_run_says_so_and_keeps_the_view(studio: Page, own_backend: Backend) -> None:
    set_backend(studio, own_backend.url, own_backend.token)
    import_file(studio, str(TEMPLATES / "hello.json"))
    expect(node(studio, "greet")).to_be_visible()
    run_and_wait_idle(studio)
    expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")
    own_backend.stop(signal.SIGINT)  # Ctrl-C: the server tells its viewers, then goes
    expect(studio.get_by_test_id("messages")).to_contain_text("Run stopped: the server shut down")
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")
    expect(studio.get_by_test_id("connection-note")).to_have_count(0)
    expect(studio.locator(".hr-notice--error")).to_have_count(0)
    own_backend.start()
    run_and_wait_idle(studio)
    expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")
    assert "the server shut down" not in messages(studio), "the new run starts with a clean slate"
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    studio.get_by_test_id("run-target").click()
    studio.get_by_test_id("target-browser").click()


def test_a_backend_that_dies_and_comes_back_ends_the_run_plainly(studio: Page, own_backend: Backend) -> None:
    set_backend(studio, own_backend.url, own_backend.token)
    import_file(studio, str(TEMPLATES / "hello.json"))
    expect(node(studio, "greet")).to_be_visible()
    run_and_wait_idle(studio)
    expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")

    own_backend.stop(signal.SIGKILL)  # no goodbye: the studio reconnects
    note = studio.get_by_test_id("connection-note")
    expect(note).to_be_visible()
    expect(note).to_have_attribute("aria-label", re.compile(r"^Connection to the backend lost: reconnecting in"))
    note.hover()
    expect(studio.locator(".q-tooltip")).to_contain_text("Connection to the backend lost: reconnecting in")
    # The note does not squeeze the flow tabs: the active one stays in view, whole.
    active = studio.locator(".q-tab--active")
    expect(active).to_be_visible()
    box, bar = active.bounding_box(), studio.locator(".hr-tabs .q-tabs__content").bounding_box()
    assert box and bar and bar["x"] - 1 <= box["x"] and box["x"] + box["width"] <= bar["x"] + bar["width"] + 1
    _screenshot(studio, "backend_connection_lost")

    own_backend.start()  # a new server, which never heard of the run
    expect(note).to_have_count(0, timeout=20_000)
    expect(studio.get_by_test_id("messages")).to_contain_text("Run stopped: the backend stopped, and its run with it")
    expect(studio.locator(".hr-notice--warning").last).to_contain_text("The backend stopped, and its run with it")
    text = messages(studio)
    assert text.count("its run with it") == 1 and text.count("lost the connection") == 1, text
    assert "Reconnected" not in text and "4404" not in text, text
    expect(studio.locator(".hr-notice--error")).to_have_count(0)
    expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")  # what was shown stays
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    _screenshot(studio, "backend_run_ended_with_it")

    run_and_wait_idle(studio)  # a new run: nothing of the old one's ending
    assert "its run with it" not in messages(studio)
    expect(note).to_have_count(0)
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    studio.get_by_test_id("run-target").click()
    studio.get_by_test_id("target-browser").click()


def test_the_backends_run_history_is_listed_and_a_run_of_it_opens_as_it_ran(studio: Page, backend: Backend) -> None:
    set_backend(studio, backend.url, backend.token)
    import_file(studio, str(REPO / "templates" / "flows" / "hello.json"))
    run_and_wait_idle(studio)
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()
    studio.get_by_test_id("open-runs").click()
    studio.get_by_test_id("runs-source-backend").click()
    # The backend recorded it (into its history file, beside its state), done.
    row = studio.get_by_test_id("runs-panel").get_by_test_id("run-row").first
    expect(row).to_have_attribute("data-state", "success", timeout=15_000)
    expect(row.get_by_test_id("run-trigger")).to_have_text("Run Flow")
    assert (Path(backend.state) / "headrace" / "runs.db").exists()
    row.click()
    studio.get_by_test_id("runs-close").click()
    expect(studio.get_by_test_id("past-run-bar")).to_be_visible()
    expect(studio.get_by_test_id("count-greet-greet")).to_have_text("1")
    studio.locator('[data-node-id="greet"] .hr-node__name').click()
    studio.get_by_test_id("tab-results").click()
    expect(studio.get_by_test_id("node-editor")).to_contain_text("Hello, world!")
    studio.keyboard.press("Escape")
    studio.get_by_test_id("past-run-close").click()
    studio.get_by_test_id("run-target").click()
    studio.get_by_test_id("target-browser").click()
