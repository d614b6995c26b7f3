"""Recording a run into its history (:mod:`headrace.history`) while it runs.

A :class:`Recorder` listens to the run's events (:meth:`Run.listen`) and writes the
run's record at its start, at checkpoints, and when it stops. It costs the run next
to nothing per value: it hears no per-value event, and folds only what a view
cannot rebuild (errors with their tracebacks, the run's start, idles and stop,
schedule fires, and consoles a run reporting events keeps none of); node states,
counts, consoles of a run reporting its view, and values it reads from the run
itself at a checkpoint, and it encodes only
the values that arrived since the last one. Checkpoints come every
:data:`CHECKPOINT_SECONDS` while the run lives (a timer on its loop: the engine hands
the loop over between slices of work), and once it stopped — so a process killed
mid-run leaves its record as of the last one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from headrace.history import History, RunState, final_state
from headrace.protocol import (
    Event,
    NodeStateChanged,
    Output,
    RunIdle,
    RunPhase,
    RunStarted,
    RunStopped,
    ViewChanged,
    encode_value,
    event_to_dict,
)
from headrace.run import Run
from headrace.view import CONSOLE_LINES, ConsoleTail, RunView

#: The time between two checkpoints of a running run.
CHECKPOINT_SECONDS = 1.0
#: A run coming to rest is written at once, unless it was written this recently.
REST_CHECKPOINT_SECONDS = 0.25


class Recorder:
    """Records one run: create it, :meth:`attach` it to the run before the run starts."""

    def __init__(
        self,
        history: History,
        flow: dict[str, Any],
        *,
        trigger: str,
        source: str | None = None,
        parent: str | None = None,
    ) -> None:
        self.history = history
        self.flow = flow
        self.trigger = trigger
        self.source = source
        self.parent = parent
        self.view = RunView()
        self.run: Run | None = None
        self._written: dict[tuple[str, str], int] = {}  # per socket, the index after the last value written
        #: Per node, its console (a run reporting events keeps none: they are in its output events).
        self._consoles: dict[str, ConsoleTail] = {}
        self._timer: asyncio.TimerHandle | None = None
        #: Why the recording stopped, if it did: the host says so.
        self.problem: str | None = None
        #: How the run stood when it came to rest with nothing left to do, and when: a
        #: run stopped while it rests (a studio's next Run Flow, a server's DELETE)
        #: finished; Stop cut nothing short.
        self._rested: tuple[RunState, float] | None = None
        self._last_checkpoint = 0.0

    def attach(self, run: Run) -> None:
        """Start the run's record, and listen to the run (before :meth:`Run.start`)."""
        self.run = run
        self.view.run = run.id
        self.history.begin(run.id, self.flow, trigger=self.trigger, source=self.source, parent=self.parent)
        run.listen(self.hear)

    def hear(self, event: Event) -> None:
        if isinstance(event, Output):
            tail = self._consoles.get(event.node)
            if tail is None:
                tail = self._consoles[event.node] = ConsoleTail(CONSOLE_LINES)
            tail.append(event.stream, event.text)
            return
        if isinstance(event, NodeStateChanged | ViewChanged):
            return  # the checkpoint reads the run's view itself (folding each change cost a busy run 6%)
        self.view.apply(event_to_dict(event))
        if isinstance(event, RunStarted):
            self._save()
            self._timer = asyncio.get_running_loop().call_later(CHECKPOINT_SECONDS, self._tick)
        elif isinstance(event, RunStopped):
            if self._timer is not None:
                self._timer.cancel()
            self._save(final=True)
        elif isinstance(event, RunIdle) and (
            self._rested is None or time.monotonic() - self._last_checkpoint > REST_CHECKPOINT_SECONDS
        ):
            # Coming to rest is written at once (a Stop may follow at once, and a run
            # stopped at rest finished); resting again soon after, by the timer.
            self._save()

    def _tick(self) -> None:
        run = self.run
        if run is None or run.over or self.problem is not None:
            return
        self._save()
        self._timer = asyncio.get_running_loop().call_later(CHECKPOINT_SECONDS, self._tick)

    def _save(self, *, final: bool = False) -> None:
        if self.problem is not None:
            return
        try:
            self.checkpoint(final=final)
        except (sqlite3.Error, OSError) as exc:
            # The run goes on unrecorded rather than fail for its record (a full disk, say).
            self.problem = f"the run is no longer recorded in {self.history.path}: {exc}"

    def checkpoint(self, *, final: bool = False) -> None:
        """Write the run's record as it is now (its final one once it stopped)."""
        run = self.run
        assert run is not None
        self._last_checkpoint = time.monotonic()
        self.view.apply(event_to_dict(run.view()))
        values: dict[tuple[str, str], tuple[int, list[tuple[int, Any, bool]]]] = {}
        for node_id, node in run.nodes.items():
            for name, socket in node.sockets.items():
                key = (node_id, name)
                since = self._written.get(key, 0)
                if socket.count == since:
                    continue
                first, page = socket.values(since, socket.count - since)
                values[key] = (first, [(i, *encode_value(v)) for i, v in page])
                self._written[key] = socket.count
        for node_id, tail in self._consoles.items():
            node_view = self.view.node(node_id)
            node_view["console"] = tail.since(0)
            node_view["console_dropped"] = tail.dropped
        view = self.view.to_json()
        state, ended = self._state(run, view, final)
        self.history.checkpoint(run.id, dict(view), values, state=state, message=self.view.message, ended_at=ended)

    def _state(self, run: Run, view: Any, final: bool) -> tuple[RunState, float | None]:
        """The record's state and end: ``running`` while it works (or rests with a
        schedule still to fire); resting with nothing to do, done — and still so when
        it is then stopped."""
        if final:
            if self.view.reason == "stopped" and self._rested is not None:
                return self._rested
            return final_state(self.view.reason, self.view.unrouted_errors), time.time()
        scheduled = any(s.get("next_at") for n in view["nodes"].values() for s in n["schedules"].values())
        if run.phase != RunPhase.IDLE or scheduled:
            self._rested = None
            return "running", None
        state: RunState = "failure" if self.view.unrouted_errors else "success"
        if self._rested is None or self._rested[0] != state:
            self._rested = (state, time.time())
        return self._rested
