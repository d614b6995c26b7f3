"""The documentation site as `mkdocs build` makes it, on a local static server, for the
end-to-end tests of its pages (import the fixtures into a test module to use them).

The site is built once per session into a temporary folder from this repository's
mkdocs.yml (the studio build in dist/ comes first: conftest's `studio_dist`). With
E2E_DOCS_SITE=<dir>, a site already built there (`make docs` makes site/) is served as is.

Beside the site, the server serves tests/flows/ under /test-flows/, so a page can be
pointed at flows the site does not ship (the invalid ones).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import _Handler

REPO = Path(__file__).resolve().parents[2]
TEST_FLOWS = REPO / "tests" / "flows"
TEST_FLOWS_URL = "test-flows/"


class _SiteHandler(_Handler):
    """The studio's test server (MIME types, CORS), over the site instead of dist/."""

    def translate_path(self, path: str) -> str:
        if path.startswith(f"/{TEST_FLOWS_URL}"):
            return str(TEST_FLOWS / path.split("?")[0].removeprefix(f"/{TEST_FLOWS_URL}"))
        return http.server.SimpleHTTPRequestHandler.translate_path(self, path)


@pytest.fixture(scope="session")
def docs_site(studio_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built documentation site."""
    existing = os.environ.get("E2E_DOCS_SITE")
    if existing:
        return Path(existing).resolve()
    out = tmp_path_factory.mktemp("docs-site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(out)],
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"mkdocs build failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` (and tests/flows/ under /test-flows/) on loopback; yields the root URL."""
    handler = functools.partial(_SiteHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def docs_url(docs_site: Path) -> Iterator[str]:
    """The site's root URL on loopback (ends with a slash)."""
    with serve(docs_site) as url:
        yield url
