"""The embed: <headrace-flow> in a host page and embed.html in an iframe, as a docs reader
meets them. Flows show without running; Run runs one flow, whose events equal the CLI's."""

from __future__ import annotations

import os
from pathlib import Path
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


def expect_scheme(host: Page, id: str, scheme: str) -> None:
    """Wait until an embed shows `scheme` (light or dark), as its shadow root carries it."""
    host.wait_for_function(
        f"document.getElementById({id!r}).shadowRoot.querySelector('.hr-root').dataset.scheme === {scheme!r}",
        timeout=5_000,
    )


def test_an_embed_follows_the_pages_colour_scheme_unless_it_sets_a_theme(host: Page, studio_url: str) -> None:
    host.goto(f"{studio_url}pages/two-embeds.html")
    host.wait_for_function("!!customElements.get('headrace-flow')")
    background = host.locator("#hello").get_by_test_id("embed")
    expect(background).to_have_css("background-color", "rgb(255, 255, 255)")
    expect_scheme(host, "hello", "light")
    # Furo's dark mode: <body data-theme="dark">, toggled in place.
    host.evaluate("document.body.dataset.theme = 'dark'")
    expect(background).to_have_css("background-color", "rgb(29, 31, 38)")
    expect_scheme(host, "hello", "dark")
    host.evaluate("document.body.dataset.theme = 'light'")
    expect(background).to_have_css("background-color", "rgb(255, 255, 255)")
    # Material's palette, on <body> too.
    host.evaluate("document.body.removeAttribute('data-theme'); document.body.dataset.mdColorScheme = 'slate'")
    expect(background).to_have_css("background-color", "rgb(29, 31, 38)")
    # `theme` wins over the page, both ways, and removing it follows the page again.
    expect_scheme(host, "join", "dark")
    host.evaluate("document.body.dataset.mdColorScheme = 'default'")
    expect_scheme(host, "hello", "light")
    expect_scheme(host, "join", "dark")
    host.locator("#hello").evaluate("(e) => e.setAttribute('theme', 'dark')")
    expect_scheme(host, "hello", "dark")
    host.locator("#hello").evaluate("(e) => e.removeAttribute('theme')")
    expect_scheme(host, "hello", "light")
    # A dark system: this page stays white (it has no dark mode), so the embed stays light,
    # until the page says it follows the system.
    host.evaluate("document.body.removeAttribute('data-md-color-scheme')")
    host.emulate_media(color_scheme="dark")
    host.wait_for_timeout(300)
    expect_scheme(host, "hello", "light")
    host.evaluate("document.documentElement.style.colorScheme = 'light dark'")
    expect_scheme(host, "hello", "dark")


def test_a_host_without_cors_is_named_in_the_page(
    host: Page, studio_url: str, no_cors_studio_url: str, request: pytest.FixtureRequest
) -> None:
    """A page on another origin than the embed's host, which sends no Access-Control-Allow-Origin:
    the module cannot load, and the loader (a classic script) says so where the embed would be."""
    console: list[str] = []
    host.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    host.goto(f"{studio_url}pages/cross-origin.html?embed={no_cors_studio_url}")
    far = no_cors_studio_url.rstrip("/")
    message = host.locator("#far").get_by_test_id("embed-unavailable")
    expect(message).to_contain_text(
        f"The Headrace embed could not load from {far}: that host must send Access-Control-Allow-Origin"
    )
    expect(message).to_contain_text(f"with the files of {far}/embed/")
    expect(message).to_be_visible()
    assert any(f"could not load from {far}: that host must send" in text for text in console), console
    errors = host.evaluate("window.__embeds.errors")
    assert [(e["id"], e["type"]) for e in errors] == [("far", "EmbedUnavailable")]
    _shot(host, request)

    # From a host that allows it, the same page on the other origin gets a live embed.
    host.goto(f"{no_cors_studio_url}pages/cross-origin.html?embed={studio_url}")
    wait_ready(host, "far")
    expect(host.locator("#far [data-node-id]")).to_have_count(3)


def test_open_in_studio_explains_a_flow_host_without_cors(page: Page, studio_url: str, no_cors_studio_url: str) -> None:
    """The studio on one origin, the flow on another that does not allow it: say which header, where."""
    flow = f"{no_cors_studio_url}templates/join.json"
    page.goto(f"{studio_url}?flow={flow}")
    notice = page.locator(".hr-notice--error")
    expect(notice).to_contain_text(f"Cannot fetch {flow}: Failed to fetch")
    studio_origin = studio_url.rstrip("/")
    expect(notice).to_contain_text(
        f'{no_cors_studio_url.rstrip("/")} must send the header "Access-Control-Allow-Origin: {studio_origin}"'
    )


def _shot(page: Page, request: pytest.FixtureRequest) -> None:
    """With E2E_SCREENSHOTS=<dir>, keep a screenshot of the page as the test left it."""
    shots = os.environ.get("E2E_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{request.node.name}.png"))


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


def test_iframe_page_works_the_same(host: Page, studio_url: str, request: pytest.FixtureRequest) -> None:
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
    # At the docs' 360 px the results are in the frame, not below its fold: canvas and
    # results side by side (the frame is wide), the page itself does not scroll.
    iframe = host.locator("#flow").bounding_box()
    result = frame.get_by_test_id("result-add-add").bounding_box()
    canvas = frame.locator(".hr-canvas").bounding_box()
    assert iframe and result and canvas
    assert iframe["y"] <= result["y"] and result["y"] + result["height"] <= iframe["y"] + iframe["height"], (
        result,
        iframe,
    )
    assert canvas["height"] >= 200, canvas
    assert inner.evaluate("document.scrollingElement.scrollHeight <= innerHeight")
    _shot(host, request)


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
