"""The palette's node templates (templates/nodes/) are read by the engine too: the
starter code of each node type reads as that type, with at least one socket."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from headrace import Flow
from headrace.shape import read_shape

NODES = sorted((ROOT / "templates" / "nodes").glob("*.json"))


def test_there_are_templates_for_every_node_type_and_notes() -> None:
    kinds = {json.loads(p.read_text())["kind"] for p in NODES}
    assert kinds == {"data", "script", "note"}


@pytest.mark.parametrize(
    "path", [p for p in NODES if json.loads(p.read_text())["kind"] != "note"], ids=lambda p: p.stem
)
def test_template_code_reads_as_its_node_type(path: object) -> None:
    item = json.loads(path.read_text())  # type: ignore[attr-defined]
    shape = read_shape(item["kind"], item["code"])
    assert shape.sockets
    flow = Flow.load({"headrace": 1, "name": "t", "nodes": [
        {"id": "n", "type": item["kind"], "name": item["label"], "code": item["code"]}], "edges": []})  # fmt: skip
    assert flow.spec.nodes[0].shape == shape
