"""The exception zoo (tests/py/exception_zoo.py) inside real Pyodide: every way node
code can fail is that node's error, with its traceback, and neither the run nor the
bridge nor Pyodide goes down. Held to exactly the expectations CPython is."""

from __future__ import annotations

import sys
from pathlib import Path

from pyodide_node import REPO, run_document

sys.path.insert(0, str(REPO / "tests" / "py"))  # the zoo is defined once, beside the CPython tests

from exception_zoo import check_zoo_events, zoo_flow


def test_the_zoo_in_pyodide(tmp_path: Path) -> None:
    events = run_document(tmp_path, zoo_flow())
    check_zoo_events(events)
    # The runner stopped the run after it went idle: Pyodide was still answering.
    assert events[-1]["event"] == "run_stopped"
