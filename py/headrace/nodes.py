"""Live nodes: a node's code turned into a module, its functions, its inboxes.

One :class:`LiveNode` exists per node per run. It knows how to execute the node's
module and how to call its functions; deciding *when* to call them is the run's
job (:mod:`headrace.run`).
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

from headrace.capture import OutputHandler, Sink
from headrace.inbox import Inbox, InboxPort
from headrace.model import FlowSpec, Node
from headrace.protocol import Held, NodeState
from headrace.shape import Port

#: Node code's frames carry this filename prefix; tracebacks start at the first one.
FILENAME_PREFIX = "<node "


def node_filename(node: Node) -> str:
    return f"{FILENAME_PREFIX}{node.id}: {node.label}>"


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
        self._by_position = leading == self.required_ports and not any(p.keyword_only for p in leading)
        self.callable: Callable[..., Any] | None = None
        #: Calls sent to an executor, oldest first: results are settled in this
        #: order, so values leave the socket in the order the calls were made.
        self.pending: collections.deque[asyncio.Task[Any]] = collections.deque()

    @property
    def remote_keywords(self) -> list[str] | bool | None:
        """How an :class:`~headrace.remote.Invocation` passes the values: None
        (positionally), a list of names, or False when only a local call can
        (positional-only parameters after defaulted ones)."""
        if self._by_position:
            return None
        if self._positional:
            return False
        return list(self._keywords)

    def call(self, values: list[Any]) -> Any:
        func = self.callable
        assert func is not None
        if self._by_position:
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

    def __init__(self, spec: Node, flow: FlowSpec, module_name: str, on_output: OutputHandler) -> None:
        self.spec = spec
        self.id = spec.id
        self.filename = node_filename(spec)
        self.module_name = module_name
        self.sink = Sink(on_output)
        self.code = compile(spec.code, self.filename, "exec", dont_inherit=True)
        self.module: types.ModuleType | None = None
        self.functions: dict[str, Function] = {}
        if spec.type == "script":
            for name in spec.shape.sockets:
                ports = spec.shape.ports_of(name)
                self.functions[name] = Function(
                    name,
                    ports,
                    [flow.is_required(spec, p) for p in ports],
                    [spec.is_sticky(p) for p in ports],
                    flow.held_values_limit,
                )
        #: Seconds one call, step or module run may take (None: no limit).
        self.time_limit = flow.time_limit_of(spec)
        self.error_routed = any(e.from_node == spec.id and e.from_socket == "error" for e in flow.edges)
        # What the canvas shows: derived from these by ``state()``.
        self.active = 0
        self.ran = False
        self.errored = False
        self.loaded = False
        self.last_reported: tuple[Any, ...] | None = None
        self.reported_state: NodeState | None = None
        self.dirty = False  # its state changed since it was last reported
        #: socket -> (target node, function, port index) for each edge, in file order
        self.routes: dict[str, list[tuple[LiveNode, Function, int]]] = {}
        _register_source(self.filename, spec.code)

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
        if self.module is not None and sys.modules.get(self.module_name) is self.module:
            del sys.modules[self.module_name]

    def state(self) -> tuple[NodeState, dict[str, Held]]:
        held = {
            name: Held(f.inbox.held(), len(f.inbox.ports), f.inbox.missing())
            for name, f in self.functions.items()
            if f.inbox.ports
        }
        if self.active:
            state = NodeState.RUNNING
        elif any(f.inbox.queued() and not f.inbox.ready() for f in self.functions.values()):
            # New values wait for their partners. (A sticky port's kept value
            # alone is not waiting: the function is ready for the next call.)
            state = NodeState.WAITING
        elif self.errored:
            state = NodeState.ERROR
        elif self.ran:
            state = NodeState.DONE
        else:
            state = NodeState.IDLE
        return state, held


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
