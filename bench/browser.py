"""What the browser benchmarks share: Debian's Chromium with the flags this
machine needs, and dist/ on a local static server with pages of their own."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "dist"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


#: What `make studio` (vite preview) sends: cross-origin isolation (Stop interrupts in
#: place) and CORS (the engine's worker runs at an origin of its own). See vite.config.ts.
PREVIEW_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Access-Control-Allow-Origin": "*",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }
    pages: ClassVar[dict[str, tuple[bytes, str]]] = {}
    #: Sent with every response (e.g. COOP/COEP, CORS), as a host may be configured.
    extra_headers: ClassVar[dict[str, str]] = {}

    def end_headers(self) -> None:
        for key, value in self.extra_headers.items():
            self.send_header(key, value)
        super().end_headers()

    def do_GET(self) -> None:
        page = self.pages.get(self.path.split("?")[0])
        if page is None:
            super().do_GET()
            return
        body, kind = page
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_dist(
    pages: dict[str, tuple[bytes, str]], root: Path = DIST, headers: dict[str, str] | None = None
) -> Iterator[str]:
    """Serve dist/ (or a copy of it, ``root``) plus ``pages`` (path -> (body, content
    type)), with ``headers`` on every response; yields the base URL."""
    handler = type("Handler", (_Handler,), {"pages": pages, "extra_headers": headers or {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
