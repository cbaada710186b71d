"""The warm engine: one built LP, re-solved for every configuration an analysis asks about.

The LP of MODEL.md 2.2 is built once, as arrays straight from the scenario's `Network`
(`paxmodel.model.arrays`), into one `highspy.Highs` object. A *configuration* is a membership
plus, optionally, a *variant* of the scenario's numbers (`Configuration`): capacities cut by a
shock, a Monte Carlo sample, another budget. Each configuration sets only the numbers that
differ from the one solved before (costs, column bounds, row bounds, matrix coefficients) and
re-runs HiGHS, which warm-starts from the previous optimal basis. Compare, Shapley values,
stress tests, sweeps, the budget frontier and the live page all ask this engine.

Sweeps (`FastSolver.evaluate_many`) are split into fixed chunks; each chunk starts from a
cold solve and then warm-starts configuration to configuration. The values of a sweep
therefore depend only on the list of configurations, not on the number of processes, on
where chunks run or on their timing: the same input gives the same bytes. Chunks run here
and on an `Executor`: `LocalProcesses` (default: `workers - 1` spawned processes, started
once the rest of a sweep is expected to take more than `POOL_MIN_SECONDS`) or a Dask cluster.

What a configuration yields (`Evaluation`):

- `objective`: the LP objective (includes the shortfall penalty P);
- `dependency`: the overall optimised dependency of MODEL.md 2.3, where a unit of shortfall
  counts 1, not P, computed from the solution exactly as `RunResult` computes it (values
  below `sourcing.NOISE` count as 0);
- `shortfall`: the weighted shortfall share sum_i k_i u_i / T_i (0 = every requirement met);
- `sectors`: the optimised dependency of each sector with a requirement (MODEL.md 2.3).

`v(S) = baseline overall - dependency(S)` is the removal that the contribution analyses use;
for a variant, the baseline is the status quo under the variant's own numbers.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, Protocol

from paxmodel.analyses.highs_core import HighsCore, Members, Numbers, worker_solve, worker_start
from paxmodel.model.arrays import (
    Array,
    LpData,
    LpStructure,
    LpTemplate,
    differs_in_supply_only,
    lp_data,
    read_sourcing,
    with_supply_of,
)
from paxmodel.model.diagnostics import Diagnostics, SolutionDuals, diagnose
from paxmodel.model.network import Network
from paxmodel.model.run import Outcome, Runner, RunResult, baseline_outcome
from paxmodel.model.solvers import SolverName, solver_label
from paxmodel.model.sourcing import shortfall_share
from paxmodel.scenario.load import LoadedScenario

# progress(done, total): called as configurations of a sweep are finished.
Progress = Callable[[int, int], None]

CHUNK = 256  # configurations per chunk of a sweep (each chunk starts from a cold solve)
# Worker processes are started once the rest of a sweep is expected to take longer than this
# here (starting one takes about 0.5 s: interpreter, numpy, highspy, the model).
POOL_MIN_SECONDS = 1.5
DEFAULT_WORKERS = 2
VARIANT_CACHE = 4096  # LP numbers of this many variants are kept (a sweep's samples, say)


@dataclass(frozen=True)
class Evaluation:
    """The numbers of one solved configuration (see the module docstring)."""

    objective: float
    dependency: float
    shortfall: float
    sectors: tuple[float, ...] = ()  # optimised dependency of each of network.active_sectors


@dataclass(frozen=True)
class Configuration:
    """What one evaluation asks of the engine: a membership, and optionally a variant of the
    scenario's numbers (a `Network` with the same items and countries: capacities cut by a
    shock, sampled values, another budget).

    `variant` names the variant's numbers and is part of the cache key: two configurations
    with the same members and variant name must carry the same numbers.
    """

    members: Members
    variant: str = ""
    network: Network | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[Members, str]:
        return (self.members, self.variant)


ConfigurationLike = Configuration | Iterable[str]


def as_configuration(configuration: ConfigurationLike) -> Configuration:
    """A `Configuration`, from itself or from a bare member list."""
    if isinstance(configuration, Configuration):
        return configuration
    return Configuration(frozenset(configuration))


class HighsEngine(HighsCore):
    """One HiGHS model of a scenario's LP, re-solved in place for any configuration."""

    def __init__(self, network: Network, structure: LpStructure | None = None) -> None:
        self.network = network
        self.structure = structure or LpStructure.of(network)
        self._variants: dict[str, LpData] = {}
        self._template: LpTemplate | None = None
        super().__init__(lp_data(network, self.structure))

    def variant_data(self, configuration: Configuration) -> LpData | None:
        """The LP numbers of the configuration's variant (computed once per variant name)."""
        if configuration.network is None:
            return None
        found = self._variants.get(configuration.variant)
        if found is None:
            variant = configuration.network
            if differs_in_supply_only(self.network, variant):  # a shock: bounds only
                found = with_supply_of(self.data, self.structure, variant)
            else:
                found = self.template_data(variant) or lp_data(variant, self.structure)
            if len(self._variants) >= VARIANT_CACHE:
                self._variants.pop(next(iter(self._variants)))
            self._variants[configuration.variant] = found
        return found

    def template_data(self, variant: Network) -> LpData | None:
        """A variant's LP numbers by array operations (a sample): None when the template cannot."""
        if self._template is None:
            self._template = LpTemplate(self.network, self.structure, self.data)
        return self._template.data(variant) if self._template.usable else None

    def evaluate(self, configuration: ConfigurationLike) -> tuple[Evaluation, Array]:
        """The `Evaluation` of a configuration and the column values."""
        config = as_configuration(configuration)
        numbers, values = self.numbers(config.members, self.variant_data(config))
        return Evaluation(*numbers), values


class CachedSolver:
    """What the analyses need of a solver: one `Evaluation` per configuration, cached.

    Subclasses provide `evaluate` (one configuration) and may speed up `evaluate_many`.
    A configuration is a `Configuration` or, for the scenario as loaded, a bare member list.
    """

    network: Network
    baseline: Outcome
    label: str  # solver name and version, as results report it
    cache: dict[tuple[Members, str], Evaluation]
    _baselines: dict[str, Outcome]

    def evaluate(self, configuration: ConfigurationLike) -> Evaluation:
        raise NotImplementedError

    def evaluate_many(
        self, configurations: Iterable[ConfigurationLike], progress: Progress | None = None
    ) -> list[Evaluation]:
        """Evaluations of every configuration, in order (each distinct one solved once)."""
        configs = [as_configuration(c) for c in configurations]
        todo = list({c.key: c for c in configs if c.key not in self.cache}.values())
        for done, config in enumerate(todo, start=1):
            self.evaluate(config)
            if progress is not None:
                progress(done, len(todo))
        return [self.cache[c.key] for c in configs]

    def baseline_of(self, configuration: ConfigurationLike) -> Outcome:
        """The status quo (MODEL.md 2.1) under the configuration's variant numbers."""
        config = as_configuration(configuration)
        if config.network is None:
            return self.baseline
        found = self._baselines.get(config.variant)
        if found is None:
            found = self._baselines[config.variant] = baseline_outcome(config.network)
        return found

    @property
    def baseline_dependency(self) -> float:
        """Overall dependency of the status quo (MODEL.md 2.1): constant across memberships."""
        return self.baseline.dependency.overall

    def solve(self, configuration: ConfigurationLike) -> float:
        """The LP objective of the configuration."""
        return self.evaluate(configuration).objective

    def optimised_dependency(self, configuration: ConfigurationLike) -> float:
        """Overall optimised dependency (MODEL.md 2.3) of the configuration."""
        return self.evaluate(configuration).dependency

    def removed(self, configuration: ConfigurationLike) -> float:
        """v(S): overall baseline dependency minus the optimised dependency (same variant)."""
        return self.baseline_of(configuration).dependency.overall - self.evaluate(configuration).dependency

    def removed_many(
        self, configurations: Iterable[ConfigurationLike], progress: Progress | None = None
    ) -> list[float]:
        """v(S) of every configuration, in order."""
        configs = [as_configuration(c) for c in configurations]
        evaluations = self.evaluate_many(configs, progress)
        return [
            self.baseline_of(c).dependency.overall - e.dependency for c, e in zip(configs, evaluations, strict=True)
        ]

    def result(self, name: str, configuration: ConfigurationLike) -> RunResult:
        """A full `RunResult` of the configuration (sourcing and every metric)."""
        raise NotImplementedError


class FastSolver(CachedSolver):
    """Optimised dependency of many configurations of one scenario, cached, on the warm engine.

    `source` is a `Runner` (preferred: its network and baseline are reused), a
    `LoadedScenario` or a bare `Network`. `structure` fixes the LP's columns and rows when
    variants need more than the scenario itself (a budget row, share caps); `executor` runs
    the chunks of long sweeps elsewhere (default: local worker processes).
    """

    def __init__(
        self,
        source: Runner | LoadedScenario | Network,
        workers: int | None = None,
        structure: LpStructure | None = None,
        executor: Executor | None = None,
    ) -> None:
        if isinstance(source, LoadedScenario):
            source = Runner(source)
        if isinstance(source, Runner):
            self.network = source.network
            self.baseline: Outcome = source.baseline
            self.scenario = source.loaded.name
            self.overrides = source.loaded.overrides
        else:
            self.network = source
            self.baseline = baseline_outcome(source)
            self.scenario = ""
            self.overrides = ()
        self.executor = executor or LocalProcesses(workers)
        self.engine = HighsEngine(self.network, structure)
        self.cache = {}
        self._baselines = {}
        self.label = solver_label("highs")

    @property
    def workers(self) -> int:
        return self.executor.helpers + 1

    def evaluate(self, configuration: ConfigurationLike) -> Evaluation:
        """Solve one configuration (warm-started from the last one solved), cached."""
        config = as_configuration(configuration)
        found = self.cache.get(config.key)
        if found is None:
            found = self.cache[config.key] = self.engine.evaluate(config)[0]
        return found

    def result(self, name: str, configuration: ConfigurationLike) -> RunResult:
        """A full `RunResult` (sourcing and every metric), as `Runner.run` gives it; for a
        variant, baseline and metrics use the variant's own numbers."""
        config = as_configuration(configuration)
        evaluation, values = self.engine.evaluate(config)
        self.cache.setdefault(config.key, evaluation)
        network = config.network or self.network
        sourcing = read_sourcing(network, self.engine.structure, values)
        diagnostics = self._diagnostics(network, config, values)
        return RunResult(
            scenario=self.scenario,
            membership=name,
            members=tuple(sorted(config.members)),
            solver=self.label,
            status="optimal",
            objective=evaluation.objective,
            network=network,
            baseline=self.baseline_of(config),
            optimised=Outcome.measure(network, sourcing, network.risk_under(config.members)),
            overrides=self.overrides,
            diagnostics=diagnostics,
        )

    def _diagnostics(self, network: Network, config: Configuration, values: Array) -> Diagnostics:
        """Binding constraints and the budget's shadow price, from the duals of the solve just made."""
        engine = self.engine
        data = engine.variant_data(config) or engine.data
        col_dual, row_dual = engine.duals()
        structure = engine.structure
        n_items, n_y, n_f = len(structure.items), data.n_y, data.n_f
        return diagnose(
            network,
            config.members,
            SolutionDuals(
                items=structure.items,
                supply_keys=structure.supply_keys,
                expansion_keys=structure.expansion_keys,
                y=values[:n_y].tolist(),
                y_reduced_cost=col_dual[:n_y].tolist(),
                f=values[n_y : n_y + n_f].tolist(),
                v=values[n_y + n_f : n_y + n_f + n_items].tolist(),
                capacity_dual=row_dual[n_items : n_items + n_f].tolist(),
                share_cap_dual=row_dual[data.cap_rows].tolist() if len(data.cap_rows) else None,
                budget_dual=float(row_dual[data.budget_row]) if data.budget_row >= 0 else None,
            ),
        )

    def evaluate_many(
        self, configurations: Iterable[ConfigurationLike], progress: Progress | None = None
    ) -> list[Evaluation]:
        """Evaluations of every configuration, in order; new ones solved in chunks (see module doc).

        Order the configurations so that neighbours differ little (e.g. Gray code order, or
        every membership of one variant together): that is what makes the warm start pay.
        """
        configs = [as_configuration(c) for c in configurations]
        todo = list({c.key: c for c in configs if c.key not in self.cache}.values())
        chunks = deque(todo[n : n + CHUNK] for n in range(0, len(todo), CHUNK))
        total = len(todo)
        done = 0
        if progress is not None:
            progress(0, total)
        started = time.perf_counter()
        while chunks:
            if self.executor.helpers and len(chunks) >= 2:
                remaining = (time.perf_counter() - started) / done * (total - done) if done else None
                if self.executor.worth_it(remaining):
                    self._share(chunks, done, total, progress)
                    break
            done += self._solve_here(chunks.popleft())
            if progress is not None:
                progress(done, total)
        return [self.cache[c.key] for c in configs]

    def _solve_here(self, chunk: list[Configuration]) -> int:
        self.engine.cold_start()
        for config in chunk:
            self.cache[config.key] = self.engine.evaluate(config)[0]
        return len(chunk)

    def _share(self, chunks: deque[list[Configuration]], done: int, total: int, progress: Progress | None) -> None:
        """Solve the chunks here and on the executor's helpers, until none is left.

        This process takes chunks from the front, the helpers from the back (at most two
        queued per helper), so the work is shared however fast each side turns out to be.
        Every chunk starts cold, so where a chunk is solved does not change its numbers.
        """
        in_flight: dict[Any, list[Configuration]] = {}

        def collect(handles: Iterable[Any]) -> int:
            count = 0
            for handle in handles:
                chunk = in_flight.pop(handle)
                for config, numbers in zip(chunk, session.result(handle), strict=True):
                    self.cache[config.key] = Evaluation(*numbers)
                count += len(chunk)
            return count

        with self.executor.session(self.engine.data) as session:
            slots = 2 * max(1, min(self.executor.helpers, len(chunks) - 1))
            while chunks or in_flight:
                while chunks and len(in_flight) < slots:
                    chunk = chunks.pop()
                    payload = [(sorted(c.members), self.engine.variant_data(c)) for c in chunk]
                    in_flight[session.submit(payload)] = chunk
                if chunks and self.executor.local_share:
                    done += self._solve_here(chunks.popleft())
                    done += collect(session.finished(list(in_flight), block=False))
                else:
                    done += collect(session.finished(list(in_flight), block=True))
                if progress is not None:
                    progress(done, total)


class NaiveSolver(CachedSolver):
    """The same interface as `FastSolver`, solving every configuration through PuLP.

    For solvers other than the in-process HiGHS engine (CBC), and as a reference: each
    configuration is a full `Runner.run` (PuLP writes and solves the whole model); a variant
    gets a `Runner` of its own.
    """

    def __init__(self, source: Runner | LoadedScenario, solver: SolverName = "cbc") -> None:
        self.runner = source if isinstance(source, Runner) else Runner(source)
        self.network = self.runner.network
        self.baseline = self.runner.baseline
        self.solver: SolverName = solver
        self.label = solver_label(solver)
        self.cache = {}
        self._baselines = {}
        self._runners: dict[str, Runner] = {}

    def result(self, name: str, configuration: ConfigurationLike) -> RunResult:
        config = as_configuration(configuration)
        runner = self.runner
        if config.network is not None:
            runner = self._runners.get(config.variant) or self._runners.setdefault(
                config.variant, Runner.of_network(self.runner.loaded, config.network)
            )
        return runner.run(name, tuple(sorted(config.members)), self.solver)

    def evaluate(self, configuration: ConfigurationLike) -> Evaluation:
        config = as_configuration(configuration)
        found = self.cache.get(config.key)
        if found is None:
            result = self.result("", config)
            shortfall, _ = shortfall_share(result.network, result.optimised.items)
            sectors = tuple(result.optimised.dependency.sectors[s] for s in result.network.active_sectors)
            found = Evaluation(result.objective, result.optimised.dependency.overall, shortfall, sectors)
            self.cache[config.key] = found
        return found


def make_solver(
    source: Runner | LoadedScenario, solver: SolverName = "highs", executor: Executor | None = None
) -> FastSolver | NaiveSolver:
    """The fast engine for HiGHS, the PuLP route for any other solver."""
    return FastSolver(source, executor=executor) if solver == "highs" else NaiveSolver(source, solver)


class Executor:
    """Where the chunks of a long sweep are solved besides this process.

    `helpers` is how many chunks it works on at once; `local_share` whether this process
    keeps solving chunks too (it does beside local workers; a cluster may do it all);
    `worth_it` decides, from the expected remaining time of the sweep (None before the first
    chunk), whether starting the helpers pays. `session(data)` starts them with the LP and
    yields a `Session` that takes chunks. A Dask implementation lives in `paxmodel.analyses.dask`.
    """

    helpers: int = 0
    local_share: bool = True

    def worth_it(self, remaining_seconds: float | None) -> bool:
        return remaining_seconds is not None and remaining_seconds > POOL_MIN_SECONDS

    def session(self, data: LpData) -> AbstractContextManager[Session]:
        raise NotImplementedError


class Session(Protocol):
    """Chunks in flight on an executor (handles are opaque and hashable)."""

    def submit(self, chunk: list[tuple[list[str], LpData | None]]) -> Any: ...

    def finished(self, handles: list[Any], block: bool) -> list[Any]:
        """The handles that are done (at least one when `block`)."""
        ...

    def result(self, handle: Any) -> list[Numbers]: ...


class LocalProcesses(Executor):
    """`workers - 1` spawned worker processes on this machine (default: both cores)."""

    def __init__(self, workers: int | None = None) -> None:
        workers = min(DEFAULT_WORKERS, os.cpu_count() or 1) if workers is None else max(1, workers)
        self.helpers = workers - 1

    @contextmanager
    def session(self, data: LpData) -> Iterator[Session]:
        # spawn, not fork: HiGHS keeps a thread pool that a forked child would inherit broken.
        with (
            _worker_start_up(),
            ProcessPoolExecutor(self.helpers, get_context("spawn"), worker_start, (data,)) as pool,
        ):
            yield _PoolSession(pool)


class _PoolSession:
    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool

    def submit(self, chunk: list[tuple[list[str], LpData | None]]) -> Future[list[Numbers]]:
        return self.pool.submit(worker_solve, chunk)

    def finished(self, handles: list[Any], block: bool) -> list[Any]:
        if block:
            return list(wait(handles, return_when=FIRST_COMPLETED)[0])
        return [handle for handle in handles if handle.done()]

    def result(self, handle: Any) -> list[Numbers]:
        return list(handle.result())


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
