"""Driving the built studio (dist/) in Chromium as a user does: open a flow with
``?flow=``, wait for the engine, click Run Flow, wait for the ``headrace:idle`` window
event; and reading the page's and the engine worker's memory over CDP."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page, Route

BOOT_TIMEOUT_MS = 180_000
VIEWPORT = {"width": 1400, "height": 900}

# Counts runs that went idle, with the time and the emits each reported. No listener on
# headrace:emit: it would add its own cost to every message.
RECORDER = """
window.__bench = { ready: false, idle: [] };
addEventListener('headrace:ready', () => { window.__bench.ready = true; });
addEventListener('headrace:idle', (e) => {
  window.__bench.idle.push({ at: performance.now(), emitted: e.detail.emitted, errors: e.detail.errors });
});
"""

RUN_READY = """(nodes) => window.__bench.ready
  && nodes.every((id) => document.querySelector(`[data-node-id="${id}"]`))
  && !document.querySelector('[data-testid=run-flow]').disabled"""


def open_studio(context: BrowserContext, url: str, node_ids: list[str]) -> Page:
    """A new tab on ``url`` (the studio with ``?flow=``), once the engine is ready and
    the flow's nodes (some of them, for big flows) are on the canvas."""
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.wait_for_function(RUN_READY, arg=node_ids, timeout=BOOT_TIMEOUT_MS, polling=50)
    return page


def run_flow(page: Page, expected_emits: int, timeout_ms: int = 600_000) -> float:
    """Click Run Flow; seconds from the click to the run's ``headrace:idle`` event (the run
    starts in the worker: the flow is validated and its modules loaded; the sources run to
    idle; every event batch crosses to the main thread and updates the canvas). Checks
    the run reported ``expected_emits`` emits and no errors."""
    page.wait_for_function("!document.querySelector('[data-testid=run-flow]').disabled", timeout=timeout_ms)
    before = page.evaluate("window.__bench.idle.length")
    start = page.evaluate(
        "() => { const t = performance.now(); document.querySelector('[data-testid=run-flow]').click(); return t; }"
    )
    page.wait_for_function(f"window.__bench.idle.length > {before}", timeout=timeout_ms, polling=100)
    idle = page.evaluate(f"window.__bench.idle[{before}]")
    if idle["emitted"] != expected_emits or idle["errors"]:
        raise RuntimeError(f"studio run: {idle['emitted']} emits, {idle['errors']} errors; expected {expected_emits}")
    return float(idle["at"] - start) / 1000


class WorkerSession:
    """A CDP session on the studio's engine worker (through the page's session, as
    Playwright cannot open one on a worker), for its heap sizes."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp: CDPSession = page.context.new_cdp_session(page)
        self._replies: dict[int, Any] = {}
        self._next = 0
        self._session: str | None = None
        self.cdp.on("Target.attachedToTarget", self._attached)
        self.cdp.on("Target.receivedMessageFromTarget", self._received)
        self.cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False})
        self._wait(lambda: self._session is not None, "the engine worker to attach")

    def _attached(self, event: dict[str, Any]) -> None:
        if event["targetInfo"]["type"] == "worker":
            self._session = event["sessionId"]

    def _received(self, event: dict[str, Any]) -> None:
        message = json.loads(event["message"])
        if "id" in message:
            self._replies[message["id"]] = message

    def _wait(self, done: Any, what: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"CDP: waited {timeout_s} s for {what}")
            self.page.wait_for_timeout(20)

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self._next += 1
        call = self._next
        message = json.dumps({"id": call, "method": method, "params": params or {}})
        self.cdp.send("Target.sendMessageToTarget", {"sessionId": self._session, "message": message})
        self._wait(lambda: call in self._replies, f"the worker's reply to {method}")
        reply = self._replies.pop(call)
        if "error" in reply:
            raise RuntimeError(f"CDP {method} in the worker: {reply['error']}")
        return reply["result"]

    def js_heap(self) -> int:
        """The worker's JS heap after a garbage collection, in bytes."""
        self.send("HeapProfiler.collectGarbage")
        return int(self.send("Runtime.getHeapUsage")["usedSize"])


# Prepended to the engine worker's script (memory figures only): keeps a reference to
# every WebAssembly memory the worker instantiates, so its size can be read. CDP's
# Runtime.queryObjects would find them without this, but crashes the renderer on
# Pyodide's heap (Chromium 156).
WASM_HOOK = """
globalThis.__benchWasm = [];
{
  const keep = (result, imports) => {
    const instance = result.instance ?? result;
    for (const value of [...Object.values(instance.exports ?? {}), ...Object.values(imports?.env ?? {})]) {
      const seen = globalThis.__benchWasm;
      if (value instanceof WebAssembly.Memory && !seen.includes(value)) seen.push(value);
    }
    return result;
  };
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (source, imports) => instantiate(source, imports).then((r) => keep(r, imports));
  const streaming = WebAssembly.instantiateStreaming;
  if (streaming) {
    WebAssembly.instantiateStreaming = (source, imports) => streaming(source, imports).then((r) => keep(r, imports));
  }
}
"""


def instrument_worker(context: BrowserContext) -> None:
    """Serve the engine worker's script with WASM_HOOK in front (see wasm_memory)."""

    def prepend(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=WASM_HOOK + response.text())

    context.route("**/assets/worker-*.js", prepend)


def wasm_memory(page: Page) -> int:
    """Bytes of WebAssembly memory in the engine worker (Pyodide's heap); needs
    instrument_worker on the page's context."""
    # The engine's worker starts from a data: URL (an origin of its own) importing our script.
    workers = [w for w in page.workers if "/assets/worker-" in urllib.parse.unquote(w.url)]
    if len(workers) != 1:
        raise RuntimeError(f"expected one engine worker, found {[w.url for w in page.workers]}")
    sizes = workers[0].evaluate("globalThis.__benchWasm.map((m) => m.buffer.byteLength)")
    if not sizes:
        raise RuntimeError("the engine worker instantiated no WebAssembly memory (is the hook in place?)")
    return int(sum(sizes))


def page_heap(page: Page) -> int:
    """The page's (main thread's) JS heap after a garbage collection, in bytes."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return int(metrics["JSHeapUsedSize"])
    finally:
        cdp.detach()
