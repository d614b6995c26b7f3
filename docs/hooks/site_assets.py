"""MkDocs hook: the built embed, the studio and the example flows, copied into the site.

The pages' `<headrace-flow>` embeds (see `flow_embeds.py`) need, beside the pages:

| in the site | copied from | why |
|---|---|---|
| `embed/` | `dist/embed/` | the embed's module, its chunks, Pyodide and the wheels |
| `studio/` | all of `dist/` | the studio that "Open in studio" opens |
| `flows/` | `templates/flows/*.json` | the flows the pages embed |

`dist/` is the studio build (`make build`); without it the site would have dead embeds,
so the build stops at once with what to run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import site_layout
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Fail before rendering anything when there is no studio build to copy."""
    dist = site_layout.dist_dir(config)
    embed = dist / site_layout.EMBED_DIR
    for needed in (embed / site_layout.EMBED_MODULE, embed / site_layout.EMBED_LOADER, dist / site_layout.STUDIO_PAGE):
        if not needed.is_file():
            raise PluginError(
                f"{needed} is missing: the docs' live examples need the built embed and studio. "
                f"Run `make build` first (`make docs` does both)."
            )
    return config


def on_post_build(*, config: MkDocsConfig) -> None:
    """Copy the embed, the studio and the flows into the built site."""
    dist = site_layout.dist_dir(config)
    site = Path(config.site_dir)
    shutil.copytree(dist / site_layout.EMBED_DIR, site / site_layout.EMBED_DIR, dirs_exist_ok=True)
    shutil.copytree(dist, site / site_layout.STUDIO_DIR, dirs_exist_ok=True)
    flows = site / site_layout.FLOWS_DIR
    flows.mkdir(exist_ok=True)
    for flow in sorted(site_layout.flows_dir(config).glob("*.json")):
        shutil.copy2(flow, flows / flow.name)
