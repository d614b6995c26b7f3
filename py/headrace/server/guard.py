"""The door of the server: token, origin and body size, checked before any route.

A plain ASGI middleware, so that a request that fails a check never reaches the
application: nothing is parsed, nothing is started. HTTP requests get 401 (no or
wrong token), 403 (an ``Origin`` not on the allow-list) or 413 (a body over the
limit), as JSON ``{"error": {"type", "message"}}``. A WebSocket from a foreign
origin is refused at the handshake (HTTP 403); one without the right token is
accepted and closed at once with code 4401, which a browser can read (it cannot
read a refused handshake's status).

CORS preflights are answered by Starlette's CORSMiddleware, outside this one:
browsers send them without credentials.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WS_UNAUTHORIZED = 4401
WS_FORBIDDEN_ORIGIN = 1008  # policy violation; sent before the handshake, as HTTP 403


class Guard:
    """Checks every HTTP request and WebSocket before the app sees it."""

    def __init__(self, app: ASGIApp, *, token: str, allow_origins: tuple[str, ...], max_body: int) -> None:
        self.app = app
        self._token = token.encode("utf-8")
        self.allow_origins = frozenset(allow_origins)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._origin_allowed(scope):
            return await _reject(send, 403, "Forbidden", "this origin may not call the server (see --allow-origin)")
        if not self._authorized(scope):
            return await _reject(
                send,
                401,
                "Unauthorized",
                "a token is required: 'Authorization: Bearer TOKEN' or '?token=TOKEN'",
                [(b"www-authenticate", b"Bearer")],
            )
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _reject(send, 413, "TooLarge", self._too_large())
        # Read the body here, bounded: a chunked body has no length to check.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await _reject(send, 413, "TooLarge", self._too_large())
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._origin_allowed(scope):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": WS_FORBIDDEN_ORIGIN, "reason": "origin not allowed"})
            return
        if not self._authorized(scope):
            await receive()
            await send({"type": "websocket.accept"})
            await send(
                {"type": "websocket.close", "code": WS_UNAUTHORIZED, "reason": "unauthorized: wrong or no token"}
            )
            return
        await self.app(scope, receive, send)

    def _origin_allowed(self, scope: Scope) -> bool:
        origin = _header(scope, b"origin")
        # No Origin: not a browser page (curl, a script), which must hold the token.
        return origin is None or origin in self.allow_origins

    def _authorized(self, scope: Scope) -> bool:
        given: str | None = None
        authorization = _header(scope, b"authorization")
        if authorization is not None:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() == "bearer":
                given = value.strip()
        if given is None:
            values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
            given = values[-1] if values else None
        return given is not None and secrets.compare_digest(given.encode("utf-8"), self._token)

    def _too_large(self) -> str:
        return f"the request body is over {self.max_body} bytes (see --max-body)"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _reject(
    send: Send, status: int, kind: str, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": {"type": kind, "message": message}}).encode("utf-8")
    head: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head + (headers or [])})
    await send({"type": "http.response.body", "body": body})


_TOKEN_IN_TEXT = re.compile(r"(token=)[^&\s\"']+")


class RedactTokens(logging.Filter):
    """Blanks ``token=...`` in log records (uvicorn logs WebSocket paths with
    their query string): the token is printed once, at start, and nowhere else."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):  # uvicorn's access formatter unpacks its args: keep their shape
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact(text: str) -> str:
    """``text`` with the value of every ``token=`` blanked."""
    return _TOKEN_IN_TEXT.sub(r"\1…", text)
