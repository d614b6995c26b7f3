"""Building the documentation site with real MkDocs and the repository's hooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_FLOWS = REPO / "templates" / "flows"
HOOKS = REPO / "docs" / "hooks"
# The studio build the site copies; HEADRACE_DIST_DIR is the hooks' own override.
DIST = Path(os.environ.get("HEADRACE_DIST_DIR") or REPO / "dist")


def build_site(config: Path, site: Path, *, dist: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of `config` into `site`, copying the studio build `dist`."""
    env = {**os.environ, "HEADRACE_DIST_DIR": str(dist), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
