"""Short previews of values: what a node card, an edge's tooltip and the debug
sidebar show of a value without carrying the value itself.

A preview is the value's JSON (as the wire would carry it) or, for a value JSON
cannot hold, its ``repr`` — cut at :data:`PREVIEW_CHARS`. It is built by walking
the value and stopping once the text is long enough, so a preview of a 50 MB
string or a million-element list costs as much as one of a short one. (A
value's own ``__repr__`` is the exception: it is called whole, as the event
stream calls it, and its text then cut.)
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

from headrace.protocol import ValuePreview, safe_repr

#: Characters of a preview, at most (a cut preview ends in "…").
PREVIEW_CHARS = 240
#: Containers nested deeper than this are shown as "…".
_MAX_DEPTH = 20
_dumps_str = json.JSONEncoder(ensure_ascii=False).encode


class _Full(Exception):
    """The preview holds enough text."""


def preview(value: Any, limit: int = PREVIEW_CHARS) -> ValuePreview:
    """The preview of ``value``: JSON text when the value is JSON (tuples as lists,
    as on the wire), else its repr; cut to ``limit`` characters."""
    parts: list[str] = []
    budget = [limit + 1]  # one more than fits: then we know it was cut
    try:
        if not _json_like(value, 0, set()):
            raise TypeError
        with contextlib.suppress(_Full):
            _write(value, parts, budget, 0)
        text, is_repr = "".join(parts), False
    except (TypeError, ValueError, RecursionError):
        text, is_repr = safe_repr(value), True
    if len(text) > limit:
        return ValuePreview(text[: limit - 1] + "…", is_repr, True)
    return ValuePreview(text, is_repr, False)


def _json_like(value: Any, depth: int, seen: set[int]) -> bool:
    """Whether the value is plain JSON data, checked only as deep as a preview
    looks (what lies past the cut does not change the text)."""
    kind = type(value)
    if kind in (str, int, bool) or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if depth > _MAX_DEPTH:
        return True
    if kind in (list, tuple):
        if id(value) in seen:
            return False
        seen.add(id(value))
        ok = all(_json_like(v, depth + 1, seen) for v in value[:_LOOK])
        seen.discard(id(value))
        return ok
    if kind is dict:
        if id(value) in seen:
            return False
        seen.add(id(value))
        ok = True
        for i, (k, v) in enumerate(value.items()):
            if i >= _LOOK:
                break
            if type(k) is not str or not _json_like(v, depth + 1, seen):
                ok = False
                break
        seen.discard(id(value))
        return ok
    return False


#: Items of a container looked at: a preview never shows more than this many.
_LOOK = PREVIEW_CHARS // 2


def _put(text: str, parts: list[str], budget: list[int]) -> None:
    if len(text) >= budget[0]:
        parts.append(text[: budget[0]])
        raise _Full
    parts.append(text)
    budget[0] -= len(text)


def _write(value: Any, parts: list[str], budget: list[int], depth: int) -> None:
    kind = type(value)
    if kind is str:
        # Only the head of a long string can show: encode no more than that.
        _put(_dumps_str(value[: budget[0]]) if len(value) > budget[0] else _dumps_str(value), parts, budget)
    elif value is None or kind is bool:
        _put("null" if value is None else ("true" if value else "false"), parts, budget)
    elif kind is int or kind is float:
        _put(json.dumps(value), parts, budget)
    elif depth > _MAX_DEPTH:
        _put("…", parts, budget)
    elif kind in (list, tuple):
        _put("[", parts, budget)
        for i, item in enumerate(value):
            if i:
                _put(", ", parts, budget)
            _write(item, parts, budget, depth + 1)
        _put("]", parts, budget)
    else:  # a dict with string keys (checked by _json_like)
        _put("{", parts, budget)
        for i, (key, item) in enumerate(value.items()):
            if i:
                _put(", ", parts, budget)
            _put(_dumps_str(key) + ": ", parts, budget)
            _write(item, parts, budget, depth + 1)
        _put("}", parts, budget)
