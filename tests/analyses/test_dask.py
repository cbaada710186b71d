"""The engine's chunks on a Dask cluster give the same bytes as local processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
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


def test_a_cluster_started_with_the_dask_command_gives_the_bytes_of_local_runs(tmp_path: Path) -> None:
    """`dask scheduler` and `dask worker` as separate processes, as docs/uncertainty.md tells."""
    dask = Path(sys.executable).parent / "dask"
    info = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--scheduler-file", info, "--port", "0", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = None
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        workers = subprocess.Popen(
            [dask, "worker", address, "--nthreads", "1", "--nworkers", "2", "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
        command = [sys.executable, "-m", "paxmodel", "sweep", str(UNCERTAIN), "-n", "300", "--seed", "2", "--json"]
        on_dask = subprocess.run([*command, "--scheduler", address], capture_output=True, text=True, check=True)
        local = subprocess.run([*command, "--workers", "1"], capture_output=True, text=True, check=True)
        assert on_dask.stdout == local.stdout and json.loads(local.stdout)["samples"] == 300
    finally:
        for process in (workers, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
