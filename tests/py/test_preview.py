"""Previews: a short line of text for any value, at a cost that does not grow with it."""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from headrace.preview import PREVIEW_CHARS, preview

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=30,
)


@given(JSON)
def test_a_json_value_previews_as_its_json_cut_to_length(value: Any) -> None:
    shown = preview(value)
    whole = json.dumps(value, ensure_ascii=False)
    assert not shown.repr
    if len(whole) <= PREVIEW_CHARS:
        assert (shown.text, shown.truncated) == (whole, False)
    else:
        assert shown.truncated and len(shown.text) == PREVIEW_CHARS
        assert shown.text.endswith("…") and whole.startswith(shown.text[:-1])


def test_values_json_cannot_hold_preview_as_their_repr() -> None:
    assert preview({1, 2}).text == "{1, 2}" and preview({1, 2}).repr
    assert preview(float("nan")).repr
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    assert preview(cyclic).text == "[[...]]"
    assert preview({"k": object()}).repr


def test_tuples_preview_as_the_lists_the_wire_carries() -> None:
    assert preview((1, "a")).text == '[1, "a"]'


def test_a_huge_value_previews_as_fast_as_a_small_one() -> None:
    huge = ["x" * 1000] * 200_000  # 200 MB of text, were it encoded
    start = time.perf_counter()
    for _ in range(100):
        shown = preview(huge)
    assert time.perf_counter() - start < 1.0  # (100 previews; json.dumps once takes seconds)
    assert shown.truncated and shown.text.startswith('["xxx')
    assert len(preview("y" * 50_000_000).text) == PREVIEW_CHARS
