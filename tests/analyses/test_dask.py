"""The engine's chunks on a Dask cluster give the same bytes as local processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributed import Client, LocalCluster, get_task_stream

from paxmodel.analyses.dask import DaskCluster
from paxmodel.analyses.sweep import sweep
from paxmodel.scenario.load import load_scenario

UNCERTAIN = Path(__file__).parent.parent / "data" / "uncertain.yaml"


# A busy machine (other clusters on the default ports) can make distributed leak a socket while
# it retries a port: its noise, not ours.
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_dask_cluster_gives_the_bytes_of_local_runs() -> None:
    loaded = load_scenario(UNCERTAIN)
    local = json.dumps(sweep(loaded, samples=300, seed=2, workers=1).to_dict())
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        executor = DaskCluster(client)
        assert executor.helpers == 2
        with get_task_stream(client) as tasks:
            on_dask = sweep(loaded, samples=300, seed=2, executor=executor)
        # every chunk ran on the workers (300 samples x 2 memberships + the Sobol' design: 4 chunks)
        solved = [t for t in tasks.data if str(t["key"]).startswith("solve_on_worker")]
        assert len(solved) == 4
    assert json.dumps(on_dask.to_dict()) == local
