"""The docs' PyScript example page (docs/pyscript/example.html) runs flows with the headrace
wheel in PyScript and shows what `headrace run --json` shows in CPython; a flow that cannot
load shows its FlowError; and nothing it loads comes from anywhere but the site's server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import BOOT_TIMEOUT_MS, OFFLINE_TEMPLATES, REPO, TEMPLATES
from docs_site import TEST_FLOWS, TEST_FLOWS_URL, docs_site, docs_url, serve
from playwright.sync_api import Browser, Page

from headrace import Flow, FlowError

__all__ = ["docs_site", "docs_url"]  # fixtures, imported for pytest to find

PAGE = "pyscript/example.html"

# Every flow section of the page as data: its state, emit rows (value as the JSON text
# the row carries, and the text a reader sees), consoles by node, and its error box.
READ_PAGE = """() => Object.fromEntries([...document.querySelectorAll('section.flow')].map((s) => [
  s.dataset.src,
  {
    state: s.dataset.state ?? null,
    emits: [...s.querySelectorAll('tr.emit')].map((r) => ({
      node: r.dataset.node, socket: r.dataset.socket, value: r.dataset.value,
      repr: r.dataset.repr, shown: r.cells[2].textContent,
    })),
    consoles: Object.fromEntries([...s.querySelectorAll('pre.console')].map((p) => [p.dataset.node, p.textContent])),
    error: s.querySelector('.error')?.textContent ?? null,
  },
]))"""


def cli_events(flow: Path) -> list[dict[str, Any]]:
    """Every event `headrace run FLOW --json` prints (CPython)."""
    proc = subprocess.run(
        [os.environ.get("HEADRACE_PYTHON", sys.executable), "-m", "headrace", "run", str(flow), "--json"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "py")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def expected_emits(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: e[k] for k in ("node", "socket", "value", "repr")} for e in events if e["event"] == "emit"]


def expected_consoles(events: list[dict[str, Any]]) -> dict[str, str]:
    consoles: dict[str, str] = {}
    for e in events:
        if e["event"] == "output":
            consoles[e["node"]] = consoles.get(e["node"], "") + e["text"]
    return consoles


def shown_emits(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's emit rows as the CLI writes emits; checks each row shows its value."""
    out = []
    for row in section["emits"]:
        value, is_repr = json.loads(row["value"]), json.loads(row["repr"])
        assert row["shown"] == (value if is_repr else json.dumps(value)), row
        out.append({"node": row["node"], "socket": row["socket"], "value": value, "repr": is_repr})
    return out


class Visit:
    """A page of the docs site in a fresh context, with every request it makes recorded
    (the page's, its workers', any service worker's)."""

    def __init__(self, browser: Browser, base: str, browser_context_args: dict[str, Any]) -> None:
        self.base = base
        self.context = browser.new_context(**browser_context_args)
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()

    def open(self, path: str) -> dict[str, Any]:
        """Open `path` and wait until its script has run every flow; the flow sections."""
        self.page.goto(self.base + path)
        self.page.wait_for_function(
            "document.body.dataset.state === 'done' || document.querySelector('.py-error')", timeout=BOOT_TIMEOUT_MS
        )
        python_errors = self.page.locator(".py-error").all_inner_texts()
        assert not python_errors, f"the page's Python failed: {python_errors}"
        sections: dict[str, Any] = self.page.evaluate(READ_PAGE)
        return sections

    def foreign_requests(self) -> list[str]:
        # data: and blob: URLs are not requests to anywhere (the page's empty icon is one).
        return [url for url in self.requests if not url.startswith((self.base, "data:", "blob:"))]


@pytest.fixture
def visit(browser: Browser, docs_site: Path, docs_url: str, browser_context_args: dict[str, Any]) -> Iterator[Visit]:
    # Without its hook the page would only time out waiting for PyScript: say why at once.
    assert (docs_site / "pyscript" / "pyscript.json").is_file(), (
        f"{docs_site} has no pyscript/pyscript.json: mkdocs.yml must list docs/hooks/pyscript_assets.py "
        "under hooks:, after site_assets.py"
    )
    v = Visit(browser, docs_url, browser_context_args)
    yield v
    v.context.close()


def flows_query(urls: list[str]) -> str:
    return "?" + "&".join(f"flow={quote(url)}" for url in urls)


def test_example_page_shows_what_the_cli_prints(visit: Visit) -> None:
    """The page as a reader opens it: the hello and join examples."""
    sections = visit.open(PAGE)
    assert list(sections) == ["../flows/hello.json", "../flows/join.json"]
    for name in ("hello", "join"):
        section = sections[f"../flows/{name}.json"]
        events = cli_events(TEMPLATES / f"{name}.json")
        assert section["state"] == "done", section
        assert shown_emits(section) == expected_emits(events), name
        assert section["consoles"] == expected_consoles(events), name
    assert sections["../flows/hello.json"]["consoles"] == {"greet": "greeting world\n"}
    assert visit.page.inner_text("#status").startswith("Ran 2 of 2 flows")
    assert visit.foreign_requests() == []
    # And what it loaded is ours: PyScript from the site, Pyodide and the wheel from the studio's copy.
    assert visit.base + "pyscript/core/core.js" in visit.requests
    assert visit.base + "studio/pyodide/pyodide.asm.wasm" in visit.requests
    assert any(url.startswith(visit.base + "studio/wheels/headrace-") for url in visit.requests)


def test_every_template_flow_matches_the_cli(visit: Visit) -> None:
    flows = OFFLINE_TEMPLATES
    assert flows, "templates/flows/ has no flows"
    urls = [f"../flows/{flow.name}" for flow in flows]
    sections = visit.open(PAGE + flows_query(urls))
    assert list(sections) == urls
    for flow, url in zip(flows, urls, strict=True):
        events = cli_events(flow)
        assert sections[url]["state"] == "done", sections[url]
        assert shown_emits(sections[url]) == expected_emits(events), flow.name
        assert sections[url]["consoles"] == expected_consoles(events), flow.name
    assert visit.foreign_requests() == []


# Each fails at a different stage: a reference, the JSON itself, a node's code, the shape.
INVALID = ["edge-to-unknown-node.json", "not-json.json", "code-syntax-error.json", "missing-nodes.json"]


def test_flows_that_cannot_load_show_why(visit: Visit) -> None:
    """Each error box holds the FlowError CPython raises for the same file (or says the
    file is missing); the flow after them still runs."""
    expected = {}
    for name in INVALID:
        with pytest.raises(FlowError) as raised:
            Flow.load(TEST_FLOWS / "invalid" / name)
        url = f"../{TEST_FLOWS_URL}invalid/{name}"
        expected[url] = f"Could not load {url}: {raised.value}"
    missing = "../flows/no-such-flow.json"
    expected[missing] = f"Could not fetch {missing}: HTTP 404 File not found"
    sections = visit.open(PAGE + flows_query([*expected, "../flows/hello.json"]))
    for url, message in expected.items():
        assert sections[url]["state"] == "error", url
        assert sections[url]["error"] == message
        assert sections[url]["emits"] == []
    assert visit.page.get_by_role("alert").count() == len(expected)
    assert sections["../flows/hello.json"]["state"] == "done"
    assert visit.page.inner_text("#status").startswith(f"Ran 1 of {len(expected) + 1} flows")
    assert visit.foreign_requests() == []


def test_the_guides_snippet_runs_as_written(
    docs_site: Path, tmp_path: Path, browser: Browser, browser_context_args: dict[str, Any]
) -> None:
    """docs/pyscript.md's config and page, verbatim, in the layout the guide describes
    (PyScript, Pyodide and the wheels in pyscript/, pyodide/, wheels/ beside the page)."""
    blocks = dict(re.findall(r"```(json|html)\n(.*?)```", (REPO / "docs" / "pyscript.md").read_text(), re.S))
    assert set(blocks) == {"json", "html"}, "the guide should show one config and one page"
    (tmp_path / "pyscript.json").write_text(blocks["json"])
    (tmp_path / "page.html").write_text(blocks["html"])
    for name, target in {
        "pyscript": "pyscript/core",
        "pyodide": "studio/pyodide",
        "wheels": "studio/wheels",
        "flows": "flows",
    }.items():
        (tmp_path / name).symlink_to(docs_site / target, target_is_directory=True)
    with serve(tmp_path) as base:
        own = Visit(browser, base, browser_context_args)
        try:
            own.page.goto(base + "page.html")
            own.page.wait_for_function(
                "!document.getElementById('out').textContent.startsWith('Loading')"
                " || document.querySelector('.py-error')",
                timeout=BOOT_TIMEOUT_MS,
            )
            assert own.page.locator(".py-error").all_inner_texts() == []
            assert own.page.inner_text("#out") == "who.name = 'world'\ngreet.greet = 'Hello, world!'"
            assert own.foreign_requests() == []
        finally:
            own.context.close()


# The hook that puts PyScript and its config beside the page: missing inputs stop the
# build with what to run, rather than leaving a page that never loads.


def _hook_config(site: Path, dist: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(REPO / "docs" / "hooks"))
    from mkdocs.config import load_config

    monkeypatch.setenv("HEADRACE_DIST_DIR", str(dist))
    return load_config(str(REPO / "mkdocs.yml"), site_dir=str(site))


def test_hook_names_a_missing_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _hook_config(tmp_path / "site", tmp_path / "dist", monkeypatch)
    import pyscript_assets
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"dist/pyodide/pyodide\.mjs is missing .*run `make build`"):
        pyscript_assets.on_config(config)
    (tmp_path / "dist" / "pyodide").mkdir(parents=True)
    (tmp_path / "dist" / "pyodide" / "pyodide.mjs").write_text("")
    (tmp_path / "dist" / "wheels").mkdir()
    manifest = {"boot": ["headrace-9.9-py3-none-any.whl"], "lazy": {}}
    (tmp_path / "dist" / "wheels" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PluginError, match=r"wheels/headrace-9\.9-py3-none-any\.whl is missing"):
        pyscript_assets.on_config(config)


def test_hook_needs_the_studio_copied_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _hook_config(tmp_path / "site", REPO / "dist", monkeypatch)
    import pyscript_assets
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"list docs/hooks/site_assets\.py before docs/hooks/pyscript_assets\.py"):
        pyscript_assets.on_post_build(config=config)
