"""Where the documentation site's parts come from, and where they go in the site.

Shared by the build's hooks (`flow_embeds.py`, `site_assets.py`). URLs here are relative to
the site root; the hooks make them relative to each page.
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

# dist/embed/ is copied to embed/: the embed's loader and module, its chunks, Pyodide and the wheels.
EMBED_DIR = "embed"
EMBED_MODULE = "headrace-embed.js"
# The classic script pages load: it loads the module beside it, and says in the page when it cannot.
EMBED_LOADER = "headrace-loader.js"
# All of dist/ is copied to studio/, so an embed's "Open in studio" link has a studio to open.
STUDIO_DIR = "studio"
STUDIO_PAGE = "index.html"
# templates/flows/*.json are copied to flows/: the flows the pages embed.
FLOWS_DIR = "flows"

# Builds the site against another studio build than the repository's dist/ (the tests use
# it to check the error when there is none).
DIST_DIR_VARIABLE = "HEADRACE_DIST_DIR"


def repo_root(config: MkDocsConfig) -> Path:
    """The repository: the folder holding mkdocs.yml."""
    return Path(config.config_file_path).resolve().parent


def dist_dir(config: MkDocsConfig) -> Path:
    """The studio build (`make build`): `$HEADRACE_DIST_DIR`, or the repository's dist/."""
    override = os.environ.get(DIST_DIR_VARIABLE)
    return Path(override).resolve() if override else repo_root(config) / "dist"


def flows_dir(config: MkDocsConfig) -> Path:
    """The example flows the pages embed."""
    return repo_root(config) / "templates" / "flows"
