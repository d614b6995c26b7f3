"""End-to-end fixtures: the production build (dist/) served by a local static server,
driven by Debian's Chromium through pytest-playwright.

One browser for the whole session; each test gets a fresh context (so its own IndexedDB).
Pyodide's boot is the slow part, so helpers wait on the studio's `headrace:ready` once.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "dist"
TEMPLATES = REPO / "templates" / "flows"
#: Examples that reach the internet (which the tests have not): what they emit depends on
#: where they run, so the runs compared with the CLI leave them out; test_examples.py
#: runs them against a local origin instead.
ONLINE_TEMPLATES = {"http-fetch.json", "sources.json"}
#: Examples named live-*: they stream for seconds on purpose (a live chart to watch) and draw random
#: noise: what they compute is checked headless, shortened (tests/py/test_examples.py).
LIVE_TEMPLATES = {p.name for p in TEMPLATES.glob("live-*.json")}
#: The example flows that run the same anywhere, offline.
OFFLINE_TEMPLATES = sorted(p for p in TEMPLATES.glob("*.json") if p.name not in ONLINE_TEMPLATES | LIVE_TEMPLATES)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BOOT_TIMEOUT_MS = 120_000

# Collects the studio's window events so tests can read them (see studio/README.md).
RECORD_EVENTS = """
window.__hr = { ready: false, emits: [], errors: [], idle: 0 };
window.addEventListener('headrace:ready', () => { window.__hr.ready = true; });
window.addEventListener('headrace:emit', (e) => window.__hr.emits.push(e.detail));
window.addEventListener('headrace:error', (e) => window.__hr.errors.push(e.detail));
window.addEventListener('headrace:idle', () => {
  window.__hr.idle += 1;
  // Emits up to the first idle since the last reset: later ones come from schedules.
  if (window.__hr.emitsAtIdle === undefined) window.__hr.emitsAtIdle = window.__hr.emits.length;
});
"""


#: Folders served beside dist/: the example flows (for `?flow=` and embeds), the invalid
#: flow fixtures, and host pages written for the tests (for the embed).
EXTRA_ROOTS = {
    "/templates/": TEMPLATES,
    "/invalid/": REPO / "tests" / "flows" / "invalid",
    "/pages/": Path(__file__).parent / "pages",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves dist/ and the EXTRA_ROOTS."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".whl": "application/octet-stream",
    }

    def do_GET(self) -> None:
        # For the sandbox probes: echoes the cookies a request carried (what a page with
        # the user's session would hand to whoever can read its responses).
        if "cookie-echo" in self.path:
            body = (self.headers.get("Cookie") or "").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def translate_path(self, path: str) -> str:
        for prefix, root in EXTRA_ROOTS.items():
            if path.startswith(prefix):
                return str(root / path.split("?")[0].removeprefix(prefix))
        return super().translate_path(path)

    #: Send COOP/COEP, making pages cross-origin isolated (SharedArrayBuffer, so Stop can
    #: interrupt Python in place). Plain static hosts don't; the default server doesn't.
    isolated = False
    #: Allow cross-origin reads (the engine's opaque-origin worker loads our files so).
    #: Off: a host that does not, where the studio falls back to a same-origin worker.
    cors = True

    def end_headers(self) -> None:
        if self.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
        if self.isolated:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _IsolatedHandler(_Handler):
    isolated = True


class _NoCorsHandler(_Handler):
    cors = False


@pytest.fixture(scope="session")
def studio_dist() -> Path:
    """The production build; built once if missing (or when E2E_BUILD=1)."""
    if os.environ.get("E2E_BUILD") == "1" or not (DIST / "index.html").exists():
        subprocess.run(["npm", "run", "build"], cwd=REPO, check=True)
    return DIST


def _serve(directory: Path, handler_class: type[_Handler]) -> Iterator[str]:
    handler = functools.partial(handler_class, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def studio_url(studio_dist: Path) -> Iterator[str]:
    """dist/ as a plain static host serves it (no isolation headers)."""
    yield from _serve(studio_dist, _Handler)


@pytest.fixture(scope="session")
def no_cors_studio_url(studio_dist: Path) -> Iterator[str]:
    """dist/ on a host that does not allow cross-origin reads."""
    yield from _serve(studio_dist, _NoCorsHandler)


@pytest.fixture(scope="session")
def isolated_studio_url(studio_dist: Path) -> Iterator[str]:
    """dist/ served with COOP/COEP, as `make studio` (vite preview) serves it."""
    yield from _serve(studio_dist, _IsolatedHandler)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Service workers blocked: the offline copy (tests/e2e/test_offline.py allows them) would
    # answer requests that tests route or change, and keep a build between tests.
    return {
        **browser_context_args,
        "viewport": {"width": 1400, "height": 900},
        "accept_downloads": True,
        "service_workers": "block",
    }


def _screenshot(page: Page, name: str) -> None:
    """With E2E_SCREENSHOTS=<dir>, leave a screenshot of a test's last state there (to
    look at the UI as a user would)."""
    shots = os.environ.get("E2E_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"))


def ready_studio(browser: Browser, url: str, context_args: dict[str, Any], *, restored: bool = False) -> Iterator[Page]:
    """The studio at `url` in a context of its own, recording events, with Python ready;
    `restored`: on a second visit, Python restored from the snapshot the first one kept
    (how a returning user's studio comes up)."""
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.add_init_script(RECORD_EVENTS)
    page.goto(url)
    wait_ready(page)
    if restored:
        wait_snapshot_kept(page)
        page.reload()
        wait_ready(page)
        assert page.get_by_test_id("engine-status").get_attribute("data-boot") == "snapshot"
    yield page
    context.close()


#: The snapshot the studio keeps (persistence/engineSnapshot.ts): read, written and
#: damaged by tests through IndexedDB, as the studio's own storage.
SNAPSHOT_IDB = """async ([op, key]) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('headrace-engine');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const done = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    if (!db.objectStoreNames.contains('snapshot')) return null;
    const store = () => db.transaction('snapshot', 'readwrite').objectStore('snapshot');
    const kept = await done(store().get('engine'));
    if (!kept) return null;
    // 'rekey': the same memory under another key; 'damage': garbage under the same key.
    if (op === 'rekey') await done(store().put({ ...kept, key }, 'engine'));
    const garbage = new Blob([new Uint8Array(4096).fill(7)]);
    if (op === 'damage') await done(store().put({ ...kept, bytes: garbage }, 'engine'));
    return { key: kept.key, size: kept.bytes.size, made: kept.made };
  } finally {
    db.close();
  }
}"""


def profile_for_visits(browser: Browser, context_args: dict[str, Any], **options: Any) -> Iterator[BrowserContext]:
    """One browser profile for several visits of the studio (its storage kept between)."""
    context = browser.new_context(**{**context_args, **options})
    context.add_init_script(RECORD_EVENTS)
    yield context
    context.close()


def visit(context: BrowserContext, url: str) -> Page:
    """A visit of the studio in `context`, Python ready; the last visit's page is closed first."""
    for old in context.pages:
        old.close()
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    return page


def kept_snapshot(page: Page) -> dict[str, Any] | None:
    """The key and size of the snapshot the studio keeps in this browser, if any."""
    return page.evaluate(SNAPSHOT_IDB, ["get", None])  # type: ignore[no-any-return]


def tamper_snapshot(page: Page, op: str, key: str | None = None) -> None:
    """Damage the kept snapshot (`damage`), or keep it under another key (`rekey`)."""
    assert page.evaluate(SNAPSHOT_IDB, [op, key]), "no snapshot to tamper with"


def wait_snapshot_kept(page: Page) -> None:
    """Until the studio has kept the snapshot its first boot made (written after ready)."""
    for _ in range(200):
        if kept_snapshot(page):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the studio kept no engine snapshot after its first boot")


@pytest.fixture(scope="module")
def _module_page(browser: Browser, studio_url: str, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    # Most of the suite runs on a restored Python, as returning users do; the `page` and
    # `fresh_studio` tests on a first boot.
    yield from ready_studio(browser, studio_url, browser_context_args, restored=True)


@pytest.fixture
def studio(_module_page: Page, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The studio with Python ready, shared by the tests of a module (Pyodide boots once
    per module); each test starts on a new, empty flow tab with no events recorded."""
    page = _module_page
    dismiss_notices(page)
    page.get_by_test_id("new-flow").click()
    page.evaluate("window.__hr.emits = []; window.__hr.errors = []; window.__hr.emitsAtIdle = undefined")
    yield page
    _screenshot(page, request.node.name)


@pytest.fixture
def fresh_studio(page: Page, studio_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The studio in a page of its own (for tests that reload or navigate)."""
    page.add_init_script(RECORD_EVENTS)
    page.goto(studio_url)
    wait_ready(page)
    yield page
    _screenshot(page, request.node.name)


def dismiss_notices(page: Page) -> None:
    """Close the error notices a test left (they stay until closed); they slide as they go."""
    buttons = page.locator(".hr-notice button")
    for _ in range(20):
        if buttons.count() == 0:
            break
        # A notice may be replaced, or be sliding out (and so not visible), while we
        # reach for it: either way try again (a timeout is a PlaywrightError too).
        with contextlib.suppress(PlaywrightError):
            buttons.first.click(force=True, timeout=2000)
        page.wait_for_timeout(100)


def wait_ready(page: Page) -> None:
    page.wait_for_function("window.__hr && window.__hr.ready", timeout=BOOT_TIMEOUT_MS)


def cli_emits(flow: Path) -> list[dict[str, Any]]:
    """The emit events of `headrace run FLOW --json`, as (node, socket, value) dicts."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "py")}
    proc = subprocess.run(
        [os.environ.get("HEADRACE_PYTHON", sys.executable), "-m", "headrace", "run", str(flow), "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert any(e["event"] == "run_started" for e in events), f"the CLI did not run {flow}: {proc.stderr}"
    return [{"node": e["node"], "socket": e["socket"], "value": e["value"]} for e in events if e["event"] == "emit"]
