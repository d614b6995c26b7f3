"""Durations and sizes as people write them on a command line: ``30s``, ``2MiB``."""

from __future__ import annotations

import re

MIB = 1024 * 1024
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": MIB, "mb": MIB, "mib": MIB}
_SIZE_UNITS |= {"g": 1024 * MIB, "gb": 1024 * MIB, "gib": 1024 * MIB}
_DURATION_UNITS = {"": 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_size(text: str) -> int:
    """``2MiB``, ``512k``, ``4G`` or plain bytes, as bytes (``0``: none)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _SIZE_UNITS:
        raise ValueError(f"not a size: {text!r} (examples: 2MiB, 512k, 4G)")
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def parse_duration(text: str) -> float:
    """``30s``, ``5m``, ``1.5h``, ``250ms`` or plain seconds (``0``: none)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text)
    unit = match.group(2) if match else ""
    if match is None or unit not in _DURATION_UNITS:
        raise ValueError(f"not a duration: {text!r} (examples: 30s, 5m, 2h)")
    return float(match.group(1)) * _DURATION_UNITS[unit]
