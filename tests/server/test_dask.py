"""``headrace serve --executor dask``: a run's script calls go to the cluster and
the events come back as they do from an in-process run."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import TEMPLATE_FLOWS
from distributed import Client, LocalCluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:  # fmt: skip
        yield local


def test_a_run_on_the_server_calls_nodes_on_dask_workers(serve: Callable[..., Any], cluster: Any) -> None:
    server = serve(dask_scheduler=cluster.scheduler_address, dask_spread=True)
    flow = json.loads((TEMPLATE_FLOWS / "join.json").read_text())
    flow["nodes"].append(
        {"id": "pid", "type": "script", "name": "", "code": "import os\n\ndef pid(x):\n    return os.getpid()\n"}
    )
    flow["edges"].append({"from": {"node": "add", "socket": "add"}, "to": {"node": "pid", "port": "pid.x"}})
    run = server.start(flow, schedules=False)
    server.events(run, until="run_idle")
    assert server.newest(run, "add", "add") == 42
    with Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
    pid = server.newest(run, "pid", "pid")
    assert pid in worker_pids and pid != os.getpid()
