"""The example flows of ``templates/flows/`` run headless in CPython and compute what
they say they do (the studio lists them in its Examples menu)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import os
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT, TEMPLATE_FLOWS

from headrace import Flow
from headrace.cron import Cron

#: A GitHub API answer, trimmed; the end-to-end tests serve the same file to the browser.
REPO_JSON = ROOT / "tests" / "e2e" / "pages" / "github-repo.json"


def example(stem: str) -> dict[str, Any]:
    return json.loads((TEMPLATE_FLOWS / f"{stem}.json").read_text(encoding="utf-8"))


def test_every_example_says_what_it_is() -> None:
    for path in TEMPLATE_FLOWS.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["name"].strip(), path.name
        assert len(doc.get("description", "")) >= 30, f"{path.name}: the Examples menu shows its description"
        assert all(n["name"].strip() for n in doc["nodes"]), f"{path.name}: every node has a name"


def test_csv_summary_cleans_and_summarises() -> None:
    result = Flow.load(example("csv-summary")).run_sync()
    assert not result.errors
    (rows,) = result.values("parse", "rows")
    assert len(rows) == 7  # the blank line is skipped
    (clean,) = result.values("clean", "clean")
    assert [r["region"] for r in clean] == ["North", "South", "South", "East", "North"]
    assert all(isinstance(r["amount"], float) for r in clean)
    assert result.output("clean") == (
        "row 3 dropped: amount '' is not a number\nrow 4 dropped: amount 'n/a' is not a number\n"
    )
    assert result.values("summary", "by_region") == [
        {
            "North": {"orders": 2, "total": 20.25},
            "East": {"orders": 1, "total": 15.0},
            "South": {"orders": 2, "total": 12.25},
        }
    ]
    assert result.values("summary", "overall") == [{"orders": 5, "total": 47.5, "mean": 9.5}]


def test_join_with_a_setting_uses_the_sticky_values_for_every_order() -> None:
    doc = example("enrich")
    ports = next(n for n in doc["nodes"] if n["id"] == "invoice")["ports"]
    assert ports == {"invoice.customers": {"sticky": True}, "invoice.vat": {"sticky": True}}
    result = Flow.load(doc).run_sync()
    assert not result.errors
    assert result.values("invoice") == [
        {"order": 1, "customer": "Ada Lovelace", "net": 20.0, "gross": 24.0},
        {"order": 2, "customer": "Alan Turing", "net": 35.5, "gross": 42.6},
        {"order": 3, "customer": "Ada Lovelace", "net": 12.0, "gross": 14.4},
    ]
    # One customer table and one rate, sent once each, served all three orders.
    assert len(result.values("customers")) == 1 and len(result.values("settings")) == 1


def test_error_routing_reports_the_failure_and_goes_on() -> None:
    result = Flow.load(example("error-routing")).run_sync()
    assert result.values("divide", "divide") == [50.0, 20.0]
    assert result.values("report") == ["division by zero"]
    assert not result.unrouted_errors


def test_cron_timer_counts_and_reminds_a_second_later() -> None:
    doc = example("cron-timer")
    assert doc["nodes"][0]["schedule"] == {"report": "0 9 * * 1-5"}
    result = Flow.load(doc).run_sync()  # Run Flow's first fire (schedules run in the studio, or with --for)
    assert not result.errors
    assert result.values("count") == [1]
    assert result.values("timer") == ["1 s after the morning report"]
    order = [(e.node, e.socket) for e in result.emits]
    assert order.index(("count", "count")) < order.index(("timer", "reminder")), "Count waited for the timer"


def test_cron_timer_schedule_fires_on_weekdays_at_nine() -> None:
    cron = Cron(example("cron-timer")["nodes"][0]["schedule"]["report"])
    monday_noon = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    assert cron.next_times(monday_noon, 5) == [
        dt.datetime(2026, 12, day, 9, 0, tzinfo=dt.UTC) for day in (1, 2, 3, 4, 7)
    ]
    assert cron.explain() == "At 09:00 on Monday through Friday"


@pytest.fixture
def local_origin() -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(REPO_JSON.parent))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def with_url(doc: dict[str, Any], url: str) -> dict[str, Any]:
    request = next(n for n in doc["nodes"] if n["id"] == "request")
    request["code"] = f"url = {url!r}\n"
    return doc


def test_http_fetch_reads_json_from_a_url(local_origin: str) -> None:
    result = Flow.load(with_url(example("http-fetch"), local_origin + REPO_JSON.name)).run_sync()
    assert not result.errors
    assert result.values("summary") == [
        {
            "name": "pyodide/pyodide",
            "description": "Pyodide is a Python distribution for the browser and Node.js based on WebAssembly",
            "stars": 13500,
            "language": "Python",
        }
    ]
    assert result.values("explain") == []


def test_http_fetch_failure_goes_to_the_handler(local_origin: str) -> None:
    result = Flow.load(with_url(example("http-fetch"), local_origin + "no-such-file.json")).run_sync()
    assert result.values("summary") == []
    (message,) = result.values("explain")
    assert message.startswith("Could not fetch the URL: HTTPError: HTTP Error 404")
    assert not result.unrouted_errors


def test_csv_summary_reads_the_newest_picked_csv(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The studio writes picked files to files/ in Python's working directory.
    (tmp_path / "files").mkdir()
    old = tmp_path / "files" / "old.csv"
    old.write_text("date,region,product,amount\n2026-02-01,West,Tea,1\n", encoding="utf-8")
    new = tmp_path / "files" / "sales.csv"
    new.write_text("date,region,product,amount\n2026-02-01,west,Tea,3\n2026-02-02,West ,Coffee,4.5\n", encoding="utf-8")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    monkeypatch.chdir(tmp_path)
    result = Flow.load(example("csv-summary")).run_sync()
    assert result.values("summary", "by_region") == [{"West": {"orders": 2, "total": 7.5}}]


def test_live_chart_streams_records_of_numbers_and_their_running_mean() -> None:
    doc = example("live-chart")
    sensor = next(n for n in doc["nodes"] if n["id"] == "sensor")
    assert "n=300, every=0.05" in sensor["code"]  # 15 s in the studio; a quick run here
    sensor["code"] = sensor["code"].replace("n=300, every=0.05", "n=40, every=0")
    result = Flow.load(doc).run_sync()
    assert not result.errors
    readings = result.values("sensor", "readings")
    assert [r["t"] for r in readings] == list(range(40))
    assert all(isinstance(r["temperature"], float) and isinstance(r["humidity"], float) for r in readings)
    smoothed = result.values("smooth", "smoothed")
    temps = [r["temperature"] for r in readings]
    assert smoothed == [
        round(sum(temps[max(0, i - 9) : i + 1]) / len(temps[max(0, i - 9) : i + 1]), 3) for i in range(40)
    ]
    assert result.values("chart", "chart") == smoothed  # the Chart node passes them on
    assert doc["ui"]["views"]["chart"] == {"chart": "line"}  # and its Results open as a chart


def test_rich_results_show_themselves() -> None:
    from headrace.display import mime_bundle

    result = Flow.load(example("rich-results")).run_sync()
    assert not result.errors
    (records,) = result.values("cities", "records")
    assert [r["city"] for r in records] == ["Lisbon", "Oslo", "Vienna", "Zurich"]
    (frame,) = result.values("cities", "frame")
    bundle = mime_bundle(frame)
    assert bundle is not None and set(bundle) == {"text/html", "text/markdown"}
    assert "<td>Vienna</td>" in bundle["text/html"]
    (png,) = result.values("pictures", "gradient")
    assert mime_bundle(png) is not None and set(mime_bundle(png) or {}) == {"image/png"}
    (svg,) = result.values("pictures", "bars")
    assert set(mime_bundle(svg) or {}) == {"image/svg+xml"}


def test_palette_tour_splits_routes_limits_batches_and_delays() -> None:
    result = Flow.load(example("palette-tour")).run_sync()
    assert not result.errors
    assert result.values("split") == [3, 18, 7, 42, 11, 5, 26, "n/a"]
    assert result.values("router", "small") == [3, 7, 5]
    assert result.values("router", "large") == [18, 42, 11, 26]
    assert result.values("router", "other") == ["n/a"]
    assert result.values("limit") == [3, 7, 5]
    assert result.values("chart") == [3, 7, 5]  # the Chart node passes them on
    assert result.values("batch", "batch") == [[18, 42], [11, 26]]
    assert result.values("delay") == [[18, 42], [11, 26]]


def sources_against(doc: dict[str, Any], url: str) -> dict[str, Any]:
    timer = next(n for n in doc["nodes"] if n["id"] == "timer")
    before = 'tick = "https://api.github.com/repos/pyodide/pyodide"\n'
    assert before in timer["code"]
    timer["code"] = timer["code"].replace(before, f"tick = {url!r}\n")
    return doc


def test_sources_fetch_on_the_timer_and_count_the_picked_file(
    local_origin: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = example("sources")
    assert doc["nodes"][0]["schedule"] == {"tick": "*/10 * * * *"}  # the Timer's schedule, every 10 minutes
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "notes.txt").write_text("two words\nand three more\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = Flow.load(sources_against(doc, local_origin + REPO_JSON.name)).run_sync()
    assert not result.errors
    assert result.values("stars") == [{"repo": "pyodide/pyodide", "stars": 13500, "language": "Python"}]
    assert result.values("count") == [{"file": "notes.txt", "lines": 2, "words": 5, "characters": 25}]


def test_sources_route_a_failed_request_and_wait_for_a_file(
    local_origin: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no files/: nothing picked
    result = Flow.load(sources_against(example("sources"), local_origin + "no-such-file.json")).run_sync()
    assert result.values("stars") == []
    (message,) = result.values("explain")
    assert message.startswith("Could not fetch the URL: OSError: HTTP 404 from ")
    assert not result.unrouted_errors
    assert result.values("count") == []
    assert "No file picked yet" in result.output("file")
