"""Errors point into a flow by a JSON path a person can read, and quote hostile
text without letting it act on the terminal it is printed on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headrace import FlowError, HeadraceError, RequirementError, RunError
from headrace.errors import QueueFullError, format_path, printable


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        ([], "$"),
        (["nodes"], "nodes"),
        (["edges", 0, "to", "port"], "edges[0].to.port"),
        (["nodes", 2, "ports", "add.x"], 'nodes[2].ports["add.x"]'),
        (["a b", 'say "hi"'], '["a b"]["say \\"hi\\""]'),
        ([3], "[3]"),
    ],
)
def test_a_path_reads_as_it_would_be_written(parts: list[str | int], path: str) -> None:
    assert format_path(parts) == path


@given(st.lists(st.text(max_size=6) | st.integers(0, 99), max_size=5))
def test_a_path_is_one_printable_line(parts: list[str | int]) -> None:
    path = format_path(parts)
    assert path and printable(path) == path and "\n" not in path


@given(st.text())
def test_printable_text_draws_nothing_on_a_terminal(text: str) -> None:
    shown = printable(text)
    assert not any(ord(c) < 32 and c != "\t" for c in shown) and "\x1b" not in shown
    shown.encode("utf-8")  # raises if a lone surrogate were left
    if text.isprintable():
        assert shown == text


def test_a_flow_error_says_where_and_what() -> None:
    error = FlowError(["nodes", 0, "code"], "SyntaxError at line 2: bad\x1b[2J", line=2, column=5)
    assert str(error) == "nodes[0].code: SyntaxError at line 2: bad\\x1b[2J"
    assert (error.path, error.line, error.column) == ("nodes[0].code", 2, 5)
    assert FlowError("$", "empty").path == "$"


def test_every_error_a_host_reports_is_a_headrace_error() -> None:
    for error in (FlowError([], "x"), RequirementError("m", ["numpy"]), RunError("r"), QueueFullError("q")):
        assert isinstance(error, HeadraceError)
    missing = RequirementError("numpy is not installed", ["numpy"], "offline")
    assert (missing.requirements, missing.problem, str(missing)) == (["numpy"], "offline", "numpy is not installed")
