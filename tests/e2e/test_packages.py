"""A flow's requirements in the browser: Pyodide's packages from a package base URL on a
second origin, the plain message of each kind of failure, and the suggestions.

The second origin (another 127.0.0.1 port) is laid out as Pyodide's distribution is — a
`pyodide-lock.json` naming a pure-Python wheel built here, with its sha256 — and also
serves a PEP 503 index (`simple/`) standing in for PyPI: a package with only a compiled
wheel, and one whose index "server" drops the connection, as a dead one does. Nothing
here reaches the internet: the studio is set to these two URLs before it boots.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DIST, RECORD_EVENTS, _screenshot, dismiss_notices, wait_ready
from helpers import import_file, node
from playwright.sync_api import Browser, Page, expect

FAKE = "hrfake"
FAKE_CODE = 'def shout(text):\n    return text.upper() + "!"\n'
#: Only a compiled wheel for Linux: no pure-Python one, and not in the lock file.
COMPILED = "hr-compiled"
#: Its index page cannot be fetched at all (the connection drops).
UNREACHABLE = "hr-unreachable"
#: Listed in the lock file, but its file is not on the server (which is up).
ABSENT = "hrabsent"


def build_wheel(folder: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """A minimal pure-Python wheel (METADATA, WHEEL, RECORD), as pip would accept it."""
    dist_info = f"{name}-{version}.dist-info"
    entries = {
        **files,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: headrace-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{path},,\n" for path in entries) + f"{dist_info}/RECORD,,\n"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, text in {**entries, f"{dist_info}/RECORD": record}.items():
            wheel.writestr(member, text)
    return path


def lock_entry(name: str, version: str, file_name: str, sha256: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "file_name": file_name,
        "install_dir": "site",
        "sha256": sha256,
        "package_type": "package",
        "imports": [name],
        "depends": [],
        "unvendored_tests": False,
    }


def package_set(root: Path) -> None:
    """The second origin's files: a distribution's layout, and an index."""
    wheel = build_wheel(root, FAKE, "1.0", {f"{FAKE}/__init__.py": FAKE_CODE})
    ours = json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())
    lock = {
        "info": ours["info"],
        "packages": {
            FAKE: lock_entry(FAKE, "1.0", wheel.name, hashlib.sha256(wheel.read_bytes()).hexdigest()),
            ABSENT: lock_entry(ABSENT, "1.0", f"{ABSENT}-1.0-py3-none-any.whl", "0" * 64),
        },
    }
    (root / "pyodide-lock.json").write_text(json.dumps(lock))
    compiled = "hr_compiled-1.0-cp314-cp314-manylinux_2_17_x86_64.whl"
    (root / compiled).write_bytes(b"not really a wheel")
    (root / "simple" / COMPILED).mkdir(parents=True)
    (root / "simple" / COMPILED / "index.html").write_text(
        f'<!DOCTYPE html><a href="../../{compiled}">{compiled}</a>\n'
    )


class _PackageHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with CORS (the studio's worker reads them cross-origin); the
    unreachable package's index page drops the connection."""

    def do_GET(self) -> None:
        if UNREACHABLE in self.path:
            self.close_connection = True
            self.connection.close()
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if UNREACHABLE in self.path:
            self.close_connection = True
            self.connection.close()
            return
        super().do_HEAD()

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def packages_url(tmp_path_factory: pytest.TempPathFactory, studio_dist: Path) -> Iterator[str]:
    root = tmp_path_factory.mktemp("package-origin")
    package_set(root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_PackageHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def _packages_page(
    browser: Browser, studio_url: str, packages_url: str, browser_context_args: dict[str, Any]
) -> Iterator[Page]:
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    # The index as a setting (kept in localStorage); the package base on the address.
    settings = {"packageIndexUrl": f"{packages_url}simple"}
    page.add_init_script(f"localStorage.setItem('headrace.settings', {json.dumps(json.dumps(settings))});")
    page.add_init_script(RECORD_EVENTS)
    page.goto(f"{studio_url}?packages={packages_url}")
    wait_ready(page)
    yield page
    context.close()


@pytest.fixture
def studio(_packages_page: Page, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = _packages_page
    dismiss_notices(page)
    page.evaluate("window.__hr.emits = []; window.__hr.errors = []; window.__hr.emitsAtIdle = undefined")
    yield page
    _screenshot(page, request.node.name)


def needing(tmp_path: Path, name: str, requirements: list[str], code: str = "x = 1\n") -> str:
    flow = {
        "headrace": 1,
        "name": name,
        "requirements": requirements,
        "nodes": [{"id": "n", "type": "data", "name": "Uses it", "code": code}],
        "edges": [],
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(flow))
    return str(path)


def run_expecting_failure(studio: Page, tmp_path: Path, name: str, requirement: str) -> str:
    dismiss_notices(studio)
    import_file(studio, needing(tmp_path, name, [requirement]))
    expect(node(studio, "n")).to_be_visible()
    studio.get_by_test_id("run-flow").click()
    line = studio.get_by_test_id("messages").get_by_text(f"Installing {requirement}… failed")
    expect(line).to_be_visible(timeout=60_000)
    expect(studio.locator(".hr-notice--error").filter(has_text=f"“{name}” cannot run: {requirement}")).to_have_count(1)
    return line.inner_text()


def test_a_package_of_the_distribution_at_the_base_url_loads_and_is_used(studio: Page, tmp_path: Path) -> None:
    code = f"import {FAKE}\n\nloud = {FAKE}.shout('made here')\n"
    import_file(studio, needing(tmp_path, "Fake package", [FAKE], code))
    expect(node(studio, "n")).to_be_visible()
    studio.get_by_test_id("run-flow").click()
    studio.wait_for_function("window.__hr.emits.length > 0", timeout=60_000)
    assert studio.evaluate("window.__hr.emits.map(e => e.value)") == ["MADE HERE!"]
    expect(studio.get_by_test_id("messages")).to_contain_text(f"Installing {FAKE}… done")


def test_each_failure_is_said_plainly_once(studio: Page, tmp_path: Path) -> None:
    text = run_expecting_failure(studio, tmp_path, "Not found", "hr-no-such-package")
    assert "No package named hr-no-such-package in" in text and "Check its spelling" in text

    text = run_expecting_failure(studio, tmp_path, "Compiled", COMPILED)
    assert f"{COMPILED} is not available for the browser here" in text
    assert "keep_going" not in text

    text = run_expecting_failure(studio, tmp_path, "Conflict", "packaging<20")
    assert "packaging<20 conflicts with packaging==" in text

    text = run_expecting_failure(studio, tmp_path, "Offline", UNREACHABLE)
    assert "cannot be reached (offline?)" in text and "Check the connection" in text

    text = run_expecting_failure(studio, tmp_path, "Absent", ABSENT)
    assert (
        f"{ABSENT} is not available for the browser here: it is one of Pyodide's packages, but http://127.0.0.1:"
        in text
    )
    # Said once: one line in Messages for the failure (and no "Installed" before it).
    messages = studio.get_by_test_id("messages").inner_text()
    assert messages.count(f"Installing {ABSENT}… failed") == 1
    assert "Installed" not in messages
    studio.wait_for_timeout(500)  # the notice's slide-in, for the screenshot
    _screenshot(studio, "package-error")


def test_the_requirements_field_suggests_what_is_available(studio: Page) -> None:
    studio.get_by_test_id("new-flow").click()
    studio.get_by_test_id("open-flow-settings").click()
    field = studio.get_by_test_id("flow-requirements")
    field.fill("hrf")
    option = studio.get_by_test_id("requirement-option").filter(has_text=FAKE)
    expect(option).to_be_visible()
    expect(option).to_contain_text("Pyodide's package 1.0")
    expect(studio.get_by_test_id("requirement-option").filter(has_text="numpy")).to_have_count(0)
    field.fill("nump")
    expect(studio.get_by_test_id("requirement-option").filter(has_text="numpy")).to_contain_text("Pyodide's package")
    field.fill("cron")
    expect(studio.get_by_test_id("requirement-option").filter(has_text="cronsim")).to_contain_text(
        "served with the studio"
    )
    field.fill("hrf")
    studio.wait_for_timeout(400)  # the menu's fade-in, for the screenshot
    _screenshot(studio, "requirements-field")
    option.click()
    field.fill("humanize>=4")
    field.press("Enter")
    chips = studio.get_by_test_id("flow-settings").locator(".q-chip")
    expect(chips).to_have_count(2)
    expect(chips.first).to_contain_text(FAKE)
    # Text typed but not yet a chip is kept by Save too.
    field.fill("tomli")
    studio.get_by_test_id("flow-settings-save").click()
    studio.get_by_test_id("open-flow-settings").click()
    expect(studio.get_by_test_id("flow-settings").locator(".q-chip__content")).to_have_text(
        [FAKE, "humanize>=4", "tomli"]
    )
    studio.keyboard.press("Escape")
