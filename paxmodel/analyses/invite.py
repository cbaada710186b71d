"""Whom to invite: the best set of at most K candidates, found by one MILP (see docs/analyses.md).

The MILP is the LP of MODEL.md 2.2 (in the share space of `paxmodel.model.lp`) with a binary
z_c per candidate c and sum z_c <= K. Base members and countries that are not candidates keep
their fixed role. Each supply of a candidate is split into a member part and a non-member part:

    y_ic  = ym_ic + yn_ic
    ym_ic <= ((A_ic + E_ic) / T_i) * z_c         member part: costs rho, may use expansion
    yn_ic <= (A_ic / T_i) * (1 - z_c)            non-member part: costs r_c, capped by s
    f_ic  <= (E_ic / T_i) * z_c                   expansion only while a member
    ym_ic + yn_ic - f_ic <= A_ic / T_i            capacity
    yn_ic <= s * need_i                           single-share cap (non-member part only)

For a fixed z this is exactly the LP of the membership base + {c : z_c = 1}: with z_c = 1 the
non-member part is forced to 0 (even when rho > r_c, where the solver would otherwise prefer
it), with z_c = 0 the member part and the expansion are. The objective is the LP objective
(shortfall at penalty P), so the optimum is the minimum LP objective over all sets of at most
K candidates; the reported dependency comes from re-solving the LP of the chosen set with
`Runner`, exactly as `paxmodel run` does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pulp

from paxmodel.model.lp import inputs_need
from paxmodel.model.network import Network
from paxmodel.model.run import Runner, RunResult, number, resolve_candidates, resolve_members
from paxmodel.model.solvers import QuietHiGHS, SolverError, SolverName, pulp_v4_warnings_silenced, solver_label
from paxmodel.scenario.load import LoadedScenario

# The MILP is solved with a zero relative gap and this absolute gap (objective units: the
# weighted overall share, O(1)); "proven optimal" means the solver closed the gap to this.
ABSOLUTE_GAP = 1e-9
# A chosen candidate is dropped when the objective without it is within this of the optimum
# (relative to max(1, |objective|)): `chosen` is a minimal optimal set, not padded with
# countries that change nothing.
PRUNE_TOLERANCE = 1e-9
# The MILP's optimum and the LP objective of the set it chose (re-solved) must agree this well
# (relative to max(1, |objective|)); otherwise the solver returned a bad solution.
AGREEMENT_TOLERANCE = 1e-6


class _ExactHiGHS(QuietHiGHS):
    """Silent in-process HiGHS, zero gap, optionally started from the variables' current values."""

    def __init__(self, warm_start: bool) -> None:
        super().__init__(msg=False, gapRel=0.0, gapAbs=ABSOLUTE_GAP)
        self.warm_start = warm_start

    def callSolver(self, lp: Any) -> None:
        if self.warm_start:
            import highspy

            values = [var.varValue for var in lp.variables()]
            if values and all(value is not None for value in values):
                start = highspy.HighsSolution()
                start.col_value = [float(value) for value in values]
                start.value_valid = True
                lp.solverModel.setSolution(start)
        super().callSolver(lp)


@dataclass(frozen=True)
class MilpSolution:
    """One solve of the invite MILP for a limit k."""

    k: int
    chosen: tuple[str, ...]  # sorted; as the solver returned it (before pruning)
    objective: float
    bound: float | None  # the solver's dual bound (HiGHS); None when the solver gives none
    proven_optimal: bool
    status: str
    seconds: float


class InviteModel:
    """The invite MILP for one scenario, base membership and candidate list; `solve(k)` per limit."""

    def __init__(self, network: Network, base_members: Iterable[str], candidates: Iterable[str]) -> None:
        self.network = network
        net = network
        self.base = frozenset(base_members)
        self.candidates = tuple(sorted(set(candidates)))
        overlap = self.base.intersection(self.candidates)
        if overlap:
            raise ValueError(f"candidates already in the base membership: {', '.join(sorted(overlap))}")
        items = net.active_items
        item_index = {i: n for n, i in enumerate(items)}
        country_index = {c: n for n, c in enumerate(net.countries)}
        candidate_set = frozenset(self.candidates)
        s = net.max_single_share
        rho = net.member_risk

        with pulp_v4_warnings_silenced():
            problem = pulp.LpProblem("paxmodel_invite", pulp.LpMinimize)
            add = problem.add_variable
            self.z = {c: add(f"z_{country_index[c]}", 0, 1, pulp.LpBinary) for c in self.candidates}
            v = {i: add(f"v_{item_index[i]}", 0.0, None) for i in items}
            supply: dict[str, list[Any]] = {i: [] for i in items}  # every supply variable of item i
            capped: list[tuple[str, Any]] = []  # (item, variable) under the single-share cap
            expansions: list[tuple[str, str, Any]] = []  # (item, country, f)
            objective = pulp.LpAffineExpression()
            rows: list[tuple[Any, str]] = []
            for i in items:
                need = net.requirement[i]
                k_i = net.overall_weight[i]
                objective[v[i]] = k_i * net.shortfall_penalty
                for c in net.countries:
                    available = net.available[i].get(c, 0.0) / need
                    capacity = net.expansion_capacity[i].get(c, 0.0) / need
                    if available <= 0 and capacity <= 0:
                        continue
                    name = f"{item_index[i]}_{country_index[c]}"
                    if c in self.base:
                        y = add(f"y_{name}", 0.0, available + capacity)
                        supply[i].append(y)
                        if rho:
                            objective[y] = k_i * rho
                        if capacity > 0:
                            f = add(f"f_{name}", 0.0, capacity)
                            expansions.append((i, c, f))
                            rows.append((y - f <= available, f"capacity_{name}"))
                    elif c in candidate_set:
                        z = self.z[c]
                        ym = add(f"ym_{name}", 0.0, available + capacity)
                        supply[i].append(ym)
                        if rho:
                            objective[ym] = k_i * rho
                        rows.append((ym - (available + capacity) * z <= 0, f"member_part_{name}"))
                        yn = None
                        if available > 0:
                            yn = add(f"yn_{name}", 0.0, available)
                            supply[i].append(yn)
                            if net.risk[c]:
                                objective[yn] = k_i * net.risk[c]
                            rows.append((yn + available * z <= available, f"nonmember_part_{name}"))
                            if s < 1:
                                capped.append((i, yn))
                        if capacity > 0:
                            f = add(f"f_{name}", 0.0, capacity)
                            expansions.append((i, c, f))
                            rows.append((f - capacity * z <= 0, f"expansion_switch_{name}"))
                            part = ym - f if yn is None else ym + yn - f
                            rows.append((part <= available, f"capacity_{name}"))
                    else:
                        if available <= 0:
                            continue  # expansion only, never usable by a non-member
                        y = add(f"y_{name}", 0.0, available)
                        supply[i].append(y)
                        if net.risk[c]:
                            objective[y] = k_i * net.risk[c]
                        if s < 1:
                            capped.append((i, y))
            problem.setObjective(objective)
            totals = {i: pulp.lpSum(supply[i]) for i in items}
            input_need = inputs_need(net, totals)
            demand_share = {i: net.demand[i] / net.requirement[i] for i in items}
            for n, i in enumerate(items):
                problem += (totals[i] + v[i] - input_need[i] == demand_share[i], f"balance_{n}")
            for row, name in rows:
                problem += (row, name)
            if net.budget is not None and expansions:
                coefficients, budget = net.budget_row([(i, c) for i, c, _ in expansions])
                problem += (
                    pulp.lpSum(a * f for a, (_, _, f) in zip(coefficients, expansions, strict=True)) <= budget,
                    "budget",
                )
            for n, (i, y) in enumerate(capped):
                problem += (y - s * input_need[i] <= s * demand_share[i], f"share_cap_{n}")
            self.limit = pulp.lpSum(self.z.values()) <= 0
            problem += (self.limit, "invite_limit")
        self.problem = problem

    def solve(self, k: int, solver: SolverName = "highs", warm_start: bool = False) -> MilpSolution:
        """The best set of at most k candidates.

        warm_start (HiGHS only) starts from the variables' current values, e.g. the optimum for k - 1.
        """
        if k < 0:
            raise ValueError(f"the number of new members must be >= 0, got {k}")
        self.limit.changeRHS(k)
        started = time.perf_counter()
        with pulp_v4_warnings_silenced():
            if solver == "highs":
                engine: Any = _ExactHiGHS(warm_start)
            elif solver == "cbc":
                # No MIP start for CBC: with one, PuLP's bundled CBC can return a wrong "optimal"
                # solution (seen: worse than the start itself), so CBC always starts cold.
                engine = pulp.PULP_CBC_CMD(msg=False, gapRel=0.0, gapAbs=ABSOLUTE_GAP)
            else:
                raise ValueError(f"unknown solver {solver!r}")
            status = self.problem.solve(engine)
        seconds = time.perf_counter() - started
        if status != pulp.LpStatusOptimal:
            raise SolverError(f"the invite MILP ended with status '{pulp.LpStatus[status]}', not optimal")
        objective = float(pulp.value(self.problem.objective) or 0.0)
        bound: float | None = None
        if solver == "highs":
            import highspy

            highs = self.problem.solverModel
            finished = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
            # Without candidates there is no binary: HiGHS solves an LP and reports no MIP bound.
            bound = float(highs.getInfo().mip_dual_bound) if self.z else objective
            proven = finished and math.isfinite(bound) and objective - bound <= 2 * ABSOLUTE_GAP
        else:
            proven = self.problem.sol_status == pulp.LpSolutionOptimal
        chosen = tuple(c for c in self.candidates if (self.z[c].varValue or 0.0) > 0.5)
        if len(chosen) > k:  # cannot happen with an integral solution; guard against a bad read
            raise SolverError(f"the invite MILP returned {len(chosen)} candidates for a limit of {k}")
        # Round the binaries so that a warm start from this solution is exactly integral.
        for c, var in self.z.items():
            var.varValue = 1.0 if c in chosen else 0.0
        return MilpSolution(
            k=k,
            chosen=chosen,
            objective=objective,
            bound=bound,
            proven_optimal=proven,
            status="optimal" if proven else "feasible",
            seconds=seconds,
        )


@dataclass(frozen=True)
class FrontierPoint:
    """The best configuration with at most k new members."""

    k: int
    chosen: tuple[str, ...]
    objective: float  # LP objective of base + chosen (what `paxmodel run` reports)
    milp_objective: float
    milp_bound: float | None
    optimised: float  # overall optimised dependency of base + chosen
    removed: float  # baseline - optimised
    proven_optimal: bool
    milp_seconds: float = field(compare=False)
    run: RunResult = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "chosen": list(self.chosen),
            "optimised": number(self.optimised),
            "removed": number(self.removed),
            "objective": number(self.objective),
            "milp_objective": number(self.milp_objective),
            "proven_optimal": self.proven_optimal,
        }


@dataclass(frozen=True)
class InviteResult:
    """The answer of `paxmodel invite`: whom to invite, and (optionally) the whole frontier."""

    scenario: str
    base: str
    base_members: tuple[str, ...]
    max_new: int
    candidates: tuple[str, ...]
    solver: str
    baseline: float  # status-quo dependency (MODEL.md 2.1)
    base_optimised: float  # optimised dependency of the base membership alone
    best: FrontierPoint  # the optimum for k = max_new
    frontier: tuple[FrontierPoint, ...]  # k = 0..max_new when asked for, else empty
    overrides: tuple[str, ...] = ()  # `--set` overrides the scenario was loaded with

    @property
    def chosen(self) -> tuple[str, ...]:
        return self.best.chosen

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(sorted({*self.base_members, *self.chosen}))

    @property
    def optimised(self) -> float:
        return self.best.optimised

    @property
    def removed(self) -> float:
        return self.best.removed

    @property
    def proven_optimal(self) -> bool:
        return self.best.proven_optimal and all(point.proven_optimal for point in self.frontier)

    @property
    def run(self) -> RunResult:
        return self.best.run

    def to_dict(self) -> dict[str, Any]:
        best = self.best
        return {
            "scenario": self.scenario,
            "base": self.base,
            "base_members": list(self.base_members),
            "max_new": self.max_new,
            "candidates": list(self.candidates),
            "chosen": list(best.chosen),
            "members": list(self.members),
            "baseline": number(self.baseline),
            "base_optimised": number(self.base_optimised),
            "optimised": number(best.optimised),
            "removed": number(best.removed),
            "objective": number(best.objective),
            "milp_objective": number(best.milp_objective),
            "milp_bound": None if best.milp_bound is None else number(best.milp_bound),
            "proven_optimal": self.proven_optimal,
            "solver": self.solver,
            "frontier": [point.to_dict() for point in self.frontier],
        } | ({"overrides": list(self.overrides)} if self.overrides else {})


def invite(
    loaded: LoadedScenario,
    base: str | None,
    max_new: int,
    candidates: Iterable[str] | None = None,
    frontier: bool = False,
    solver: SolverName = "highs",
    network: Network | None = None,
    members: Iterable[str] | None = None,
) -> InviteResult:
    """The set of at most `max_new` candidates whose addition to `base` minimises the LP objective.

    `base` names a membership of the scenario, or `members` gives an ad-hoc base (named
    "custom"); neither: the file's first membership. `candidates` defaults to the scenario's
    candidate rule. With `frontier`, the optimum for every k = 0..max_new.
    `network`: a variant of the scenario's numbers to solve instead (a Monte Carlo sample).
    Raises MembershipError for bad codes, ValueError for max_new < 0, SolverError on failure.
    """
    if max_new < 0:
        raise ValueError(f"--max-new must be 0 or more, got {max_new}")
    base_name, base_members = resolve_members(loaded, membership=base, members=members)
    pool = resolve_candidates(loaded, base_name, base_members, candidates)
    runner = Runner(loaded, network)
    model = InviteModel(runner.network, base_members, pool)

    def run_with(chosen: tuple[str, ...]) -> RunResult:
        return runner.run(
            base_name if not chosen else f"{base_name}+{'+'.join(chosen)}", (*base_members, *chosen), solver
        )

    def point_for(milp: MilpSolution) -> FrontierPoint:
        run = run_with(milp.chosen)
        chosen = prune(runner, base_members, milp, min(run.objective, milp.objective), solver)
        if chosen != milp.chosen:
            run = run_with(chosen)
        if abs(run.objective - milp.objective) > AGREEMENT_TOLERANCE * max(1.0, abs(milp.objective)):
            raise SolverError(
                f"the invite MILP ({milp.objective:.12g}) and the LP of its chosen set ({run.objective:.12g}) "
                f"disagree for k={milp.k}"
            )
        return FrontierPoint(
            k=milp.k,
            chosen=chosen,
            objective=run.objective,
            milp_objective=milp.objective,
            milp_bound=milp.bound,
            optimised=run.optimised.dependency.overall,
            removed=run.removed,
            proven_optimal=milp.proven_optimal,
            milp_seconds=milp.seconds,
            run=run,
        )

    points: list[FrontierPoint] = []
    if frontier:  # k beyond the number of candidates changes nothing: the frontier stops there
        for k in range(min(max_new, len(pool)) + 1):
            milp = model.solve(k, solver, warm_start=bool(points))
            if points and milp.objective > points[-1].milp_objective + PRUNE_TOLERANCE * max(1.0, abs(milp.objective)):
                raise SolverError(
                    f"the invite optimum got worse from k={k - 1} to k={k} "
                    f"({points[-1].milp_objective:.12g} -> {milp.objective:.12g})"
                )
            points.append(point_for(milp))
        best = replace(points[-1], k=max_new) if points[-1].k != max_new else points[-1]
    else:
        best = point_for(model.solve(min(max_new, len(pool)), solver))
        if best.k != max_new:
            best = replace(best, k=max_new)
    # the base membership alone: already solved when some optimum invites nobody
    base_run = next((point.run for point in (*points, best) if not point.chosen), None)
    if base_run is None:
        base_run = runner.run(base_name, base_members, solver)
    return InviteResult(
        scenario=loaded.name,
        base=base_name,
        base_members=base_members,
        max_new=max_new,
        candidates=pool,
        solver=solver_label(solver),
        baseline=runner.baseline.dependency.overall,
        base_optimised=base_run.optimised.dependency.overall,
        best=best,
        frontier=tuple(points),
        overrides=loaded.overrides,
    )


def prune(
    runner: Runner, base_members: tuple[str, ...], milp: MilpSolution, reference: float, solver: SolverName
) -> tuple[str, ...]:
    """Drop chosen candidates that the optimum does not need: a minimal set with the same objective.

    `reference` is the optimum (the smaller of the MILP's and the LP's of the chosen set).
    Candidates are tried in sorted order; one is dropped when the LP objective without it stays
    within PRUNE_TOLERANCE of the reference (which never moves, so errors do not add up).
    """
    if not milp.chosen:
        return milp.chosen
    model = runner.model

    def lp_objective(chosen: Iterable[str]) -> float:
        return model.solve(frozenset((*base_members, *chosen)), solver).objective

    tolerance = PRUNE_TOLERANCE * max(1.0, abs(reference))
    kept = list(milp.chosen)
    for code in milp.chosen:
        trial = [c for c in kept if c != code]
        if lp_objective(trial) <= reference + tolerance:
            kept = trial
    return tuple(kept)
