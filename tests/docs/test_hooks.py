"""The site's MkDocs hooks (docs/hooks/), on small sites built by real MkDocs.

Each test makes a project with its own mkdocs.yml, pages, templates/flows/ and a studio build
holding just the files the hooks look for, and builds it with the repository's hooks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_build import HOOKS, build_site

_FLOW = {"headrace": 1, "name": "Hello", "nodes": [], "edges": []}


def _project(root: Path, pages: dict[str, str], *, with_embed: bool = True) -> tuple[Path, Path]:
    """A project under `root` with these pages; returns its mkdocs.yml and its studio build."""
    (root / "templates" / "flows").mkdir(parents=True)
    (root / "templates" / "flows" / "hello.json").write_text(json.dumps(_FLOW))
    for name, text in pages.items():
        page = root / "docs" / name
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text)
    dist = root / "dist"
    (dist / "embed").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>studio</title>")
    if with_embed:
        (dist / "embed" / "headrace-embed.js").write_text("export {};\n")
        (dist / "embed" / "headrace-loader.js").write_text("/* loader */\n")
    config = root / "mkdocs.yml"
    config.write_text(
        "site_name: test\n"
        "theme:\n  name: material\n  font: false\n"
        f"hooks:\n  - {HOOKS / 'flow_embeds.py'}\n  - {HOOKS / 'site_assets.py'}\n"
    )
    return config, dist


def _html(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_embed_urls_are_made_relative_to_each_page(tmp_path: Path) -> None:
    embed = '<headrace-flow src="flows/hello.json" height="300px" autorun theme="dark"></headrace-flow>\n'
    config, dist = _project(
        tmp_path,
        {"index.md": f"# Home\n\n{embed}", "deep/er/page.md": f"# Deep\n\n{embed}", "plain.md": "# Plain\n"},
    )
    site = tmp_path / "site"
    result = build_site(config, site, dist=dist)
    assert result.returncode == 0, result.stderr

    home = _html(site, "index.html")
    assert (
        '<headrace-flow src="flows/hello.json" height="300px" autorun theme="dark" studio="studio/index.html">' in home
    )
    assert '<script src="embed/headrace-loader.js"></script>' in home
    deep = _html(site, "deep/er/page/index.html")
    assert '<headrace-flow src="../../../flows/hello.json" height="300px" autorun theme="dark"' in deep
    assert 'studio="../../../studio/index.html"' in deep
    assert '<script src="../../../embed/headrace-loader.js"></script>' in deep
    # Markdown keeps the element a block of its own, not inside a paragraph.
    assert "<p><headrace-flow" not in deep
    assert "headrace-loader.js" not in _html(site, "plain/index.html")
    # A theme set by the page is kept.

    # What the URLs point at was copied in.
    assert json.loads((site / "flows" / "hello.json").read_text()) == _FLOW
    assert (site / "embed" / "headrace-embed.js").read_text() == "export {};\n"
    assert (site / "studio" / "index.html").is_file()
    assert (site / "studio" / "embed" / "headrace-embed.js").is_file()


def test_embeds_without_a_theme_are_left_to_follow_the_page(tmp_path: Path) -> None:
    # The element follows Material's palette itself (hostScheme.ts): the hook adds no theme.
    page = '# P\n\n<headrace-flow src="flows/hello.json"></headrace-flow>\n'
    config, dist = _project(tmp_path, {"index.md": page})
    site = tmp_path / "site"
    result = build_site(config, site, dist=dist)
    assert result.returncode == 0, result.stderr
    home = _html(site, "index.html")
    assert '<headrace-flow src="flows/hello.json" studio="studio/index.html">' in home
    assert "theme" not in home.split("<headrace-flow", 1)[1].split(">", 1)[0]


def test_a_studio_set_by_a_page_is_made_relative_too_and_runtime_is_left_to_the_module(tmp_path: Path) -> None:
    page = (
        '# P\n\n<headrace-flow src="flows/hello.json" studio="studio/index.html?x=1" runtime="rt/"></headrace-flow>\n'
    )
    config, dist = _project(tmp_path, {"guide/p.md": page})
    site = tmp_path / "site"
    result = build_site(config, site, dist=dist)
    assert result.returncode == 0, result.stderr
    # The element reads `runtime` against its module's folder, which is the same on every page.
    assert 'studio="../../studio/index.html?x=1" runtime="rt/"' in _html(site, "guide/p/index.html")


@pytest.mark.parametrize(
    ("src", "problem"),
    [
        ("flows/nope.json", 'src="flows/nope.json"> names no flow of this site'),
        ("hello.json", 'src="hello.json"> names no flow of this site'),
        (
            "https://example.org/flows/hello.json",
            'src="https://example.org/flows/hello.json"> names no flow of this site',
        ),
    ],
)
def test_an_embed_of_a_flow_the_site_lacks_fails_the_build(tmp_path: Path, src: str, problem: str) -> None:
    config, dist = _project(tmp_path, {"guide/bad.md": f'# Bad\n\n<headrace-flow src="{src}"></headrace-flow>\n'})
    result = build_site(config, tmp_path / "site", dist=dist)
    assert result.returncode != 0
    assert f"docs/guide/bad.md: <headrace-flow {problem}" in result.stderr
    assert "one of hello.json (from templates/flows/)" in result.stderr


def test_an_embed_without_src_fails_the_build(tmp_path: Path) -> None:
    config, dist = _project(tmp_path, {"index.md": '# I\n\n<headrace-flow height="3px"></headrace-flow>\n'})
    result = build_site(config, tmp_path / "site", dist=dist)
    assert result.returncode != 0
    assert 'docs/index.md: <headrace-flow height="3px"> has no src' in result.stderr


def test_an_absolute_studio_url_fails_the_build(tmp_path: Path) -> None:
    page = '# I\n\n<headrace-flow src="flows/hello.json" studio="/studio/index.html"></headrace-flow>\n'
    config, dist = _project(tmp_path, {"index.md": page})
    result = build_site(config, tmp_path / "site", dist=dist)
    assert result.returncode != 0
    assert 'docs/index.md: <headrace-flow studio="/studio/index.html">: write studio relative to the site root' in (
        result.stderr
    )


def test_without_the_built_embed_the_build_says_to_run_make_build(tmp_path: Path) -> None:
    config, dist = _project(tmp_path, {"index.md": "# I\n"}, with_embed=False)
    result = build_site(config, tmp_path / "site", dist=dist)
    assert result.returncode != 0
    assert f"{dist / 'embed' / 'headrace-embed.js'} is missing" in result.stderr
    assert "Run `make build` first" in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()
