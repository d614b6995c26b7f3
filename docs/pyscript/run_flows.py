"""Run headrace flows in a PyScript page and write what they did into it.

For each flow URL (the page's `?flow=` parameters, or two example flows): fetch the file,
load it with `headrace.Flow`, run it, and add a section with one table row per emitted
value, each node's console, and any node errors. A flow that cannot be fetched or loaded
gets an error box with the reason (a `FlowError` names the JSON path at fault).

Values are shown in their wire form (`headrace.protocol.event_to_dict`): the same JSON
`headrace run --json` prints, with a value JSON cannot hold shown as its `repr`.
"""

import json

from pyodide.ffi import JsException  # noqa: TID251 -- this is page code, not the engine
from pyscript import document, fetch, window

from headrace import Flow, FlowError, HeadraceError
from headrace.protocol import event_to_dict

EXAMPLE_FLOWS = ["../flows/hello.json", "../flows/join.json"]


def flow_urls() -> list[str]:
    """`?flow=a.json&flow=b.json` runs those flows (relative to this page); no
    parameter runs the examples."""
    asked = window.URLSearchParams.new(window.location.search).getAll("flow").to_py()
    return asked or EXAMPLE_FLOWS


def element(tag, text=None, **attributes):
    """A new element; text goes in as text (flow values are never read as HTML)."""
    node = document.createElement(tag)
    if text is not None:
        node.textContent = text
    for name, value in attributes.items():
        node.setAttribute(name.rstrip("_").replace("_", "-"), value)
    return node


def table(head, rows):
    """A table with a header row; each row is (cells, attributes of its <tr>)."""
    out = element("table")
    header = out.appendChild(element("tr"))
    for title in head:
        header.appendChild(element("th", title))
    for cells, attributes in rows:
        row = out.appendChild(element("tr", **attributes))
        for cell in cells:
            row.appendChild(element("td", cell))
    return out


class FetchError(Exception):
    """The flow file could not be fetched (so there is nothing for headrace to judge)."""


async def load(url):
    """The flow at `url`; raise FetchError or FlowError saying why not."""
    try:
        response = await fetch(url)
    except JsException as exc:  # the request itself failed: network, CORS, a bad URL
        raise FetchError(str(exc)) from None
    if not response.ok:
        raise FetchError(f"HTTP {response.status} {response.statusText}".rstrip())
    # Flow.loads takes text as JSON, never as a path: an empty or HTML answer is "not JSON".
    return Flow.loads(await response.text())


def results(flow, events):
    """The section body for a finished run: emits, consoles, errors."""
    names = {node["id"]: node["name"] or node["id"] for node in flow.to_json()["nodes"]}
    body = element("div")
    emits = [e for e in events if e["event"] == "emit"]
    body.appendChild(
        table(
            ["node", "socket", "value"],
            [
                (
                    [names.get(e["node"], e["node"]), e["socket"], e["value"] if e["repr"] else json.dumps(e["value"])],
                    {
                        "class_": "emit",
                        "data_node": e["node"],
                        "data_socket": e["socket"],
                        "data_value": json.dumps(e["value"]),
                        "data_repr": json.dumps(e["repr"]),
                    },
                )
                for e in emits
            ],
        )
    )
    consoles: dict[str, str] = {}
    for e in events:
        if e["event"] == "output":
            consoles[e["node"]] = consoles.get(e["node"], "") + e["text"]
    for node_id, text in consoles.items():
        body.appendChild(element("h3", f"Console of {names.get(node_id, node_id)}"))
        body.appendChild(element("pre", text, class_="console", data_node=node_id))
    errors = [e for e in events if e["event"] == "node_error"]
    if errors:
        body.appendChild(element("h3", "Errors"))
        body.appendChild(
            table(
                ["node", "where", "error"],
                [
                    (
                        [names.get(e["node"], e["node"]), e["socket"] or "(module)", f"{e['type']}: {e['message']}"],
                        {"class_": "node-error", "data_node": e["node"]},
                    )
                    for e in errors
                ],
            )
        )
    return body


def fail(section, message):
    section.appendChild(element("div", message, class_="error", role="alert"))
    section.dataset.state = "error"


async def show(url, into):
    section = into.appendChild(element("section", class_="flow", data_src=url))
    heading = section.appendChild(element("h2", url))
    try:
        flow = await load(url)
    except FetchError as exc:
        return fail(section, f"Could not fetch {url}: {exc}")
    except FlowError as exc:
        return fail(section, f"Could not load {url}: {exc}")
    heading.textContent = f"{flow.name} ({url})"
    try:
        result = await flow.run()
    except HeadraceError as exc:  # the host could not run it (a node's own error is an event)
        return fail(section, f"Could not run {url}: {exc}")
    section.appendChild(results(flow, [event_to_dict(e) for e in result.events]))
    section.dataset.state = "done"


async def main():
    out = document.getElementById("results")
    status = document.getElementById("status")
    urls = flow_urls()
    for url in urls:
        status.textContent = f"Running {url}…"
        await show(url, out)
    failed = len(out.querySelectorAll("section[data-state=error]"))
    status.textContent = f"Ran {len(urls) - failed} of {len(urls)} flows with headrace, in this page's Python."
    document.body.dataset.state = "done"


await main()  # noqa: F704 -- PyScript runs a page's script with top-level await
