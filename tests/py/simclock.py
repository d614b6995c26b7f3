"""A simulated clock for schedule tests: a day passes in milliseconds.

Wall time (what ``now()`` reads) and monotonic time (what sleeps are measured in)
move together when time passes, and apart when the wall clock is set (``jump``),
as on a real machine. ``suspend`` moves both without waking anyone until the end,
like a laptop lid closed over the slots.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools


class SimulatedClock:
    def __init__(self, wall: float) -> None:
        self.wall = wall
        self.mono = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self.wall

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.mono + max(seconds, 0.0), next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass, waking each sleeper at its deadline, in order."""
        target = self.mono + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            if deadline > self.mono:  # an overdue sleeper (after a suspend) wakes now
                self.wall += deadline - self.mono
                self.mono = deadline
            if not future.done():
                future.set_result(None)
            await settle()
        self.wall += target - self.mono
        self.mono = target
        await settle()

    async def suspend(self, seconds: float) -> None:
        """The machine sleeps ``seconds``; sleepers due meanwhile wake late, at the end."""
        self.wall += seconds
        self.mono += seconds
        await self.advance(0)

    def jump(self, seconds: float) -> None:
        """Set the wall clock forward (or back, negative) without time passing."""
        self.wall += seconds


async def settle() -> None:
    """Let every task that can run, run (no real I/O here, so a few turns do)."""
    for _ in range(8):
        await asyncio.sleep(0)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on which ``asyncio.sleep`` takes no real time: whenever nothing is
    ready to run and no I/O is ready, its clock jumps to the next timer. So node code
    that sleeps (a delay, a rate limit) runs at once, and ``loop.time()`` reads what the
    sleeps added up to. Not for code that waits on threads or sockets with a timer
    pending (the clock would jump past them)."""

    def __init__(self) -> None:
        super().__init__()
        self._virtual = 0.0
        selector = self._selector  # type: ignore[attr-defined]
        real_select = selector.select

        def select(timeout: float | None = None) -> list:  # type: ignore[type-arg]
            ready = real_select(0 if timeout is not None else None)
            if not ready and timeout is not None and timeout > 0:
                self._virtual += timeout  # nothing to do until the next timer: skip to it
            return ready

        selector.select = select

    def time(self) -> float:
        return self._virtual
