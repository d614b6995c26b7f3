"""The flow model: flow format version 1 as Python objects.

Optional fields that a file leaves out stay out (``None`` here), so that exporting
a loaded flow gives back the same document, ``ui`` included.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Literal

from headrace.cron import Cron
from headrace.shape import NodeShape, NodeType, Port

FORMAT_VERSION = 1
#: How many values one port holds, waiting for its partners, when the flow does
#: not say (``queue_limit``). Generous for a join whose inputs arrive unevenly,
#: small enough that a port flooding while its partner never fills is caught
#: long before it eats the memory of a browser tab.
DEFAULT_QUEUE_LIMIT = 10_000


@dataclasses.dataclass(frozen=True)
class PortSettings:
    """Per-port settings (``ports`` on a node)."""

    #: None when the file leaves it out (it then reads as False, and stays out on export).
    sticky: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {} if self.sticky is None else {"sticky": self.sticky}


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A socket's cron schedule (``schedule`` on a node). ``enabled`` is None when
    the file leaves it out (on); ``written_as_object`` keeps the file's form."""

    cron: Cron
    enabled: bool | None = None
    written_as_object: bool = False

    @property
    def is_on(self) -> bool:
        return self.enabled is not False

    def to_json(self) -> str | dict[str, Any]:
        if not self.written_as_object:
            return self.cron.expression
        out: dict[str, Any] = {"cron": self.cron.expression}
        if self.enabled is not None:
            out["enabled"] = self.enabled
        return out


@dataclasses.dataclass
class Node:
    """One node. ``shape`` is read from ``code`` when the flow is loaded."""

    id: str
    type: NodeType
    name: str
    code: str
    shape: NodeShape
    sockets: list[str] | None = None
    schedule: dict[str, Schedule] | None = None
    ports: dict[str, PortSettings] | None = None
    description: str | None = None
    #: Seconds one call (or generator step) may run; overrides the flow's.
    time_limit: float | None = None
    #: Sockets pinned to values (a past run's): the node does not run, and these values
    #: leave its sockets whenever it would have run (docs/history.md, "Pin data").
    pinned: dict[str, Pinned] | None = None

    def is_sticky(self, port: Port) -> bool:
        return bool(self.ports and self.ports.get(port.name, PortSettings()).sticky)

    @property
    def label(self) -> str:
        """How logs name the node: its name, or its id when it has none."""
        return self.name or self.id

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "name": self.name}
        if self.description is not None:
            out["description"] = self.description
        out["code"] = self.code
        if self.sockets is not None:
            out["sockets"] = list(self.sockets)
        if self.schedule is not None:
            out["schedule"] = {socket: s.to_json() for socket, s in self.schedule.items()}
        if self.ports is not None:
            out["ports"] = {name: s.to_json() for name, s in self.ports.items()}
        if self.time_limit is not None:
            out["time_limit"] = self.time_limit
        if self.pinned is not None:
            out["pinned"] = {socket: p.to_json() for socket, p in self.pinned.items()}
        return out


@dataclasses.dataclass(frozen=True)
class Pinned:
    """The values a pinned socket sends out (JSON values), and the run they came from."""

    values: list[Any]
    run: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"values": list(self.values)}
        if self.run is not None:
            out["run"] = self.run
        return out


@dataclasses.dataclass(frozen=True)
class Edge:
    """A wire from a node's socket to another node's port."""

    from_node: str
    from_socket: str
    to_node: str
    to_port: str
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["from"] = {"node": self.from_node, "socket": self.from_socket}
        out["to"] = {"node": self.to_node, "port": self.to_port}
        return out


@dataclasses.dataclass
class FlowSpec:
    """A validated flow document."""

    name: str
    nodes: list[Node]
    edges: list[Edge]
    description: str | None = None
    requirements: list[str] | None = None
    timezone: str | None = None
    misfire: Literal["coalesce", "skip"] | None = None
    #: Seconds a node's call (or generator step) may run; None: no limit.
    time_limit: float | None = None
    #: Values one port may hold; None: DEFAULT_QUEUE_LIMIT.
    queue_limit: int | None = None
    ui: dict[str, Any] | None = None

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def has_incoming(self, node_id: str, port: str) -> bool:
        return port in self._fed().get(node_id, ())

    def fed_ports(self) -> dict[str, set[str]]:
        """Per node, the ports (``function.param``) an edge feeds (a copy)."""
        return {node: set(ports) for node, ports in self._fed().items()}

    def _fed(self) -> dict[str, set[str]]:
        # Indexed once, on first need: asking per port by scanning the edges made
        # loading and starting a large flow quadratic. (The index is kept with the
        # edges it was made from; a flow's edges are not changed after validation.)
        fed = self.__dict__.get("_fed_index")
        if (
            fed is None
            or self.__dict__.get("_fed_edges") is not self.edges
            or len(self.edges) != self.__dict__.get("_fed_count")
        ):
            fed = {}
            for edge in self.edges:
                fed.setdefault(edge.to_node, set()).add(edge.to_port)
            self.__dict__.update(_fed_index=fed, _fed_edges=self.edges, _fed_count=len(self.edges))
        return fed

    def time_limit_of(self, node: Node) -> float | None:
        """The node's own time limit, else the flow's, else None (no limit)."""
        return node.time_limit if node.time_limit is not None else self.time_limit

    @property
    def held_values_limit(self) -> int:
        """How many values one port may hold (``queue_limit`` or its default)."""
        return self.queue_limit if self.queue_limit is not None else DEFAULT_QUEUE_LIMIT

    def is_required(self, node: Node, port: Port) -> bool:
        """A port is required if an edge feeds it or it has no default."""
        return not port.has_default or self.has_incoming(node.id, port.name)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"headrace": FORMAT_VERSION, "name": self.name}
        if self.description is not None:
            out["description"] = self.description
        if self.requirements is not None:
            out["requirements"] = list(self.requirements)
        if self.timezone is not None:
            out["timezone"] = self.timezone
        if self.misfire is not None:
            out["misfire"] = self.misfire
        if self.time_limit is not None:
            out["time_limit"] = self.time_limit
        if self.queue_limit is not None:
            out["queue_limit"] = self.queue_limit
        out["nodes"] = [n.to_json() for n in self.nodes]
        out["edges"] = [e.to_json() for e in self.edges]
        if self.ui is not None:
            out["ui"] = copy.deepcopy(self.ui)  # the caller may edit what it gets
        return out
