"""The cost of de-risking (MODEL.md 8): the LP objective as a function of the budget, exactly.

For a fixed membership the optimised objective z(B) of MODEL.md 2.2 is convex,
non-increasing and piecewise linear in the budget B, and the dual value of the budget row is
its slope (a subgradient at a kink). The breakpoints are found by the sandwich method of
Eisner and Severance: from two solved budgets with their slopes, the tangent lines meet at
B*; if z(B*) lies on them, B* is a breakpoint, otherwise B* splits the interval (with a new
slope) and both halves are examined. Every solve either finds a breakpoint or a new slope, so
the number of solves is about twice the number of breakpoints, whatever their spacing.

The range is B = 0 to the saturation budget: the smallest budget beyond which nothing
changes (the last breakpoint, or the full cost of every member expansion when the objective
still falls up to it). Budgets are evaluated on the warm HiGHS engine, the scenario's own
budget replaced by B (`evaluate_budget`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from paxmodel.analyses.engine import HighsEngine
from paxmodel.model.arrays import LpStructure
from paxmodel.model.network import Network
from paxmodel.model.run import baseline_outcome, number, resolve_members
from paxmodel.scenario.load import LoadedScenario

TOLERANCE = 1e-9  # objective values closer than this (relative to 1 + |z|) are equal
MAX_SOLVES = 100_000


@dataclass(frozen=True)
class BudgetPoint:
    """The optimum at one budget: objective, optimised dependency and the removal (MODEL.md 2.3)."""

    budget: float
    objective: float
    dependency: float
    removed: float
    slope: float  # dz/dB there (a subgradient at a breakpoint): minus the budget row's dual value


@dataclass(frozen=True)
class Frontier:
    """Breakpoints of z(B) from B = 0 to the saturation budget, in increasing budget."""

    scenario: str
    membership: str
    members: tuple[str, ...]
    baseline: float  # overall baseline dependency
    saturation_budget: float
    points: tuple[BudgetPoint, ...]
    solves: int
    overrides: tuple[str, ...] = ()  # `--set` overrides the scenario was loaded with

    def segments(self) -> list[dict[str, float | None]]:
        """Each segment between consecutive points: objective slope and the marginal cost of
        one percentage point of dependency removed (None when the segment removes nothing)."""
        out: list[dict[str, float | None]] = []
        for a, b in itertools.pairwise(self.points):
            removed_points = 100.0 * (b.removed - a.removed)
            out.append(
                {
                    "from_budget": a.budget,
                    "to_budget": b.budget,
                    "objective_slope": (b.objective - a.objective) / (b.budget - a.budget),
                    "removed_points": removed_points,
                    "cost_per_point": (b.budget - a.budget) / removed_points if removed_points > 1e-12 else None,
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of MODEL.md 8 (plain floats, 12 significant digits)."""

        def clean(value: float | None) -> float | None:
            return None if value is None else number(value)

        return {
            "scenario": self.scenario,
            "membership": self.membership,
            "members": list(self.members),
            "baseline": number(self.baseline),
            "saturation_budget": number(self.saturation_budget),
            "points": [
                {
                    "budget": number(p.budget),
                    "objective": number(p.objective),
                    "dependency": number(p.dependency),
                    "removed": number(p.removed),
                }
                for p in self.points
            ],
            "segments": [{key: clean(value) for key, value in s.items()} for s in self.segments()],
        } | ({"overrides": list(self.overrides)} if self.overrides else {})

    def objective_at(self, budget: float) -> float:
        """z(B) by linear interpolation between the breakpoints (constant beyond saturation)."""
        budgets = [p.budget for p in self.points]
        return float(np.interp(budget, budgets, [p.objective for p in self.points]))


class BudgetEvaluator:
    """z(B), the dependency and the slope at any budget B for one membership, on the warm engine.

    The LP always has a budget row (even when the scenario sets no budget); a budget B is the
    same LP with that row's upper bound set to B.
    """

    def __init__(self, network: Network, members: Iterable[str]) -> None:
        self.network = network
        self.members = frozenset(members)
        self.engine = HighsEngine(network, LpStructure.of(network, budget_row=True))
        self.baseline = baseline_outcome(network).dependency.overall
        # The LP's budget row is scaled (`Network.budget_row`): one unit of budget is this much of its bound.
        self.row_per_unit = replace(network, budget=1.0).budget_row(self.engine.structure.expansion_keys)[1]
        self.solves = 0

    @property
    def has_budget_row(self) -> bool:
        return self.engine.data.budget_row >= 0

    def full_spend(self) -> float:
        """The cost of using every member's whole expansion capacity: no budget binds beyond it."""
        net = self.network
        return math.fsum(
            net.expansion_cost[i].get(c, 0.0) * net.expansion_capacity[i].get(c, 0.0)
            for i, c in self.engine.structure.expansion_keys
            if c in self.members
        )

    def evaluate(self, budget: float) -> BudgetPoint:
        """Solve at `budget` (warm-started from the previous budget)."""
        data = self.engine.data
        variant = None
        if self.has_budget_row:
            row_upper = data.row_upper.copy()
            row_upper[data.budget_row] = budget * self.row_per_unit
            variant = replace(data, row_upper=row_upper)
        (objective, dependency, *_), _ = self.engine.numbers(self.members, variant)
        self.solves += 1
        slope = 0.0
        if self.has_budget_row:
            slope = float(self.engine.highs.getSolution().row_dual[data.budget_row]) * self.row_per_unit
        return BudgetPoint(budget, objective, dependency, self.baseline - dependency, min(0.0, slope))


def budget_frontier(network: Network, members: Iterable[str], membership: str = "", scenario: str = "") -> Frontier:
    """Every breakpoint of z(B) for `members`, from B = 0 to the saturation budget."""
    evaluator = BudgetEvaluator(network, members)
    start = evaluator.evaluate(0.0)
    points = [start]
    if evaluator.has_budget_row and start.slope < 0:
        top = evaluator.full_spend()
        end = evaluator.evaluate(top)
        if not _same(start.objective, end.objective):
            points = _breakpoints(evaluator, start, end)
    points = _without_colinear(points)
    return Frontier(
        scenario=scenario,
        membership=membership,
        members=tuple(sorted(evaluator.members)),
        baseline=evaluator.baseline,
        saturation_budget=points[-1].budget,
        points=tuple(points),
        solves=evaluator.solves,
    )


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * (1.0 + abs(a) + abs(b))


def _breakpoints(evaluator: BudgetEvaluator, start: BudgetPoint, end: BudgetPoint) -> list[BudgetPoint]:
    """Start, every breakpoint in between, and the saturation point, in increasing budget."""
    found = [start]
    stack = [(start, end)]  # intervals still to examine, leftmost on top
    while stack:
        left, right = stack.pop()
        if evaluator.solves > MAX_SOLVES:
            raise RuntimeError("the budget frontier did not converge")  # pragma: no cover
        width = right.budget - left.budget
        if _same(left.objective + (left.slope - right.slope) * width, left.objective) or width <= TOLERANCE * (
            1.0 + right.budget
        ):  # the tangents differ by nothing over the interval: it is linear
            found.append(right)
            continue
        # where the tangent lines at left and right meet
        meet = (right.objective - right.slope * right.budget - left.objective + left.slope * left.budget) / (
            left.slope - right.slope
        )
        meet = min(max(meet, left.budget), right.budget)
        on_tangents = left.objective + left.slope * (meet - left.budget)
        middle = evaluator.evaluate(meet)
        if _same(middle.objective, on_tangents) or meet in (left.budget, right.budget):
            # a kink at `meet`: linear on both sides of it
            found.append(middle)
            found.append(right)
            continue
        stack.append((middle, right))
        stack.append((left, middle))
    found = sorted({p.budget: p for p in found}.values(), key=lambda p: p.budget)
    # the objective is flat from the last point whose slope is 0 on: that is the saturation
    last = next((n for n, p in enumerate(found) if n and _same(p.objective, found[-1].objective)), len(found) - 1)
    return found[: last + 1]


def _without_colinear(points: list[BudgetPoint]) -> list[BudgetPoint]:
    """Drop points that lie on the line through their neighbours (no kink there)."""
    kept = points[:1]
    for n in range(1, len(points) - 1):
        a, b, c = kept[-1], points[n], points[n + 1]
        on_line = a.objective + (c.objective - a.objective) * (b.budget - a.budget) / (c.budget - a.budget)
        if not _same(b.objective, on_line):
            kept.append(b)
    if len(points) > 1:
        kept.append(points[-1])
    return kept


def frontier(loaded: LoadedScenario, membership: str | None = None, members: Iterable[str] | None = None) -> Frontier:
    """The budget frontier of a named membership, an ad-hoc member list or the file's first one."""
    name, codes = resolve_members(loaded, membership, members)
    result = budget_frontier(Network.from_scenario(loaded), codes, name, loaded.name)
    return replace(result, overrides=loaded.overrides)
