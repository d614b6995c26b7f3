"""The public face of the engine: load a flow, run it, export it."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal

from headrace.load import parse_document, parse_json, validate
from headrace.model import FlowSpec
from headrace.protocol import Emit, Event, NodeError, Output, RunStopped
from headrace.run import EventHandler, Run

Trigger = Literal["sources", "none"]


@dataclasses.dataclass
class RunResult:
    """What a finished run reported, in order."""

    run: str
    events: list[Event]

    @property
    def emits(self) -> list[Emit]:
        return [e for e in self.events if isinstance(e, Emit)]

    @property
    def errors(self) -> list[NodeError]:
        return [e for e in self.events if isinstance(e, NodeError)]

    @property
    def unrouted_errors(self) -> list[NodeError]:
        return [e for e in self.errors if not e.routed]

    def values(self, node: str, socket: str | None = None) -> list[Any]:
        """The values a node emitted (on one socket, or on all but ``error``)."""
        return [
            e.value
            for e in self.emits
            if e.node == node and (e.socket == socket if socket is not None else e.socket != "error")
        ]

    def output(self, node: str) -> str:
        """Everything a node printed, stdout and stderr interleaved as written."""
        return "".join(e.text for e in self.events if isinstance(e, Output) and e.node == node)


class Flow:
    """A loaded, validated flow.

    >>> flow = Flow.load({"headrace": 1, "name": "empty", "nodes": [], "edges": []})
    >>> flow.run_sync().emits
    []
    """

    def __init__(self, spec: FlowSpec) -> None:
        self.spec = spec

    @classmethod
    def load(cls, source: str | bytes | os.PathLike[str] | Mapping[str, Any]) -> Flow:
        """Load a flow from a dict, a JSON string, or a path to a JSON file.
        Raises :class:`headrace.FlowError` naming the JSON path at fault."""
        return cls(validate(parse_document(source)))

    @classmethod
    def loads(cls, text: str | bytes) -> Flow:
        """Load a flow from JSON text, never taken as a path (text fetched over the
        network, say, where an empty or HTML answer must not be read as a file name).
        Raises :class:`headrace.FlowError` naming the JSON path at fault."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        return cls(validate(parse_json(text, "$")))

    @property
    def name(self) -> str:
        return self.spec.name

    def to_json(self) -> dict[str, Any]:
        """The flow as a format-1 document: ``Flow.load(d).to_json() == d``."""
        return self.spec.to_json()

    def start(self, *, on_event: EventHandler | None = None, **options: Any) -> Run:
        """A new :class:`Run` of this flow, not yet started; ``options`` are
        :class:`Run`'s (``report="view"``, ``run_id``, ``clock``, ``timezone``,
        ``executor``, ...)."""
        return Run(self.spec, on_event=on_event, **options)

    async def run(
        self,
        *,
        on_event: EventHandler | None = None,
        trigger: Trigger = "sources",
        run_id: str | None = None,
    ) -> RunResult:
        """Trigger every source once, run until idle, stop; return the events."""
        events: list[Event] = []

        def record(event: Event) -> None:
            events.append(event)
            if on_event is not None:
                on_event(event)

        run = self.start(on_event=record, run_id=run_id)
        await run.start()
        try:
            if trigger == "sources":
                run.trigger_sources()
            await run.wait_idle()
        finally:
            await run.stop("finished")
        return RunResult(run=run.id, events=events)

    def run_sync(self, **options: Any) -> RunResult:
        """:meth:`run` for scripts, outside any event loop."""
        return asyncio.run(self.run(**options))

    async def events(self, *, trigger: Trigger = "sources") -> AsyncIterator[Event]:
        """Run the flow, yielding each event as it happens (ends after
        ``run_stopped``)."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        task = asyncio.ensure_future(self.run(on_event=queue.put_nowait, trigger=trigger))
        try:
            while True:
                event = await queue.get()
                yield event
                if isinstance(event, RunStopped):
                    break
            await task
        finally:
            task.cancel()
