"""What every benchmark reports with: medians and percentiles, one figure entry with its
same-run baseline, and the Markdown tables between markers in docs/performance.md."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no samples")
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of ``values``."""
    if not values:
        raise ValueError("percentile of no samples")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))])


def figure(
    value: float | None,
    unit: str,
    baseline: tuple[str, float | None],
    samples: Sequence[float] = (),
    *,
    higher_is_better: bool = True,
    aim: float | None = None,
    met: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One figure beside its baseline from the same run. ``ratio`` is value / baseline;
    ``aim`` (if any) is the ratio aimed for: at least it when higher is better, at most
    it otherwise; ``met`` may be given instead, for an aim that is not a ratio. ``value``
    None means "not measured" (say why in ``note``)."""
    label, base = baseline
    ratio = value / base if value is not None and base else None
    if met is None and aim is not None and ratio is not None:
        met = ratio >= aim if higher_is_better else ratio <= aim
    return {
        "value": value,
        "unit": unit,
        "samples": [round(s, 6) for s in samples],
        "baseline": {"label": label, "value": base},
        "ratio": float(f"{ratio:.4g}") if ratio is not None else None,  # 4 significant digits
        "higher_is_better": higher_is_better,
        "aim": aim,
        "met": met,
        "note": note,
    }


def replace_section(path: Path, name: str, body: str) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = path.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise ValueError(f"{path}: no {start} … {end} markers for the {name!r} table")
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    path.write_text(f"{head}{start}\n{body}\n{end}{tail}", encoding="utf-8")


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A Markdown table; ``right`` marks right-aligned (numeric) columns."""
    align = right or [i > 0 for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if r else "---" for r in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
