"""The worst-case cut-off (MODEL.md 5): which K full cuts hurt the bloc most, as ONE MILP.

The attackers choose at most K (country, item) pairs to cut fully; the bloc then re-sources
optimally (the LP of MODEL.md 2.2, in the share space of `paxmodel.model.lp`). This max-min
problem (network interdiction) becomes one MILP by writing the inner LP through its dual.

**Cuts as prices.** A full cut of the pair (c, i) forces y_ic = 0. Instead of changing the
bound, we give y_ic the extra cost Gamma_ic * z_ic, with z_ic the binary "cut", and

    Gamma_ic = k_i * P - k_i * r_c(M)  =  (cost of a unit of shortfall of i) - (cost of y_ic).

With that price, using a cut supply never pays: take any solution with y_ic = t > 0 and
replace it by shortfall (v_i += t). Item i's balance still holds; its inputs now need less,
so scale every flow of each input (in topological order, users first) down to its new need,
which keeps every capacity, budget and single-share row feasible (a share cap is a fraction
of the need) and never raises the cost (all costs are >= 0). The swap itself changes the
cost by (k_i P - k_i r_c(M) - Gamma_ic) t = 0. So the priced LP has an optimum with every
cut supply at 0, and its value equals the LP with the cuts: LP_Gamma(z) = LP(z) for every z.
In dual terms, this is the McCormick linearisation of z * mu (mu the dual of y_ic <= U_ic)
with the bound mu <= Gamma_ic, which the argument above shows is never binding.

The priced LP's dual is linear in (duals, z):

    max  sum_r b_r lambda_r - sum_j u_j nu_j
    s.t. sum_r a_rj lambda_r - nu_j - Gamma_j z_j <= c_j      (one row per primal column j)
         sum z <= K,  z binary,  lambda signed by row sense,  nu >= 0

and by strong duality (the LP is always feasible: all shortfall) its optimum is
max over |S| <= K of LP(S). HiGHS solves it with mip_rel_gap = 0: proven optimal.

**Ties.** MODEL.md 5 breaks ties towards the lexicographically smallest sorted list of pairs.
A perturbation of the objective cannot express that order over ~100 pairs in floating point
(it needs weights 2^-n), so a second pass finds it exactly: pairs are ranked in sorted order
and the answer is built one element at a time. Given the prefix L, if L itself is optimal it
is the answer (a list is smaller than its extensions); otherwise the next element is the
smallest rank q for which an optimal set extends L with q as its next element. Starting from
the next element of a known optimal set, we ask the MILP (with the prefix fixed) for an optimal
set whose next element is smaller, until it has none. Without ties each position costs one
extra MILP that finds nothing better.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paxmodel.analyses.highs_core import membership_target
from paxmodel.model.arrays import LpStructure, lp_data
from paxmodel.model.network import Network
from paxmodel.model.solvers import SolverError, new_highs

# Objective values within this (relative to max(1, |value|)) count as equal: ties.
TIE_TOLERANCE = 1e-7
# The MILP's absolute gap (objective units: the weighted overall share, O(1)).
ABSOLUTE_GAP = 1e-9

Pair = tuple[str, str]  # (country, item)


@dataclass(frozen=True)
class MilpSize:
    binaries: int
    columns: int
    rows: int
    nonzeros: int

    def to_dict(self) -> dict[str, int]:
        return {"binaries": self.binaries, "columns": self.columns, "rows": self.rows, "nonzeros": self.nonzeros}


@dataclass(frozen=True)
class Interdiction:
    """The worst cuts for one limit k, as the MILP found them."""

    k: int
    cuts: tuple[Pair, ...]  # sorted; the lexicographically smallest optimal list
    objective: float  # the MILP optimum: the bloc's LP objective after the cuts
    bound: float  # HiGHS's dual bound
    proven_optimal: bool
    milp_solves: int  # MILPs solved (1 + the tie-breaking pass)
    seconds: float


class InterdictionModel:
    """The dual MILP of MODEL.md 2.2 for one membership, with a cut binary per candidate pair."""

    def __init__(self, network: Network, members: Iterable[str], attackers: Iterable[str]) -> None:
        import highspy

        self.network = network
        self.members = frozenset(members)
        attacker_set = frozenset(attackers)
        structure = LpStructure.of(network)
        data = lp_data(network, structure)
        # the LP's numbers for this membership, exactly as the warm engine sets them
        target = membership_target(data, self.members)
        n_y, n_f = data.n_y, data.n_f
        cost, upper = target.col_cost, target.col_upper
        row_lower, row_upper = target.row_lower, target.row_upper
        if np.any(data.col_lower != 0):
            raise ValueError("the sourcing LP's columns must all have lower bound 0")
        n_v = len(network.active_items)
        v_cost = dict(zip(network.active_items, cost[n_y + n_f : n_y + n_f + n_v], strict=True))

        # Candidate pairs: an attacker that supplies the item (or could expand it, as a member).
        self.pairs: tuple[Pair, ...] = ()
        pair_column: list[int] = []
        for j, (i, c) in enumerate(structure.supply_keys):
            if c not in attacker_set:
                continue
            supplies = network.available[i].get(c, 0.0) > 0
            expands = c in self.members and network.expansion_capacity[i].get(c, 0.0) > 0
            if supplies or expands:
                self.pairs += ((c, i),)
                pair_column.append(j)
        order = sorted(range(len(self.pairs)), key=lambda n: self.pairs[n])
        self.pairs = tuple(self.pairs[n] for n in order)
        pair_column = [pair_column[n] for n in order]
        gamma = np.array([v_cost[i] - cost[j] for (_, i), j in zip(self.pairs, pair_column, strict=True)])

        inf = highspy.kHighsInf
        n_cols, n_rows = len(cost), len(row_lower)
        # Dual columns: one per row side (lambda), one per finite column bound (nu), one per pair (z).
        dual_cost: list[float] = []
        dual_lower: list[float] = []
        dual_upper: list[float] = []
        entries: list[tuple[int, int, float]] = []  # (dual row = primal column, dual column, value)
        a_start, a_index, a_value = data.a_start, data.a_index, target.a_value
        for r in range(n_rows):
            lo, up = row_lower[r], row_upper[r]
            sides: list[tuple[float, float, float, float]] = []  # (objective, lower, upper, sign)
            if lo == up:
                sides.append((lo, -inf, inf, 1.0))
            else:
                if lo > -inf:
                    sides.append((lo, 0.0, inf, 1.0))
                if up < inf:
                    sides.append((-up, 0.0, inf, -1.0))
            for objective, lower, upper_bound, sign in sides:
                column = len(dual_cost)
                dual_cost.append(objective)
                dual_lower.append(lower)
                dual_upper.append(upper_bound)
                for n in range(a_start[r], a_start[r + 1]):
                    entries.append((int(a_index[n]), column, sign * float(a_value[n])))
        # Primal columns fixed at 0 (expansion of non-members) constrain nothing: no dual row.
        live = [j for j in range(n_cols) if upper[j] > 0]
        for j in live:
            if upper[j] < inf:
                column = len(dual_cost)
                dual_cost.append(-float(upper[j]))
                dual_lower.append(0.0)
                dual_upper.append(inf)
                entries.append((j, column, -1.0))
        self.z_columns = np.arange(len(dual_cost), len(dual_cost) + len(self.pairs), dtype=np.int32)
        for column, j, g in zip(self.z_columns.tolist(), pair_column, gamma.tolist(), strict=True):
            entries.append((j, column, -g))
        dual_cost += [0.0] * len(self.pairs)
        dual_lower += [0.0] * len(self.pairs)
        dual_upper += [1.0] * len(self.pairs)
        row_of = {j: n for n, j in enumerate(live)}
        rows: list[list[tuple[int, float]]] = [[] for _ in range(len(live) + 1)]
        for j, column, value in entries:
            if j in row_of and value != 0:
                rows[row_of[j]].append((column, value))
        rows[-1] = [(column, 1.0) for column in self.z_columns.tolist()]  # sum z <= K
        row_upper_dual = [float(cost[j]) for j in live] + [0.0]

        lp = highspy.HighsLp()
        lp.num_col_ = len(dual_cost)
        lp.num_row_ = len(rows)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.array(dual_cost, dtype=np.float64)
        lp.col_lower_ = np.array(dual_lower, dtype=np.float64)
        lp.col_upper_ = np.array(dual_upper, dtype=np.float64)
        lp.row_lower_ = np.full(len(rows), -inf)
        lp.row_upper_ = np.array(row_upper_dual, dtype=np.float64)
        starts = np.cumsum([0] + [len(row) for row in rows])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = starts.astype(np.int32)
        lp.a_matrix_.index_ = np.array([c for row in rows for c, _ in row], dtype=np.int32)
        lp.a_matrix_.value_ = np.array([v for row in rows for _, v in row], dtype=np.float64)
        integrality = [highspy.HighsVarType.kContinuous] * len(dual_cost)
        for column in self.z_columns.tolist():
            integrality[column] = highspy.HighsVarType.kInteger
        lp.integrality_ = integrality
        self.size = MilpSize(binaries=len(self.pairs), columns=len(dual_cost), rows=len(rows), nonzeros=int(starts[-1]))
        self.limit_row = len(rows) - 1
        self.highs: Any = new_highs()
        self.highs.setOptionValue("mip_rel_gap", 0.0)
        self.highs.setOptionValue("mip_abs_gap", ABSOLUTE_GAP)
        self.highs.passModel(lp)
        self._optimal = highspy.HighsModelStatus.kOptimal
        self._infeasible = highspy.HighsModelStatus.kInfeasible
        self.chosen: list[int] = []  # the cut pairs (as indexes of `pairs`) of the last optimal solve
        self._inf = inf

    def _solve(self, k: int, fixed: dict[int, float], at_least_one: Sequence[int] = ()) -> tuple[float, float, bool]:
        """(objective, bound, optimal) with sum z <= k, z fixed as given, and (if given) one of
        the `at_least_one` pairs cut. Objective -inf when infeasible."""
        h = self.highs
        n = len(self.pairs)
        lower = np.zeros(n)
        upper = np.ones(n)
        for index, value in fixed.items():
            lower[index] = upper[index] = value
        h.changeColsBounds(n, self.z_columns, lower, upper)
        h.changeRowBounds(self.limit_row, -self._inf, float(k))
        extra = bool(at_least_one)
        if extra:
            columns = self.z_columns[list(at_least_one)]
            h.addRow(1.0, self._inf, len(columns), columns, np.ones(len(columns)))
        h.run()
        status = h.getModelStatus()
        infeasible = status == self._infeasible
        objective = bound = -math.inf
        if status == self._optimal:
            info = h.getInfo()
            objective = float(info.objective_function_value)
            bound = float(info.mip_dual_bound) if n else objective
            values = np.asarray(h.getSolution().col_value)[self.z_columns]
            self.chosen = [index for index in range(n) if values[index] > 0.5]
        if extra:  # (after reading the solution: deleting a row invalidates it)
            h.deleteRows(1, np.array([h.getNumRow() - 1], dtype=np.int32))
        if status != self._optimal and not infeasible:
            raise SolverError(f"the worst-case MILP ended with status '{h.modelStatusToString(status)}'")
        return objective, bound, infeasible or abs(bound - objective) <= 2 * ABSOLUTE_GAP

    def solve(self, k: int) -> Interdiction:
        """The worst set of at most k cuts, ties to the lexicographically smallest sorted list."""
        if k < 0:
            raise ValueError(f"the number of cuts must be 0 or more, got {k}")
        started = time.perf_counter()
        k = min(k, len(self.pairs))
        best, bound, proven = self._solve(k, {})
        solves = 1
        tolerance = TIE_TOLERANCE * max(1.0, abs(best))
        incumbent = list(self.chosen)  # an optimal set, as ranks (pairs are sorted)
        prefix: list[int] = []
        while True:
            fixed = {n: 1.0 for n in prefix}
            fixed |= {n: 0.0 for n in range(max(prefix, default=-1)) if n not in prefix}
            # Is the prefix itself optimal? (Then it is the smallest list.)
            value, _, _ = self._solve(len(prefix), fixed | {n: 0.0 for n in range(len(self.pairs)) if n not in prefix})
            solves += 1
            if value >= best - tolerance:
                break
            following = [n for n in incumbent if n > max(prefix, default=-1)]
            if not following or len(prefix) >= k:
                raise SolverError("the worst-case tie-breaking pass lost the optimum (numerical trouble)")
            candidate = following[0]
            low = max(prefix, default=-1) + 1
            while candidate > low:
                value, _, _ = self._solve(k, fixed, at_least_one=range(low, candidate))
                solves += 1
                if value < best - tolerance:
                    break
                incumbent = list(self.chosen)
                candidate = min(n for n in incumbent if n >= low)
            prefix.append(candidate)  # `incumbent` is an optimal set that extends the new prefix
        return Interdiction(
            k=k,
            cuts=tuple(self.pairs[n] for n in sorted(prefix)),
            objective=best,
            bound=bound,
            proven_optimal=proven,
            milp_solves=solves,
            seconds=time.perf_counter() - started,
        )
