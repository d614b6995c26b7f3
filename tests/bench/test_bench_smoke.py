"""`bench/run --smoke` end to end: real Chromium with the built studio, real Node-RED,
real CPython — tiny sizes, one repetition. The figures mean nothing; what is checked is
that every figure of the suite is there with a baseline from the same run, so the
benchmark harness cannot rot unnoticed. Takes a few minutes (a dozen Pyodide boots);
needs `make build` and `npm ci --prefix bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "bench" / "run"

CANVAS_KEYS = ("open_ms", "drag_p50", "drag_p95", "pan_p50", "pan_p95", "zoom_p50", "zoom_p95", "heap")
FIGURES = {
    "throughput": [
        f"throughput.{flow}.{pair}"
        for flow in ("chain10", "join2")
        for pair in (
            "studio_vs_node_red",
            "node_red_vs_direct",
            "cli_vs_direct",
            "inproc_vs_direct",
            "inproc_json_vs_direct",
            "inproc_vs_fifo",
            "studio_vs_direct",
        )
    ],
    "boot": [f"boot.{kind}_{phase}_vs_bare" for kind in ("studio", "embed") for phase in ("cold", "warm")]
    + [f"boot.studio_canvas_{phase}" for phase in ("cold", "warm")],
    "canvas": [f"canvas.{k}" for k in CANVAS_KEYS],
    "canvas_large": [f"canvas_large.{k}" for k in CANVAS_KEYS],
    "ui_load": ["ui_load.longest_task_ms"],
    "memory": [f"memory.{k}.{w}" for k in ("page_js", "worker_js", "wasm") for w in ("after_run", "after_runs")],
}
MACHINE = ("cpu", "cores", "ram_gib", "os", "python", "node", "chromium", "pyodide", "node_red")


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and value > 0


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not (REPO / "dist" / "index.html").exists():
        pytest.skip("no studio build in dist/: run `make build`")
    if not (REPO / "bench" / "node_modules" / "node-red").exists():
        pytest.skip("no Node-RED in bench/node_modules: run `npm ci --prefix bench`")
    tmp = tmp_path_factory.mktemp("bench")
    results, docs = tmp / "results.json", tmp / "performance.md"
    # The real document, so the check covers its markers too; the copy is what gets rewritten.
    docs.write_text((REPO / "docs" / "performance.md").read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run([str(RUN), "--smoke", "--results", str(results), "--docs", str(docs)], check=True, timeout=900)
    return {"results": json.loads(results.read_text()), "docs": docs.read_text(encoding="utf-8")}


def test_every_figure_has_a_value_and_a_same_run_baseline(smoke: dict[str, Any]) -> None:
    results = smoke["results"]
    assert results["mode"] == "smoke"
    assert set(results["figures"]) == set(FIGURES)
    for group, names in FIGURES.items():
        assert sorted(results["figures"][group]) == sorted(names), group
        for name in names:
            f = results["figures"][group][name]
            assert _positive(f["baseline"]["value"]), (name, f)
            if f["value"] is None:  # only the embed may be absent, when not built
                assert name.startswith("boot.embed_") and "not built" in f["note"], (name, f)
                continue
            assert _positive(f["value"]), (name, f)
            assert f["ratio"] == pytest.approx(f["value"] / f["baseline"]["value"], rel=1e-3), name


def test_the_machine_is_described(smoke: dict[str, Any]) -> None:
    machine = smoke["results"]["machine"]
    for key in MACHINE:
        assert machine[key], key


def test_the_tables_in_the_docs_are_regenerated(smoke: dict[str, Any]) -> None:
    docs = smoke["docs"]
    for section in ("peer_machine", "peer_throughput", "studio_boot", "canvas", "canvas_large", "ui_load", "memory"):
        body = docs.split(f"<!-- {section}:start -->")[1].split(f"<!-- {section}:end -->")[0]
        assert body.strip(), section
    assert smoke["results"]["started"][:10] in docs


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
