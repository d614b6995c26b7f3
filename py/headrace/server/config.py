"""The server's settings, with their secure defaults, and the parsers for the
sizes and durations the command line takes."""

from __future__ import annotations

import dataclasses
import re
import secrets

#: The studio's dev and preview servers (``make dev``, ``make studio``).
DEFAULT_ORIGINS = ("http://127.0.0.1:5173", "http://localhost:5173")
MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """How ``headrace serve`` runs. Every limit is on by default; 0 turns the
    time and memory limits off."""

    token: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    #: Browser origins allowed to call the API (CORS) and open its WebSockets.
    allow_origins: tuple[str, ...] = DEFAULT_ORIGINS
    #: Largest request body, in bytes (413 beyond).
    max_body: int = 2 * MIB
    #: Runs (live child processes) at once (429 beyond).
    max_runs: int = 4
    #: Seconds a run may live before it is stopped; 0: no limit.
    run_time_limit: float = 3600.0
    #: Address space of a run's process, in bytes (RLIMIT_AS); 0: no limit.
    run_memory_limit: int = 4096 * MIB
    #: Seconds a run gets to stop when asked, and again after SIGINT and SIGTERM,
    #: before the next, harder step.
    stop_grace: float = 2.0
    #: Events kept to replay to a viewer that attaches late; past this, a
    #: compact snapshot of the run's state is kept instead.
    replay_events: int = 10_000
    #: Stopped runs kept for ``GET /api/runs`` and re-attaching.
    keep_stopped: int = 100

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("the token must not be empty")
        if "*" in self.allow_origins:
            raise ValueError("'*' is not an allowed origin: list the studio's origins")


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
    """``30s``, ``5m``, ``2h``, ``250ms`` or plain seconds (``0``: none)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text)
    unit = match.group(2) if match else ""
    if match is None or unit not in _DURATION_UNITS:
        raise ValueError(f"not a duration: {text!r} (examples: 30s, 5m, 2h, 0 for none)")
    return float(match.group(1)) * _DURATION_UNITS[unit]
