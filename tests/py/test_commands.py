"""Commands as a host sends them: parsed from JSON into the tagged union, and
refused with a message that names the command and the field when they are wrong."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headrace.commands import (
    COMMAND_TYPES,
    BadCommand,
    DescribeCron,
    ErrorInfo,
    Hello,
    Inspect,
    Install,
    StartRun,
    failure,
    parse_command,
)

TAGS = [c.kind for c in COMMAND_TYPES]  # type: ignore[attr-defined]


def test_every_command_has_its_own_tag() -> None:
    assert len(TAGS) == len(set(TAGS)) and {"hello", "inspect", "validate", "run", "stop"} <= set(TAGS)


def test_a_command_is_built_from_its_json_form() -> None:
    assert parse_command({"cmd": "hello"}) == Hello()
    assert parse_command({"cmd": "inspect", "type": "script", "code": "def f(x): return x"}) == Inspect(
        "script", "def f(x): return x"
    )
    cron = parse_command({"cmd": "cron", "expression": "*/5 * * * *"})
    assert cron == DescribeCron("*/5 * * * *") and cron.count == 3 and cron.timezone is None


def test_defaults_fill_the_fields_a_host_leaves_out() -> None:
    run = parse_command({"cmd": "run", "flow": {"nodes": []}})
    assert isinstance(run, StartRun) and run.trigger == "sources" and run.schedules is True and run.run is None


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "a command is a JSON object, got a list"),
        ("hello", "a command is a JSON object, got a string"),
        ({}, "unknown cmd None"),
        ({"cmd": "launch"}, "unknown cmd 'launch' (expected one of: hello, "),
        ({"cmd": 3}, "unknown cmd 3"),
        ({"cmd": "inspect", "type": "script"}, "inspect: missing field 'code'"),
        ({"cmd": "hello", "x": 1}, "hello: unknown field 'x' (fields: none)"),
        ({"cmd": "inspect", "type": "script", "code": "", "lang": "py"}, "inspect: unknown field 'lang' (fields: "),
        ({"cmd": "inspect", "type": "sql", "code": ""}, "inspect.type: expected 'data' or 'script', got 'sql'"),
        ({"cmd": "inspect", "type": "data", "code": 5}, "inspect.code: expected a string, got a number"),
        ({"cmd": "cron", "expression": "* * * * *", "count": True}, "cron.count: expected an integer, got true or"),
        ({"cmd": "cron", "expression": "* * * * *", "count": 1.5}, "cron.count: expected an integer, got a number"),
        ({"cmd": "install", "requirements": ["a", 2]}, "install.requirements[1]: expected a string, got a number"),
        ({"cmd": "install", "requirements": "numpy"}, "install.requirements: expected a list of a string, got a"),
        ({"cmd": "run", "flow": None}, "run.flow: expected an object, got null"),
    ],
)
def test_a_malformed_command_is_refused_with_the_field_at_fault(obj: Any, message: str) -> None:
    with pytest.raises(BadCommand) as caught:
        parse_command(obj)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_list_field_takes_a_list_of_its_items() -> None:
    command = parse_command({"cmd": "install", "requirements": ["numpy", "pandas>=2"], "index_urls": None})
    assert command == Install(["numpy", "pandas>=2"])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@given(tag=st.sampled_from(TAGS), fields=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4))
def test_any_json_object_is_either_a_command_or_a_bad_command(tag: str, fields: dict[str, Any]) -> None:
    """Whatever a host sends, the answer is a command of the tag it named or a
    BadCommand, never another exception a host would see as a crash."""
    try:
        command = parse_command({**fields, "cmd": tag})
    except BadCommand as exc:
        assert str(exc)
    else:
        assert type(command).kind == tag  # type: ignore[attr-defined]
        assert {f.name for f in dataclasses.fields(command)} >= set(fields)


def test_a_failure_is_a_result_value_with_every_field_of_the_error() -> None:
    result = failure(ErrorInfo("RequirementError", "no numpy", requirements=["numpy"], problem="offline"))
    assert result == {
        "ok": False,
        "error": {
            "type": "RequirementError",
            "message": "no numpy",
            "path": None,
            "requirements": ["numpy"],
            "line": None,
            "column": None,
            "problem": "offline",
        },
    }
    assert json.loads(json.dumps(result)) == result
