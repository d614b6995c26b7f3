"""The server's settings, with their secure defaults."""

from __future__ import annotations

import dataclasses
import os
import secrets

from headrace.units import MIB

#: The studio's dev and preview servers (``make dev``, ``make studio``).
DEFAULT_ORIGINS = ("http://127.0.0.1:5173", "http://localhost:5173")


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """How ``headrace serve`` runs. Every limit is on by default; 0 turns the
    time and memory limits off."""

    token: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    #: Browser origins allowed to call the API (CORS) and open its WebSockets.
    allow_origins: tuple[str, ...] = DEFAULT_ORIGINS
    #: Names the ``Host`` header may carry besides this machine's loopback names
    #: (``localhost``, ``127.0.0.1``, ``[::1]``) and the address bound: a second wall
    #: against DNS rebinding, as in Jupyter.
    allow_hosts: tuple[str, ...] = ()
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
    #: Stopped runs kept for ``GET /api/runs`` and re-attaching.
    keep_stopped: int = 100
    #: Bytes of the values told one by one (``emit`` events) the server keeps over
    #: all runs, for viewers that attach late; over it, the oldest stopped runs'
    #: go first (their view stays). Each run keeps at most
    #: :data:`~headrace.server.runs.EMIT_REPLAY_BYTES` of its own.
    replay_memory: int = 64 * MIB
    #: Start each run's process as this user (the server must run as root); None:
    #: as the server's own user.
    run_as: str | None = None
    #: Send script calls to this Dask scheduler (``tcp://127.0.0.1:8786``); None: in the run's process.
    dask_scheduler: str | None = None
    #: With Dask: let any worker take any call (else a node's calls stay on one worker).
    dask_spread: bool = False
    #: The run history, a SQLite file each run's process records its run into (and the
    #: ``/api/history`` routes read); None: runs are not kept beyond ``keep_stopped``.
    history: str | None = None

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("the token must not be empty")
        if "*" in self.allow_origins:
            raise ValueError("'*' is not an allowed origin: list the studio's origins")
        if self.run_as is not None:
            _check_run_as(self.run_as)


def _check_run_as(user: str) -> None:
    import pwd  # POSIX only, as switching users is

    try:
        pwd.getpwnam(user)
    except KeyError:
        raise ValueError(f"--run-as {user}: there is no such user on this machine") from None
    if os.geteuid() != 0:
        raise ValueError(
            f"--run-as {user}: only a server running as root can start processes as another user; "
            f"start headrace serve as root, or start it as {user} itself"
        )


__all__ = ["ServerConfig"]
