"""Live nodes: a node's code turned into a module, its functions, its inboxes,
its sockets.

One :class:`LiveNode` exists per node per run. It knows how to execute the node's
module and how to call its functions; deciding *when* to call them is the run's
job (:mod:`headrace.run`). Its :class:`Socket` objects are both where values go
(the ports edges lead to) and what the run view keeps of them (a count, and a
ring of the newest values): one object, so the run touches one thing per value.
"""

from __future__ import annotations

import asyncio
import builtins
import collections
import inspect
import linecache
import sys
import traceback
import types
from collections.abc import Callable
from typing import Any

from headrace import capture
from headrace.capture import OutputHandler, Sink
from headrace.inbox import Inbox, InboxPort
from headrace.model import FlowSpec, Node
from headrace.protocol import ErrorRecord, Held, NodeState
from headrace.shape import ERROR_SOCKET, Port
from headrace.view import ConsoleTail

#: Node code's frames carry this filename prefix; tracebacks start at the first one.
FILENAME_PREFIX = "<node "


def node_filename(node: Node) -> str:
    return f"{FILENAME_PREFIX}{node.id}: {node.label}>"


#: What a queue item does (:attr:`Target.kind`); the run's loop branches on it.
DIRECT, HOLD, STEP, TRIGGER, LOAD, RESULT, REPLAY = range(7)


class Target:
    """Where an edge delivers: one port of one function. A queue item is a
    ``(target, value)`` pair; ``call`` is set while the value can go straight
    into the function (its only fed port, its module loaded, no time limit, no
    executor) — the run's fast path."""

    __slots__ = ("call", "fast", "first", "function", "hold", "inbox", "index", "kind", "node", "out", "pair", "sink")

    def __init__(self, node: LiveNode, function: Function, index: int) -> None:
        self.node = node
        self.function = function
        self.index = index
        self.kind = DIRECT if function.takes_one else HOLD
        self.call: Callable[[Any], Any] | None = None
        #: Set instead of ``call`` for a port of a function with several: the
        #: value is held, and the function called when every port holds one.
        self.hold: Callable[..., Any] | None = None
        self.inbox = function.inbox
        #: For a port of a two-port join (Inbox.pair): this port's queue and its
        #: partner's, and whether this is the first parameter — the run's fast path.
        self.pair = None
        self.first = index == 0
        if function.inbox.pair is not None:
            self.pair = (function.inbox.pair[index], function.inbox.pair[1 - index])
        self.fast = False  # (only generator steps take the other fast path)
        self.out = node.sockets[function.name]
        self.sink = node.sink


class Work:
    """A queue item that is not a delivery: trigger a node, load its module,
    settle calls that came back from an executor, step a generator, or send a
    recorded value out of a socket again (a replay)."""

    __slots__ = ("call", "fast", "function", "hold", "kind", "node", "out", "socket", "step")

    def __init__(
        self,
        kind: int,
        node: LiveNode,
        socket: str | None = None,
        function: Function | None = None,
        step: Any = None,
    ) -> None:
        self.kind = kind
        self.node = node
        self.socket = socket
        self.function = function
        self.call = None
        self.hold = None
        #: A STEP the fast path may take (see Run.arm).
        self.fast = False
        #: The generator, for STEP, and the socket it emits on.
        self.step = step
        self.out = node.sockets[socket] if step is not None and socket is not None else None


class Socket:
    """One output socket during a run: the targets its values go to, in file
    order, and what the view keeps of its values: how many left it (``count``),
    the newest ones, and up to which count each is also reported as an ``emit``
    event (``notify``).

    The newest values sit in ``buf``, a plain list the fast path appends to (a
    list append is the cheapest thing Python can do per value); :meth:`trim`
    cuts it back to ``keep`` values, so it is a ring of the newest values,
    trimmed at every sync (at least once a slice of work) rather than per value.
    """

    __slots__ = ("base", "buf", "fanout", "keep", "loud", "name", "node", "notify", "route", "routes", "shown")

    def __init__(self, node: LiveNode, name: str, keep: int, notify: int) -> None:
        self.node = node
        self.name = name
        self.keep = max(1, keep)
        self.buf: list[Any] = []
        self.base = 0  # values no longer in buf
        self.routes: list[Target] = []
        #: The routes again, for the fast path: the one route, or the list when
        #: there are several (a loop over a one-item list costs more than the rest).
        self.route: Target | None = None
        self.fanout: list[Target] | None = None
        self.notify = notify
        #: Whether its values are still reported one by one (count < notify).
        self.loud = notify > 0
        self.shown = 0  # the count the host was last told

    @property
    def count(self) -> int:
        """Values that left the socket in this run."""
        return self.base + len(self.buf)

    def trim(self) -> None:
        """Keep the newest ``keep`` values."""
        extra = len(self.buf) - self.keep
        if extra > 0:
            del self.buf[:extra]
            self.base += extra

    def add_route(self, target: Target) -> None:
        self.routes.append(target)
        self.route = self.routes[0] if len(self.routes) == 1 else None
        self.fanout = self.routes if len(self.routes) > 1 else None

    def values(self, offset: int | None, limit: int) -> tuple[int, list[tuple[int, Any]]]:
        """``(first, [(index, value), ...])``: the kept values from index
        ``offset`` on (default: the oldest kept), at most ``limit``; ``first`` is
        the index of the oldest value still kept."""
        self.trim()
        first, end = self.base, self.count
        start = first if offset is None else max(offset, first)
        return first, [(i, self.buf[i - first]) for i in range(start, min(end, start + max(0, limit)))]


class Function:
    """One script function: its inbox (required ports only) and how to call it."""

    def __init__(
        self,
        name: str,
        ports: tuple[Port, ...],
        required: list[bool],
        sticky: list[bool],
        queue_limit: int | None = None,
    ) -> None:
        self.name = name
        self.ports = ports
        self.required_ports = [p for p, r in zip(ports, required, strict=True) if r]
        self.inbox = Inbox(
            [InboxPort(p.param, s) for p, r, s in zip(ports, required, sticky, strict=True) if r], queue_limit
        )
        self.is_source = not self.required_ports
        #: One required, non-sticky port: each value is a call of its own, so the
        #: run can skip holding it in the inbox.
        self.takes_one = len(self.required_ports) == 1 and not self.inbox.ports[0].sticky
        self._keywords = [p.param for p in self.required_ports]
        self._positional = sum(1 for p in self.required_ports if p.positional_only)
        # The common case — the fed ports are the leading positional parameters —
        # is called positionally, the fastest call Python has.
        leading = list(ports[: len(self.required_ports)])
        self.by_position = leading == self.required_ports and not any(p.keyword_only for p in leading)
        self.callable: Callable[..., Any] | None = None
        #: Calls sent to an executor, oldest first: results are settled in this
        #: order, so values leave the socket in the order the calls were made.
        self.pending: collections.deque[asyncio.Task[Any]] = collections.deque()

    @property
    def remote_keywords(self) -> list[str] | bool | None:
        """How an :class:`~headrace.remote.Invocation` passes the values: None
        (positionally), a list of names, or False when only a local call can
        (positional-only parameters after defaulted ones)."""
        if self.by_position:
            return None
        if self._positional:
            return False
        return list(self._keywords)

    def call(self, values: list[Any]) -> Any:
        func = self.callable
        assert func is not None
        if self.by_position:
            return func(*values)
        if not self._positional:
            return func(**dict(zip(self._keywords, values, strict=False)))  # equal lengths by construction
        # Positional-only parameters cannot be passed by name.
        args = self._positional_args(func, values)
        n = self._positional
        return func(*args, **dict(zip(self._keywords[n:], values[n:], strict=False)))

    def _positional_args(self, func: Callable[..., Any], values: list[Any]) -> list[Any]:
        # A fed positional-only port may come after one left to its default, so
        # fill the gaps from the function's own defaults.
        fed = {p.param: v for p, v in zip(self.required_ports, values, strict=True) if p.positional_only}
        params = [p for p in self.ports if p.positional_only]
        last = max(i for i, p in enumerate(params) if p.param in fed)
        defaults = {name: param.default for name, param in inspect.signature(func).parameters.items()}
        return [fed[p.param] if p.param in fed else defaults[p.param] for p in params[: last + 1]]


class LiveNode:
    """A node during a run."""

    def __init__(
        self,
        spec: Node,
        flow: FlowSpec,
        module_name: str,
        on_output: OutputHandler,
        *,
        incoming: set[str],
        error_routed: bool,
        keep: int,
        notify: int,
        console_lines: int,
    ) -> None:
        """``incoming``: the node's ports an edge feeds (``function.param``);
        ``keep``: values each socket's ring keeps; ``notify``: values per socket
        (and errors per node) also reported one by one."""
        self.spec = spec
        self.id = spec.id
        self.label = spec.label
        self.filename = node_filename(spec)
        self.module_name = module_name
        self.sink = Sink(on_output)
        capture.register(module_name, self.sink)
        #: The node's open generators (STEP items), for Run.arm.
        self.steps: set[Work] = set()
        self.code = compile(spec.code, self.filename, "exec", dont_inherit=True)
        self.module: types.ModuleType | None = None
        self.sockets = {name: Socket(self, name, keep, notify) for name in spec.shape.all_sockets}
        self.functions: dict[str, Function] = {}
        if spec.type == "script":
            for name in spec.shape.sockets:
                ports = spec.shape.ports_of(name)
                self.functions[name] = Function(
                    name,
                    ports,
                    [not p.has_default or p.name in incoming for p in ports],
                    [spec.is_sticky(p) for p in ports],
                    flow.held_values_limit,
                )
        #: Seconds one call, step or module run may take (None: no limit).
        self.time_limit = flow.time_limit_of(spec)
        self.error_routed = error_routed
        # What the canvas shows, derived from these by ``state()``: calls in
        # progress (awaited calls, open generators, data triggers, remote calls;
        # a plain synchronous call is over before anyone can look), whether it
        # was called since the host last looked, and how its last call ended.
        self.active = 0
        self.live = False
        self.ran = False
        self.errored = False
        self.stopped = False
        self.loaded = False
        #: Errors of this node in the run, the newest, and how many to report one by one.
        self.error_count = 0
        self.last_error: ErrorRecord | None = None
        self.error_notify = notify
        self.console = ConsoleTail(console_lines)
        #: The view's bookkeeping: what the host was last told.
        self.console_from = 0  # the first console line that may have changed since
        self.console_grew = False
        self.errors_shown = 0
        self.last_reported: tuple[Any, ...] | None = None
        self.reported_state: NodeState | None = None
        self.changed = False  # to be examined at the next sync (in the reporter's list)
        self.touched = False  # something the view shows changed since the host was told
        _register_source(self.filename, spec.code)

    @property
    def routes(self) -> dict[str, list[Target]]:
        return {name: socket.routes for name, socket in self.sockets.items() if socket.routes}

    def execute_module(self) -> types.ModuleType:
        """Run the node's code as a fresh module. Raises what the code raises."""
        module = types.ModuleType(self.module_name)
        module.__dict__["__builtins__"] = builtins
        module.__file__ = self.filename
        sys.modules[self.module_name] = module  # dataclasses, pickling look it up
        exec(self.code, module.__dict__)
        self.module = module
        return module

    def bind_functions(self) -> None:
        """Look up the script functions in the executed module."""
        assert self.module is not None
        for name, function in self.functions.items():
            value = self.module.__dict__.get(name)
            if not callable(value):
                raise TypeError(f"{name!r} is not a function after the module ran (it is {type(value).__name__})")
            function.callable = value

    def unload(self) -> None:
        capture.unregister(self.module_name)
        if self.module is not None and sys.modules.get(self.module_name) is self.module:
            del sys.modules[self.module_name]

    def held(self) -> dict[str, Held]:
        """Per function with fed ports: how many hold a value, and which miss one."""
        return {
            name: Held(f.inbox.held(), len(f.inbox.ports), f.inbox.missing())
            for name, f in self.functions.items()
            if f.inbox.ports
        }

    def is_waiting(self) -> bool:
        # New values wait for their partners. (A sticky port's kept value alone is
        # not waiting: the function is ready for the next call.)
        return any(f.inbox.queued() and not f.inbox.ready() for f in self.functions.values())

    def state(self, busy: bool = False) -> NodeState:
        """The node's state. ``busy``: the run is working, so a node called since
        the host last looked shows as running even between its calls (a node in
        a fast stream is busy, not done, until the stream ends)."""
        if self.active:
            return NodeState.RUNNING
        if self.stopped:
            return NodeState.STOPPED
        if self.is_waiting():
            return NodeState.WAITING
        if busy and self.live:
            return NodeState.RUNNING
        if self.errored:
            return NodeState.ERROR
        if self.ran:
            return NodeState.DONE
        return NodeState.IDLE

    @property
    def error_socket(self) -> Socket:
        return self.sockets[ERROR_SOCKET]


def _register_source(filename: str, code: str) -> None:
    """Let tracebacks show node code lines (linecache reads no file for them)."""
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)


def is_emittable_data(value: Any) -> bool:
    """A data socket emits values, not the functions, classes or modules a name may
    be bound to at run time (``x = len``), and not None."""
    return value is not None and not (inspect.isroutine(value) or inspect.isclass(value) or inspect.ismodule(value))


def user_traceback(exc: BaseException) -> str:
    """The traceback from the first frame of node code on: the engine's own frames
    are noise to the user. Never raises: node code controls the exception, and a
    broken one (a ``__str__`` that raises, a hostile ``__notes__``) must still be
    reported rather than take the run down."""
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(FILENAME_PREFIX):
        tb = tb.tb_next
    try:
        formatted = traceback.TracebackException(type(exc), exc, tb if tb is not None else exc.__traceback__)
        return "".join(formatted.format())
    except BaseException as failure:  # see the docstring
        why = f"(no traceback: formatting it raised {type(failure).__name__})"
        return f"{type(exc).__name__}: {exception_message(exc)}\n{why}\n"


def exception_message(exc: BaseException) -> str:
    """``str(exc)``, or a placeholder when the exception's ``__str__`` raises."""
    try:
        return str(exc)
    except BaseException as failure:  # node code's __str__ may raise anything
        return f"<str() of {type(exc).__name__} raised {type(failure).__name__}>"


def error_value(node: str, socket: str | None, exc: BaseException) -> dict[str, Any]:
    """What the ``error`` socket emits: plain strings only, whatever ``exc`` holds,
    so it always crosses to the host as JSON."""
    return {
        "node": node,
        "socket": socket,
        "type": type(exc).__name__,
        "message": exception_message(exc),
        "traceback": user_traceback(exc),
    }
