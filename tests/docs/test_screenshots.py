"""The screenshots in the getting-started page are the ones docs/screenshots.py takes from
the build: each is shown on the page, each file is there, and no picture is left that the
script no longer takes (a stale picture of a view that changed)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "getting-started.md"


def _shots() -> list[str]:
    spec = importlib.util.spec_from_file_location("screenshots", REPO / "docs" / "screenshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [name for name, _ in module.SHOTS]


def test_the_page_shows_every_screenshot_the_script_takes_and_no_other() -> None:
    shots = _shots()
    shown = re.findall(r"!\[[^\]]+\]\(img/([^)]+)\)", PAGE.read_text(encoding="utf-8"))
    assert sorted(shown) == sorted(shots)
    for name in shots:
        image = REPO / "docs" / "img" / name
        assert image.is_file(), f"run `make screenshots`: docs/img/{name} is missing"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"docs/img/{name} is not a PNG"
    assert sorted(p.name for p in (REPO / "docs" / "img").glob("*.png")) == sorted(shots)
