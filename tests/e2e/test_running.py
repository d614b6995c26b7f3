"""Running behaviour the canvas shows: waiting counts, refused connections, per-node runs,
Stop. (Requirements that cannot be installed: test_packages.py, offline.)"""

import json
from pathlib import Path

from helpers import emits, import_file, node
from playwright.sync_api import Page, expect


def write_flow(tmp_path: Path, name: str, nodes: list, edges: list, requirements: list | None = None) -> str:
    flow = {"headrace": 1, "name": name, "requirements": requirements or [], "nodes": nodes, "edges": edges}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(flow))
    return str(path)


def edge(src: str, socket: str, dst: str, port: str) -> dict:
    return {"from": {"node": src, "socket": socket}, "to": {"node": dst, "port": port}}


def test_waiting_refusals_node_runs_and_stop(studio: Page, tmp_path: Path) -> None:
    flow = write_flow(
        tmp_path,
        "Half join",
        [
            {"id": "a", "type": "data", "name": "A", "code": "a = 1\n"},
            {"id": "add", "type": "script", "name": "Add", "code": "def add(a, b):\n    return a + b\n"},
            {
                "id": "ticker",
                "type": "script",
                "name": "Ticker",
                "code": (
                    "import asyncio\n\nasync def tick():\n"
                    "    for i in range(10000):\n        await asyncio.sleep(0.02)\n        yield i\n"
                ),
            },
        ],
        [edge("a", "a", "add", "add.a")],
    )
    import_file(studio, flow)
    expect(node(studio, "add").locator('[data-port="add.b"]')).to_be_visible()

    # A Data node has no ports: the connection is refused with a reason.
    a_box = node(studio, "a").bounding_box()
    s_box = node(studio, "add").locator('[data-socket="add"]').bounding_box()
    assert a_box and s_box
    studio.mouse.move(s_box["x"] + 6, s_box["y"] + 6)
    studio.mouse.down()
    studio.mouse.move(a_box["x"] + 40, a_box["y"] + 40, steps=5)
    studio.mouse.up()
    expect(studio.locator(".hr-notice--warning").last).to_contain_text("Data node")

    # Run the one Data node alone: Add waits with 1 of 2 arguments, and says which is missing.
    studio.get_by_test_id("run-node-a").click()
    expect(node(studio, "add")).to_have_attribute("data-state", "waiting")
    expect(studio.get_by_test_id("held-add-add")).to_have_text("1/2")
    missing = node(studio, "add").locator('[data-port="add.b"]').locator("xpath=..")
    assert "nothing is connected" in (missing.get_attribute("title") or "")
    assert {"node": "a", "socket": "a", "value": 1} in emits(studio)

    # Stop halts a long run.
    studio.get_by_test_id("run-flow").click()
    studio.wait_for_function("window.__hr.emits.filter(e => e.node === 'ticker').length >= 3")
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("messages")).to_contain_text("Run stopped")
    count = len([e for e in emits(studio) if e["node"] == "ticker"])
    studio.wait_for_timeout(500)
    assert len([e for e in emits(studio) if e["node"] == "ticker"]) == count
    expect(studio.get_by_test_id("stop-flow")).to_be_disabled()


def test_the_toolbar_stays_put_while_a_run_goes_on(studio: Page, tmp_path: Path) -> None:
    """Run Flow, Stop and Debug do not move when a run starts (a user reaching for Stop)."""
    slow = "import asyncio\n\nasync def wait(n):\n    await asyncio.sleep(30)\n    return n\n"
    nodes = [
        {"id": "n", "type": "data", "name": "N", "code": "n = 1\n"},
        {"id": "wait", "type": "script", "name": "Wait", "code": slow},
    ]
    import_file(studio, write_flow(tmp_path, "Slow", nodes, [edge("n", "n", "wait", "wait.n")]))
    expect(node(studio, "wait")).to_be_visible()
    controls = ["run-flow", "stop-flow", "toggle-debug", "undo", "export-flow"]
    before = {c: studio.get_by_test_id(c).bounding_box() for c in controls}
    studio.get_by_test_id("run-flow").click()
    expect(studio.get_by_test_id("run-phase")).to_be_visible()
    expect(node(studio, "wait")).to_have_attribute("data-state", "running")
    during = {c: studio.get_by_test_id(c).bounding_box() for c in controls}
    assert during == before
    studio.get_by_test_id("stop-flow").click()
    expect(studio.get_by_test_id("run-phase")).to_be_hidden()
    assert {c: studio.get_by_test_id(c).bounding_box() for c in controls} == before
