"""The JSON Schema of the flow format, shipped in the package for hosts and tools."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

FLOW_SCHEMA_FILE = "flow-v1.schema.json"


def flow_schema() -> dict[str, Any]:
    """The flow format's JSON Schema (draft 2020-12) as a dict."""
    text = resources.files(__package__).joinpath(FLOW_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
