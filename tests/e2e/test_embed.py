"""The embed: <headrace-flow> in a host page and embed.html in an iframe, as a docs reader
meets them. Flows show without running; Run runs one flow, whose events equal the CLI's."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TEMPLATES, cli_emits
from docs_site import docs_site, docs_url
from playwright.sync_api import Frame, Page, expect

__all__ = ["docs_site", "docs_url"]  # fixtures, imported for pytest to find

BOOT_MS = 120_000

# Every headrace:* event reaching the document, by the id of the element that sent it.
RECORD = """
window.__embeds = { ready: [], emits: {}, errors: [], idle: {} };
document.addEventListener('headrace:ready', (e) => window.__embeds.ready.push(e.target.id));
document.addEventListener('headrace:emit', (e) => (window.__embeds.emits[e.target.id] ??= []).push(e.detail));
document.addEventListener('headrace:error', (e) => window.__embeds.errors.push({ id: e.target.id, ...e.detail }));
document.addEventListener('headrace:idle', (e) => {
  window.__embeds.idle[e.target.id] = (window.__embeds.idle[e.target.id] ?? 0) + 1;
});
"""


@pytest.fixture
def host(page: Page) -> Page:
    page.add_init_script(RECORD)
    return page


def wait_ready(where: Page | Frame, *ids: str) -> None:
    where.wait_for_function(
        f"{list(ids)!r}.every((id) => window.__embeds.ready.includes(id))",
        timeout=BOOT_MS,
    )


def wait_idle(where: Page | Frame, id: str) -> None:
    where.wait_for_function(f"(window.__embeds.idle[{id!r}] ?? 0) > 0", timeout=60_000)


def emits_of(where: Page | Frame, id: str) -> list[dict[str, Any]]:
    return where.evaluate(
        f"(window.__embeds.emits[{id!r}] ?? []).map((e) => ({{node: e.node, socket: e.socket, value: e.value}}))"
    )


def node_states(where: Page | Frame, id: str) -> list[str]:
    return where.locator(f"#{id} [data-node-id]").evaluate_all("(nodes) => nodes.map((n) => n.dataset.state)")


def test_two_embeds_share_one_engine_and_run_only_when_clicked(host: Page, studio_url: str) -> None:
    host.goto(f"{studio_url}pages/two-embeds.html")
    wait_ready(host, "hello", "join")
    expect(host.locator("#hello [data-node-id]")).to_have_count(2)
    expect(host.locator("#join [data-node-id]")).to_have_count(3)
    # One Pyodide worker serves the page.
    assert len(host.workers) == 1

    # Shown, not run: no events, every node idle, no results.
    host.wait_for_timeout(1000)
    assert host.evaluate("window.__embeds.emits") == {}
    assert set(node_states(host, "hello")) == {"idle"}
    assert set(node_states(host, "join")) == {"idle"}
    expect(host.locator("#hello").get_by_test_id("embed-status")).to_have_text("Ready: nothing has run yet")

    host.locator("#hello").get_by_test_id("embed-run").click()
    wait_idle(host, "hello")
    assert emits_of(host, "hello") == cli_emits(TEMPLATES / "hello.json")
    expect(host.locator("#hello").get_by_test_id("result-greet-greet")).to_contain_text("Hello, world!")
    expect(host.locator("#hello").get_by_test_id("console-greet")).to_contain_text("greeting world")
    expect(host.locator("#hello").get_by_test_id("embed-status")).to_contain_text("Done: 2 emitted")
    # The other embed has its own run, which has not started.
    assert emits_of(host, "join") == []
    assert set(node_states(host, "join")) == {"idle"}

    host.locator("#join").get_by_test_id("embed-run").click()
    wait_idle(host, "join")
    assert emits_of(host, "join") == cli_emits(TEMPLATES / "join.json")
    assert emits_of(host, "hello") == cli_emits(TEMPLATES / "hello.json"), "the first embed saw the second's run"


def test_styles_stay_on_their_side(host: Page, studio_url: str) -> None:
    host.goto(f"{studio_url}pages/two-embeds.html")
    wait_ready(host, "hello")
    name = host.locator("#hello").get_by_test_id("embed-name")
    # The host's serif purple text does not reach into the embed...
    assert name.evaluate("(e) => getComputedStyle(e).fontFamily") != "serif"
    assert name.evaluate("(e) => getComputedStyle(e).color") != "rgb(128, 0, 128)"
    # ...and Quasar's styles do not reach the host's own .q-btn, nor its <body>.
    assert host.locator("#host-button").evaluate("(e) => getComputedStyle(e).backgroundColor") == "rgb(255, 0, 0)"
    assert host.evaluate("document.body.className") == ""
    # The document gains one stylesheet: the icon font's @font-face, under a name of our own
    # (a shadow root cannot declare fonts), and no rule that could style the host.
    assert host.evaluate("document.styleSheets.length") == 2
    rules = host.evaluate(
        "[...document.querySelector('style[data-headrace-fonts]').sheet.cssRules].map((r) => r.cssText)"
    )
    assert rules and all(r.startswith("@font-face") and "Headrace Material Icons" in r for r in rules)


def test_reader_opens_a_nodes_code_and_the_studio(host: Page, studio_url: str) -> None:
    host.goto(f"{studio_url}pages/two-embeds.html")
    wait_ready(host, "join")
    host.locator('#join [data-node-id="add"] .hr-node__header').click()
    code = host.locator("#join").get_by_test_id("embed-code")
    expect(code).to_contain_text("def add(a, b)")
    # Read-only: typing changes nothing.
    host.locator("#join .cm-content").click()
    host.keyboard.type("oops")
    expect(code).not_to_contain_text("oops")

    with host.context.expect_page() as opened:
        host.locator("#join").get_by_test_id("embed-open").click()
    studio = opened.value
    studio.wait_for_load_state()
    expect(studio.locator('[data-node-id="add"]')).to_be_visible(timeout=BOOT_MS)
    # Opening a flow in the studio runs nothing either.
    studio.wait_for_timeout(500)
    assert set(studio.locator("[data-node-id]").evaluate_all("(ns) => ns.map((n) => n.dataset.state)")) == {"idle"}


def test_a_flow_that_cannot_load_shows_why(host: Page, studio_url: str) -> None:
    host.goto(f"{studio_url}pages/bad-embeds.html")
    wait_ready(host, "good")
    problems = {
        "missing": "Cannot load /templates/no-such-flow.json: HTTP 404",
        "invalid": "edges[0].to.port: node 's1' has no port 'add.z' (ports: add.x, add.y)",
        "notjson": "/invalid/not-json.json is not JSON",
    }
    for id, text in problems.items():
        expect(host.locator(f"#{id}").get_by_test_id("embed-problem")).to_contain_text(text)
        expect(host.locator(f"#{id}").get_by_test_id("embed-run")).to_have_count(0)
    errors = host.evaluate("window.__embeds.errors")
    assert {e["id"] for e in errors} == set(problems)
    assert all(e["type"] == "FlowError" for e in errors)
    # A broken neighbour does not stop a good flow; `autorun` runs it without a click.
    wait_idle(host, "good")
    assert emits_of(host, "good") == cli_emits(TEMPLATES / "fan-out.json")


def test_iframe_page_works_the_same(host: Page, studio_url: str) -> None:
    host.goto(f"{studio_url}pages/iframe.html")
    frame = host.frame_locator("#flow")
    inner = host.frame(url=lambda url: "embed.html" in url)
    assert inner is not None
    inner.wait_for_function("window.__embeds && document.querySelector('headrace-flow')", timeout=BOOT_MS)
    inner.wait_for_function("window.__embeds.ready.length === 1", timeout=BOOT_MS)
    inner.wait_for_timeout(500)
    assert inner.evaluate("window.__embeds.emits") == {}
    frame.get_by_test_id("embed-run").click()
    inner.wait_for_function("Object.values(window.__embeds.idle).length === 1", timeout=60_000)
    emitted = inner.evaluate(
        "Object.values(window.__embeds.emits)[0].map((e) => ({node: e.node, socket: e.socket, value: e.value}))"
    )
    assert emitted == cli_emits(TEMPLATES / "join.json")
    expect(frame.get_by_test_id("result-add-add")).to_be_visible()


def test_the_docs_pages_embeds(host: Page, docs_url: str) -> None:
    """The built documentation: its page on node semantics holds four live examples."""
    host.goto(f"{docs_url}semantics/")
    flows = host.locator("headrace-flow")
    expect(flows).to_have_count(4)
    ids = flows.evaluate_all("(fs) => fs.map((f, i) => (f.id = f.id || `flow${i}`))")
    wait_ready(host, *ids)
    host.wait_for_timeout(500)
    assert host.evaluate("window.__embeds.emits") == {}
    generator = flows.filter(has=host.locator('[data-node-id="count"]'))
    (gid,) = generator.evaluate_all("(fs) => fs.map((f) => f.id)")
    src = generator.get_attribute("src")
    assert src and src.endswith("flows/generator.json")
    generator.get_by_test_id("embed-run").click()
    wait_idle(host, gid)
    assert emits_of(host, gid) == cli_emits(TEMPLATES / "generator.json")
    assert [id for id in ids if id != gid and emits_of(host, id)] == []
    # "Open in studio" goes to the site's own copy of the studio.
    with host.context.expect_page() as opened:
        generator.get_by_test_id("embed-open").click()
    studio = opened.value
    assert studio.url.startswith(f"{docs_url}studio/")
    expect(studio.locator('[data-node-id="count"]')).to_be_visible(timeout=BOOT_MS)
