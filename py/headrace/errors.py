"""The errors the engine raises to its callers, and JSON paths to point into a flow."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: Characters a terminal or a log would act on rather than show (and lone surrogates).
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` on one line, with control characters (tab kept) and lone surrogates
    shown as escapes: a message quoting a hostile file must not draw on the
    terminal it is printed on (a fake ``ok`` line, a cleared screen)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


PathPart = str | int


def format_path(parts: Sequence[PathPart]) -> str:
    """Render ``["edges", 0, "to", "port"]`` as ``edges[0].to.port``.

    Keys that are not identifiers are quoted (``ports["add.x"]``) so a path is never
    ambiguous; the empty path is ``$`` (the document itself).
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += '["' + printable(part.replace("\\", "\\\\").replace('"', '\\"')) + '"]'
    return out or "$"


class HeadraceError(Exception):
    """Base of the errors the engine reports to its host as values."""


class FlowError(HeadraceError):
    """A flow file, or a node's code, is not valid. ``path`` points at the culprit
    (``nodes[1].code``) and ``problem`` says what is wrong; ``str()`` gives both.
    ``line`` and ``column`` (1-based) point into node code, when the fault is in it
    (a syntax error), so an editor can mark the line."""

    def __init__(
        self, path: Sequence[PathPart] | str, problem: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = printable(path) if isinstance(path, str) else format_path(path)
        self.problem = printable(problem)
        self.line = line
        self.column = column
        super().__init__(f"{self.path}: {self.problem}")


#: Why a requirement could not be installed (see headrace.requirements.classify).
RequirementProblem = Literal["offline", "not_found", "not_for_browser", "conflict", "other"]


class RequirementError(HeadraceError):
    """Requirements of a flow are missing here or could not be installed.
    ``requirements`` lists the ones at fault; ``problem`` says why, when an install
    failed: ``offline``, ``not_found``, ``not_for_browser``, ``conflict`` or ``other``
    (see headrace.requirements.classify)."""

    def __init__(self, message: str, requirements: Sequence[str], problem: RequirementProblem | None = None) -> None:
        self.requirements = list(requirements)
        self.problem = problem
        super().__init__(message)


class QueueFullError(HeadraceError):
    """A port of a node already held as many values as the flow's ``queue_limit``
    allows when one more arrived: the run stops (see docs/semantics.md)."""


class RunError(HeadraceError):
    """A run was asked to do something it cannot (trigger an unknown node, trigger
    after it stopped)."""
