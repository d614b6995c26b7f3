"""Argument holding: the values waiting at one script function's input ports.

Arriving values queue per port (FIFO). The function is ready when every required
port holds a value and at least one of those values is new: then one value per
port is taken. A sticky port keeps its last value for later calls, so it only
needs to be fed once; the "at least one new value" rule stops a function whose
ports are all sticky from firing forever on the same arguments.

Each port holds at most ``limit`` new values: a port that floods while a partner
never fills must be reported, not grow until the process runs out of memory.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any

_EMPTY: Any = object()


@dataclasses.dataclass(frozen=True)
class InboxPort:
    """A required port of a function."""

    param: str
    sticky: bool = False


class PortFull(Exception):
    """A port already holds its limit of values; ``index`` says which."""

    def __init__(self, index: int) -> None:
        self.index = index
        super().__init__(index)


class Inbox:
    """The held arguments of one function.

    It keeps no counters beside its queues: the run's fast path for a two-port
    join (:class:`~headrace.nodes.Target`) appends to and pops from the queues
    directly, and what the inbox reports is always read from them."""

    __slots__ = ("_last", "_queues", "limit", "pair", "ports")

    def __init__(self, ports: list[InboxPort], limit: int | None = None) -> None:
        self.ports = ports
        #: New values one port may hold; None: no limit.
        self.limit = limit
        self._queues: list[deque[Any]] = [deque() for _ in ports]
        self._last: list[Any] = [_EMPTY for _ in ports]
        #: Two ports, neither sticky — the commonest join — hold the invariant that
        #: at most one of the two queues holds values (a value arriving while the
        #: other holds one makes a call at once). Then the queues are exposed.
        self.pair: tuple[deque[Any], deque[Any]] | None = None
        if len(ports) == 2 and not any(p.sticky for p in ports):
            self.pair = (self._queues[0], self._queues[1])

    def put(self, index: int, value: Any) -> None:
        """Hold a value. Raises PortFull, holding nothing, when the port is full."""
        queue = self._queues[index]
        if self.limit is not None and len(queue) >= self.limit:
            raise PortFull(index)
        queue.append(value)

    def offer(self, index: int, value: Any) -> list[Any] | None:
        """:meth:`put`, then :meth:`take` if ready: one call for the run's hot
        path. Returns the values for a call, or None while ports still miss one
        (call :meth:`ready` again only after a sticky port's first fill)."""
        self.put(index, value)
        pair = self.pair
        if pair is not None:
            a, b = pair
            return [a.popleft(), b.popleft()] if a and b else None
        return self.take() if self.ready() else None

    def ready(self) -> bool:
        queues, last = self._queues, self._last
        queued = False
        for i, queue in enumerate(queues):
            if queue:
                queued = True
            elif last[i] is _EMPTY:
                return False
        return queued

    def take(self) -> list[Any]:
        """Consume one value per port, in port order. Call only when :meth:`ready`."""
        values: list[Any] = []
        for index, port in enumerate(self.ports):
            queue = self._queues[index]
            if queue:
                value = queue.popleft()
                if port.sticky:
                    self._last[index] = value
            else:
                value = self._last[index]
            values.append(value)
        return values

    def held(self) -> int:
        """How many ports hold a value (the ``1`` in ``1/2``)."""
        return sum(1 for i, queue in enumerate(self._queues) if queue or self._last[i] is not _EMPTY)

    def queued(self) -> int:
        """How many new values wait, over all ports."""
        return sum(len(queue) for queue in self._queues)

    def missing(self) -> list[str]:
        """The params that hold no value yet."""
        return [p.param for i, p in enumerate(self.ports) if not self._queues[i] and self._last[i] is _EMPTY]
