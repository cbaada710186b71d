"""Fast re-solve of the sourcing LP for many memberships.

The LP of MODEL.md 2.2 is built once (from `SourcingModel`'s PuLP problem) into one
`highspy.Highs` object. A membership changes only column costs (risks), column bounds
(expansion) and row bounds (single-share caps), so each configuration sets just the numbers
that differ from the previous one and re-runs HiGHS, which warm-starts from the previous
optimal basis.

Sweeps (`FastSolver.evaluate_many`) are split into fixed chunks; each chunk starts from a
cold solve and then warm-starts configuration to configuration. The values of a sweep
therefore depend only on the list of configurations, not on the number of processes or on
their timing: the same input gives the same bytes. Once the rest of a sweep is expected to
take more than `POOL_MIN_SECONDS`, it is shared between this process and `workers - 1`
spawned worker processes (default: both cores), each holding its own HiGHS model.

What a configuration yields (`Evaluation`):

- `objective`: the LP objective (includes the shortfall penalty P);
- `dependency`: the overall optimised dependency of MODEL.md 2.3, where a unit of shortfall
  counts 1, not P, computed from the solution exactly as `RunResult` computes it (values
  below `sourcing.NOISE` count as 0);
- `shortfall`: the weighted shortfall share sum_i k_i u_i / T_i (0 = every requirement met).

`v(S) = baseline overall - dependency(S)` is the removal that the contribution analyses use.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from paxmodel.analyses.highs_core import Array, HighsCore, LpData, Members, Numbers, worker_solve, worker_start
from paxmodel.model.lp import SourcingModel
from paxmodel.model.network import Network
from paxmodel.model.run import Outcome, Runner, RunResult, baseline_outcome
from paxmodel.model.solvers import SolverName, pulp_v4_warnings_silenced, solver_label
from paxmodel.model.sourcing import NOISE, shortfall_share
from paxmodel.scenario.load import LoadedScenario

# progress(done, total): called as configurations of a sweep are finished.
Progress = Callable[[int, int], None]

CHUNK = 256  # configurations per chunk of a sweep (each chunk starts from a cold solve)
# Worker processes are started once the rest of a sweep is expected to take longer than this
# here (starting one takes about 0.5 s: interpreter, numpy, highspy, the model).
POOL_MIN_SECONDS = 1.5
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class Evaluation:
    """The numbers of one solved configuration (see the module docstring)."""

    objective: float
    dependency: float
    shortfall: float


def lp_data(model: SourcingModel) -> LpData:
    """The LP of `model` as arrays, set for the empty membership (columns y, f, v; rows in order)."""
    import highspy

    net = model.network
    inf = highspy.kHighsInf
    columns = [*model.y.values(), *model.f.values(), *model.v.values()]
    position = {var.name: n for n, var in enumerate(columns)}
    with pulp_v4_warnings_silenced():
        rows = list(model.problem.constraints.values())
        starts, indices, values, row_lower, row_upper = [0], [], [], [], []
        for row in rows:
            for var, coefficient in row.items():
                if coefficient != 0:
                    indices.append(position[var.name])
                    values.append(float(coefficient))
            starts.append(len(indices))
            lb, ub = row.getLb(), row.getUb()
            row_lower.append(-inf if lb is None else float(lb))
            row_upper.append(inf if ub is None else float(ub))
    row_of = {id(row): n for n, row in enumerate(rows)}
    country = {c: n for n, c in enumerate(net.countries)}
    s = net.max_single_share
    v_weight = np.array([net.overall_weight[i] for i in model.v], dtype=np.float64)
    empty = model.coefficients(frozenset())
    col_cost = np.concatenate(
        [np.array(empty.supply_cost, dtype=np.float64), np.zeros(len(model.f)), v_weight * net.shortfall_penalty]
    )
    col_lower = np.array([-inf if var.lowBound is None else float(var.lowBound) for var in columns])
    col_upper = np.array([inf if var.upBound is None else float(var.upBound) for var in columns])
    n_y, n_f = len(model.y), len(model.f)
    col_upper[n_y : n_y + n_f] = empty.expansion_upper
    cap_rows = np.array([row_of[id(row)] for row in model.share_caps], dtype=np.intp)
    row_upper_array = np.array(row_upper, dtype=np.float64)
    row_upper_array[cap_rows] = empty.share_cap_rhs
    return LpData(
        col_cost=col_cost,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=np.array(row_lower, dtype=np.float64),
        row_upper=row_upper_array,
        a_start=np.array(starts, dtype=np.intp),
        a_index=np.array(indices, dtype=np.intp),
        a_value=np.array(values, dtype=np.float64),
        n_y=n_y,
        n_f=n_f,
        cap_rows=cap_rows,
        countries=net.countries,
        risk=np.array([net.risk[c] for c in net.countries], dtype=np.float64),
        member_risk=net.member_risk,
        y_country=np.array([country[c] for _, c in model.supply_keys], dtype=np.intp),
        y_weight=np.array([net.overall_weight[i] for i, _ in model.supply_keys], dtype=np.float64),
        f_country=np.array([country[c] for _, c in model.expansion_keys], dtype=np.intp),
        f_full=np.array(
            [net.expansion_capacity[i][c] / net.requirement[i] for i, c in model.expansion_keys], dtype=np.float64
        ),
        cap_country=np.array([country[c] for _, c in model.share_cap_keys], dtype=np.intp),
        cap_base=np.array([s * net.demand[i] / net.requirement[i] for i, _ in model.share_cap_keys], dtype=np.float64),
        cap_relax=np.array([model._share(i, c) for i, c in model.share_cap_keys], dtype=np.float64),
        v_weight=v_weight,
        noise=NOISE,
    )


class HighsEngine(HighsCore):
    """One HiGHS model of `model`'s LP, re-solved in place for any membership."""

    def __init__(self, model: SourcingModel) -> None:
        self.model = model
        super().__init__(lp_data(model))

    def evaluate(self, members: Members) -> tuple[Evaluation, Array]:
        """The `Evaluation` of `members` and the column values."""
        numbers, values = self.numbers(members)
        return Evaluation(*numbers), values

    def values_dict(self, values: Array) -> dict[str, list[float]]:
        """Column values as `SourcingModel.read_sourcing` takes them."""
        return {
            "y": values[self.y_index].tolist(),
            "f": values[self.f_index].tolist(),
            "v": values[self.v_index].tolist(),
        }


class CachedSolver:
    """What the analyses need of a solver: one `Evaluation` per member set, cached.

    Subclasses provide `evaluate` (one configuration) and may speed up `evaluate_many`.
    """

    network: Network
    baseline: Outcome
    label: str  # solver name and version, as results report it
    cache: dict[Members, Evaluation]

    def evaluate(self, members: Iterable[str]) -> Evaluation:
        raise NotImplementedError

    def evaluate_many(
        self, configurations: Iterable[Iterable[str]], progress: Progress | None = None
    ) -> list[Evaluation]:
        """Evaluations of every configuration, in order (each distinct one solved once)."""
        keys = [frozenset(members) for members in configurations]
        todo = list(dict.fromkeys(key for key in keys if key not in self.cache))
        for done, key in enumerate(todo, start=1):
            self.evaluate(key)
            if progress is not None:
                progress(done, len(todo))
        return [self.cache[key] for key in keys]

    @property
    def baseline_dependency(self) -> float:
        """Overall dependency of the status quo (MODEL.md 2.1): constant across memberships."""
        return self.baseline.dependency.overall

    def solve(self, members: Iterable[str]) -> float:
        """The LP objective for `members`."""
        return self.evaluate(members).objective

    def optimised_dependency(self, members: Iterable[str]) -> float:
        """Overall optimised dependency (MODEL.md 2.3) for `members`."""
        return self.evaluate(members).dependency

    def removed(self, members: Iterable[str]) -> float:
        """v(S): overall baseline dependency minus the optimised dependency with `members`."""
        return self.baseline_dependency - self.evaluate(members).dependency

    def removed_many(self, configurations: Iterable[Iterable[str]], progress: Progress | None = None) -> list[float]:
        """v(S) of every configuration, in order."""
        base = self.baseline_dependency
        return [base - e.dependency for e in self.evaluate_many(configurations, progress)]


class FastSolver(CachedSolver):
    """Optimised dependency of many memberships of one scenario, cached per member set.

    `source` is a `Runner` (preferred: its LP and baseline are reused), a `LoadedScenario`
    or a bare `Network`.
    """

    def __init__(self, source: Runner | LoadedScenario | Network, workers: int | None = None) -> None:
        if isinstance(source, LoadedScenario):
            source = Runner(source)
        if isinstance(source, Runner):
            self.network = source.network
            self.model = source.model
            self.baseline: Outcome = source.baseline
            self.scenario = source.loaded.name
        else:
            self.network = source
            self.model = SourcingModel(source)
            self.baseline = baseline_outcome(source)
            self.scenario = ""
        self.workers = min(DEFAULT_WORKERS, os.cpu_count() or 1) if workers is None else max(1, workers)
        self.engine = HighsEngine(self.model)
        self.cache = {}
        self.label = solver_label("highs")

    def evaluate(self, members: Iterable[str]) -> Evaluation:
        """Solve one configuration (warm-started from the last one solved), cached."""
        key = frozenset(members)
        found = self.cache.get(key)
        if found is None:
            found = self.engine.evaluate(key)[0]
            self.cache[key] = found
        return found

    def result(self, name: str, members: Iterable[str]) -> RunResult:
        """A full `RunResult` (sourcing and every metric), as `Runner.run` gives it."""
        key = frozenset(members)
        evaluation, values = self.engine.evaluate(key)
        self.cache.setdefault(key, evaluation)
        sourcing = self.model.read_sourcing(self.engine.values_dict(values))
        return RunResult(
            scenario=self.scenario,
            membership=name,
            members=tuple(sorted(key)),
            solver=self.label,
            status="optimal",
            objective=evaluation.objective,
            network=self.network,
            baseline=self.baseline,
            optimised=Outcome.measure(self.network, sourcing, self.network.risk_under(key)),
        )

    def evaluate_many(
        self, configurations: Iterable[Iterable[str]], progress: Progress | None = None
    ) -> list[Evaluation]:
        """Evaluations of every configuration, in order; new ones solved in chunks (see module doc).

        Order the configurations so that neighbours differ little (e.g. Gray code order): that
        is what makes the warm start pay.
        """
        keys = [frozenset(members) for members in configurations]
        todo = list(dict.fromkeys(key for key in keys if key not in self.cache))
        chunks = deque(todo[n : n + CHUNK] for n in range(0, len(todo), CHUNK))
        total = len(todo)
        done = 0
        if progress is not None:
            progress(0, total)
        started = time.perf_counter()
        while chunks:
            if done and self.workers > 1 and len(chunks) >= 2:
                remaining = (time.perf_counter() - started) / done * (total - done)
                if remaining > POOL_MIN_SECONDS:
                    self._share_with_workers(chunks, done, total, progress)
                    break
            done += self._solve_here(chunks.popleft())
            if progress is not None:
                progress(done, total)
        return [self.cache[key] for key in keys]

    def _solve_here(self, chunk: list[Members]) -> int:
        self.engine.cold_start()
        for members in chunk:
            self.cache[members] = self.engine.evaluate(members)[0]
        return len(chunk)

    def _share_with_workers(
        self, chunks: deque[list[Members]], done: int, total: int, progress: Progress | None
    ) -> None:
        """Solve the chunks here and in `workers - 1` spawned processes, until none is left.

        This process takes chunks from the front, the workers from the back (at most two
        queued per worker), so the work is shared however fast each side turns out to be.
        """
        helpers = min(self.workers - 1, len(chunks) - 1)
        in_flight: dict[Future[list[Numbers]], list[Members]] = {}

        def collect(futures: Iterable[Future[list[Numbers]]]) -> int:
            count = 0
            for future in futures:
                chunk = in_flight.pop(future)
                for members, numbers in zip(chunk, future.result(), strict=True):
                    self.cache[members] = Evaluation(*numbers)
                count += len(chunk)
            return count

        # spawn, not fork: HiGHS keeps a thread pool that a forked child would inherit broken.
        with (
            _worker_start_up(),
            ProcessPoolExecutor(helpers, get_context("spawn"), worker_start, (self.engine.data,)) as pool,
        ):
            while chunks or in_flight:
                while chunks and len(in_flight) < 2 * helpers:
                    chunk = chunks.pop()
                    in_flight[pool.submit(worker_solve, [sorted(m) for m in chunk])] = chunk
                if chunks:
                    done += self._solve_here(chunks.popleft())
                    done += collect([f for f in in_flight if f.done()])
                else:
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    done += collect(finished)
                if progress is not None:
                    progress(done, total)


class NaiveSolver(CachedSolver):
    """The same interface as `FastSolver`, solving every configuration through PuLP.

    For solvers other than the in-process HiGHS engine (CBC), and as a reference: each
    configuration is a full `Runner.run` (PuLP writes and solves the whole model).
    """

    def __init__(self, source: Runner | LoadedScenario, solver: SolverName = "cbc") -> None:
        self.runner = source if isinstance(source, Runner) else Runner(source)
        self.network = self.runner.network
        self.baseline = self.runner.baseline
        self.solver: SolverName = solver
        self.label = solver_label(solver)
        self.cache = {}

    def result(self, name: str, members: Iterable[str]) -> RunResult:
        return self.runner.run(name, tuple(sorted(frozenset(members))), self.solver)

    def evaluate(self, members: Iterable[str]) -> Evaluation:
        key = frozenset(members)
        found = self.cache.get(key)
        if found is None:
            result = self.result("", key)
            shortfall, _ = shortfall_share(self.network, result.optimised.items)
            found = Evaluation(result.objective, result.optimised.dependency.overall, shortfall)
            self.cache[key] = found
        return found


def make_solver(source: Runner | LoadedScenario, solver: SolverName = "highs") -> FastSolver | NaiveSolver:
    """The fast engine for HiGHS, the PuLP route for any other solver."""
    return FastSolver(source) if solver == "highs" else NaiveSolver(source, solver)


# Worker processes do no linear algebra in numpy: keep its BLAS from starting (spinning) threads.
WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextmanager
def _worker_start_up() -> Iterator[None]:
    """While worker processes start: a one-thread BLAS, and the caller's script not re-run.

    A spawned child normally re-imports the parent's `__main__` file, which runs a script
    that lacks an `if __name__ == "__main__":` guard all over again. The workers need nothing
    from `__main__` (their function and data live in paxmodel), so while they start, the
    script's path is hidden, as it is for an interactive session or a notebook.
    """
    saved_environment = {name: os.environ.get(name) for name in WORKER_ENVIRONMENT}
    os.environ.update(WORKER_ENVIRONMENT)
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    hide = main if path is not None and getattr(main, "__spec__", None) is None else None
    if hide is not None:
        del hide.__file__
    try:
        yield
    finally:
        if hide is not None:
            hide.__file__ = path
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def gray_subsets(players: Sequence[str]) -> list[tuple[int, Members]]:
    """Every subset of `players` as (bit mask, members), in Gray code order.

    Neighbours differ by exactly one player, so each re-solve starts from a nearby basis.
    Bit b of the mask stands for players[b].
    """
    subsets = []
    for n in range(1 << len(players)):
        mask = n ^ (n >> 1)
        subsets.append((mask, frozenset(p for b, p in enumerate(players) if mask >> b & 1)))
    return subsets
