"""The door of the server: host, token, origin and body size, checked before any route.

A plain ASGI middleware, so that a request that fails a check never reaches the
application: nothing is parsed, nothing is started. HTTP requests get 403 (a
``Host`` that is not this machine's loopback name nor on the allow-list, or an
``Origin`` not on the allow-list), 401 (no or wrong token) or 413 (a body over
the limit), as JSON ``{"error": {"type", "message"}}``. A WebSocket from a
foreign host or origin is refused at the handshake (HTTP 403); one without the
right token is accepted and closed at once with code 4401, which a browser can
read (it cannot read a refused handshake's status).

CORS preflights are answered by :class:`Cors` (Starlette's CORSMiddleware),
outside this one: browsers send them without credentials.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headrace.protocol import ServerErrorKind

WS_UNAUTHORIZED = 4401
WS_FORBIDDEN_ORIGIN = 1008  # policy violation; sent before the handshake, as HTTP 403


class Guard:
    """Checks every HTTP request and WebSocket before the app sees it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        allow_origins: tuple[str, ...],
        max_body: int,
        allow_hosts: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self._token = token.encode("utf-8")
        self.allow_origins = frozenset(allow_origins)
        self.allow_hosts = frozenset(host_name(host) for host in allow_hosts)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = self._refused(scope)
        if refused is not None:
            return await _reject(send, 403, "Forbidden", refused)
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
        if self._refused(scope) is not None:
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": WS_FORBIDDEN_ORIGIN, "reason": "host or origin not allowed"})
            return
        if not self._authorized(scope):
            await receive()
            await send({"type": "websocket.accept"})
            await send(
                {"type": "websocket.close", "code": WS_UNAUTHORIZED, "reason": "unauthorized: wrong or no token"}
            )
            return
        await self.app(scope, receive, send)

    def _refused(self, scope: Scope) -> str | None:
        """Why the request's host or origin is refused (None: neither is)."""
        host = _header(scope, b"host")
        # A page on a name its attacker controls, pointed at this machine (DNS
        # rebinding), calls us by that name: answer only to ours. (No Host at all
        # is not a browser, which always sends one.)
        if host is not None and not self._host_allowed(host_name(host)):
            name = host_name(host)
            return (
                f"this server does not answer to the name {name!r} (the Host header), only to this machine's "
                f"loopback names: if {name!r} is how it is reached, start headrace serve with --allow-host {name}"
            )
        origin = _header(scope, b"origin")
        # No Origin: not a browser page (curl, a script), which must hold the token.
        if origin is not None and origin not in self.allow_origins:
            return origin_refused(origin)
        return None

    def _host_allowed(self, name: str) -> bool:
        if name in self.allow_hosts or name == "localhost":
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

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


def host_name(host: str) -> str:
    """The name in a ``Host`` header (or given to ``--allow-host``): without its
    port, IPv6 brackets or a final dot, in lower case."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:  # name:port (a bare IPv6 address has more colons)
        name = name.partition(":")[0]
    return name.rstrip(".")


def origin_refused(origin: str) -> str:
    return f"the origin {origin} may not call this server: start headrace serve with --allow-origin {origin}"


class Cors(CORSMiddleware):
    """Starlette's CORS, but a preflight it refuses is answered in the server's
    error format: 403 for an origin not on the allow-list, as the request itself
    would get, and 400 for a method or header the server does not take."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        origin = request_headers["origin"]
        kind: ServerErrorKind
        if not self.is_allowed_origin(origin):
            status, kind, message = 403, "Forbidden", origin_refused(origin)
        else:
            status, kind = 400, "BadRequest"
            message = f"CORS preflight refused: {bytes(response.body).decode('utf-8', 'replace')}"
        return JSONResponse({"error": {"type": kind, "message": message}}, status)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _reject(
    send: Send, status: int, kind: ServerErrorKind, message: str, headers: list[tuple[bytes, bytes]] | None = None
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
