"""Per-socket cron schedules, inside the engine's event loop.

Each scheduled socket gets one asyncio task that sleeps until its next *slot* (a
fire time from its cron expression) and then fires. Guarantees:

* **Exactly one fire per slot.** Every fire is keyed by (run, node, socket, slot),
  and a socket's slots only move forward, so a slow node, a clock jump backward or
  a daylight-saving change never fires a slot twice.
* **Misfires follow the flow's policy.** When the loop wakes to find more than one
  slot due (a throttled tab, a suspended laptop, a clock jump forward), or its one
  due slot is later than the grace, ``coalesce`` fires once for all of them (late)
  and ``skip`` fires none. Slots from before the run started never fire.
* **Time is injectable.** Wall time and sleeping come from a :class:`Clock`, so
  tests can run a simulated day in milliseconds.

Sleeps are measured on a monotonic clock but capped, so a wall-clock change is
noticed within :data:`MAX_SLEEP` seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from typing import Literal, Protocol

from headrace.cron import Cron

Misfire = Literal["coalesce", "skip"]
MISFIRE_POLICIES: tuple[Misfire, ...] = ("coalesce", "skip")
#: A due slot is fired as on time when found within this many seconds.
GRACE_SECONDS = 60.0
#: The longest single sleep: a wall-clock jump is noticed at most this late.
MAX_SLEEP = 10.0
#: Fires later than this many seconds are reported as late to the user.
LATE_SECONDS = 1.0
#: Missed slots counted one by one up to this many; beyond, the count is a floor
#: (a seconds schedule over a week-long suspend need not be walked slot by slot).
MAX_MISSED_COUNT = 100_000


class Clock(Protocol):
    """Where a scheduler reads the time and sleeps."""

    def now(self) -> float:
        """Wall time, POSIX seconds."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: ``time.time()`` and ``asyncio.sleep`` (setTimeout in Pyodide)."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclasses.dataclass(frozen=True)
class Fire:
    """One decision of a schedule: fire a slot (``fired``) or skip missed ones."""

    node: str
    socket: str
    slot: float  # the slot's time, POSIX seconds (the latest one when coalesced)
    at: float  # when the decision was taken
    missed: int  # slots due at once (1 for an on-time fire)
    fired: bool
    count: int  # fires of this socket so far, this one included

    @property
    def lateness(self) -> float:
        return max(0.0, self.at - self.slot)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One scheduled socket."""

    node: str
    socket: str
    cron: Cron


class Scheduler:
    """Runs the schedules of one run. ``on_fire`` triggers the socket (and reports
    the fire); ``on_next`` reports the next fire time."""

    def __init__(
        self,
        entries: list[Entry],
        *,
        zone: dt.tzinfo,
        misfire: Misfire,
        clock: Clock,
        on_fire: Callable[[Fire], None],
        on_next: Callable[[Entry, float], None],
    ) -> None:
        self.entries = entries
        self.zone = zone
        self.misfire = misfire
        self.clock = clock
        self._on_fire = on_fire
        self._on_next = on_next
        self._tasks: list[asyncio.Task[None]] = []
        #: (node, socket) -> the last slot fired or skipped; slots only move on.
        self.last_slot: dict[tuple[str, str], float] = {}
        self.fires: dict[tuple[str, str], int] = {}

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        started = self.clock.now()
        for entry in self.entries:
            self.last_slot[(entry.node, entry.socket)] = started  # never fire slots before the start
            self.fires[(entry.node, entry.socket)] = 0
            self._tasks.append(loop.create_task(self._keep(entry), name=f"schedule {entry.node}.{entry.socket}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def next_slot(self, entry: Entry, after: float) -> float:
        moment = dt.datetime.fromtimestamp(after, self.zone)
        return entry.cron.next_after(moment).timestamp()

    async def _keep(self, entry: Entry) -> None:
        key = (entry.node, entry.socket)
        slot = self.next_slot(entry, self.last_slot[key])
        self._on_next(entry, slot)
        while True:
            now = self.clock.now()
            if now < slot:  # also after a clock jump backward: the slot stays ahead
                await self.clock.sleep(min(slot - now, MAX_SLEEP))
                continue
            latest, missed = slot, 1  # the due slots: slot .. latest
            following = self.next_slot(entry, slot)
            while following <= now:
                latest, missed = following, missed + 1
                if missed >= MAX_MISSED_COUNT:
                    following = self.next_slot(entry, now)
                    break
                following = self.next_slot(entry, following)
            on_time = missed == 1 and now - slot <= GRACE_SECONDS
            fired = on_time or self.misfire == "coalesce"
            if fired:
                self.fires[key] += 1
            self.last_slot[key] = latest
            self._on_fire(Fire(entry.node, entry.socket, latest, now, missed, fired, self.fires[key]))
            slot = following
            self._on_next(entry, slot)
