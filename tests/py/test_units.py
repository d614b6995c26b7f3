"""Durations and sizes as people write them on a command line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headrace.units import MIB, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1.5h", 5400), ("250ms", 0.25), ("2d", 172800), ("0", 0), (" 7 s ", 7), ("12", 12)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "size"),
    [("2MiB", 2 * MIB), ("512k", 512 * 1024), ("4G", 4096 * MIB), ("1.5mb", int(1.5 * MIB)), ("0", 0), ("10B", 10)],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "soon", "-5s", "5 weeks", "1e3s", "5S", "s"])
def test_a_duration_not_understood_is_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration: .* \(examples: 30s, 5m, 2h\)"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["", "lots", "-1k", "2TiB", "k"])
def test_a_size_not_understood_is_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a size: .* \(examples: 2MiB, 512k, 4G\)"):
        parse_size(text)


@given(st.integers(0, 10**9), st.sampled_from(["", "b", "k", "KiB", "m", "MB", "g", "GiB"]))
def test_a_whole_number_of_any_unit_is_exact_bytes(n: int, unit: str) -> None:
    factor = {"": 1, "b": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[unit[:1].lower()]
    assert parse_size(f"{n}{unit}") == n * factor
