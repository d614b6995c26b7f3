"""Replay from a recorded value: a socket's recorded values, from an offset on (or
just the one), sent downstream again with the flow's code of now, as a new run
linked to the recorded one. Nothing upstream of the socket runs.

What is replayed must still make sense: the socket must still exist in the flow
(the node may have been deleted, or its function renamed), the values asked for
must still be kept (a run's record keeps its sockets' rings, the newest values),
and each must have been recorded as JSON, not as the text of an object JSON
cannot hold. Otherwise the replay is refused, saying which and what there is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headrace.history import History, HistoryError, RunRecord
from headrace.model import FlowSpec


@dataclass
class ReplayFrom:
    """Where a replay starts: a socket of a node (by id) and an offset in its values;
    ``only`` replays that one value rather than it and every later one."""

    node: str
    socket: str
    offset: int = 0
    only: bool = False


def parse_from(text: str, flow: FlowSpec) -> ReplayFrom:
    """``NODE.SOCKET`` or ``NODE.SOCKET@OFFSET``, the node by its id or its name."""
    where, at, offset_text = text.partition("@")
    node_text, dot, socket = where.rpartition(".")
    if not dot or not node_text or not socket:
        raise HistoryError(f"--from {text!r}: expected NODE.SOCKET or NODE.SOCKET@OFFSET (e.g. Source.value@3)")
    offset = 0
    if at:
        try:
            offset = int(offset_text)
        except ValueError:
            raise HistoryError(f"--from {text!r}: the offset {offset_text!r} is not a whole number") from None
        if offset < 0:
            raise HistoryError(f"--from {text!r}: the offset counts from 0, got {offset}")
    return ReplayFrom(_node_id(node_text, flow), socket, offset)


def _node_id(text: str, flow: FlowSpec) -> str:
    if any(n.id == text for n in flow.nodes):
        return text
    named = [n.id for n in flow.nodes if n.label == text]
    if len(named) == 1:
        return named[0]
    if named:
        raise HistoryError(f"{len(named)} nodes are named {text!r}: give the node's id ({', '.join(named)})")
    known = ", ".join(repr(n.label) for n in flow.nodes) or "none"
    raise HistoryError(f"the flow has no node {text!r} now (its nodes: {known})")


def values_to_replay(history: History, record: RunRecord, start: ReplayFrom, flow: FlowSpec) -> list[Any]:
    """The recorded values ``start`` asks for, checked against the flow of now."""
    node = next((n for n in flow.nodes if n.id == start.node), None)
    where = f"{(node.label if node else start.node)}.{start.socket}"
    if node is None:
        raise HistoryError(f"cannot replay {where}: the node is no longer in the flow")
    if start.socket not in node.shape.all_sockets:
        now = ", ".join(node.shape.all_sockets)
        raise HistoryError(
            f"cannot replay {where}: {node.label} has no socket {start.socket!r} now (its sockets: {now})"
        )
    kept = history.values(record.id, start.node, start.socket, start.offset, 1 if start.only else 1_000_000)
    if kept.count == 0:
        raise HistoryError(f"cannot replay {where}: it sent no values in run {record.id}")
    if start.offset >= kept.count:
        raise HistoryError(
            f"cannot replay {where} from value {start.offset}: it sent {kept.count} in run {record.id}"
            f" (0 to {kept.count - 1})"
        )
    if start.offset < kept.first:
        raise HistoryError(
            f"cannot replay {where} from value {start.offset}: run {record.id} kept only its newest values,"
            f" {kept.first} to {kept.count - 1}"
        )
    for index, _value, is_repr in kept.values:
        if is_repr:
            raise HistoryError(
                f"cannot replay {where}: value {index} was recorded as its text only (not JSON),"
                " so it cannot be sent again"
            )
    return [value for _index, value, _is_repr in kept.values]
