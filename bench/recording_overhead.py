"""What recording a run into its history costs: the same flows with and without a
:class:`~headrace.recording.Recorder` writing to a SQLite file.

Not a test: a measurement. The throughput benchmark's chain of 10 nodes (a generator
feeding 10 nodes that each add 1: 11 sockets, every value kept in their rings) runs as
hosts run it — reporting its view (the studio, the server) and reporting every value
as an event (``headrace run``) — unrecorded and recorded, alternating, in one
process. The time is from the sources' trigger to the run's stop, so it includes the
recorder's last checkpoint; figures are medians, the ratio is recorded / unrecorded.

    python bench/recording_overhead.py [--messages N] [--repeat R] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import table

from flows import chain_flow
from headrace import Flow
from headrace.history import History
from headrace.recording import Recorder

#: As hosts run it: the view alone (the studio, the server: the engine's fast path), and
#: every value as an event (``headrace run``).
MODES: dict[str, dict[str, Any]] = {"view": {"report": "view", "emit_limit": 0}, "events": {"report": "events"}}


async def timed(doc: dict[str, Any], options: dict[str, Any], history: History | None) -> float:
    """Seconds from triggering the sources to the run's stop (its last checkpoint written)."""
    recorder = None if history is None else Recorder(history, doc, trigger="bench")
    run = Flow.load(doc).start(on_event=lambda event: None, **options)  # the host drops its events
    if recorder is not None:
        recorder.attach(run)
    await run.start()
    await run.wait_idle()  # modules loaded: not part of the figure
    start = time.perf_counter()
    run.trigger_sources()
    await run.wait_idle()
    await run.stop("finished")
    return time.perf_counter() - start


def measure(messages: int, repeat: int) -> dict[str, Any]:
    doc = chain_flow(messages)
    results: dict[str, Any] = {"messages": messages, "repeat": repeat, "modes": {}}
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp, History.open(Path(tmp) / "runs.db") as history:
        for mode, options in MODES.items():
            samples: dict[str, list[float]] = {"unrecorded": [], "recorded": []}
            for _ in range(repeat):  # alternate, so drift hits both alike
                samples["unrecorded"].append(asyncio.run(timed(doc, options, None)))
                samples["recorded"].append(asyncio.run(timed(doc, options, history)))
            medians = {k: statistics.median(v) for k, v in samples.items()}
            results["modes"][mode] = {
                "seconds": {k: round(v, 4) for k, v in medians.items()},
                "ratio_recorded_to_unrecorded": round(medians["recorded"] / medians["unrecorded"], 4),
            }
    return results


def markdown(results: dict[str, Any]) -> str:
    rows = [
        [
            f"`report={mode}`",
            f"{r['seconds']['unrecorded'] * 1000:.0f} ms",
            f"{r['seconds']['recorded'] * 1000:.0f} ms",
            f"{r['ratio_recorded_to_unrecorded']:.2f}×",
        ]
        for mode, r in results["modes"].items()
    ]
    header = ["the chain of 10, reporting", "unrecorded", "recorded", "recorded / unrecorded"]
    sent = f"{results['messages']:,} values from the source ({results['messages'] * 11:,} over its sockets)"
    return f"{sent}; median of {results['repeat']} runs.\n\n{table(header, rows)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = measure(args.messages, args.repeat)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
