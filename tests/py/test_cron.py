"""Cron expressions: our reading against an independent implementation, and
rejection of everything that is not a schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from headrace import Flow, FlowError
from headrace.cron import ALIASES, Cron, CronError

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (low, high, names) per field; day-of-month stops at 28 so that every generated
# expression matches some date.
FIELDS = {"second": (0, 59, None), "minute": (0, 59, None), "hour": (0, 23, None),
          "dom": (1, 28, None), "month": (1, 12, MONTHS), "dow": (0, 6, DAYS)}  # fmt: skip


@st.composite
def field(draw: st.DrawFn, name: str) -> str:
    low, high, names = FIELDS[name]
    value = st.integers(low, high)

    def term() -> str:
        kinds = ["value", "range", "step", "range-step"] + (["name"] if names else [])
        if name in ("dom", "dow"):
            # "*/n" in a day field: Vixie cron (and cronsim) treat the field as "*"
            # when combining day-of-month with day-of-week; croniter does not. See
            # test_a_starred_step_in_a_day_field_counts_as_a_star.
            kinds.remove("step")
        kind = draw(st.sampled_from(kinds))
        if kind == "value":
            return str(draw(value))
        if kind == "name":
            assert names is not None
            return draw(st.sampled_from(names))
        a, b = sorted((draw(value), draw(value)))
        if a == b:
            # croniter reads a one-value range ("5-5") as the whole field; see
            # test_a_one_value_range_is_that_value for ours.
            return str(a)
        step = draw(st.integers(1, high - low))
        if kind == "range":
            return f"{a}-{b}"
        if kind == "step":
            return f"*/{step}"
        return f"{a}-{b}/{step}"

    shape = draw(st.sampled_from(["star", "terms"]))
    if shape == "star":
        return "*"
    return ",".join(term() for _ in range(draw(st.integers(1, 3))))


@st.composite
def expressions(draw: st.DrawFn) -> str:
    parts = [draw(field(n)) for n in ("minute", "hour", "dom", "month", "dow")]
    if draw(st.booleans()):
        parts.insert(0, draw(field("second")))
    return " ".join(parts)


moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)).map(
    lambda d: d.replace(tzinfo=dt.UTC, microsecond=0)
)


@settings(max_examples=1000, deadline=None)
@given(expressions(), moments)
def test_next_fire_times_agree_with_croniter(expression: str, start: dt.datetime) -> None:
    ours = Cron(expression).next_times(start, 3)
    reference = croniter(expression, start, second_at_beginning=len(expression.split()) == 6)
    theirs = [reference.get_next(dt.datetime) for _ in range(3)]
    assert ours == theirs


@pytest.mark.parametrize(
    "ranged, single",
    [("* * * * 0-0", "* * * * 0"), ("* * * * SUN-SUN", "* * * * SUN"), ("* * 1-1 * *", "* * 1 * *"),
     ("5-5 * * * * *", "5 * * * * *"), ("0 3-3 * FEB-FEB *", "0 3 * 2 *")],
)  # fmt: skip
def test_a_one_value_range_is_that_value(ranged: str, single: str) -> None:
    start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert Cron(ranged).next_times(start, 20) == Cron(single).next_times(start, 20)


def test_a_starred_step_in_a_day_field_counts_as_a_star() -> None:
    # As in Vixie cron: a day field starting with "*" does not widen the other one.
    start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # a Saturday
    assert {t.strftime("%a") for t in Cron("0 0 */1 * 0").next_times(start, 10)} == {"Sun"}
    # Both restricted: either matches.
    assert {t.strftime("%a %d") for t in Cron("0 0 1 * 0").next_times(start, 3)} == {"Sun 02", "Sun 09", "Sun 16"}


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_read_as_their_expressions(alias: str) -> None:
    start = dt.datetime(2026, 5, 17, 13, 45, tzinfo=dt.UTC)
    assert Cron(alias).next_times(start, 3) == Cron(ALIASES[alias]).next_times(start, 3)


@pytest.mark.parametrize(
    "expression, words",
    [
        ("*/5 * * * * *", "Every fifth second of every minute"),
        ("0 9 * * 1-5", "At 09:00 on Monday through Friday"),
        ("@hourly", "At the start of every hour"),
    ],
)
def test_explain_reads_in_plain_words(expression: str, words: str) -> None:
    assert Cron(expression).explain() == words


OUT_OF_RANGE = {"second": (60, 99), "minute": (60, 99), "hour": (24, 99), "dom": (32, 99), "month": (13, 99),
                "dow": (8, 99)}  # fmt: skip


# The largest step that means anything in each field (the field's span).
LARGEST_STEP = {"second": 59, "minute": 59, "hour": 23, "dom": 30, "month": 11, "dow": 6}


@st.composite
def invalid_expressions(draw: st.DrawFn) -> str:
    names = ["minute", "hour", "dom", "month", "dow"]
    seconds = draw(st.booleans())
    if seconds:
        names.insert(0, "second")
    parts = [draw(field(n)) for n in names]
    broken = draw(st.integers(0, len(parts) - 1))
    kind = draw(st.sampled_from(["count", "out-of-range", "zero-step", "big-step", "junk", "empty-term", "alias"]))
    if kind == "count":
        n = draw(st.sampled_from([1, 2, 3, 4, 7, 8]))
        return " ".join((parts * 2)[:n])
    if kind == "out-of-range":
        a, b = OUT_OF_RANGE[names[broken]]
        parts[broken] = str(draw(st.integers(a, b)))
    elif kind == "zero-step":
        parts[broken] = "*/0"
    elif kind == "big-step":
        parts[broken] = f"*/{draw(st.integers(LARGEST_STEP[names[broken]] + 1, 500))}"
    elif kind == "junk":
        parts[broken] = draw(st.sampled_from(["x", "%", "MONDAY", "1-", "-5", "1--2", "*/", "1/", "1.5", "¼", "@"]))
    elif kind == "empty-term":
        parts[broken] = parts[broken] + ","
    else:
        return draw(st.sampled_from(["@often", "@every5m", "@", "@reboot", "@hourly *"]))
    return " ".join(parts)


@settings(max_examples=1000, deadline=None)
@given(invalid_expressions())
def test_invalid_expressions_are_rejected_with_a_reason(expression: str) -> None:
    with pytest.raises(CronError) as caught:
        Cron(expression)
    assert str(caught.value).strip()


@settings(max_examples=200, deadline=None)
@given(invalid_expressions())
def test_an_invalid_schedule_is_a_flow_error_naming_node_socket_and_reason(expression: str) -> None:
    doc = {"headrace": 1, "name": "f", "nodes": [{"id": "d", "type": "data", "name": "", "code": "a = 1",
           "schedule": {"a": expression}}], "edges": []}  # fmt: skip
    with pytest.raises(FlowError) as caught:
        Flow.load(doc)
    assert str(caught.value).startswith(f"nodes[0].schedule.a: invalid cron {expression!r}: ")


def test_the_documented_example_message() -> None:
    doc = {"headrace": 1, "name": "f", "nodes": [{"id": "n", "type": "data", "name": "", "code": "a = 1",
           "schedule": {"a": "*/61 * * * *"}}], "edges": []}  # fmt: skip
    with pytest.raises(FlowError, match=r"^nodes\[0\]\.schedule\.a: invalid cron '\*/61 \* \* \* \*': step 61"):
        Flow.load(doc)
