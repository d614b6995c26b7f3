"""Schedules over simulated days: exactly one fire per slot, misfires by policy.

Every test runs a real :class:`headrace.Run` whose scheduler reads a
:class:`SimulatedClock`; the flow's data node emits on each fire, so a test sees
the fires both as ``schedule_fire`` events and as values arriving downstream.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from simclock import SimulatedClock

from headrace import Flow
from headrace.protocol import Emit, Event, ScheduleFire, ScheduleNext

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


def scheduled_flow(cron: str, *, timezone: str = "UTC", misfire: str | None = None) -> Flow:
    doc: dict[str, Any] = {
        "headrace": 1,
        "name": "scheduled",
        "timezone": timezone,
        "nodes": [{"id": "d", "type": "data", "name": "", "code": "x = 1\n", "schedule": {"x": cron}}],
        "edges": [],
    }
    if misfire is not None:
        doc["misfire"] = misfire
    return Flow.load(doc)


class Session:
    """A started run on a simulated clock, and what it reported."""

    def __init__(self, flow: Flow, start: dt.datetime) -> None:
        self.clock = SimulatedClock(start.timestamp())
        self.events: list[Event] = []
        self.run = flow.start(on_event=self.events.append, clock=self.clock)

    async def __aenter__(self) -> Session:
        await self.run.start()
        self.run.start_schedules()
        await self.clock.advance(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.run.stop()

    @property
    def fires(self) -> list[ScheduleFire]:
        return [e for e in self.events if isinstance(e, ScheduleFire)]

    @property
    def fired(self) -> list[ScheduleFire]:
        return [e for e in self.fires if e.fired]

    @property
    def emits(self) -> int:
        return sum(1 for e in self.events if isinstance(e, Emit))

    def assert_each_slot_once(self) -> None:
        keys = Counter((f.node, f.socket, f.slot_ms) for f in self.fires)
        assert [k for k, n in keys.items() if n > 1] == []
        slots = [f.slot_ms for f in self.fires]
        assert slots == sorted(slots)


START = dt.datetime(2026, 6, 1, 0, 0, 7, tzinfo=dt.UTC)  # not on a slot


async def test_a_day_of_five_minute_slots_fires_each_once_on_time() -> None:
    async with Session(scheduled_flow("*/5 * * * *"), START) as s:
        await s.clock.advance(DAY)
        await s.run.wait_idle()
    assert len(s.fired) == 288
    assert all(f.missed == 1 and not f.late and f.lateness_ms == 0 for f in s.fired)
    assert s.emits == 288
    first = dt.datetime.fromisoformat(s.fired[0].slot)
    assert first == dt.datetime(2026, 6, 1, 0, 5, tzinfo=dt.UTC)  # never a slot before the start
    s.assert_each_slot_once()


async def test_a_day_of_a_seconds_schedule() -> None:
    async with Session(scheduled_flow("*/15 * * * * *"), START) as s:
        await s.clock.advance(DAY)
    assert len(s.fired) == 4 * 60 * 24
    assert {f.missed for f in s.fired} == {1}
    s.assert_each_slot_once()


async def test_every_fire_is_followed_by_the_next_fire_time() -> None:
    async with Session(scheduled_flow("0 * * * *"), START) as s:
        await s.clock.advance(3 * HOUR)
    nexts = [e for e in s.events if isinstance(e, ScheduleNext)]
    assert [dt.datetime.fromisoformat(n.at).hour for n in nexts] == [1, 2, 3, 4]
    assert [f.slot_ms for f in s.fired] == [n.at_ms for n in nexts[:3]]


@pytest.mark.parametrize("misfire", ["coalesce", "skip"])
async def test_clock_jumps_back_and_forward_never_fire_a_slot_twice(misfire: str) -> None:
    async with Session(scheduled_flow("*/5 * * * *", misfire=misfire), START) as s:
        for _ in range(6):
            await s.clock.advance(2 * HOUR)
            s.clock.jump(-10 * MINUTE)  # the clock is set back: slots come round again
            await s.clock.advance(2 * HOUR)
            s.clock.jump(+10 * MINUTE)  # and forward: two slots are jumped over
        await s.clock.advance(MINUTE)
    s.assert_each_slot_once()
    jumped = [f for f in s.fires if f.missed > 1]
    assert len(jumped) == 6 and all(f.missed == 2 for f in jumped)
    if misfire == "coalesce":
        assert all(f.fired and f.late for f in jumped)
    else:
        assert not any(f.fired for f in jumped)
    on_time = [f for f in s.fires if f.missed == 1]
    assert all(f.fired for f in on_time)
    # 24 h of simulated time, the wall clock ending where it began + 24 h: one fire
    # per slot, less the slots a forward jump folded into one (or skipped).
    expected = 288 - 6 * 2 + (6 if misfire == "coalesce" else 0)
    assert len(s.fired) == expected


@pytest.mark.parametrize("misfire, late_fires", [("coalesce", 1), ("skip", 0)])
async def test_a_three_hour_suspend_follows_the_misfire_policy(misfire: str, late_fires: int) -> None:
    async with Session(scheduled_flow("*/5 * * * *", misfire=misfire), START) as s:
        await s.clock.advance(HOUR)
        await s.clock.suspend(3 * HOUR)
        await s.clock.advance(HOUR)
    late = [f for f in s.fires if f.missed > 1]
    assert len(late) == 1 and late[0].missed == 36
    assert len([f for f in late if f.fired]) == late_fires
    assert len([f for f in s.fired if f.missed == 1]) == 12 + 12  # the awake hours, each slot once
    s.assert_each_slot_once()


async def test_a_stalled_loop_fires_once_for_the_slots_it_slept_through() -> None:
    # A slow node blocks the loop from 00:00:12 to 00:00:14.5: two slots are due.
    async with Session(scheduled_flow("* * * * * *"), START) as s:
        await s.clock.advance(5)
        await s.clock.suspend(2.5)
        await s.clock.advance(3)
    s.assert_each_slot_once()
    stalled = [f for f in s.fires if f.missed > 1]
    assert len(stalled) == 1 and stalled[0].fired and stalled[0].missed == 2
    assert [f.count for f in s.fired] == list(range(1, 10))  # 8..12, 14 (for 13 and 14), 15..17


async def test_one_slot_beyond_the_grace_is_a_misfire() -> None:
    async with Session(scheduled_flow("0 * * * *", misfire="skip"), START) as s:
        await s.clock.advance(30 * MINUTE)
        await s.clock.suspend(31 * MINUTE)  # the 01:00 slot is found at 01:01:07
        await s.clock.advance(HOUR)
    assert [(f.missed, f.fired) for f in s.fires] == [(1, False), (1, True)]


@pytest.mark.parametrize(
    "zone, day",
    [
        ("Europe/Berlin", dt.date(2026, 3, 29)),  # spring forward 02:00 -> 03:00
        ("Europe/Berlin", dt.date(2026, 10, 25)),  # fall back 03:00 -> 02:00
        ("America/New_York", dt.date(2026, 3, 8)),
        ("America/New_York", dt.date(2026, 11, 1)),
    ],
)
async def test_daylight_saving_changes_fire_each_real_slot_once(zone: str, day: dt.date) -> None:
    start = dt.datetime.combine(day, dt.time(0, 0, 7), ZoneInfo(zone))
    async with Session(scheduled_flow("*/5 * * * *", timezone=zone), start) as s:
        await s.clock.advance(DAY)
    s.assert_each_slot_once()
    # Five-minute slots are every 300 s of real time, whatever the wall clock does.
    gaps = {b.slot_ms - a.slot_ms for a, b in zip(s.fired, s.fired[1:], strict=False)}
    assert gaps == {300_000.0}
    assert len(s.fired) == 288
    assert all(f.missed == 1 for f in s.fires)


@pytest.mark.parametrize(
    "zone, day, expected_local_times",
    [
        # 02:30 does not exist on the spring-forward day, and happens twice on the
        # fall-back day: a daily job still runs once a day.
        ("Europe/Berlin", dt.date(2026, 3, 29), 1),
        ("Europe/Berlin", dt.date(2026, 10, 25), 1),
        ("America/New_York", dt.date(2026, 3, 8), 1),
        ("America/New_York", dt.date(2026, 11, 1), 1),
    ],
)
async def test_a_daily_job_in_the_changing_hour_runs_once_that_day(
    zone: str, day: dt.date, expected_local_times: int
) -> None:
    start = dt.datetime.combine(day, dt.time(0, 0, 7), ZoneInfo(zone))
    async with Session(scheduled_flow("30 2 * * *", timezone=zone), start) as s:
        await s.clock.advance(DAY - 10 * MINUTE)
    assert len(s.fired) == expected_local_times
    s.assert_each_slot_once()


async def test_stop_halts_the_schedules() -> None:
    async with Session(scheduled_flow("* * * * * *"), START) as s:
        await s.clock.advance(10)
        fired = len(s.fired)
    await s.clock.advance(10)
    assert len(s.fired) == fired == 10


async def test_a_schedule_that_is_off_never_fires() -> None:
    flow = Flow.load(
        {
            "headrace": 1,
            "name": "off",
            "timezone": "UTC",
            "nodes": [
                {
                    "id": "d",
                    "type": "data",
                    "name": "",
                    "code": "x = 1\ny = 2\n",
                    "schedule": {"x": {"cron": "* * * * * *", "enabled": False}, "y": "*/2 * * * * *"},
                }
            ],
            "edges": [],
        }
    )
    async with Session(flow, START) as s:
        await s.clock.advance(10)
    assert {f.socket for f in s.fired} == {"y"}
    assert [e.socket for e in s.events if isinstance(e, Emit)] == ["y"] * 5


async def test_a_scheduled_script_source_is_called_on_each_fire() -> None:
    flow = Flow.load(
        {
            "headrace": 1,
            "name": "source",
            "timezone": "UTC",
            "nodes": [
                {
                    "id": "s",
                    "type": "script",
                    "name": "",
                    "code": "n = 0\n\ndef tick(step=1):\n    global n\n    n += step\n    return n\n",
                    "schedule": {"tick": "*/10 * * * * *"},
                }
            ],
            "edges": [],
        }
    )
    async with Session(flow, START) as s:
        await s.clock.advance(60)
    assert [e.value for e in s.events if isinstance(e, Emit)] == [1, 2, 3, 4, 5, 6]
