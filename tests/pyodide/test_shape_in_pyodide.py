"""`__all__` inside real Pyodide: the listed function is the node's only socket, a helper
it calls is no socket (its edges would be refused) and never fires on its own."""

from __future__ import annotations

from pathlib import Path

from pyodide_node import run_document

CODE = "__all__ = ['double']\n\n\ndef double(x):\n    return twice(x)\n\n\ndef twice(x=1):\n    return 2 * x\n"


def test_all_in_pyodide(tmp_path: Path) -> None:
    doc = {
        "headrace": 1,
        "name": "all",
        "nodes": [
            {"id": "a", "type": "data", "name": "a", "code": "x = 21"},
            # `twice` has a default for every parameter: were it a socket, it would be a
            # source and fire at the start.
            {"id": "s", "type": "script", "name": "s", "code": CODE},
        ],
        "edges": [{"from": {"node": "a", "socket": "x"}, "to": {"node": "s", "port": "double.x"}}],
    }
    events = run_document(tmp_path, doc)
    emitted = [(e["node"], e["socket"], e["value"]) for e in events if e["event"] == "emit"]
    assert emitted == [("a", "x", 21), ("s", "double", 42)]
    assert not [e for e in events if e["event"] == "node_error"]
