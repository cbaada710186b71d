"""The HiGHS side of the fast engine: the sourcing LP as arrays, re-solved per configuration.

Only numpy, highspy, `paxmodel.model.arrays` and `paxmodel.model.solvers` are imported here
(no PuLP model, no pydantic), so that the worker processes of a sweep start fast: they
receive an `LpData` (plain arrays, built by `paxmodel.model.arrays.lp_data`) and build their
own `HighsCore` from it.

A configuration is a membership plus, optionally, the numbers of a variant of the scenario
(`LpData` of the same structure: cut capacities, sampled values, another budget). The core
keeps the numbers currently loaded in HiGHS and passes only those that differ: costs, column
bounds, row bounds and matrix coefficients. HiGHS then warm-starts from its last basis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paxmodel.model.arrays import Array, LpData, StructureError
from paxmodel.model.solvers import SolverError, new_highs

Members = frozenset[str]
# Largest violation of a constraint accepted in a solution (the LP is in share space: O(1) rows).
FEASIBILITY = 1e-6
# (objective, overall optimised dependency, weighted shortfall share) of one configuration
Numbers = tuple[float, float, float, tuple[float, ...]]


@dataclass(frozen=True)
class Target:
    """Every number of the LP for one configuration, as HiGHS should hold it."""

    col_cost: Array
    col_upper: Array
    row_lower: Array
    row_upper: Array
    a_value: Array


def member_mask(country: Mapping[str, int], members: Members) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """True at the index of each member; an unknown code is a ValueError."""
    mask = np.zeros(len(country), dtype=bool)
    for code in members:
        n = country.get(code)
        if n is None:
            raise ValueError(f"unknown country '{code}'")
        mask[n] = True
    return mask


def membership_target(d: LpData, members: Members, country: Mapping[str, int] | None = None) -> Target:
    """Every number of the LP `d` for `members`, without a HiGHS model (the MILPs read it too).

    Supply costs are k_i r_c(M); a member's expansion columns open to E_ic / T_i and its
    single-share caps relax by (A_ic + E_ic) / T_i (MODEL.md 2.2).
    """
    mask = member_mask(country if country is not None else {c: n for n, c in enumerate(d.countries)}, members)
    n_y, n_f = d.n_y, d.n_f
    col_cost = d.col_cost.copy()
    col_cost[:n_y] = d.y_weight * np.where(mask[d.y_country], d.member_risk, d.risk[d.y_country])
    col_upper = d.col_upper.copy()
    col_upper[n_y : n_y + n_f] = np.where(mask[d.f_country], d.f_full, 0.0)
    row_upper = d.row_upper.copy()
    row_upper[d.cap_rows] = d.cap_base + np.where(mask[d.cap_country], d.cap_relax, 0.0)
    return Target(col_cost, col_upper, d.row_lower, row_upper, d.a_value)


class HighsCore:
    """One `highspy.Highs` holding the LP; a configuration changes only what differs from the last."""

    def __init__(self, data: LpData) -> None:
        import highspy

        self.data = data  # the numbers as built (the scenario as loaded)
        self.country = {c: n for n, c in enumerate(data.countries)}
        self.y_index = np.arange(data.n_y, dtype=np.int32)
        self.f_index = np.arange(data.n_y, data.n_y + data.n_f, dtype=np.int32)
        self.v_index = np.arange(data.n_y + data.n_f, data.n_y + data.n_f + len(data.v_weight), dtype=np.int32)
        self.col_index = np.arange(len(data.col_cost), dtype=np.int32)
        self.row_index = np.arange(len(data.row_lower), dtype=np.int32)
        self.entry_row = np.repeat(self.row_index, np.diff(data.a_start)).astype(np.int32)
        self.entry_col = data.a_index.astype(np.int32)

        lp = highspy.HighsLp()
        lp.num_col_ = len(data.col_cost)
        lp.num_row_ = len(data.row_lower)
        lp.col_cost_ = data.col_cost
        lp.col_lower_ = data.col_lower
        lp.col_upper_ = data.col_upper
        lp.row_lower_ = data.row_lower
        lp.row_upper_ = data.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = data.a_start.astype(np.int32)
        lp.a_matrix_.index_ = data.a_index.astype(np.int32)
        lp.a_matrix_.value_ = data.a_value
        self.lp = lp
        self.as_built = Target(data.col_cost, data.col_upper, data.row_lower, data.row_upper, data.a_value)
        self.loaded = self.as_built  # what HiGHS holds now

        self.highs: Any = new_highs()
        # One thread: HiGHS's task pool costs more in synchronisation than a warm-started
        # simplex of this size gains (0.45 -> 0.12 ms per run); parallelism comes from processes.
        # The pool is global to the process; see `run` for when another HiGHS made it bigger.
        self.highs.setOptionValue("threads", 1)
        self.highs.setOptionValue("solver", "simplex")
        # A scenario whose items all have T = 0 gives an LP without columns: "empty" is its optimum.
        self._optimal = (
            highspy.HighsModelStatus.kModelEmpty if len(data.col_cost) == 0 else highspy.HighsModelStatus.kOptimal
        )
        self._not_set = highspy.HighsModelStatus.kNotset
        self._error = highspy.HighsStatus.kError
        self._reset_pool = highspy.Highs.resetGlobalScheduler
        self.cost = data.col_cost[self.y_index]  # supply costs of the loaded configuration
        self.solves = 0
        self.cold_start()

    def mask(self, members: Members) -> np.ndarray[Any, np.dtype[np.bool_]]:
        return member_mask(self.country, members)

    def target(self, members: Members, variant: LpData | None = None) -> Target:
        """Every number of the LP for `members` with the numbers of `variant` (default: as built)."""
        d = variant if variant is not None else self.data
        if variant is not None and not variant.same_structure(self.data):
            raise StructureError("a variant must keep the LP's columns, rows and matrix pattern")
        return membership_target(d, members, self.country)

    def load(self, target: Target) -> None:
        """Pass HiGHS the numbers of `target` that differ from those it holds."""
        now = self.loaded
        changed = np.flatnonzero(target.col_cost != now.col_cost)
        if changed.size:
            self.highs.changeColsCost(changed.size, self.col_index[changed], target.col_cost[changed])
        changed = np.flatnonzero(target.col_upper != now.col_upper)
        if changed.size:
            self.highs.changeColsBounds(
                changed.size, self.col_index[changed], self.data.col_lower[changed], target.col_upper[changed]
            )
        changed = np.flatnonzero((target.row_upper != now.row_upper) | (target.row_lower != now.row_lower))
        if changed.size:
            self.highs.changeRowsBounds(
                changed.size, self.row_index[changed], target.row_lower[changed], target.row_upper[changed]
            )
        if target.a_value is not now.a_value:
            for entry in np.flatnonzero(target.a_value != now.a_value).tolist():
                self.highs.changeCoeff(
                    int(self.entry_row[entry]), int(self.entry_col[entry]), float(target.a_value[entry])
                )
        self.loaded = target
        self.cost = target.col_cost[self.y_index]

    def cold_start(self) -> None:
        """Reload the model as built: the next solve starts from scratch, from the same state.

        (`clearSolver` alone forgets the basis but not everything: results would then depend,
        in the last bit, on what was solved before.)
        """
        self.highs.passModel(self.lp)
        self.loaded = self.as_built
        self.cost = self.data.col_cost[self.y_index]

    def run(self, members: Members, variant: LpData | None = None) -> Array:
        """Solve for `members` (and `variant`), warm-started from the last solve; the column values."""
        target = self.target(members, variant)
        self.load(target)
        status = self._run_once()
        if status != self._optimal or self._infeasibility() > FEASIBILITY:
            # A warm start can end in 'Unknown' or a slightly infeasible point where a solve from
            # scratch succeeds: retry once from scratch before giving up.
            self.cold_start()
            self.load(target)
            status = self._run_once()
        if status != self._optimal:
            self.cold_start()
            raise SolverError(
                f"HiGHS ended with status '{self.highs.modelStatusToString(status)}', not optimal "
                f"(members: {', '.join(sorted(members)) or 'none'})"
            )
        violation = self._infeasibility()
        if violation > FEASIBILITY:
            self.cold_start()
            raise SolverError(
                f"HiGHS's solution violates a constraint by {violation:.2g} (members: "
                f"{', '.join(sorted(members)) or 'none'}): the scenario's numbers are too far apart to solve reliably"
            )
        return np.asarray(self.highs.getSolution().col_value, dtype=np.float64)

    def _run_once(self) -> Any:
        if self.highs.run() == self._error and self.highs.getModelStatus() == self._not_set:
            # Another HiGHS in this process (PuLP's, with the default threads=0) built the global
            # thread pool with more threads, and HiGHS refuses threads=1 then: rebuild the pool
            # with one thread (solves with threads=0 accept a pool of any size) and run again.
            self._reset_pool(True)
            self.highs.run()
        self.solves += 1
        return self.highs.getModelStatus()

    def _infeasibility(self) -> float:
        """The largest violation of a bound or row by the current solution (0 for an empty LP)."""
        if self.highs.getModelStatus() == self._optimal and len(self.data.col_cost) == 0:
            return 0.0
        value = float(self.highs.getInfo().max_primal_infeasibility)
        return value if value == value else float("inf")

    def duals(self) -> tuple[Array, Array]:
        """(column reduced costs, row duals) of the last solve."""
        solution = self.highs.getSolution()
        return np.asarray(solution.col_dual, dtype=np.float64), np.asarray(solution.row_dual, dtype=np.float64)

    def numbers(self, members: Members, variant: LpData | None = None) -> tuple[Numbers, Array]:
        """(objective, dependency, shortfall, sector dependencies) of the configuration; the column values.

        Dependency counts a unit of shortfall as 1, not P (MODEL.md 2.3), from the solution:
        sum of k_i r_c(M) y_ic + sum of k_i v_i, with values below `noise` taken as 0 exactly
        as `paxmodel.model.arrays.read_sourcing` does.
        """
        values = self.run(members, variant)
        objective = float(self.highs.getInfo().objective_function_value) if len(values) else 0.0
        d = variant if variant is not None else self.data
        noise = d.noise
        y = values[self.y_index]
        v = values[self.v_index]
        # (sums of products, not `@`: a BLAS dot product wakes OpenBLAS threads that then spin)
        v_part = d.v_weight * np.where(v > noise, v, 0.0)
        y_part = self.cost * np.where(y > noise, y, 0.0)
        shortfall = float(np.sum(v_part))
        dependency = float(np.sum(y_part)) + shortfall
        size = len(d.sector_share)
        by_sector = np.bincount(d.y_sector, y_part, size) + np.bincount(d.v_sector, v_part, size)
        sectors = tuple((by_sector / d.sector_share).tolist())
        return (objective, dependency, shortfall, sectors), values

    def solve_chunk(self, chunk: Sequence[tuple[Members, LpData | None]]) -> list[Numbers]:
        """Cold start, then warm-start from one configuration to the next."""
        self.cold_start()
        return [self.numbers(members, variant)[0] for members, variant in chunk]


_worker_core: HighsCore | None = None


def worker_start(data: LpData) -> None:
    """Initialiser of a sweep's worker process: its own HiGHS model."""
    global _worker_core
    _worker_core = HighsCore(data)


def worker_solve(chunk: list[tuple[list[str], LpData | None]]) -> list[Numbers]:
    assert _worker_core is not None
    return _worker_core.solve_chunk([(frozenset(members), variant) for members, variant in chunk])
