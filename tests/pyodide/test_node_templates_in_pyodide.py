"""The palette's node templates (templates/nodes/) inside real Pyodide: the same small
flows as in CPython (tests/py/template_cases.py), held to the same checks. One Node.js
process runs them all. The HTTP request goes through pyfetch (`sys.platform` is
"emscripten" there) to a local server."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pyodide_node import REPO, run_flow_files

sys.path.insert(0, str(REPO / "tests" / "py"))  # the cases are defined once, beside the CPython tests

from template_cases import OFFLINE_CASES, Check, http_request_case, json_server

CASES = [*sorted(OFFLINE_CASES), "http-request"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[dict[str, Any]], Check]]:
    folder = tmp_path_factory.mktemp("templates")
    with json_server() as url:
        built = {stem: OFFLINE_CASES[stem]() for stem in OFFLINE_CASES}
        built["http-request"] = http_request_case(url)
        paths = []
        for stem, (doc, _) in built.items():
            path = folder / f"{stem}.json"
            path.write_text(json.dumps(doc), encoding="utf-8")
            paths.append(path)
        lines = run_flow_files(*paths)
    events: dict[str, list[dict[str, Any]]] = {}
    current: list[dict[str, Any]] = []
    for line in lines:
        obj = json.loads(line)
        if "flow" in obj and "event" not in obj:
            current = events.setdefault(Path(obj["flow"]).stem, [])
        else:
            current.append(obj)
    return {stem: (events[stem], check) for stem, (_, check) in built.items()}


@pytest.mark.parametrize("stem", CASES)
def test_template_does_what_it_says_in_pyodide(stem: str, runs: dict[str, tuple[list[dict[str, Any]], Check]]) -> None:
    events, check = runs[stem]
    check(events)
