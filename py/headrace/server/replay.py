"""What a viewer that attaches late is sent first: the run's events so far, or,
once there are too many, a snapshot of its state made of the same events.

Up to ``limit`` events the log is kept whole, so a late viewer folds exactly
what a viewer attached from the start folded. Past it, each event is kept only
while it still tells something about the present: the run's first and last
events, each node's latest state, each socket's latest value, each scheduled
socket's latest ``schedule_next`` and ``schedule_fire``, and the latest
``output`` and ``node_error`` events of each node (``TAIL`` of each). A snapshot
viewer thus sees every node's state, last values, consoles and errors, but
counts emits per socket only from the snapshot on (the ``seq`` of a value and
the ``run_idle`` totals stay exact).
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any

#: Outputs and errors kept per node in a snapshot.
TAIL = 50


class ReplayLog:
    """The events of one run, bounded. Add each event with its parsed form."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._count = itertools.count()
        self._log: list[str] | None = []  # every event, until the limit
        self._latest: dict[tuple[str, ...], tuple[int, str]] = {}
        self._tails: dict[tuple[str, str], deque[tuple[int, str]]] = {}

    def add(self, line: str, event: dict[str, Any]) -> None:
        index = next(self._count)
        kind = str(event.get("event"))
        node = str(event.get("node"))
        if kind in ("output", "node_error"):
            tail = self._tails.setdefault((kind, node), deque(maxlen=TAIL))
            tail.append((index, line))
        else:
            self._latest[_key(kind, node, event)] = (index, line)
        if self._log is not None:
            self._log.append(line)
            if len(self._log) > self.limit:
                self._log = None  # from now on, the snapshot

    @property
    def compacted(self) -> bool:
        return self._log is None

    def lines(self) -> list[str]:
        """The events to replay, in the order they happened."""
        if self._log is not None:
            return list(self._log)
        kept = list(self._latest.values())
        for tail in self._tails.values():
            kept.extend(tail)
        kept.sort()
        return [line for _, line in kept]


def _key(kind: str, node: str, event: dict[str, Any]) -> tuple[str, ...]:
    if kind == "node_state":
        return (kind, node)
    if kind in ("emit", "schedule_next", "schedule_fire"):
        return (kind, node, str(event.get("socket")))
    return (kind,)  # run_started, run_idle, run_stopped: the latest of each
