"""MkDocs hook: live `<headrace-flow>` embeds whose URLs are right on every page.

A page writes an embed with URLs relative to the **site root**, the same on every page:

    <headrace-flow src="flows/join.json" height="320px"></headrace-flow>

Pages sit at different depths (`index.html`, `semantics/index.html`), and a relative URL
in an attribute is read against the page's own address, so after a page is rendered this
hook:

- rewrites `src` (and `studio` when a tag sets it) relative to that page;
- sets `studio` to the site's copy of the studio, for the embed's "Open in studio" link;
- adds the embed's loader (a classic script that loads the module) to the head of that
  page only.

Embeds that set no `theme` follow the site's light or dark palette by themselves (the
element reads Material's `data-md-color-scheme`: studio/src/embed/hostScheme.ts).

It also makes Markdown read `<headrace-flow>` as a block of raw HTML, as it does `<div>`,
rather than wrapping it in a paragraph.

The alternative, `use_directory_urls: false`, would only make depth rarer (pages in a
folder still move), and absolute URLs would tie the site to one host path. A `src` that
names no file in templates/flows/ fails the build, naming the page and the tag.
"""

from __future__ import annotations

import html
import re

import site_layout
from markdown import Markdown
from markdown.extensions import Extension
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

_TAG = re.compile(r"<headrace-flow\b(?P<attrs>[^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""(?P<name>[^\s=/>]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s"'>]+))?""")
# The attributes holding URLs read against the page; each is written relative to the site
# root. (`runtime` is read against the embed's module, the same folder on every page.)
_URL_ATTRS = ("src", "studio")
_SCHEME_OR_ROOT = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|/)")


class _BlockElement(Extension):
    """Markdown treats the embed's tag as block-level HTML (no `<p>` around it)."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.block_level_elements.append("headrace-flow")


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Register the embed's tag with Markdown."""
    config.markdown_extensions.append(_BlockElement())  # type: ignore[arg-type]
    return config


def on_post_page(output: str, /, *, page: Page, config: MkDocsConfig) -> str:
    """Rewrite the page's embeds for its depth; add the embed's loader if it has one."""
    flows = {path.name for path in site_layout.flows_dir(config).glob("*.json")}
    where = page.file.src_uri

    def rewrite(match: re.Match[str]) -> str:
        attrs = _parse_attrs(match.group("attrs"), where)
        src = attrs.get("src")
        if not src:
            raise PluginError(f'docs/{where}: {match.group(0)} has no src (write src="flows/<name>.json")')
        _check_flow(src, flows, where)
        attrs.setdefault("studio", f"{site_layout.STUDIO_DIR}/{site_layout.STUDIO_PAGE}")
        for name in _URL_ATTRS:
            value = attrs.get(name)
            if value is None:
                continue
            if _SCHEME_OR_ROOT.match(value):
                raise PluginError(
                    f'docs/{where}: <headrace-flow {name}="{value}">: write {name} relative to the site root '
                    f"(this site serves its flows, embed and studio itself, and may be hosted under any path)"
                )
            attrs[name] = get_relative_url(value, page.url)
        return "<headrace-flow" + "".join(_format_attr(k, v) for k, v in attrs.items()) + ">"

    output, count = _TAG.subn(rewrite, output)
    if count == 0:
        return output
    loader = get_relative_url(f"{site_layout.EMBED_DIR}/{site_layout.EMBED_LOADER}", page.url)
    script = f'<script src="{html.escape(loader)}"></script>\n'
    head_end = output.find("</head>")
    if head_end < 0:
        raise PluginError(f"docs/{where}: the rendered page has no </head> to add the embed's module to")
    return output[:head_end] + script + output[head_end:]


def _parse_attrs(text: str, where: str) -> dict[str, str | None]:
    """A tag's attributes in order, values unescaped (`None`: a boolean attribute)."""
    attrs: dict[str, str | None] = {}
    for match in _ATTR.finditer(text):
        name = match.group("name").lower()
        value = match.group("value")
        if value is not None and value[:1] in "\"'":
            value = value[1:-1]
        if name in attrs:
            raise PluginError(f"docs/{where}: <headrace-flow> sets {name} twice")
        attrs[name] = None if value is None else html.unescape(value)
    return attrs


def _check_flow(src: str, flows: set[str], where: str) -> None:
    """Fail the build unless `src` is one of the flows the site copies from templates/flows/."""
    prefix = f"{site_layout.FLOWS_DIR}/"
    name = src.removeprefix(prefix)
    if not src.startswith(prefix) or "/" in name or name not in flows:
        raise PluginError(
            f'docs/{where}: <headrace-flow src="{src}"> names no flow of this site: '
            f'write src="{prefix}<name>.json" with one of {", ".join(sorted(flows))} (from templates/flows/)'
        )


def _format_attr(name: str, value: str | None) -> str:
    return f" {name}" if value is None else f' {name}="{html.escape(value, quote=True)}"'
