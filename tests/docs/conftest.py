"""The documentation site as `make docs` builds it, once per session (see site_build.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_build import DIST, REPO, build_site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mkdocs.yml and docs/ built into a temporary folder (needs the studio build: `make build`)."""
    site = tmp_path_factory.mktemp("docs") / "site"
    result = build_site(REPO / "mkdocs.yml", site, dist=DIST)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build failed (exit {result.returncode}):\n{result.stderr}", pytrace=False)
    return site
