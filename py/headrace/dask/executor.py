"""Scale out on Dask distributed: each script call runs on a cluster worker.

Needs the ``dask`` extra (``pip install 'headrace[dask]'``) on the machine that runs
the flow and on every worker (workers import :func:`headrace.remote.invoke`).

By default each node's calls go to one worker, chosen by the node's id, so module
state (a counter, a cache) behaves as it does in-process, and a node's calls run
one at a time, in order; different nodes still run in parallel. ``spread=True`` lets any worker
take any call — for stateless nodes that should use every core.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from typing import Any

from headrace.remote import Invocation, Outcome, invoke_pickled

WORKER_LIST_SECONDS = 5.0
#: The names the engine gives node modules in ``sys.modules`` (headrace.run).
NODE_MODULE_PREFIX = "__headrace_run"
CONNECT_TIMEOUT = "10s"


class DaskExecutor:
    """A :class:`headrace.remote.Executor` over a ``distributed.Client``."""

    def __init__(self, client: Any, *, spread: bool = False, owns_client: bool = False) -> None:
        self.client = client
        self.spread = spread
        self._owns_client = owns_client
        self._addresses: list[str] = []
        self._asked_at = 0.0
        # One call of a node at a time, in the order the run makes them: a worker does
        # not run the tasks it is given in the order they were submitted, and a node's
        # module state (a batch's buffer) must see its calls in order.
        self._in_order: dict[str, asyncio.Lock] = {}

    @classmethod
    async def connect(cls, address: str, *, spread: bool = False) -> DaskExecutor:
        """Connect to a running scheduler (``tcp://127.0.0.1:8786``)."""
        from distributed import Client  # noqa: TID251 - the optional extra, imported only when used

        client = await Client(address, asynchronous=True, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        return cls(client, spread=spread, owns_client=True)

    async def invoke(self, invocation: Invocation) -> Outcome:
        if self.spread:
            return await self._submit(invocation, None)
        async with self._in_order.setdefault(invocation.node, asyncio.Lock()):  # FIFO: calls in order
            return await self._submit(invocation, await self._worker_for(invocation.node))

    async def _submit(self, invocation: Invocation, workers: list[str] | None) -> Outcome:
        blob = _by_value(invocation)
        future = self.client.submit(invoke_pickled, blob, pure=False, workers=workers, allow_other_workers=False)
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


def _by_value(invocation: Invocation) -> bytes:
    """The invocation pickled with the classes and functions of node code by value.

    A value may be an instance of a class a node's module defines (a DataFrame-like
    table). That module is in this process's ``sys.modules`` (the engine puts it there
    for pickling and dataclasses), so plain pickle — which Dask tries first — refers to
    it by name, a worker cannot import it, and the task never arrives (Dask logs the
    failure and the future waits for ever). cloudpickle copies those classes instead.
    """
    import cloudpickle  # type: ignore[import-untyped]  # comes with the dask extra: imported only when used

    for name, module in list(sys.modules.items()):
        if name.startswith(NODE_MODULE_PREFIX) and name not in cloudpickle.list_registry_pickle_by_value():
            cloudpickle.register_pickle_by_value(module)
    blob: bytes = cloudpickle.dumps(invocation)
    return blob
