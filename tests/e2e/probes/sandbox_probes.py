# Node code that tries to reach what a flow has no business reaching: the studio's
# storage (the user's other flows, settings and backend token), its cookies, its pages.
# Each function gets the studio's URL and returns what it obtained; the test looks for the
# secrets it planted in every value. Run in the studio's engine worker, in Pyodide.
import asyncio

import js
from pyodide.ffi import create_once_callable, to_js


def _obj(**fields):
    return to_js(fields, dict_converter=js.Object.fromEntries)


def _request(req):
    """An IDBRequest as an awaitable."""
    future = asyncio.get_event_loop().create_future()
    req.onsuccess = create_once_callable(lambda _e: future.done() or future.set_result(req.result))
    req.onerror = create_once_callable(lambda _e: future.done() or future.set_exception(RuntimeError(str(req.error))))
    return future


async def _attempt(coro_or_fn):
    try:
        value = coro_or_fn()
        if asyncio.iscoroutine(value) or hasattr(value, "then"):
            value = await value
        return f"got: {value}"
    except BaseException as exc:
        return f"blocked: {type(exc).__name__}: {exc}"[:300]


async def _idb_dump(name):
    db = await _request(js.indexedDB.open(name))
    stores = list(db.objectStoreNames)
    out = []
    for store in stores:
        rows = await _request(db.transaction(store, "readonly").objectStore(store).getAll())
        out.append(js.JSON.stringify(rows))
    return " ".join(out)


async def p01_indexeddb_flows(app):
    return await _attempt(lambda: _idb_dump("headrace-studio-flows"))


async def p02_indexeddb_meta(app):
    return await _attempt(lambda: _idb_dump("headrace-studio-meta"))


async def p03_indexeddb_databases(app):
    return await _attempt(lambda: js.indexedDB.databases())


async def p04_cache_storage(app):
    return await _attempt(lambda: js.caches.keys())


async def p05_local_storage(app):
    return await _attempt(lambda: js.localStorage.getItem("headrace.settings"))


async def p06_session_storage(app):
    return await _attempt(lambda: js.sessionStorage.length)


async def p07_cookie(app):
    return await _attempt(lambda: js.document.cookie)


async def p08_parent_dom(app):
    return await _attempt(lambda: js.parent.document.body.innerHTML)


async def p09_top_dom(app):
    return await _attempt(lambda: js.top.localStorage.getItem("headrace.settings"))


async def p10_fetch_with_credentials(app):
    async def go():
        response = await js.fetch(app, _obj(credentials="include"))
        return await response.text()

    return await _attempt(go)


async def p11_fetch_settings_echo(app):
    async def go():
        response = await js.fetch(f"{app}?cookie-echo", _obj(credentials="include"))
        return await response.text()

    return await _attempt(go)


async def p12_xhr_with_credentials(app):
    def go():
        xhr = js.XMLHttpRequest.new()
        xhr.open("GET", app, False)
        xhr.withCredentials = True
        xhr.send()
        return xhr.responseText

    return await _attempt(go)


async def p13_storage_estimate(app):
    return await _attempt(lambda: js.navigator.storage.estimate())


async def p14_origin_private_fs(app):
    return await _attempt(lambda: js.navigator.storage.getDirectory())


async def p15_web_locks(app):
    async def go():
        state = await js.navigator.locks.query()
        return js.JSON.stringify(state)

    return await _attempt(go)


async def p16_broadcast_channel(app):
    async def go():
        heard = []
        channel = js.BroadcastChannel.new("headrace")
        channel.onmessage = create_once_callable(lambda e: heard.append(js.JSON.stringify(e.data)))
        channel.postMessage("who is there?")
        await asyncio.sleep(0.3)
        channel.close()
        return heard or "nobody answered"

    return await _attempt(go)


async def p17_same_origin_worker(app):
    return await _attempt(lambda: js.Worker.new(f"{app}favicon.svg"))


async def p18_service_worker(app):
    return await _attempt(lambda: js.navigator.serviceWorker.register(f"{app}sw.js"))


async def p19_spoof_reply(app):
    # A reply to a request the UI never made, and a malformed one: the runner drops both.
    def go():
        js.postMessage(
            to_js(
                {"type": "reply", "id": 999999, "result": '{"ok":true,"value":"spoofed"}'},
                dict_converter=js.Object.fromEntries,
            )
        )
        js.postMessage(to_js({"type": "eval", "code": "window.__xss(9001)"}, dict_converter=js.Object.fromEntries))
        return "posted (the UI must ignore them)"

    return await _attempt(go)


async def p20_spoof_events(app):
    # Events for another run, with markup in them: folded by run id, shown as text.
    def go():
        value = "<img src=x onerror=window.__xss(9002)>"
        event = {
            "event": "emit",
            "run": "someone-else",
            "node": "x",
            "socket": "y",
            "value": value,
            "repr": False,
            "seq": 1,
        }
        js.postMessage(
            _obj(type="events", batch=js.JSON.stringify(to_js([event], dict_converter=js.Object.fromEntries)), count=1)
        )
        return "posted"

    return await _attempt(go)


async def p21_relative_fetch(app):
    async def go():
        response = await js.fetch("/index.html")
        return await response.text()

    return await _attempt(go)


async def p22_eval_window(app):
    return await _attempt(
        lambda: js.eval(
            "typeof window === 'undefined' ? 'no window' : window.localStorage.getItem('headrace.settings')"
        )
    )


async def p23_worker_origin(app):
    return await _attempt(lambda: js.self.origin)
