"""Per-node capture of stdout and stderr.

Swapping ``sys.stdout`` around every call would cost more than a trivial node and
would mix up runs that share one process (several embeds share one worker). So
``sys.stdout``/``sys.stderr`` are wrapped once by a router that asks which node's
sink is current:

* :data:`ACTIVE` while a run calls node code synchronously — one attribute set
  and cleared around the call, the cheapest thing Python has, because a busy flow
  makes millions of such calls. Nothing else runs during a synchronous call, so
  one slot for the whole process is enough;
* else the context variable :data:`current_sink`, set while a run awaits node code:
  asyncio gives each task its own context, so concurrent runs never see each
  other's sinks, and tasks that node code starts keep writing to its sink;
* else the node whose code is on the stack: each node's module has a name of its
  own (:func:`register`), so the router walks up from the writing frame to the
  first frame of node code. This is how the run's fast path gets output
  captured without touching anything per call: only a write pays.

With none of these, writes pass through to the stream that was there before.
"""

from __future__ import annotations

import contextvars
import io
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Literal, TextIO

Stream = Literal["stdout", "stderr"]
#: Called with (stream, text) when a sink flushes.
OutputHandler = Callable[[Stream, str], None]

#: Flush a sink early once it holds this much text, or once its oldest text is this
#: old, so a flood of prints — or a node that prints and then blocks for a while —
#: does not wait for the call to end before anyone sees it.
FLUSH_AT = 64 * 1024
FLUSH_SECONDS = 0.01


class Sink:
    """Collects one node's output between flushes, keeping stdout and stderr
    apart and in order.

    Its handler runs on the run's own thread only. Threads that node code starts
    may print too: their text waits in a thread-safe queue, and the run's loop is
    asked (``defer``, its ``call_soon_threadsafe``) to take it in. It goes there a
    whole line at a time: ``print`` writes its text and its newline as two writes, and
    two threads printing at once would otherwise leave one's text on the other's line.
    A thread's unfinished line waits for its newline, or for the thread to end."""

    __slots__ = ("_due", "_foreign", "_handler", "_partial", "_size", "_stream", "chunks", "defer", "owner")

    def __init__(self, handler: OutputHandler) -> None:
        self._handler = handler
        #: Text written since the last flush (empty most of the time: callers test
        #: it before calling flush, which is cheaper on the per-message path).
        self.chunks: list[str] = []
        self._stream: Stream = "stdout"
        self._size = 0
        self._due = 0.0  # when the text held now must go out
        #: The thread the handler runs on, and how to run something there.
        self.owner = threading.get_ident()
        self.defer: Callable[[Callable[[], None]], object] | None = None
        self._foreign: deque[tuple[Stream, str]] = deque()
        #: Per other thread and stream, the line it has begun and not ended yet.
        self._partial: dict[tuple[threading.Thread, Stream], str] = {}

    def write(self, stream: Stream, text: str) -> None:
        if threading.get_ident() != self.owner and self.defer is not None:
            self._write_foreign(stream, text)
            return
        if stream != self._stream:
            self.flush()
            self._stream = stream
        now = time.perf_counter()
        if not self.chunks:
            self._due = now + FLUSH_SECONDS
        self.chunks.append(text)
        self._size += len(text)
        if self._size >= FLUSH_AT or now >= self._due:
            self.flush()

    def _write_foreign(self, stream: Stream, text: str) -> None:
        """On another thread: queue its text up to its last newline; keep the rest."""
        key = (threading.current_thread(), stream)
        text = self._partial.pop(key, "") + text  # (only this thread touches its key)
        cut = text.rfind("\n") + 1
        if cut < len(text):
            self._partial[key] = text[cut:]
        if cut == 0:
            if self.defer is not None:
                self.defer(self._take_foreign)  # to pass it on should the thread end
            return
        first = not self._foreign
        self._foreign.append((stream, text[:cut]))  # (deque appends are atomic)
        if first and self.defer is not None:
            self.defer(self._take_foreign)

    def _take_foreign(self) -> None:
        """On the run's thread: what other threads wrote, in their order."""
        foreign = self._foreign
        while foreign:
            stream, text = foreign.popleft()
            self.write(stream, text)
        self.flush()

    def _take_ended_lines(self) -> None:
        """The unfinished lines of threads that have ended, which no newline will end now."""
        for key in [k for k in list(self._partial) if not k[0].is_alive()]:
            rest = self._partial.pop(key, "")
            if rest:
                self.write(key[1], rest)  # (may flush, and so come back here: the key is gone)

    def flush(self) -> None:
        if self._partial:
            self._take_ended_lines()
        if self.chunks:
            text = "".join(self.chunks)
            self.chunks.clear()
            self._size = 0
            self._handler(self._stream, text)


class _Active(threading.local):
    """Per thread: a run sets it on its own thread; other threads see none."""

    sink: Sink | None = None


#: The sink of the node code a run is calling synchronously right now (see above).
ACTIVE = _Active()
current_sink: contextvars.ContextVar[Sink | None] = contextvars.ContextVar("headrace_sink", default=None)


#: Node modules' names (their ``__name__``) and their nodes' sinks.
_BY_MODULE: dict[str, Sink] = {}


def register(module_name: str, sink: Sink) -> None:
    """Output written by code of the module ``module_name`` goes to ``sink``."""
    _BY_MODULE[module_name] = sink


def unregister(module_name: str) -> None:
    _BY_MODULE.pop(module_name, None)


def _sink_on_stack() -> Sink | None:
    if not _BY_MODULE:
        return None
    frame = sys._getframe(2)
    while frame is not None:
        sink = _BY_MODULE.get(frame.f_globals.get("__name__"))  # type: ignore[arg-type]
        if sink is not None:
            return sink
        frame = frame.f_back  # type: ignore[assignment]
    return None


class _Host(threading.local):
    depth = 0


_HOST = _Host()


class host_code:
    """While the engine runs host code from inside node code (it reports the node's
    output, or its error), what the host prints is the host's, though node code is
    on the stack below."""

    def __enter__(self) -> None:
        _HOST.depth += 1

    def __exit__(self, *exc: object) -> None:
        _HOST.depth -= 1


def current() -> Sink | None:
    """The sink node code's output goes to now, if node code is running."""
    if _HOST.depth:
        return None
    return ACTIVE.sink or current_sink.get() or _sink_on_stack()


def node_code_running() -> bool:
    """Whether node code is running (a signal handler asks: raise into it?)."""
    return current() is not None


class _Router(io.TextIOBase):
    """Stands in for sys.stdout or sys.stderr: writes go to the current node's
    sink, or to the original stream when no node code is running."""

    def __init__(self, stream: Stream, original: TextIO) -> None:
        self._name = stream
        self.original = original

    def write(self, text: str) -> int:
        sink = current()
        if sink is None:
            return self.original.write(text)
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        sink.write(self._name, text)
        return len(text)

    def flush(self) -> None:
        if current() is None:
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
