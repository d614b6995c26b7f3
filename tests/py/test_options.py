"""The command-line options ``headrace run`` and ``headrace serve`` share: the same
spelling of durations and sizes, the same executor choice, the same refusals."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headrace.options import add_executor_options, duration, positive_duration, size


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="test", exit_on_error=False)
    p.add_argument("--for", dest="duration", type=positive_duration)
    p.add_argument("--limit", type=duration)
    p.add_argument("--max", type=size)
    add_executor_options(p)
    return p


def test_the_executor_is_local_unless_asked() -> None:
    args = parser().parse_args([])
    assert (args.executor, args.scheduler, args.spread) == ("local", None, False)
    args = parser().parse_args(["--executor", "dask", "--scheduler", "tcp://h:8786", "--spread"])
    assert (args.executor, args.scheduler, args.spread) == ("dask", "tcp://h:8786", True)


def test_durations_and_sizes_as_people_write_them() -> None:
    args = parser().parse_args(["--for", "1.5h", "--limit", "250ms", "--max", "2MiB"])
    assert (args.duration, args.limit, args.max) == (5400.0, 0.25, 2 * 1024 * 1024)
    assert parser().parse_args(["--limit", "0"]).limit == 0  # a limit of 0: none


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--for", "0"], "the duration must be positive: '0'"),
        (["--for", "soon"], "not a duration: 'soon' (examples: 30s, 5m, 2h)"),
        (["--limit", "5 weeks"], "not a duration: '5 weeks'"),
        (["--max", "lots"], "not a size: 'lots' (examples: 2MiB, 512k, 4G)"),
    ],
)
def test_a_value_that_is_not_understood_is_refused_with_examples(argv: list[str], message: str) -> None:
    with pytest.raises(argparse.ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parser().parse_args(argv)


@given(st.integers(1, 10**6), st.sampled_from([("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("", 1)]))
def test_a_positive_duration_in_any_unit_is_seconds(n: int, unit: tuple[str, float]) -> None:
    assert positive_duration(f"{n}{unit[0]}") == pytest.approx(n * unit[1])
