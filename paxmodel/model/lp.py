"""The sourcing LP of MODEL.md 2.2, built once per scenario and re-solved per membership.

Variables are kept in share space: y_ic = x_ic / T_i, v_i = u_i / T_i, f_ic = e_ic / T_i, so
objective and row coefficients are O(1) whatever the items' units (kg of gallium next to
wafer counts); this keeps solver tolerances meaningful. Items with T_i = 0 need nothing and
are left out. A membership changes only:

- objective coefficients of y (risk r_c(M)),
- upper bounds of f (E_ic / T_i for members, 0 otherwise),
- right-hand sides of the single-share rows y_ic - s * w_i <= 0 (relaxed to a non-binding
  value for members), where w_i is the item's need in share space (one column and one row
  per item, only when there are caps: it keeps every cap row at two entries).

Constraints are never rebuilt, so `analyses` can re-solve many memberships cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulp

from paxmodel.model.arrays import LpStructure, sourcing_from_shares
from paxmodel.model.diagnostics import Diagnostics, SolutionDuals, diagnose
from paxmodel.model.network import Network
from paxmodel.model.solvers import SolverError, SolverName, make_solver, pulp_v4_warnings_silenced
from paxmodel.model.sourcing import Sourcing


def inputs_need(network: Network, sourced_share: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs part of need_i / T_i, in share space: sum_j a_ij (T_j / T_i) * (sum_c y_jc).

    `sourced_share[j]` is the expression for sum_c y_jc. Balance and single-share rows use it.
    """
    need: dict[str, Any] = {i: pulp.LpAffineExpression() for i in network.active_items}
    for j in network.active_items:
        for i, a_ij in network.inputs[j].items():
            need[i] += (a_ij * network.requirement[j] / network.requirement[i]) * sourced_share[j]
    return need


FEASIBILITY = 1e-6  # largest violation of a row or bound accepted in a solution (share space)


def max_violation(problem: pulp.LpProblem) -> float:
    """The largest violation of a row or a variable bound by `problem`'s current values (inf for
    a non-finite value; a variable the solver left without a value counts as 0): every
    solution is checked before it is reported."""
    worst = 0.0
    for row in problem.constraints.values():
        value = row.constant + sum(coefficient * (var.varValue or 0.0) for var, coefficient in row.items())
        if not math.isfinite(value):
            return math.inf
        if row.sense == pulp.LpConstraintEQ:
            worst = max(worst, abs(value))
        elif row.sense == pulp.LpConstraintLE:
            worst = max(worst, value)
        else:
            worst = max(worst, -value)
    for var in problem.variables():
        x = var.varValue or 0.0
        if not math.isfinite(x):
            return math.inf
        if var.lowBound is not None:
            worst = max(worst, var.lowBound - x)
        if var.upBound is not None:
            worst = max(worst, x - var.upBound)
    return worst


@dataclass(frozen=True)
class MembershipCoefficients:
    """What one membership sets in the fixed model, keyed like `SourcingModel`'s index lists."""

    supply_cost: list[float]  # objective coefficient of each y variable
    expansion_upper: list[float]  # upper bound of each f variable
    share_cap_rhs: list[float]  # right-hand side of each single-share row


@dataclass(frozen=True)
class Solution:
    status: str
    objective: float
    sourcing: Sourcing
    diagnostics: Diagnostics | None = None


class SourcingModel:
    """The LP for one scenario; `solve(members)` re-solves it for any membership."""

    def __init__(self, network: Network) -> None:
        self.network = network
        net = network
        items = net.active_items
        self.supply_keys: list[tuple[str, str]] = list(LpStructure.of(net).supply_keys)
        self.expansion_keys: list[tuple[str, str]] = [(i, c) for i, c in self.supply_keys if net.expandable(i, c)]
        self.share_cap_keys: list[tuple[str, str]] = self.supply_keys if net.max_single_share < 1 else []

        with pulp_v4_warnings_silenced():
            self.problem = pulp.LpProblem("paxmodel_sourcing", pulp.LpMinimize)
            add = self.problem.add_variable
            index = {i: n for n, i in enumerate(items)}
            country_index = {c: n for n, c in enumerate(net.countries)}
            self.y = {
                (i, c): add(f"y_{index[i]}_{country_index[c]}", 0.0, self._share(i, c)) for i, c in self.supply_keys
            }
            self.f = {(i, c): add(f"f_{index[i]}_{country_index[c]}", 0.0, 0.0) for i, c in self.expansion_keys}
            self.v = {i: add(f"v_{index[i]}", 0.0, None) for i in items}
            # w_i: the item's need in share space, (d_i + sum_j a_ij x_j) / T_i, which balance
            # makes equal to sum_c y_ic + v_i. Single-share caps read it (y_ic <= s * w_i), so
            # each cap has two entries instead of the whole inputs expression.
            self.w = {i: add(f"w_{index[i]}", 0.0, None) for i in items} if self.share_cap_keys else {}
            self._build_constraints()
        self._objective_terms = {i: net.overall_weight[i] * net.shortfall_penalty for i in items}

    def _share(self, i: str, c: str) -> float:
        """Upper bound of y_ic: (A_ic + E_ic) / T_i."""
        net = self.network
        return (net.available[i].get(c, 0.0) + net.expansion_capacity[i].get(c, 0.0)) / net.requirement[i]

    def _build_constraints(self) -> None:
        """Rows in the order of `paxmodel.model.arrays.lp_data`, each built once from its terms.

        Every row is a list of (variable, coefficient) pairs made in one pass, so the build is
        linear in the number of matrix entries (PuLP's `+=` on expressions copies them).
        """
        net = self.network
        items = net.active_items
        T = net.requirement
        y_of: dict[str, list[pulp.LpVariable]] = {i: [] for i in items}
        for (i, _), var in self.y.items():
            y_of[i].append(var)
        users: dict[str, list[tuple[str, float]]] = {i: [] for i in items}
        for j in items:
            for i, a_ij in net.inputs[j].items():
                users[i].append((j, a_ij * T[j] / T[i]))
        for n, i in enumerate(items):
            terms = [(var, 1.0) for var in y_of[i]] + [(self.v[i], 1.0)]
            terms += [(var, -share) for j, share in users[i] for var in y_of[j]]
            self._add_row(terms, "==", net.demand[i] / T[i], f"balance_{n}")
        self.capacity_rows: list[pulp.LpConstraint] = []
        for n, (i, c) in enumerate(self.expansion_keys):
            available = net.available[i].get(c, 0.0) / T[i]
            row = self._add_row([(self.y[(i, c)], 1.0), (self.f[(i, c)], -1.0)], "<=", available, f"capacity_{n}")
            self.capacity_rows.append(row)
        self.budget_row: pulp.LpConstraint | None = None
        if net.budget is not None and self.expansion_keys:
            coefficients, budget = net.budget_row(self.expansion_keys)
            terms = [(self.f[key], a) for a, key in zip(coefficients, self.expansion_keys, strict=True)]
            self.budget_row = self._add_row(terms, "<=", budget, "budget")
        self.share_caps: list[pulp.LpConstraint] = []
        s = net.max_single_share
        for n, (i, c) in enumerate(self.share_cap_keys):
            self.share_caps.append(self._add_row([(self.y[(i, c)], 1.0), (self.w[i], -s)], "<=", 0.0, f"share_cap_{n}"))
        for n, (i, w) in enumerate(self.w.items()):
            terms = [(w, 1.0), *((var, -1.0) for var in y_of[i]), (self.v[i], -1.0)]
            self._add_row(terms, "==", 0.0, f"need_{n}")

    def _add_row(self, terms: list[tuple[pulp.LpVariable, float]], sense: str, rhs: float, name: str) -> Any:
        expression = pulp.LpAffineExpression([(var, a) for var, a in terms if a != 0])
        row = expression == rhs if sense == "==" else expression <= rhs
        self.problem += (row, name)
        return row

    def coefficients(self, members: frozenset[str]) -> MembershipCoefficients:
        """The membership-dependent numbers of the model for `members`."""
        net = self.network
        risk = net.risk_under(members)
        return MembershipCoefficients(
            supply_cost=[net.overall_weight[i] * risk[c] for i, c in self.supply_keys],
            expansion_upper=[
                net.expansion_capacity[i][c] / net.requirement[i] if c in members else 0.0
                for i, c in self.expansion_keys
            ],
            share_cap_rhs=[self._share(i, c) if c in members else 0.0 for i, c in self.share_cap_keys],
        )

    def apply(self, members: frozenset[str]) -> None:
        """Set the objective, expansion bounds and share caps of the PuLP problem for `members`."""
        coefficients = self.coefficients(members)
        objective = pulp.LpAffineExpression()
        for var, cost in zip(self.y.values(), coefficients.supply_cost, strict=True):
            if cost:
                objective[var] = cost
        for i, var in self.v.items():
            objective[var] = self._objective_terms[i]
        self.problem.setObjective(objective)
        for var, upper in zip(self.f.values(), coefficients.expansion_upper, strict=True):
            var.upBound = upper
        for row, rhs in zip(self.share_caps, coefficients.share_cap_rhs, strict=True):
            row.changeRHS(rhs)

    def solve(self, members: frozenset[str], solver: SolverName = "highs") -> Solution:
        """Optimal sourcing for `members`; raises SolverError when no optimum is found."""
        self.apply(members)
        with pulp_v4_warnings_silenced():
            status = self.problem.solve(make_solver(solver))
        if status != pulp.LpStatusOptimal:
            raise SolverError(f"the solver ended with status '{pulp.LpStatus[status]}', not optimal")
        with pulp_v4_warnings_silenced():
            violation = max_violation(self.problem)
        if violation > FEASIBILITY:
            raise SolverError(
                f"the solver's solution violates a constraint by {violation:.2g}: "
                "the scenario's numbers are too far apart to solve reliably"
            )
        objective = float(pulp.value(self.problem.objective) or 0.0)
        values = self.values()
        sourcing = self.read_sourcing(values)
        return Solution("optimal", objective, sourcing, self.diagnostics(members, values))

    def diagnostics(self, members: frozenset[str], values: dict[str, list[float]]) -> Diagnostics:
        """Binding constraints and the budget's shadow price of the current solution (its duals)."""
        return diagnose(
            self.network,
            members,
            SolutionDuals(
                items=self.network.active_items,
                supply_keys=self.supply_keys,
                expansion_keys=self.expansion_keys,
                y=values["y"],
                y_reduced_cost=[var.dj or 0.0 for var in self.y.values()],
                f=values["f"],
                v=values["v"],
                capacity_dual=[row.pi or 0.0 for row in self.capacity_rows],
                share_cap_dual=[row.pi or 0.0 for row in self.share_caps] if self.share_cap_keys else None,
                budget_dual=None if self.budget_row is None else (self.budget_row.pi or 0.0),
            ),
        )

    def values(self) -> dict[str, list[float]]:
        """Current variable values as lists aligned with the key lists (y, f, v)."""
        return {
            "y": [var.varValue or 0.0 for var in self.y.values()],
            "f": [var.varValue or 0.0 for var in self.f.values()],
            "v": [var.varValue or 0.0 for var in self.v.values()],
        }

    def read_sourcing(self, values: dict[str, list[float]]) -> Sourcing:
        """Turn share-space values (aligned with the key lists) into amounts in item units."""
        return sourcing_from_shares(self.network, self.supply_keys, values["y"], self.network.active_items, values["v"])
