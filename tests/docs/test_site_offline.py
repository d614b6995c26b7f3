"""The built documentation site works offline, and every live example points at real files.

Offline: no page (the docs, the copied studio, the embed's iframe page) loads a script,
style, font, image or frame from another host, and no stylesheet imports one. Embeds: each
`<headrace-flow>` resolves, from its own page, to a flow copied from templates/flows/, and the
page loads the embed's module from the site itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from site_build import TEMPLATE_FLOWS

# Attributes whose URL the browser fetches on its own when the page loads. (Links, <a href>,
# are followed only when clicked, and may point anywhere.)
_FETCHED = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")
_BASE = "http://site.invalid/"


class _Page(HTMLParser):
    """The URLs a page fetches, its embeds' attributes, and its scripts with a src."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.embeds: list[dict[str, str | None]] = []
        self.scripts: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in _FETCHED.get(tag, ()):
            value = values.get(name)
            if value:
                # srcset holds "url width, url width"; the first word of each item is a URL.
                self.fetched += [item.split()[0] for item in value.split(",") if item.strip()]
        self.fetched += _css_urls(values.get("style") or "")
        if tag == "headrace-flow":
            self.embeds.append(values)
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"] or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.fetched += _css_urls(data)


def _css_urls(css: str) -> list[str]:
    return [a or b for a, b in _CSS_URL.findall(css)]


def _is_remote(url: str) -> bool:
    """Another host: `https://…`, `http://…`, or scheme-relative `//…` (not `data:`)."""
    return urlsplit(url.strip()).netloc != ""


def _parse(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _resolve(site: Path, page: Path, url: str) -> Path:
    """The file in `site` that `url`, written in `page`, points at (as a browser reads it)."""
    page_url = urljoin(_BASE, page.relative_to(site).as_posix())
    target = urljoin(page_url, url)
    assert target.startswith(_BASE), f"{page.relative_to(site)}: {url!r} leaves the site"
    path = unquote(urlsplit(target).path).removeprefix("/")
    return site / path


def _doc_pages(site: Path) -> list[Path]:
    """The documentation's own pages (not the copied studio and embed)."""
    copied = (site / "studio", site / "embed")
    return [p for p in sorted(site.rglob("*.html")) if not any(p.is_relative_to(c) for c in copied)]


def test_no_page_fetches_from_another_host(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert built_site / "index.html" in pages
    assert built_site / "studio" / "index.html" in pages
    remote = [
        f"{page.relative_to(built_site)}: {url}" for page in pages for url in _parse(page).fetched if _is_remote(url)
    ]
    assert remote == []


def test_no_stylesheet_imports_from_another_host(built_site: Path) -> None:
    sheets = sorted(built_site.rglob("*.css"))
    assert sheets, "the theme's stylesheets are missing"
    remote = [
        f"{sheet.relative_to(built_site)}: {url}"
        for sheet in sheets
        for url in _css_urls(sheet.read_text(encoding="utf-8", errors="replace"))
        if _is_remote(url)
    ]
    assert remote == []


def test_every_embed_points_at_a_flow_of_the_site(built_site: Path) -> None:
    embedded: dict[str, set[str]] = {}
    for page in _doc_pages(built_site):
        parsed = _parse(page)
        where = page.relative_to(built_site).as_posix()
        for embed in parsed.embeds:
            src = embed.get("src")
            assert src, f"{where}: an embed without src"
            flow = _resolve(built_site, page, src)
            assert flow.is_file(), f"{where}: {src} is not in the site"
            assert flow.parent == built_site / "flows", f"{where}: {src} is not one of the site's flows"
            assert flow.read_bytes() == (TEMPLATE_FLOWS / flow.name).read_bytes(), f"{where}: {src} is stale"
            studio = embed.get("studio")
            assert studio, f"{where}: an embed without a studio for 'Open in studio'"
            assert _resolve(built_site, page, studio) == built_site / "studio" / "index.html"
            assert (built_site / "studio" / "index.html").is_file()
            embedded.setdefault(where, set()).add(flow.stem)
        scripts = [_resolve(built_site, page, src) for src in parsed.scripts]
        embed_loader = built_site / "embed" / "headrace-loader.js"
        if parsed.embeds:
            assert embed_loader in scripts, f"{where} has embeds but does not load the embed's loader"
            assert embed_loader.is_file()
            assert (built_site / "embed" / "headrace-embed.js").is_file()
        else:
            assert embed_loader not in scripts, f"{where} loads the embed's loader for no embed"

    # Every example flow is shown live, beside the text that explains it.
    assert {flow for flows in embedded.values() for flow in flows} == {p.stem for p in TEMPLATE_FLOWS.glob("*.json")}
    assert {"join", "fan-out", "generator", "error-routing"} <= embedded["semantics/index.html"]
    assert "schedule" in embedded["schedules/index.html"]
    assert "hello" in embedded["getting-started/index.html"]
