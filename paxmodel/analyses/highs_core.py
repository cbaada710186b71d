"""The HiGHS side of the fast engine: the sourcing LP as arrays, re-solved per membership.

Only numpy, highspy and `paxmodel.model.solvers` are imported here (no PuLP model, no
pydantic), so that the worker processes of a sweep start fast: they receive an `LpData`
(plain arrays, built once by `paxmodel.analyses.engine.lp_data` from `SourcingModel`) and
build their own `HighsCore` from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paxmodel.model.solvers import SolverError, new_highs

Members = frozenset[str]
Array = np.ndarray[Any, np.dtype[np.float64]]
IndexArray = np.ndarray[Any, np.dtype[np.intp]]
# (objective, overall optimised dependency, weighted shortfall share) of one configuration
Numbers = tuple[float, float, float]


@dataclass(frozen=True)
class LpData:
    """The LP of MODEL.md 2.2 in share space, as `SourcingModel` builds it, in arrays.

    Columns are y (supply), f (expansion), v (shortfall), in `SourcingModel` key order; the
    matrix is row-wise. The model as given holds the numbers of the empty membership; the
    rest says how a membership changes them (see `HighsCore.coefficients`).
    """

    col_cost: Array
    col_lower: Array
    col_upper: Array
    row_lower: Array
    row_upper: Array
    a_start: IndexArray
    a_index: IndexArray
    a_value: Array
    n_y: int
    n_f: int
    cap_rows: IndexArray  # row of each single-share cap
    countries: tuple[str, ...]
    risk: Array  # r_c per country
    member_risk: float
    y_country: IndexArray  # country of each y column
    y_weight: Array  # k_i of each y column
    f_country: IndexArray
    f_full: Array  # E_ic / T_i: the upper bound of f while c is a member
    cap_country: IndexArray
    cap_base: Array  # s * d_i / T_i: the right-hand side while c is not a member
    cap_relax: Array  # (A_ic + E_ic) / T_i: added to it while c is a member
    v_weight: Array  # k_i of each v column
    noise: float  # values below this count as 0 (`paxmodel.model.sourcing.NOISE`)


class HighsCore:
    """One `highspy.Highs` holding the LP; a membership changes only what differs from the last."""

    def __init__(self, data: LpData) -> None:
        import highspy

        self.data = data
        self.country = {c: n for n, c in enumerate(data.countries)}
        self.y_index = np.arange(data.n_y, dtype=np.int32)
        self.f_index = np.arange(data.n_y, data.n_y + data.n_f, dtype=np.int32)
        self.v_index = np.arange(data.n_y + data.n_f, len(data.col_cost), dtype=np.int32)
        self.cap_index = data.cap_rows.astype(np.int32)
        self.cap_lower = data.row_lower[data.cap_rows]

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
        self.empty = (
            data.col_cost[self.y_index].copy(),
            data.col_upper[self.f_index].copy(),
            data.row_upper[data.cap_rows].copy(),
        )
        self.cost, self.f_upper, self.cap_upper = self.empty

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
        self.members: Members | None = None  # the membership the HiGHS model is set for
        self.solves = 0
        self.cold_start()

    def coefficients(self, members: Members) -> tuple[Array, Array, Array]:
        """(supply costs, expansion upper bounds, share-cap right-hand sides) for `members`.

        `SourcingModel.coefficients(members)` as arrays: the same floating-point operations,
        so the same numbers to the last bit.
        """
        d = self.data
        mask = np.zeros(len(d.countries), dtype=bool)
        for code in members:
            n = self.country.get(code)
            if n is None:
                raise ValueError(f"unknown country '{code}'")
            mask[n] = True
        cost = d.y_weight * np.where(mask[d.y_country], d.member_risk, d.risk[d.y_country])
        f_upper = np.where(mask[d.f_country], d.f_full, 0.0)
        cap_upper = d.cap_base + np.where(mask[d.cap_country], d.cap_relax, 0.0)
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
        """Solve for `members` (warm-started from the last solve); the column values."""
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

    def numbers(self, members: Members) -> tuple[Numbers, Array]:
        """(objective, dependency, shortfall) of `members`, and the column values.

        Dependency counts a unit of shortfall as 1, not P (MODEL.md 2.3), from the solution:
        sum of k_i r_c(M) y_ic + sum of k_i v_i, with values below `noise` taken as 0 exactly
        as `SourcingModel.read_sourcing` does.
        """
        values = self.run(members)
        objective = float(self.highs.getInfo().objective_function_value) if len(values) else 0.0
        noise = self.data.noise
        y = values[self.y_index]
        v = values[self.v_index]
        # (sums of products, not `@`: a BLAS dot product wakes OpenBLAS threads that then spin)
        shortfall = float(np.sum(self.data.v_weight * np.where(v > noise, v, 0.0)))
        dependency = float(np.sum(self.cost * np.where(y > noise, y, 0.0))) + shortfall
        return (objective, dependency, shortfall), values

    def solve_chunk(self, chunk: Sequence[Members]) -> list[Numbers]:
        """Cold start, then warm-start from one configuration to the next."""
        self.cold_start()
        return [self.numbers(members)[0] for members in chunk]


_worker_core: HighsCore | None = None


def worker_start(data: LpData) -> None:
    """Initialiser of a sweep's worker process: its own HiGHS model."""
    global _worker_core
    _worker_core = HighsCore(data)


def worker_solve(chunk: list[list[str]]) -> list[Numbers]:
    assert _worker_core is not None
    return _worker_core.solve_chunk([frozenset(members) for members in chunk])
