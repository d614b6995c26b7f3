"""Scale out on Dask distributed: each script call runs on a cluster worker.

Needs the ``dask`` extra (``pip install 'headrace[dask]'``) on the machine that runs
the flow and on every worker (workers import :func:`headrace.remote.invoke`).

By default each node's calls go to one worker, chosen by the node's id, so module
state (a counter, a cache) behaves as it does in-process and a node's calls run
in order; different nodes still run in parallel. ``spread=True`` lets any worker
take any call — for stateless nodes that should use every core.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from headrace.remote import Invocation, Outcome, invoke

WORKER_LIST_SECONDS = 5.0
CONNECT_TIMEOUT = "10s"


class DaskExecutor:
    """A :class:`headrace.remote.Executor` over a ``distributed.Client``."""

    def __init__(self, client: Any, *, spread: bool = False, owns_client: bool = False) -> None:
        self.client = client
        self.spread = spread
        self._owns_client = owns_client
        self._addresses: list[str] = []
        self._asked_at = 0.0

    @classmethod
    async def connect(cls, address: str, *, spread: bool = False) -> DaskExecutor:
        """Connect to a running scheduler (``tcp://127.0.0.1:8786``)."""
        from distributed import Client  # noqa: TID251 - the optional extra, imported only when used

        client = await Client(address, asynchronous=True, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        return cls(client, spread=spread, owns_client=True)

    async def invoke(self, invocation: Invocation) -> Outcome:
        workers = None if self.spread else await self._worker_for(invocation.node)
        future = self.client.submit(invoke, invocation, pure=False, workers=workers, allow_other_workers=False)
        outcome: Outcome = await future
        return outcome

    async def _workers(self) -> list[str]:
        """The cluster's worker addresses, asked again every few seconds (workers
        come and go; an asynchronous client's cached view starts empty)."""
        now = time.monotonic()
        if not self._addresses or now - self._asked_at > WORKER_LIST_SECONDS:
            identity = await self.client.scheduler.identity()
            self._addresses = sorted(identity.get("workers", {}))
            self._asked_at = now
        return self._addresses

    async def _worker_for(self, node: str) -> list[str] | None:
        addresses = await self._workers()
        if not addresses:
            return None
        digest = int.from_bytes(hashlib.sha256(node.encode()).digest()[:8], "big")
        return [addresses[digest % len(addresses)]]

    async def close(self) -> None:
        if self._owns_client:
            await self.client.close()
