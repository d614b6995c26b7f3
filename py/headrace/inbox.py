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
    """The held arguments of one function."""

    __slots__ = ("_filled", "_last", "_n", "_pair", "_queued", "_queues", "limit", "ports")

    def __init__(self, ports: list[InboxPort], limit: int | None = None) -> None:
        self.ports = ports
        #: New values one port may hold; None: no limit.
        self.limit = limit
        self._queues: list[deque[Any]] = [deque() for _ in ports]
        self._n = len(ports)
        #: Two ports, neither sticky: the commonest join, taken without a loop.
        self._pair = self._n == 2 and not any(p.sticky for p in ports)
        self._last: list[Any] = [_EMPTY for _ in ports]
        self._filled = 0  # ports that can give a value now
        self._queued = 0  # new values waiting, over all ports

    def put(self, index: int, value: Any) -> None:
        """Hold a value. Raises PortFull, holding nothing, when the port is full."""
        queue = self._queues[index]
        if self.limit is not None and len(queue) >= self.limit:
            raise PortFull(index)
        if not queue and self._last[index] is _EMPTY:
            self._filled += 1
        queue.append(value)
        self._queued += 1

    def offer(self, index: int, value: Any) -> list[Any] | None:
        """:meth:`put`, then :meth:`take` if ready: one call for the run's hot
        path. Returns the values for a call, or None while ports still miss one
        (call :meth:`ready` again only after a sticky port's first fill)."""
        queue = self._queues[index]
        if self.limit is not None and len(queue) >= self.limit:
            raise PortFull(index)
        if not queue and self._last[index] is _EMPTY:
            self._filled += 1
        queue.append(value)
        self._queued += 1
        if self._filled != self._n:
            return None
        if not self._pair:
            return self.take()
        a, b = self._queues
        values = [a.popleft(), b.popleft()]
        self._queued -= 2
        self._filled = (1 if a else 0) + (1 if b else 0)
        return values

    def ready(self) -> bool:
        return self._queued > 0 and self._filled == len(self.ports)

    def take(self) -> list[Any]:
        """Consume one value per port, in port order. Call only when :meth:`ready`."""
        values: list[Any] = []
        for index, port in enumerate(self.ports):
            queue = self._queues[index]
            if queue:
                value = queue.popleft()
                self._queued -= 1
                if port.sticky:
                    self._last[index] = value
                elif not queue:
                    self._filled -= 1
            else:
                value = self._last[index]
            values.append(value)
        return values

    def held(self) -> int:
        """How many ports hold a value (the ``1`` in ``1/2``)."""
        return self._filled

    def queued(self) -> int:
        """How many new values wait, over all ports."""
        return self._queued

    def missing(self) -> list[str]:
        """The params that hold no value yet."""
        return [p.param for i, p in enumerate(self.ports) if not self._queues[i] and self._last[i] is _EMPTY]
