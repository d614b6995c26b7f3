"""The studio's TypeScript types, generated from the Python protocol: every event,
command and result is named with its tag, Python types have one TypeScript
spelling, and ``--check`` fails when the checked-in file has drifted."""

from __future__ import annotations

import dataclasses
import pathlib
import re
from typing import Any, Literal

import pytest
from conftest import ROOT

from headrace import commands, protocol, protocol_ts, view

EVENTS_TS = ROOT / "studio" / "src" / "protocol" / "events.ts"


@pytest.fixture(scope="module")
def generated() -> str:
    return protocol_ts.generate()


def _interface(text: str, name: str) -> str:
    match = re.search(rf"export interface {name} \{{\n(.*?)\n\}}", text, re.S)
    assert match, f"no interface {name}"
    return match.group(1)


def test_every_event_is_an_interface_with_its_tag(generated: str) -> None:
    for cls in protocol.EVENT_TYPES:
        assert f'event: "{cls.kind}";' in _interface(generated, cls.__name__)  # type: ignore[attr-defined]
    union = re.search(r"export type EngineEvent = (.*);", generated)
    assert union and union.group(1).split(" | ") == [c.__name__ for c in protocol.EVENT_TYPES]


def test_every_command_and_result_is_named(generated: str) -> None:
    for cls in commands.COMMAND_TYPES:
        assert f'cmd: "{cls.kind}";' in _interface(generated, cls.__name__)  # type: ignore[attr-defined]
    for cls in commands.RESULT_TYPES:
        _interface(generated, cls.__name__)
    for cls in view.VIEW_TYPES:
        assert f"export interface {cls.__name__} " in generated


def test_every_field_of_an_event_is_in_its_interface(generated: str) -> None:
    for cls in protocol.EVENT_TYPES:
        body = _interface(generated, cls.__name__)
        for field in dataclasses.fields(cls):
            assert re.search(rf"^  {field.name}\??: ", body, re.M), f"{cls.__name__}.{field.name}"


@pytest.mark.parametrize(
    ("hint", "spelling"),
    [
        (str, "string"),
        (int, "number"),
        (float, "number"),
        (bool, "boolean"),
        (Any, "unknown"),
        (type(None), "null"),
        (str | None, "string | null"),
        (list[int], "number[]"),
        (list[str | None], "(string | null)[]"),
        (dict[str, int], "Record<string, number>"),
        (Literal["a", "b"], '"a" | "b"'),
        (Literal[1, True], "1 | true"),
        (protocol.NodeState, "NodeState"),
        (protocol.Emit, "Emit"),
    ],
)
def test_python_types_have_one_typescript_spelling(hint: Any, spelling: str) -> None:
    assert protocol_ts.ts_type(hint) == spelling


def test_a_type_without_a_spelling_is_an_error_not_a_guess() -> None:
    with pytest.raises(TypeError, match="no TypeScript spelling"):
        protocol_ts.ts_type(bytes)


def test_the_checked_in_file_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert protocol_ts.main(["--check", str(EVENTS_TS)]) == 0
    assert capsys.readouterr().err == ""


def test_check_fails_on_drift_and_says_how_to_fix_it(
    tmp_path: pathlib.Path, generated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "events.ts"
    stale.write_text(generated.replace("export interface Emit {", "export interface Emit {\n  gone: string;"))
    assert protocol_ts.main(["--check", str(stale)]) == 1
    assert f"{stale} is out of date: run `python -m headrace.protocol_ts > {stale}`" in capsys.readouterr().err
    stale.write_text(generated)
    assert protocol_ts.main(["--check", str(stale)]) == 0


def test_without_check_it_prints_the_file(capsys: pytest.CaptureFixture[str], generated: str) -> None:
    assert protocol_ts.main([]) == 0
    out = capsys.readouterr().out
    assert out == generated and out.startswith(protocol_ts.HEADER)
