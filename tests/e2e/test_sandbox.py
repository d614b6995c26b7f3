"""Code in a flow cannot reach the studio's own storage, cookies or page.

The engine's worker runs at an origin of its own (started from a data: URL), so 23 probes
from node code — IndexedDB with the user's other flows, localStorage with the backend
token, cookies, the page's DOM, credentialed reads of the studio's origin, spoofed worker
messages — find none of the secrets planted in this browser. Where the host does not
allow cross-origin reads, the studio falls back to a same-origin worker and says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import RECORD_EVENTS, TEMPLATES, cli_emits, wait_ready
from helpers import emits_until_idle, import_file, node, reset_events, run_and_wait_idle
from playwright.sync_api import BrowserContext, Page, expect

SECRET = "7d1f-secret"
PROBES = (Path(__file__).parent / "probes" / "sandbox_probes.py").read_text()
PROBE_NAMES = [
    line.split("(")[0].removeprefix("async def ") for line in PROBES.splitlines() if line.startswith("async def p")
]
# These must fail outright, not merely come back empty.
MUST_BE_BLOCKED = ["p01_indexeddb_flows", "p02_indexeddb_meta", "p05_local_storage", "p07_cookie", "p08_parent_dom",
                   "p09_top_dom", "p10_fetch_with_credentials", "p11_fetch_settings_echo",
                   "p12_xhr_with_credentials"]  # fmt: skip


def probe_flow(tmp_path: Path, app: str) -> str:
    flow: dict[str, Any] = {
        "headrace": 1,
        "name": "Probes",
        "nodes": [
            {"id": "app", "type": "data", "name": "App", "code": f"app = {app!r}\n"},
            {"id": "probes", "type": "script", "name": "Probes", "code": PROBES},
        ],
        "edges": [
            {"from": {"node": "app", "socket": "app"}, "to": {"node": "probes", "port": f"{name}.app"}}
            for name in PROBE_NAMES
        ],
    }
    path = tmp_path / "probes.json"
    path.write_text(json.dumps(flow))
    return str(path)


def plant_secrets(context: BrowserContext, page: Page, url: str, tmp_path: Path) -> None:
    context.add_cookies([{"name": "session", "value": SECRET, "url": url}])
    settings = {"backendToken": SECRET, "backendUrl": "http://127.0.0.1:8000"}
    page.evaluate("(s) => localStorage.setItem('headrace.settings', JSON.stringify(s))", settings)
    secret_flow = json.loads((TEMPLATES / "hello.json").read_text()) | {"name": f"My flow {SECRET}"}
    path = tmp_path / "secret.json"
    path.write_text(json.dumps(secret_flow))
    page.reload()
    wait_ready(page)
    import_file(page, str(path))
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")


def test_node_code_reaches_none_of_the_studios_secrets(
    page: Page, context: BrowserContext, studio_url: str, tmp_path: Path
) -> None:
    assert len(PROBE_NAMES) >= 20
    page.add_init_script(RECORD_EVENTS)
    page.add_init_script("window.__xssHits = []; window.__xss = (n) => window.__xssHits.push(n);")
    page.goto(studio_url)
    wait_ready(page)
    plant_secrets(context, page, studio_url, tmp_path)
    expect(page.get_by_test_id("engine-status")).to_have_attribute("data-isolated", "true")

    import_file(page, probe_flow(tmp_path, studio_url))
    expect(node(page, "probes")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page, timeout=60_000)
    results = {e["socket"]: e["value"] for e in emits_until_idle(page) if e["node"] == "probes"}
    print(json.dumps(results, indent=1))
    assert sorted(results) == sorted(PROBE_NAMES), "some probes did not report"
    leaks = {name: value for name, value in results.items() if SECRET in str(value)}
    assert leaks == {}
    not_blocked = {name: results[name] for name in MUST_BE_BLOCKED if not str(results[name]).startswith("blocked")}
    assert not_blocked == {}
    # Spoofed worker messages changed nothing: no script ran, the studio still runs flows.
    assert page.evaluate("window.__xssHits") == []
    import_file(page, str(TEMPLATES / "hello.json"))
    expect(node(page, "greet")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page)
    assert emits_until_idle(page) == cli_emits(TEMPLATES / "hello.json")


def test_a_host_without_cors_falls_back_and_says_so(page: Page, no_cors_studio_url: str) -> None:
    page.add_init_script(RECORD_EVENTS)
    page.goto(no_cors_studio_url)
    wait_ready(page)
    # Said at once (a notice), and for as long as it is so (the engine status).
    expect(page.get_by_test_id("engine-status")).to_have_attribute("data-isolated", "false")
    expect(page.get_by_test_id("not-isolated")).to_be_visible()
    import_file(page, str(TEMPLATES / "hello.json"))
    expect(node(page, "greet")).to_be_visible()
    reset_events(page)
    run_and_wait_idle(page)
    assert emits_until_idle(page) == cli_emits(TEMPLATES / "hello.json")
