"""The scenario as sorted index sets and numbers: what the LP and the metrics read.

Everything here is derived once per scenario; every index set is sorted so results never
depend on the order of keys in the file.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from paxmodel.scenario.distributions import point
from paxmodel.scenario.load import LoadedScenario
from paxmodel.scenario.references import item_sectors
from paxmodel.scenario.schema import InputEntry, Item, SupplyEntry


def accessible_share(supply: SupplyEntry, default: float) -> float:
    """MODEL.md 7: the entry's own accessible share, else the scenario's."""
    return default if supply.accessible is None else supply.accessible


def per_unit(value: Any) -> Any:
    """The coefficient of an input, whichever form it was written in (a number or distribution, or an entry)."""
    return value.per_unit if isinstance(value, InputEntry) else value


def value_shares(item: Item, plain_total: float) -> dict[str, float]:
    """MODEL.md 7: each input's share of the item's value (sorted by input).

    Inputs with a `value_share` keep it; inputs written as plain numbers share equally what
    the given shares leave of `plain_total` (settings.inputs_value_share), never below 0.
    """
    given = {
        k: e.value_share for k, e in item.inputs.items() if isinstance(e, InputEntry) and e.value_share is not None
    }
    plain = [k for k in item.inputs if k not in given]
    each = max(0.0, plain_total - sum(given.values())) / len(plain) if plain else 0.0
    return {k: given.get(k, each) for k in sorted(item.inputs)}


# Cached properties of a Network that depend only on demand, inputs and weights, not on supply.
_SUPPLY_FREE = (
    "topological_order",
    "requirement",
    "active_items",
    "active_sectors",
    "item_share_in_sector",
    "overall_weight",
    "sector_share",
)


def budget_scale(raw_coefficients: Iterable[float]) -> float:
    """What the budget row is divided by (its largest coefficient; 1 for a row of zeros)."""
    return max(raw_coefficients, default=0.0) or 1.0


@dataclass(frozen=True)
class Network:
    """Items, countries and coefficients of one scenario (MODEL.md section 2 notation)."""

    items: tuple[str, ...]
    sectors: tuple[str, ...]
    countries: tuple[str, ...]
    sector_of: dict[str, str]
    demand: dict[str, float]  # d_i
    inputs: dict[str, dict[str, float]]  # j -> {i: a_ij}: units of i per unit of j
    value_share: dict[str, dict[str, float]]  # j -> {i: v_ji}: input i's share of j's value (look-through)
    available: dict[str, dict[str, float]]  # i -> {c: accessible * A_ic}: what the bloc can draw on
    expansion_capacity: dict[str, dict[str, float]]  # i -> {c: E_ic}
    expansion_cost: dict[str, dict[str, float]]  # i -> {c: k_ic}
    risk: dict[str, float]  # r_c
    concern: frozenset[str]
    item_weight: dict[str, float]  # w_i
    sector_weight: dict[str, float]  # W_s
    member_risk: float
    shortfall_penalty: float
    max_single_share: float
    budget: float | None

    @classmethod
    def from_scenario(cls, loaded: LoadedScenario) -> Network:
        scenario = loaded.scenario
        settings = scenario.settings
        owners = item_sectors(scenario)
        items = {item_id: scenario.sectors[owners[item_id]].items[item_id] for item_id in owners}
        return cls(
            items=tuple(sorted(items)),
            sectors=tuple(sorted(scenario.sectors)),
            countries=tuple(sorted(scenario.countries)),
            sector_of=dict(sorted(owners.items())),
            demand={i: point(items[i].demand) for i in sorted(items)},
            inputs={j: {i: point(per_unit(a)) for i, a in sorted(items[j].inputs.items())} for j in sorted(items)},
            value_share={j: value_shares(items[j], settings.inputs_value_share) for j in sorted(items)},
            available={
                i: {
                    c: point(s.available) * accessible_share(s, settings.accessible_share)
                    for c, s in sorted(items[i].supply.items())
                }
                for i in sorted(items)
            },
            expansion_capacity={
                i: {c: point(e.capacity) for c, e in sorted(items[i].expansion.items())} for i in sorted(items)
            },
            expansion_cost={
                i: {c: point(e.cost) for c, e in sorted(items[i].expansion.items())} for i in sorted(items)
            },
            risk={c: point(v.risk) for c, v in sorted(scenario.countries.items())},
            concern=frozenset(c for c, v in scenario.countries.items() if v.concern),
            item_weight={i: items[i].weight for i in sorted(items)},
            sector_weight={s: v.weight for s, v in sorted(scenario.sectors.items())},
            member_risk=scenario.settings.member_risk,
            shortfall_penalty=scenario.settings.shortfall_penalty,
            max_single_share=scenario.settings.max_single_share,
            budget=None if scenario.settings.budget is None else point(scenario.settings.budget),
        )

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """Items ordered so that every item comes before the items it needs as inputs."""
        users: dict[str, int] = dict.fromkeys(self.items, 0)
        for j in self.items:
            for i in self.inputs[j]:
                users[i] += 1
        ready = sorted(i for i, n in users.items() if n == 0)  # a sorted list is a heap
        order: list[str] = []
        while ready:
            j = heapq.heappop(ready)  # always the smallest ready item: the order is deterministic
            order.append(j)
            for i in self.inputs[j]:
                users[i] -= 1
                if users[i] == 0:
                    heapq.heappush(ready, i)
        return tuple(order)

    @cached_property
    def requirement(self) -> dict[str, float]:
        """T_i = d_i + sum_j a_ij T_j (the constant Leontief total requirement)."""
        total = dict(self.demand)
        for j in self.topological_order:
            for i, a_ij in self.inputs[j].items():
                total[i] += a_ij * total[j]
        return {i: total[i] for i in self.items}

    def budget_row(self, keys: Iterable[tuple[str, str]]) -> tuple[list[float], float]:
        """Coefficients (per expansion key, in share space) and right-hand side of the budget row,
        both divided by the largest coefficient: the row stays O(1) whatever the units, so a
        small budget is not lost under the solvers' tolerances (nor a large cost x requirement
        beyond HiGHS's largest coefficient). The right-hand side is inf without a budget."""
        raw = [self.expansion_cost[i].get(c, 0.0) * self.requirement[i] for i, c in keys]
        scale = budget_scale(raw)
        return [r / scale for r in raw], float("inf") if self.budget is None else self.budget / scale

    @cached_property
    def active_items(self) -> tuple[str, ...]:
        """Items with T_i > 0: the only ones that carry metrics."""
        return tuple(i for i in self.items if self.requirement[i] > 0)

    @cached_property
    def active_sectors(self) -> tuple[str, ...]:
        return tuple(s for s in self.sectors if any(self.sector_of[i] == s for i in self.active_items))

    @cached_property
    def item_share_in_sector(self) -> dict[str, float]:
        """w_i / sum of w over the active items of i's sector."""
        totals: dict[str, float] = {}
        for i in self.active_items:
            totals[self.sector_of[i]] = totals.get(self.sector_of[i], 0.0) + self.item_weight[i]
        return {i: self.item_weight[i] / totals[self.sector_of[i]] for i in self.active_items}

    @cached_property
    def overall_weight(self) -> dict[str, float]:
        """k_i: the weight of item i in the overall figure (sums to 1 over active items)."""
        total = sum(self.sector_weight[s] for s in self.active_sectors)
        return {
            i: self.sector_weight[self.sector_of[i]] / total * self.item_share_in_sector[i] for i in self.active_items
        }

    @cached_property
    def sector_share(self) -> dict[str, float]:
        """W_s / sum of W over active sectors."""
        total = sum(self.sector_weight[s] for s in self.active_sectors)
        return {s: self.sector_weight[s] / total for s in self.active_sectors}

    def risk_under(self, members: frozenset[str]) -> dict[str, float]:
        """r_c(M): member_risk for members, the country's own risk otherwise."""
        return {c: self.member_risk if c in members else r for c, r in self.risk.items()}

    def with_cuts(self, cuts: Mapping[tuple[str, str], float]) -> Network:
        """A variant where each (country, item) in `cuts` loses that fraction of its supply:
        A_ic and E_ic are multiplied by (1 - cut) (MODEL.md 5). Several cuts on one pair must
        be combined by the caller (1 - prod(1 - cut))."""
        touched = {item for _, item in cuts}  # only the rows of cut items are copied
        available = {i: dict(row) if i in touched else row for i, row in self.available.items()}
        capacity = {i: dict(row) if i in touched else row for i, row in self.expansion_capacity.items()}
        for (country, item), cut in sorted(cuts.items()):
            if not 0 <= cut <= 1:
                raise ValueError(f"cut of {country} on {item} must be in [0, 1], not {cut}")
            if country in available[item]:
                available[item][country] *= 1 - cut
            if country in capacity[item]:
                capacity[item][country] *= 1 - cut
        variant = replace(self, available=available, expansion_capacity=capacity)
        # Requirements, weights and orders do not depend on supply: keep those already computed.
        for name in _SUPPLY_FREE:
            if name in self.__dict__:
                variant.__dict__[name] = self.__dict__[name]
        return variant

    def expandable(self, item: str, country: str) -> bool:
        return self.expansion_capacity[item].get(country, 0.0) > 0
