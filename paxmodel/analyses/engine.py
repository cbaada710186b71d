"""Fast re-solve of the sourcing LP for many memberships.

The LP of MODEL.md 2.2 is built once (from `SourcingModel`'s PuLP problem) into one
`highspy.Highs` object. A membership changes only column costs (risks), column bounds
(expansion) and row bounds (single-share caps), so each configuration sets just the numbers
that differ from the previous one and re-runs HiGHS, which warm-starts from the previous
optimal basis.

Sweeps (`FastSolver.evaluate_many`) are split into fixed chunks; each chunk starts from a
cold solve and then warm-starts configuration to configuration. The values of a sweep
therefore depend only on the list of configurations, not on the number of processes or on
their timing: the same input gives the same bytes. Large sweeps are shared between worker
processes (both cores), each holding its own engine.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np

from paxmodel.model.lp import SourcingModel
from paxmodel.model.network import Network
from paxmodel.model.run import Outcome, Runner, RunResult, baseline_outcome
from paxmodel.model.solvers import SolverError, SolverName, new_highs, pulp_v4_warnings_silenced, solver_label
from paxmodel.model.sourcing import NOISE
from paxmodel.scenario.load import LoadedScenario

Members = frozenset[str]
# progress(done, total): called as configurations of a sweep are finished.
Progress = Callable[[int, int], None]
Array = np.ndarray[Any, np.dtype[np.float64]]

CHUNK = 256  # configurations per chunk of a sweep (each chunk starts from a cold solve)
POOL_MIN = 512  # a sweep needs at least this many new configurations to use worker processes
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class Evaluation:
    """The numbers of one solved configuration (see the module docstring)."""

    objective: float
    dependency: float
    shortfall: float


class HighsEngine:
    """One HiGHS model of the sourcing LP, re-solved in place for any membership."""

    def __init__(self, model: SourcingModel) -> None:
        import highspy

        self.model = model
        net = model.network
        self.columns = [*model.y.values(), *model.f.values(), *model.v.values()]
        n_y, n_f, n_v = len(model.y), len(model.f), len(model.v)
        self.y_index = np.arange(n_y, dtype=np.int32)
        self.f_index = np.arange(n_y, n_y + n_f, dtype=np.int32)
        self.v_index = np.arange(n_y + n_f, n_y + n_f + n_v, dtype=np.int32)
        position = {var.name: n for n, var in enumerate(self.columns)}
        with pulp_v4_warnings_silenced():
            rows = list(model.problem.constraints.values())
        row_of = {id(row): n for n, row in enumerate(rows)}
        self.cap_index = np.array([row_of[id(row)] for row in model.share_caps], dtype=np.int32)
        self.v_weight = np.array([net.overall_weight[i] for i in model.v], dtype=np.float64)
        v_cost = self.v_weight * net.shortfall_penalty

        # The membership-dependent numbers of `SourcingModel.coefficients`, vectorised: the same
        # floating-point operations on arrays, so the results are identical to the last bit.
        country = {c: n for n, c in enumerate(net.countries)}
        self.country = country
        self.risk = np.array([net.risk[c] for c in net.countries], dtype=np.float64)
        self.y_country = np.array([country[c] for _, c in model.supply_keys], dtype=np.intp)
        self.y_weight = np.array([net.overall_weight[i] for i, _ in model.supply_keys], dtype=np.float64)
        self.f_country = np.array([country[c] for _, c in model.expansion_keys], dtype=np.intp)
        self.f_full = np.array(
            [net.expansion_capacity[i][c] / net.requirement[i] for i, c in model.expansion_keys], dtype=np.float64
        )
        s = net.max_single_share
        self.cap_country = np.array([country[c] for _, c in model.share_cap_keys], dtype=np.intp)
        self.cap_base = np.array(
            [s * net.demand[i] / net.requirement[i] for i, _ in model.share_cap_keys], dtype=np.float64
        )
        self.cap_relax = np.array([model._share(i, c) for i, c in model.share_cap_keys], dtype=np.float64)
        self.cost, self.f_upper, self.cap_upper = self.coefficients(frozenset())

        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.columns)
        lp.num_row_ = len(rows)
        lp.col_cost_ = np.concatenate([self.cost, np.zeros(n_f), v_cost])
        lower, upper = [], []
        for var in self.columns:
            lower.append(-inf if var.lowBound is None else float(var.lowBound))
            upper.append(inf if var.upBound is None else float(var.upBound))
        upper[n_y : n_y + n_f] = self.f_upper.tolist()
        lp.col_lower_ = np.array(lower, dtype=np.float64)
        lp.col_upper_ = np.array(upper, dtype=np.float64)
        starts, indices, values, row_lower, row_upper = [0], [], [], [], []
        with pulp_v4_warnings_silenced():
            for row in rows:
                for var, coefficient in row.items():
                    if coefficient != 0:
                        indices.append(position[var.name])
                        values.append(float(coefficient))
                starts.append(len(indices))
                lb, ub = row.getLb(), row.getUb()
                row_lower.append(-inf if lb is None else float(lb))
                row_upper.append(inf if ub is None else float(ub))
        for n, rhs in zip(self.cap_index, self.cap_upper, strict=True):
            row_upper[n] = float(rhs)
        self.cap_lower = np.full(len(self.cap_index), -inf)
        lp.row_lower_ = np.array(row_lower, dtype=np.float64)
        lp.row_upper_ = np.array(row_upper, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=np.float64)

        self.highs: Any = new_highs()
        # One thread: HiGHS's task pool costs more in synchronisation than a warm-started
        # simplex of this size gains (0.45 -> 0.12 ms per run); parallelism comes from processes.
        # The pool is global to the process; see `run` for when another HiGHS made it bigger.
        self.highs.setOptionValue("threads", 1)
        self.highs.setOptionValue("solver", "simplex")
        self.lp = lp  # as built: the numbers of the empty membership
        self.empty = (self.cost, self.f_upper, self.cap_upper)
        self._optimal = highspy.HighsModelStatus.kOptimal
        self._not_set = highspy.HighsModelStatus.kNotset
        self._error = highspy.HighsStatus.kError
        self._reset_pool = highspy.Highs.resetGlobalScheduler
        self.members: Members | None = None  # the membership the model is set for
        self.solves = 0
        self.cold_start()

    def coefficients(self, members: Members) -> tuple[Array, Array, Array]:
        """(supply costs, expansion upper bounds, share-cap right-hand sides) for `members`.

        Equal to `SourcingModel.coefficients(members)`, as arrays.
        """
        mask = np.zeros(len(self.risk), dtype=bool)
        for code in members:
            n = self.country.get(code)
            if n is None:
                raise ValueError(f"unknown country '{code}'")
            mask[n] = True
        rho = self.model.network.member_risk
        cost = self.y_weight * np.where(mask[self.y_country], rho, self.risk[self.y_country])
        f_upper = np.where(mask[self.f_country], self.f_full, 0.0)
        cap_upper = self.cap_base + np.where(mask[self.cap_country], self.cap_relax, 0.0)
        return cost, f_upper, cap_upper

    def set_members(self, members: Members) -> None:
        """Change only the costs, bounds and caps that differ from the current membership."""
        if members == self.members:
            return
        cost, f_upper, cap_upper = self.coefficients(members)
        changed = np.flatnonzero(cost != self.cost)
        if changed.size:
            self.highs.changeColsCost(changed.size, self.y_index[changed], cost[changed])
        changed = np.flatnonzero(f_upper != self.f_upper)
        if changed.size:
            self.highs.changeColsBounds(changed.size, self.f_index[changed], np.zeros(changed.size), f_upper[changed])
        changed = np.flatnonzero(cap_upper != self.cap_upper)
        if changed.size:
            self.highs.changeRowsBounds(
                changed.size, self.cap_index[changed], self.cap_lower[changed], cap_upper[changed]
            )
        self.cost, self.f_upper, self.cap_upper = cost, f_upper, cap_upper
        self.members = members

    def cold_start(self) -> None:
        """Reload the model as built: the next solve starts from scratch, from the same state.

        (`clearSolver` alone forgets the basis but not everything: results would then depend,
        in the last bit, on what was solved before.)
        """
        self.highs.passModel(self.lp)
        self.cost, self.f_upper, self.cap_upper = self.empty
        self.members = frozenset()

    def run(self, members: Members) -> Array:
        """Solve for `members`; the column values (y, f, v in `SourcingModel` key order)."""
        self.set_members(members)
        if self.highs.run() == self._error and self.highs.getModelStatus() == self._not_set:
            # Another HiGHS in this process (PuLP's, with the default threads=0) built the global
            # thread pool with more threads, and HiGHS refuses threads=1 then: rebuild the pool
            # with one thread (solves with threads=0 accept a pool of any size) and run again.
            self._reset_pool(True)
            self.highs.run()
        self.solves += 1
        status = self.highs.getModelStatus()
        if status != self._optimal:
            self.cold_start()
            raise SolverError(
                f"HiGHS ended with status '{self.highs.modelStatusToString(status)}', not optimal "
                f"(members: {', '.join(sorted(members)) or 'none'})"
            )
        return np.asarray(self.highs.getSolution().col_value, dtype=np.float64)

    def evaluate(self, members: Members) -> tuple[Evaluation, Array]:
        values = self.run(members)
        objective = float(self.highs.getInfo().objective_function_value)
        y = values[self.y_index]
        v = values[self.v_index]
        y_kept = np.where(y > NOISE, y, 0.0)
        v_kept = np.where(v > NOISE, v, 0.0)
        shortfall = float(self.v_weight @ v_kept)
        dependency = float(self.cost @ y_kept) + shortfall
        return Evaluation(objective=objective, dependency=dependency, shortfall=shortfall), values

    def values_dict(self, values: Array) -> dict[str, list[float]]:
        """Column values as `SourcingModel.read_sourcing` takes them."""
        return {
            "y": values[self.y_index].tolist(),
            "f": values[self.f_index].tolist(),
            "v": values[self.v_index].tolist(),
        }

    def solve_chunk(self, chunk: Sequence[Members]) -> list[Evaluation]:
        """Cold start, then warm-start from one configuration to the next."""
        self.cold_start()
        return [self.evaluate(members)[0] for members in chunk]


class FastSolver:
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
        self.cache: dict[Members, Evaluation] = {}

    @property
    def baseline_dependency(self) -> float:
        """Overall dependency of the status quo (MODEL.md 2.1): constant across memberships."""
        return self.baseline.dependency.overall

    def evaluate(self, members: Iterable[str]) -> Evaluation:
        """Solve one configuration (warm-started from the last one solved), cached."""
        key = frozenset(members)
        found = self.cache.get(key)
        if found is None:
            found = self.engine.evaluate(key)[0]
            self.cache[key] = found
        return found

    def solve(self, members: Iterable[str]) -> float:
        """The LP objective for `members`."""
        return self.evaluate(members).objective

    def optimised_dependency(self, members: Iterable[str]) -> float:
        """Overall optimised dependency (MODEL.md 2.3) for `members`."""
        return self.evaluate(members).dependency

    def removed(self, members: Iterable[str]) -> float:
        """v(S): overall baseline dependency minus the optimised dependency with `members`."""
        return self.baseline_dependency - self.evaluate(members).dependency

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
            solver=solver_label("highs"),
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
        chunks = [todo[n : n + CHUNK] for n in range(0, len(todo), CHUNK)]
        if progress is not None:
            progress(0, len(todo))
        if self.workers > 1 and len(todo) >= POOL_MIN:
            self._solve_in_pool(chunks, len(todo), progress)
        else:
            done = 0
            for chunk in chunks:
                self.engine.cold_start()
                for members in chunk:
                    self.cache[members] = self.engine.evaluate(members)[0]
                    done += 1
                    if progress is not None and (done % 16 == 0 or done == len(todo)):
                        progress(done, len(todo))
        return [self.cache[key] for key in keys]

    def removed_many(self, configurations: Iterable[Iterable[str]], progress: Progress | None = None) -> list[float]:
        """v(S) of every configuration, in order."""
        base = self.baseline_dependency
        return [base - e.dependency for e in self.evaluate_many(configurations, progress)]

    def _solve_in_pool(self, chunks: list[list[Members]], total: int, progress: Progress | None) -> None:
        workers = min(self.workers, len(chunks))
        # spawn, not fork: HiGHS keeps a thread pool that a forked child would inherit broken.
        with (
            _main_script_not_rerun(),
            ProcessPoolExecutor(workers, get_context("spawn"), _worker_start, (self.network,)) as pool,
        ):
            futures = {pool.submit(_worker_solve, [sorted(m) for m in chunk]): chunk for chunk in chunks}
            done = 0
            for future in as_completed(futures):
                chunk = futures[future]
                for members, evaluation in zip(chunk, future.result(), strict=True):
                    self.cache[members] = evaluation
                done += len(chunk)
                if progress is not None:
                    progress(done, total)


class NaiveSolver:
    """The same interface as `FastSolver`, solving every configuration through PuLP.

    For solvers other than the in-process HiGHS engine (CBC), and as a reference: each
    configuration is a full `Runner.run` (PuLP writes and solves the whole model).
    """

    def __init__(self, source: Runner | LoadedScenario, solver: SolverName = "cbc") -> None:
        self.runner = source if isinstance(source, Runner) else Runner(source)
        self.network = self.runner.network
        self.baseline = self.runner.baseline
        self.solver: SolverName = solver
        self.cache: dict[Members, Evaluation] = {}

    @property
    def baseline_dependency(self) -> float:
        return self.baseline.dependency.overall

    def result(self, name: str, members: Iterable[str]) -> RunResult:
        return self.runner.run(name, tuple(sorted(frozenset(members))), self.solver)

    def evaluate(self, members: Iterable[str]) -> Evaluation:
        key = frozenset(members)
        found = self.cache.get(key)
        if found is None:
            result = self.result("", key)
            shortfall = sum(
                self.network.overall_weight[i] * m.shortfall / self.network.requirement[i]
                for i, m in result.optimised.items.items()
            )
            found = Evaluation(result.objective, result.optimised.dependency.overall, shortfall)
            self.cache[key] = found
        return found

    def optimised_dependency(self, members: Iterable[str]) -> float:
        return self.evaluate(members).dependency

    def removed(self, members: Iterable[str]) -> float:
        return self.baseline_dependency - self.evaluate(members).dependency

    def evaluate_many(
        self, configurations: Iterable[Iterable[str]], progress: Progress | None = None
    ) -> list[Evaluation]:
        keys = [frozenset(members) for members in configurations]
        todo = list(dict.fromkeys(key for key in keys if key not in self.cache))
        for done, key in enumerate(todo, start=1):
            self.evaluate(key)
            if progress is not None:
                progress(done, len(todo))
        return [self.cache[key] for key in keys]

    def removed_many(self, configurations: Iterable[Iterable[str]], progress: Progress | None = None) -> list[float]:
        base = self.baseline_dependency
        return [base - e.dependency for e in self.evaluate_many(configurations, progress)]


def make_solver(source: Runner | LoadedScenario, solver: SolverName = "highs") -> FastSolver | NaiveSolver:
    """The fast engine for HiGHS, the PuLP route for any other solver."""
    return FastSolver(source) if solver == "highs" else NaiveSolver(source, solver)


@contextmanager
def _main_script_not_rerun() -> Iterator[None]:
    """Keep spawned workers from re-running the caller's script.

    A spawned child normally re-imports the parent's `__main__` file, which runs a script
    that lacks an `if __name__ == "__main__":` guard all over again. The workers need nothing
    from `__main__` (their function and data live in paxmodel), so while they start, the
    script's path is hidden, as it is for an interactive session or a notebook.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


_worker_engine: HighsEngine | None = None


def _worker_start(network: Network) -> None:
    global _worker_engine
    _worker_engine = HighsEngine(SourcingModel(network))


def _worker_solve(chunk: list[list[str]]) -> list[Evaluation]:
    assert _worker_engine is not None
    return _worker_engine.solve_chunk([frozenset(members) for members in chunk])


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
