"""MkDocs hook: what the PyScript example page (`pyscript/example.html`) needs beside it.

| in the site | made from | why |
|---|---|---|
| `pyscript/core/` | `node_modules/@pyscript/core/dist/` | PyScript itself, served by the site (never a CDN) |
| `pyscript/pyscript.json` | `dist/wheels/manifest.json` | PyScript's config: our Pyodide, the exact wheel files |

The page runs on the studio's copy of Pyodide and the wheels (`studio/pyodide/`,
`studio/wheels/`, copied by `site_assets.py`, which must be listed before this hook), so
the site holds Pyodide once. Wheel file names carry versions, so the config is written
here, from the build's manifest, rather than kept in `docs/`.

Any missing input stops the build with what to run: a page whose Python cannot load is
worse than no page.
"""

from __future__ import annotations

import json
import posixpath
import shutil
from pathlib import Path
from typing import Any

import site_layout
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

# The example page's folder in the site (docs/pyscript/), and what this hook adds to it.
PAGE_DIR = "pyscript"
CORE_DIR = f"{PAGE_DIR}/core"
CONFIG_FILE = f"{PAGE_DIR}/pyscript.json"
PYODIDE_MODULE = "pyodide/pyodide.mjs"
# micropip is left out: the config hands wheels straight to Pyodide (see _config), and a
# micropip in the page would look names up on PyPI, off this site.
NOT_LOADED = {"micropip"}


def core_dist(config: MkDocsConfig) -> Path:
    """PyScript's built files, as npm installs them (`npm ci`)."""
    return site_layout.repo_root(config) / "node_modules" / "@pyscript" / "core" / "dist"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Fail before rendering anything when PyScript or the studio build is missing."""
    _require(core_dist(config) / "core.js", "run `npm ci` (package.json pins @pyscript/core)")
    dist = site_layout.dist_dir(config)
    _require(dist / PYODIDE_MODULE, "run `make build` (`make docs` does both)")
    _wheels(dist)
    return config


def on_post_build(*, config: MkDocsConfig) -> None:
    """Copy PyScript into the site and write the page's config."""
    site = Path(config.site_dir)
    studio = site / site_layout.STUDIO_DIR
    _require(
        studio / PYODIDE_MODULE,
        "the site has no copy of the studio: list docs/hooks/site_assets.py before "
        "docs/hooks/pyscript_assets.py under `hooks:` in mkdocs.yml",
    )
    core = site / CORE_DIR
    shutil.rmtree(core, ignore_errors=True)
    # Source maps stay behind: a tenth of the size, only for debugging PyScript itself.
    shutil.copytree(core_dist(config), core, ignore=shutil.ignore_patterns("*.map"))
    wheels = _wheels(site_layout.dist_dir(config))
    for wheel in wheels:
        _require(studio / "wheels" / wheel, "the site's copy of the studio is older than dist/: rebuild the site")
    (site / CONFIG_FILE).write_text(json.dumps(_config(wheels), indent=2) + "\n", encoding="utf-8")


def _config(wheels: list[str]) -> dict[str, Any]:
    """PyScript's config for the page: URLs relative to the page's folder (PyScript reads
    `interpreter` against the page and `packages` against the config; both sit there)."""

    def url(path: str) -> str:
        return posixpath.relpath(f"{site_layout.STUDIO_DIR}/{path}", PAGE_DIR)

    return {
        "interpreter": url(PYODIDE_MODULE),
        "packages": [url(f"wheels/{wheel}") for wheel in wheels],
        # Hand the wheels to Pyodide's loadPyodide({packages}) as they are. Otherwise
        # PyScript installs them with micropip, which Pyodide fetches from beside
        # pyodide.mjs, where the build keeps none (it is in wheels/).
        "packages_cache": "passthrough",
    }


def _wheels(dist: Path) -> list[str]:
    """headrace and its dependencies, from the build's manifest: the wheels the studio
    loads at boot (dependencies first), then the ones it loads on first need. The page
    takes those at once: tzdata, for a flow with a time zone or schedules, is a file
    away in the studio, but PyScript only loads what its config names up front."""
    manifest_file = dist / "wheels" / "manifest.json"
    _require(manifest_file, "run `make build`")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        boot, lazy = manifest["boot"], manifest.get("lazy", {})
        wheels = [*boot, *lazy.values()]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PluginError(f"{manifest_file}: no lists of wheels ({exc!r}); rebuild with `make build`") from None
    if not all(isinstance(name, str) for name in wheels):
        raise PluginError(f"{manifest_file}: `boot` and `lazy` do not name wheel files; rebuild with `make build`")
    wheels = [name for name in wheels if name.split("-")[0].lower() not in NOT_LOADED]
    if not any(name.startswith("headrace-") for name in wheels):
        raise PluginError(f"{manifest_file}: the build has no headrace wheel; rebuild with `make build`")
    for wheel in wheels:
        _require(dist / "wheels" / wheel, "rebuild with `make build`")
    return wheels


def _require(path: Path, remedy: str) -> None:
    if not path.is_file():
        raise PluginError(f"{path} is missing (the PyScript example page needs it): {remedy}")
