"""Observers of a run's named delivery steps, for tests and tracing.

A value travels through a run in four named steps (see :mod:`headrace.run`):

* ``trigger`` — a node is asked to fire (``name``: the socket or source function
  asked for, None for all);
* ``emit`` — a value leaves a socket (``name``: the socket);
* ``deliver`` — a value reaches a port (``name``: ``"function.param"``);
* ``step`` — node code runs once: a function is called (``value``: its argument
  values, in port order) or a generator is asked for its next value (``value``:
  None); ``name`` is the function.

``Run.observe(step, observer)`` calls ``observer(Seen(...))`` at each one, as
Node-RED's ``onSend``/``preDeliver``/``postDeliver`` hooks do. Observing costs
nothing until the first observer: then the run swaps in observed versions of the
methods that carry out those steps (:func:`install`), and turns its fast paths
off, since they do the steps inline and no observer would see them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from headrace.errors import RunError
from headrace.nodes import DIRECT, HOLD, STEP, TRIGGER

if TYPE_CHECKING:
    from headrace.nodes import Function, LiveNode, Socket
    from headrace.run import Run

StepName = Literal["trigger", "emit", "deliver", "step"]
STEPS: tuple[StepName, ...] = get_args(StepName)


@dataclass(frozen=True, slots=True)
class Seen:
    """One step as an observer sees it."""

    step: StepName
    node: str
    name: str | None
    value: Any = None


Observer = Callable[[Seen], None]


class RunHooks:
    """The observers of one run, per step."""

    def __init__(self) -> None:
        self._observers: dict[StepName, list[Observer]] = {step: [] for step in STEPS}

    def add(self, step: StepName, observer: Observer) -> None:
        if step not in self._observers:
            raise RunError(f"no step {step!r} to observe (steps: {', '.join(STEPS)})")
        self._observers[step].append(observer)

    def seen(self, step: StepName, node: str, name: str | None, value: Any = None) -> None:
        observers = self._observers[step]
        if observers:
            seen = Seen(step, node, name, value)
            for observer in observers:
                observer(seen)


def install(run: Run, hooks: RunHooks) -> None:
    """Route ``run``'s steps past ``hooks``: its queue items (trigger, deliver,
    generator steps), function calls and emits go through observed versions of
    the methods that do them. Must happen before the run starts (its work loop
    binds them once)."""
    slow, call, emit = run._slow, run._call, run._emit
    seen = hooks.seen

    def observed_slow(target: Any, value: Any) -> Any:
        kind = target.kind
        if kind in (HOLD, DIRECT):
            function = target.function
            seen("deliver", target.node.id, f"{function.name}.{function.inbox.ports[target.index].param}", value)
        elif kind == TRIGGER:
            seen("trigger", target.node.id, target.socket)
        elif kind == STEP:
            seen("step", target.node.id, target.socket)
        return slow(target, value)

    def observed_call(node: LiveNode, function: Function, values: list[Any]) -> Any:
        seen("step", node.id, function.name, list(values))
        return call(node, function, values)

    def observed_emit(socket: Socket, value: Any) -> None:
        seen("emit", socket.node.id, socket.name, value)
        emit(socket, value)

    run._slow = observed_slow  # type: ignore[method-assign]
    run._call = observed_call  # type: ignore[method-assign]
    run._emit = observed_emit  # type: ignore[method-assign]
