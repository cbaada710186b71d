"""The engine's chunks on a dask.distributed cluster: an `Executor` like the local worker processes.

Point a sweep at a running scheduler (`paxmodel sweep FILE --scheduler tcp://host:8786`). The
LP is scattered to every worker once; each chunk is a task that a worker thread solves on its
own HiGHS model, from a cold start, so a chunk gives the same numbers wherever it runs. The
workers need the same paxmodel installed (`pip install "paxmodel[dask]"`); one thread per
worker process is best (`dask worker ADDRESS --nthreads 1 --nworkers N`), as HiGHS solves
on one thread.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from paxmodel.analyses.engine import Executor, Session
from paxmodel.analyses.highs_core import HighsCore, Numbers
from paxmodel.model.arrays import LpData


class DaskCluster(Executor):
    """Chunks go to the workers of a dask.distributed cluster; this process only hands them out.

    `address` is the scheduler's address (`tcp://host:8786`) or a `distributed.Client`.
    """

    local_share = False

    def __init__(self, address: Any) -> None:
        distributed = _distributed()
        self.client: Any
        if isinstance(address, distributed.Client):
            self.client = address
            self._own = False
        else:
            try:
                self.client = distributed.Client(address, timeout="10s")
            except OSError as exc:
                raise OSError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
            self._own = True
        self.helpers = max(1, sum(self.client.nthreads().values()))

    def worth_it(self, remaining_seconds: float | None) -> bool:
        return True  # the user asked for the cluster

    @contextmanager
    def session(self, data: LpData) -> Iterator[Session]:
        [lp] = self.client.scatter([data], broadcast=True, hash=False)
        try:
            yield _DaskSession(self.client, lp)
        finally:
            self.client.cancel([lp])

    def close(self) -> None:
        if self._own:
            self.client.close()


class _DaskSession:
    def __init__(self, client: Any, lp: Any) -> None:
        self.client = client
        self.lp = lp

    def submit(self, chunk: list[tuple[list[str], LpData | None]]) -> Any:
        return self.client.submit(solve_on_worker, self.lp, self.lp.key, chunk, pure=False)

    def finished(self, handles: list[Any], block: bool) -> list[Any]:
        if block:
            return list(_distributed().wait(handles, return_when="FIRST_COMPLETED").done)
        return [handle for handle in handles if handle.done()]

    def result(self, handle: Any) -> list[Numbers]:
        return list(handle.result())


def _distributed() -> Any:
    """The dask.distributed module (untyped here: it ships partial annotations)."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise ImportError('--scheduler needs dask.distributed: pip install "paxmodel[dask]"') from exc


_local = threading.local()


def solve_on_worker(data: LpData, key: str, chunk: list[tuple[list[str], LpData | None]]) -> list[Numbers]:
    """A worker thread's task: its own HiGHS model of `data` (built once per LP), one chunk solved."""
    core: HighsCore | None = getattr(_local, "core", None)
    if core is None or getattr(_local, "key", None) != key:
        core = _local.core = HighsCore(data)
        _local.key = key
    return core.solve_chunk([(frozenset(members), variant) for members, variant in chunk])
