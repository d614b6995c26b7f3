"""``headrace serve``: run flows on a CPython backend, over HTTP and a WebSocket.

A thin adapter over :mod:`headrace.bridge`. The server itself never runs user
code: each run lives in a child process (:mod:`headrace.server.worker`) that hosts
a :class:`~headrace.bridge.Bridge` and trades JSON lines with the server. The web
part (FastAPI, uvicorn) is the optional extra ``headrace[server]`` and is imported
only by :mod:`headrace.server.app` and :mod:`headrace.server.main`, so this package
and its worker import without it. See docs/backend.md.
"""

from __future__ import annotations

from headrace.server.config import ServerConfig

__all__ = ["ServerConfig"]
