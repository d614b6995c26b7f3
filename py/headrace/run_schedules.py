"""A run's schedules: the glue between a :class:`headrace.run.Run` and its
:class:`headrace.scheduler.Scheduler` — which schedules are on, the zone their
times are read in, and what a fire does (report it, then trigger the socket)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from headrace import cron
from headrace.errors import RunError
from headrace.model import FlowSpec
from headrace.protocol import Event, ScheduleFire, ScheduleNext
from headrace.scheduler import LATE_SECONDS, Clock, Entry, Fire, Scheduler

if TYPE_CHECKING:
    from headrace.report import Reporter


class RunSchedules:
    """The part of :class:`headrace.run.Run` that arms and fires schedules."""

    flow: FlowSpec
    id: str
    clock: Clock
    scheduler: Scheduler | None
    reporter: Reporter
    _zone_name: str | None
    _zone: dt.tzinfo | None
    _report: Callable[[Event], None]

    if TYPE_CHECKING:

        @property
        def over(self) -> bool: ...

        def trigger(self, node_id: str, socket: str | None = None) -> None: ...

    @property
    def zone(self) -> dt.tzinfo:
        """The zone schedules are read in: the flow's, else the host's, else this
        machine's. Looked up when first needed: a flow without schedules needs no
        zone data (which Pyodide loads only on demand). Raises CronError for an
        unknown zone."""
        if self._zone is None:
            self._zone = cron.zone(self._zone_name) if self._zone_name else cron.local_zone()
        return self._zone

    @property
    def schedule_entries(self) -> list[Entry]:
        """The schedules that are on, in node order."""
        return [
            Entry(node.id, socket, setting.cron)
            for node in self.flow.nodes
            for socket, setting in (node.schedule or {}).items()
            if setting.is_on
        ]

    def start_schedules(self) -> None:
        """Arm every schedule that is on. Slots before this moment never fire."""
        if self.over:
            raise RunError(f"run {self.id} has stopped")
        entries = self.schedule_entries
        if self.scheduler is not None or not entries:
            return  # (no schedules: no zone to look up, no zone data to load)
        self.scheduler = Scheduler(
            entries,
            zone=self.zone,
            misfire=self.flow.misfire or "coalesce",
            clock=self.clock,
            on_fire=self._scheduled_fire,
            on_next=self._scheduled_next,
        )
        self.scheduler.start()

    def _scheduled_fire(self, fire: Fire) -> None:
        slot = dt.datetime.fromtimestamp(fire.slot, self.zone)
        self._report(
            ScheduleFire(
                run=self.id,
                node=fire.node,
                socket=fire.socket,
                slot=slot.isoformat(),
                slot_ms=fire.slot * 1000,
                lateness_ms=round(fire.lateness * 1000, 3),
                late=fire.lateness > LATE_SECONDS,
                missed=fire.missed,
                fired=fire.fired,
                count=fire.count,
            )
        )
        if fire.fired:
            self.trigger(fire.node, fire.socket)
        else:
            self.reporter.hand_over()

    def _scheduled_next(self, entry: Entry, at: float) -> None:
        moment = dt.datetime.fromtimestamp(at, self.zone)
        self._report(
            ScheduleNext(run=self.id, node=entry.node, socket=entry.socket, at=moment.isoformat(), at_ms=at * 1000)
        )
        self.reporter.hand_over()
