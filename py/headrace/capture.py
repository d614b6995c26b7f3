"""Per-node capture of stdout and stderr.

Swapping ``sys.stdout`` around every call would cost more than a trivial node and
would mix up runs that share one process (several embeds share one worker). So
``sys.stdout``/``sys.stderr`` are wrapped once by a router, and a context variable
says which node's sink is current: asyncio gives each run's task its own context,
so concurrent runs never see each other's sinks. With no sink set, writes pass
through to the stream that was there before.
"""

from __future__ import annotations

import contextvars
import io
import sys
from collections.abc import Callable
from typing import Literal, TextIO

Stream = Literal["stdout", "stderr"]
#: Called with (stream, text) when a sink flushes.
OutputHandler = Callable[[Stream, str], None]

#: Flush a sink early once it holds this much text, so a flood of prints does not
#: wait for the call to end before anyone sees it.
FLUSH_AT = 64 * 1024


class Sink:
    """Collects one node's output between flushes, keeping stdout and stderr
    apart and in order."""

    __slots__ = ("_handler", "_size", "_stream", "chunks")

    def __init__(self, handler: OutputHandler) -> None:
        self._handler = handler
        #: Text written since the last flush (empty most of the time: callers test
        #: it before calling flush, which is cheaper on the per-message path).
        self.chunks: list[str] = []
        self._stream: Stream = "stdout"
        self._size = 0

    def write(self, stream: Stream, text: str) -> None:
        if stream != self._stream:
            self.flush()
            self._stream = stream
        self.chunks.append(text)
        self._size += len(text)
        if self._size >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self.chunks:
            text = "".join(self.chunks)
            self.chunks.clear()
            self._size = 0
            self._handler(self._stream, text)


current_sink: contextvars.ContextVar[Sink | None] = contextvars.ContextVar("headrace_sink", default=None)


class _Router(io.TextIOBase):
    """Stands in for sys.stdout or sys.stderr: writes go to the current node's
    sink, or to the original stream when no node code is running."""

    def __init__(self, stream: Stream, original: TextIO) -> None:
        self._name = stream
        self.original = original

    def write(self, text: str) -> int:
        sink = current_sink.get()
        if sink is None:
            return self.original.write(text)
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        sink.write(self._name, text)
        return len(text)

    def flush(self) -> None:
        if current_sink.get() is None:
            self.original.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def install() -> None:
    """Wrap the current sys.stdout/sys.stderr in routers, unless they already are
    (a test harness may have replaced them since the last run)."""
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router("stdout", sys.stdout)
    if not isinstance(sys.stderr, _Router):
        sys.stderr = _Router("stderr", sys.stderr)
