"""Why the optimum stops where it does: the binding constraint of each item, from the LP duals.

For each item with T_i > 0 under a membership, `none` when its dependency is already 0 (no
risky supply used, no shortfall), else the first of these that applies:

- `budget`: the budget row has a non-zero dual and a member could still expand the item
  (expansion below its capacity) while its capacity row presses (non-zero dual): money, not
  capacity, is what stops the bloc from buying more from safer suppliers;
- `shortfall`: part of the requirement is left unmet (every supplier is at its limit);
- `share_cap`: a non-member's single-share cap presses (non-zero dual);
- `capacity`: a supplier is at its capacity (available, or available plus all its expansion)
  and more from it would lower the objective (non-zero reduced cost or capacity-row dual);
- `none`: nothing presses: the item already comes from the safest suppliers there are.

The budget's shadow price is minus the budget row's dual: how much the optimised objective
falls per extra unit of budget (in the budget's currency; USD million in the bundled scenario).
The objective is the overall dependency plus the penalty on shortfalls, so while no shortfall
changes at the margin it is points of overall dependency per extra unit of budget.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from paxmodel.model.network import Network, budget_scale
from paxmodel.model.sourcing import NOISE

Binding = Literal["budget", "shortfall", "share_cap", "capacity", "none"]
BINDINGS: tuple[Binding, ...] = ("budget", "shortfall", "share_cap", "capacity", "none")
DUAL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Diagnostics:
    binding: dict[str, Binding]  # active item -> what stops its dependency from falling further
    budget: float | None  # the budget B (None: unlimited)
    budget_used: float  # sum of cost * expansion used
    budget_shadow_price: float | None  # -d objective / dB at the optimum; None without a budget

    def to_dict(self) -> dict[str, Any]:
        """The run JSON's `diagnostics` (the binding constraints go into each item's entry)."""
        from paxmodel.model.run import number

        return {
            "budget": None if self.budget is None else number(self.budget),
            "budget_used": number(self.budget_used),
            "budget_shadow_price": None if self.budget_shadow_price is None else number(self.budget_shadow_price),
        }


@dataclass(frozen=True)
class SolutionDuals:
    """An optimal solution of the sourcing LP with its duals, aligned with the LP's key lists.

    Both routes fill it: the warm HiGHS engine from its arrays, the PuLP model (CBC) from its
    variables and rows. Signs are those of HiGHS and PuLP alike (minimisation): a pressing
    `<=` row has a dual <= 0, a column pressing on its upper bound a reduced cost <= 0.
    """

    items: Sequence[str]  # active items
    supply_keys: Sequence[tuple[str, str]]
    expansion_keys: Sequence[tuple[str, str]]
    y: Sequence[float]
    y_reduced_cost: Sequence[float]
    f: Sequence[float]
    v: Sequence[float]
    capacity_dual: Sequence[float]  # one per expansion key
    share_cap_dual: Sequence[float] | None  # one per supply key; None without share caps
    budget_dual: float | None  # None without a budget row


def diagnose(network: Network, members: Collection[str], s: SolutionDuals) -> Diagnostics:
    """Binding constraint of every active item and the budget's shadow price (module docstring)."""
    tol = DUAL_TOLERANCE
    press = {i: {"capacity": False, "share_cap": False, "budget": False} for i in s.items}
    capacity = dict(zip(s.expansion_keys, s.capacity_dual, strict=True))
    f_value = dict(zip(s.expansion_keys, s.f, strict=True))
    caps = s.share_cap_dual if s.share_cap_dual is not None else [0.0] * len(s.supply_keys)
    for (i, c), dj, cap in zip(s.supply_keys, s.y_reduced_cost, caps, strict=True):
        row = capacity.get((i, c), 0.0)
        if dj < -tol or abs(row) > tol:
            press[i]["capacity"] = True
        if abs(cap) > tol:
            press[i]["share_cap"] = True
        room = (i, c) in f_value and f_value[(i, c)] < network.expansion_capacity[i][c] / network.requirement[i] - tol
        if c in members and room and abs(row) > tol:
            press[i]["budget"] = True
    shadow: float | None = None
    if network.budget is not None:
        # the LP's budget row is divided by its largest coefficient (Network.budget_row), so its
        # dual is per unit of budget / scale: divide by the scale for a price per unit of budget
        scale = budget_scale(network.expansion_cost[i][c] * network.requirement[i] for i, c in s.expansion_keys)
        shadow = -(s.budget_dual or 0.0) / scale
        shadow = 0.0 if abs(shadow) <= tol else shadow
    used = sum(
        network.expansion_cost[i][c] * network.requirement[i] * f
        for (i, c), f in zip(s.expansion_keys, s.f, strict=True)
    )
    risk = network.risk_under(frozenset(members))
    exposed = {i: False for i in s.items}  # some risky supply is used: there is something to lower
    for (i, c), y in zip(s.supply_keys, s.y, strict=True):
        if y > NOISE and risk[c] > 0:
            exposed[i] = True
    binding: dict[str, Binding] = {}
    for i, v in zip(s.items, s.v, strict=True):
        p = press[i]
        if not exposed[i] and v <= NOISE:
            binding[i] = "none"  # dependency 0 already: nothing to relax
        elif shadow and p["budget"]:
            binding[i] = "budget"
        elif v > NOISE:
            binding[i] = "shortfall"
        elif p["share_cap"]:
            binding[i] = "share_cap"
        elif p["capacity"]:
            binding[i] = "capacity"
        else:
            binding[i] = "none"
    return Diagnostics(binding=binding, budget=network.budget, budget_used=used, budget_shadow_price=shadow)
