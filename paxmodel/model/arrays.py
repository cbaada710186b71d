"""The sourcing LP of MODEL.md 2.2 as arrays, built directly from a `Network` in linear time.

This is what the warm HiGHS engine holds. The *structure* of the LP (which columns and rows
exist: `LpStructure`) is fixed once per scenario; its *numbers* come from a `Network`, so a
variant of the scenario (capacities cut by a shock, a sampled risk, a different budget or
demand) is the same structure with other numbers, pushed into the warm model as changed
costs, bounds, right-hand sides and matrix coefficients. Nothing is rebuilt.

Share space, as in `paxmodel.model.lp`: y_ic = x_ic / T_i, f_ic = e_ic / T_i, v_i = u_i / T_i.
Columns: y (supply keys), f (expansion keys), v (active items), and w (active items, only
with single-share caps: the item's need in share space). Rows, in this order: balance (one
per active item, ==), capacity (one per expansion key), budget (one, if any), single-share
caps y_ic - s w_i <= 0 (one per supply key, if any), need w_i - sum_c y_ic - v_i = 0 (one per
active item, with the caps). With w every cap has two entries, so the matrix grows with the
supply entries and input links, not with their product. The numbers as built are those of the empty
membership; `LpData` also says how a membership changes them (`HighsCore.target`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from paxmodel.gc_pause import paused_gc
from paxmodel.model.network import Network
from paxmodel.model.sourcing import NOISE, Sourcing

Array = np.ndarray[Any, np.dtype[np.float64]]
IndexArray = np.ndarray[Any, np.dtype[np.intp]]
INF = float("inf")  # highspy's kHighsInf is IEEE infinity


@dataclass(frozen=True)
class LpStructure:
    """Which columns and rows the LP has; every variant of a scenario shares it.

    `supply_keys` are the (item, country) pairs that can supply (available or expandable in
    the scenario, or made possible by a variant: `extra_supply`); `share_caps` / `budget_row`
    force those rows to exist even when the scenario's own numbers do not need them (so that
    a variant may set a cap or a budget).
    """

    items: tuple[str, ...]  # active items (T > 0), sorted
    countries: tuple[str, ...]
    supply_keys: tuple[tuple[str, str], ...]
    expansion_keys: tuple[tuple[str, str], ...]
    share_caps: bool
    budget_row: bool

    @classmethod
    def of(
        cls,
        network: Network,
        extra_supply: Iterable[tuple[str, str]] = (),
        extra_expansion: Iterable[tuple[str, str]] = (),
        share_caps: bool | None = None,
        budget_row: bool | None = None,
    ) -> LpStructure:
        items = network.active_items
        extra_y, extra_f = set(extra_supply), set(extra_expansion)
        extra_of: dict[str, set[str]] = {}
        for i, c in extra_y | extra_f:
            extra_of.setdefault(i, set()).add(c)
        order = {c: n for n, c in enumerate(network.countries)}
        supply = []
        for i in items:  # only the countries named for the item: linear in the entries, not items x countries
            available, capacity, extra = network.available[i], network.expansion_capacity[i], extra_of.get(i, set())
            named = sorted({*available, *capacity, *extra}, key=order.__getitem__)
            supply += [(i, c) for c in named if available.get(c, 0.0) > 0 or capacity.get(c, 0.0) > 0 or c in extra]
        expansion = [(i, c) for i, c in supply if network.expandable(i, c) or (i, c) in extra_f]
        return cls(
            items=items,
            countries=network.countries,
            supply_keys=tuple(supply),
            expansion_keys=tuple(expansion),
            share_caps=network.max_single_share < 1 if share_caps is None else share_caps,
            budget_row=(network.budget is not None if budget_row is None else budget_row) and bool(expansion),
        )


@dataclass(frozen=True)
class LpData:
    """The LP in arrays (row-wise matrix), numbers of one variant, set for the empty membership.

    The trailing fields say how a membership changes the numbers (see `HighsCore.target`).
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
    budget_row: int  # -1 when there is none
    countries: tuple[str, ...]
    risk: Array  # r_c per country
    member_risk: float
    y_country: IndexArray  # country of each y column
    y_weight: Array  # k_i of each y column
    f_country: IndexArray
    f_full: Array  # E_ic / T_i: the upper bound of f while c is a member
    cap_country: IndexArray
    cap_base: Array  # 0: the right-hand side while c is not a member (y_ic - s w_i <= 0)
    cap_relax: Array  # (A_ic + E_ic) / T_i: added to it while c is a member
    v_weight: Array  # k_i of each v column
    y_sector: IndexArray  # active sector (network.active_sectors position) of each y column
    v_sector: IndexArray  # ... of each v column
    sector_share: Array  # W_s / sum W of each active sector: sector value = sum_{i in s} k_i value_i / share
    noise: float  # values below this count as 0 (`paxmodel.model.sourcing.NOISE`)

    def same_structure(self, other: LpData) -> bool:
        if self.a_index is other.a_index and self.a_start is other.a_start and self.cap_rows is other.cap_rows:
            return self.n_y == other.n_y and self.n_f == other.n_f and self.budget_row == other.budget_row
        return (
            self.n_y == other.n_y
            and self.n_f == other.n_f
            and np.array_equal(self.a_start, other.a_start)
            and np.array_equal(self.a_index, other.a_index)
            and np.array_equal(self.cap_rows, other.cap_rows)
            and self.budget_row == other.budget_row
        )


class StructureError(ValueError):
    """A variant that the fixed LP cannot hold (an item whose requirement became 0, say)."""


def lp_data(network: Network, structure: LpStructure | None = None) -> LpData:
    """The LP of `network`'s numbers in `structure` (default: the network's own structure)."""
    with paused_gc():
        return _lp_data(network, structure or LpStructure.of(network))


def _lp_data(network: Network, structure: LpStructure) -> LpData:
    net = network
    items = structure.items
    T = net.requirement
    for i in items:
        if not T.get(i, 0.0) > 0:
            raise StructureError(f"item '{i}' needs nothing in this variant (T = 0): the LP cannot hold it")
    weight = net.overall_weight
    country_index = {c: n for n, c in enumerate(structure.countries)}
    sector_index = {s: n for n, s in enumerate(net.active_sectors)}
    y_keys, f_keys = structure.supply_keys, structure.expansion_keys
    n_y, n_f, n_v = len(y_keys), len(f_keys), len(items)
    y_of: dict[str, list[int]] = {i: [] for i in items}
    for n, (i, _) in enumerate(y_keys):
        y_of[i].append(n)
    f_col = {key: n_y + n for n, key in enumerate(f_keys)}
    v_col = {i: n_y + n_f + n for n, i in enumerate(items)}
    # users[i]: (j, a_ij * T_j / T_i) for every active j that needs i as an input
    users: dict[str, list[tuple[str, float]]] = {i: [] for i in items}
    for j in items:
        for i, a_ij in net.inputs[j].items():
            users[i].append((j, a_ij * T[j] / T[i]))

    starts, index, value, lower, upper = [0], [], [], [], []

    def row(entries: list[tuple[int, float]], low: float, high: float) -> None:
        for col, coefficient in entries:
            if coefficient != 0:
                index.append(col)
                value.append(coefficient)
        starts.append(len(index))
        lower.append(low)
        upper.append(high)

    def need(i: str) -> list[tuple[int, float]]:
        return [(col, -share) for j, share in users[i] for col in y_of[j]]

    for i in items:
        demand_share = net.demand[i] / T[i]
        row([*((col, 1.0) for col in y_of[i]), (v_col[i], 1.0), *need(i)], demand_share, demand_share)
    y_col_of = {key: n for n, key in enumerate(y_keys)}
    for i, c in f_keys:
        row([(y_col_of[(i, c)], 1.0), (f_col[(i, c)], -1.0)], -INF, net.available[i].get(c, 0.0) / T[i])
    budget_row = -1
    if structure.budget_row:
        budget_row = len(lower)
        coefficients, budget = net.budget_row(f_keys)
        row([(f_col[key], a) for a, key in zip(coefficients, f_keys, strict=True)], -INF, budget)
    s = net.max_single_share
    cap_keys = y_keys if structure.share_caps else ()
    n_w = n_v if structure.share_caps else 0
    w_col = {i: n_y + n_f + n_v + n for n, i in enumerate(items)}
    first_cap = len(lower)
    for i, c in cap_keys:
        row([(y_col_of[(i, c)], 1.0), (w_col[i], -s)], -INF, 0.0)
    if n_w:
        for i in items:
            row([(w_col[i], 1.0), *((col, -1.0) for col in y_of[i]), (v_col[i], -1.0)], 0.0, 0.0)

    def share(i: str, c: str) -> float:
        return (net.available[i].get(c, 0.0) + net.expansion_capacity[i].get(c, 0.0)) / T[i]

    y_weight = np.array([weight[i] for i, _ in y_keys], dtype=np.float64)
    y_country = np.array([country_index[c] for _, c in y_keys], dtype=np.intp)
    risk = np.array([net.risk[c] for c in structure.countries], dtype=np.float64)
    v_weight = np.array([weight[i] for i in items], dtype=np.float64)
    col_cost = np.concatenate(
        [y_weight * risk[y_country], np.zeros(n_f), v_weight * net.shortfall_penalty, np.zeros(n_w)]
    )
    col_upper = np.concatenate(
        [np.array([share(i, c) for i, c in y_keys], dtype=np.float64), np.zeros(n_f), np.full(n_v + n_w, INF)]
    )
    return LpData(
        col_cost=col_cost,
        col_lower=np.zeros(n_y + n_f + n_v + n_w),
        col_upper=col_upper,
        row_lower=np.array(lower, dtype=np.float64),
        row_upper=np.array(upper, dtype=np.float64),
        a_start=np.array(starts, dtype=np.intp),
        a_index=np.array(index, dtype=np.intp),
        a_value=np.array(value, dtype=np.float64),
        n_y=n_y,
        n_f=n_f,
        cap_rows=np.arange(first_cap, first_cap + len(cap_keys), dtype=np.intp),
        budget_row=budget_row,
        countries=structure.countries,
        risk=risk,
        member_risk=net.member_risk,
        y_country=y_country,
        y_weight=y_weight,
        f_country=np.array([country_index[c] for _, c in f_keys], dtype=np.intp),
        f_full=np.array([net.expansion_capacity[i].get(c, 0.0) / T[i] for i, c in f_keys], dtype=np.float64),
        cap_country=np.array([country_index[c] for _, c in cap_keys], dtype=np.intp),
        cap_base=np.zeros(len(cap_keys)),
        cap_relax=np.array([share(i, c) for i, c in cap_keys], dtype=np.float64),
        v_weight=v_weight,
        y_sector=np.array([sector_index[net.sector_of[i]] for i, _ in y_keys], dtype=np.intp),
        v_sector=np.array([sector_index[net.sector_of[i]] for i in items], dtype=np.intp),
        sector_share=np.array([net.sector_share[s] for s in net.active_sectors], dtype=np.float64),
        noise=NOISE,
    )


SUPPLY_FIELDS = ("available", "expansion_capacity")


def differs_in_supply_only(network: Network, variant: Network) -> bool:
    """True when `variant` changes nothing but A and E (a shock): its LP differs in bounds only."""
    for f in fields(Network):
        if f.name in SUPPLY_FIELDS:
            continue
        mine, theirs = getattr(network, f.name), getattr(variant, f.name)
        if mine is not theirs and mine != theirs:
            return False
    return True


def with_supply_of(data: LpData, structure: LpStructure, variant: Network) -> LpData:
    """`data` with the supply numbers of `variant` (A and E; everything else as in `data`).

    Equal, number for number, to `lp_data(variant, structure)` when the variant differs in
    supply only (`differs_in_supply_only`), in time linear in the supply keys, not the matrix.
    """
    T = variant.requirement
    available, capacity = variant.available, variant.expansion_capacity

    def share(i: str, c: str) -> float:
        return (available[i].get(c, 0.0) + capacity[i].get(c, 0.0)) / T[i]

    n_y, n_f = data.n_y, data.n_f
    col_upper = data.col_upper.copy()
    col_upper[:n_y] = [share(i, c) for i, c in structure.supply_keys]
    row_upper = data.row_upper.copy()
    first = len(structure.items)  # capacity rows follow the balance rows
    row_upper[first : first + n_f] = [available[i].get(c, 0.0) / T[i] for i, c in structure.expansion_keys]
    cap_keys = structure.supply_keys if structure.share_caps else ()
    return replace(
        data,
        col_upper=col_upper,
        row_upper=row_upper,
        f_full=np.array([capacity[i].get(c, 0.0) / T[i] for i, c in structure.expansion_keys], dtype=np.float64),
        cap_relax=np.array([share(i, c) for i, c in cap_keys], dtype=np.float64),
    )


def read_sourcing(network: Network, structure: LpStructure, values: Array) -> Sourcing:
    """Column values (share space) -> amounts in item units, as MODEL.md 2.3 reads them."""
    n_y, n_f = len(structure.supply_keys), len(structure.expansion_keys)
    return sourcing_from_shares(
        network,
        structure.supply_keys,
        values[:n_y].tolist(),
        structure.items,
        values[n_y + n_f : n_y + n_f + len(structure.items)].tolist(),
    )


def sourcing_from_shares(
    network: Network,
    supply_keys: Sequence[tuple[str, str]],
    supply_shares: Sequence[float],
    items: Sequence[str],
    shortfall_shares: Sequence[float],
) -> Sourcing:
    """y_ic and v_i (shares of T_i) -> sourced, expansion used and shortfall in item units;
    values below `NOISE` count as 0. (The PuLP model reads its solutions through this too.)"""
    net = network
    sourced: dict[str, dict[str, float]] = {i: {} for i in net.items}
    expansion: dict[str, dict[str, float]] = {i: {} for i in net.items}
    for (i, c), share in zip(supply_keys, supply_shares, strict=True):
        if share > NOISE:
            amount = share * net.requirement[i]
            sourced[i][c] = amount
            used = amount - net.available[i].get(c, 0.0)
            if used > NOISE * net.requirement[i]:
                expansion[i][c] = used
    shortfall = dict.fromkeys(net.items, 0.0)
    for i, share in zip(items, shortfall_shares, strict=True):
        shortfall[i] = share * net.requirement[i] if share > NOISE else 0.0
    return Sourcing(sourced=sourced, shortfall=shortfall, expansion=expansion)


class LpTemplate:
    """The LP numbers of any variant of one structure, computed with array operations.

    `lp_data` walks the network row by row in Python; a sweep needs the numbers of thousands
    of variants (samples) of one structure. The template records once, per matrix entry and
    per row, which number of the network it is (an input coefficient scaled by T_j / T_i, a
    budget coefficient, the share cap, a demand or an availability over T) and then fills
    them for a variant by gathers. `data(variant)` equals `lp_data(variant, structure)` bit for
    bit (tested), or is None when the variant leaves the template (an entry that `lp_data`
    would drop because its number became 0): the caller then falls back to `lp_data`.
    """

    def __init__(self, network: Network, structure: LpStructure, base: LpData) -> None:
        self.structure = structure
        self.base = base
        items = structure.items
        item_index = {i: n for n, i in enumerate(items)}
        y_keys, f_keys = structure.supply_keys, structure.expansion_keys
        self.y_item = np.array([item_index[i] for i, _ in y_keys], dtype=np.intp)
        self.f_item = np.array([item_index[i] for i, _ in f_keys], dtype=np.intp)
        y_of: dict[str, list[int]] = {i: [] for i in items}
        for n, (i, _) in enumerate(y_keys):
            y_of[i].append(n)
        # need entries, in `_lp_data`'s order: balance row of i, users j of i, then j's supply columns
        self.pairs = [(j, i) for j in items for i in network.inputs[j]]
        pair_of = {pair: n for n, pair in enumerate(self.pairs)}
        users: dict[str, list[str]] = {i: [] for i in items}
        for j, i in self.pairs:
            users[i].append(j)
        entry = 0
        need_entry, need_pair, need_j, need_i = [], [], [], []
        for i in items:
            entry += len(y_of[i]) + 1  # the supply columns and the shortfall column
            for j in users[i]:
                for _ in y_of[j]:
                    need_entry.append(entry)
                    need_pair.append(pair_of[(j, i)])
                    need_j.append(item_index[j])
                    need_i.append(item_index[i])
                    entry += 1
        self.need_entry = np.array(need_entry, dtype=np.intp)
        self.need_pair = np.array(need_pair, dtype=np.intp)
        self.need_j = np.array(need_j, dtype=np.intp)
        self.need_i = np.array(need_i, dtype=np.intp)
        n_v, n_f = len(items), len(f_keys)
        self.capacity_rows = np.arange(n_v, n_v + n_f, dtype=np.intp)
        budget = base.budget_row
        if budget >= 0:
            start, end = int(base.a_start[budget]), int(base.a_start[budget + 1])
            f_position = {int(col) - base.n_y: n for n, col in enumerate(base.a_index[start:end].tolist())}
            self.budget_entry = np.arange(start, end, dtype=np.intp)
            self.budget_key = np.array(sorted(f_position), dtype=np.intp)  # f keys with a nonzero coefficient
        cap_start = int(base.a_start[base.cap_rows[0]]) if len(base.cap_rows) else 0
        self.cap_w_entry = cap_start + 1 + 2 * np.arange(len(base.cap_rows), dtype=np.intp)
        own = self.data(network)
        self.usable = own is not None and _equal(own, base)

    def data(self, network: Network) -> LpData | None:
        """The LP numbers of `network` (a variant of the template's structure), or None."""
        s, base, net = self.structure, self.base, network
        items, y_keys, f_keys = s.items, s.supply_keys, s.expansion_keys
        T = np.array([net.requirement.get(i, 0.0) for i in items], dtype=np.float64)
        if not np.all(T > 0):
            raise StructureError("an item needs nothing in this variant (T = 0): the LP cannot hold it")
        try:
            a = np.array([net.inputs[j][i] for j, i in self.pairs], dtype=np.float64)
        except KeyError:
            return None
        value = base.a_value.copy()
        need = a[self.need_pair] * T[self.need_j] / T[self.need_i]
        if np.any(need == 0):
            return None
        value[self.need_entry] = -need
        row_lower, row_upper = base.row_lower.copy(), base.row_upper.copy()
        demand_share = np.array([net.demand[i] for i in items], dtype=np.float64) / T
        row_lower[: len(items)] = demand_share
        row_upper[: len(items)] = demand_share
        available_f = np.array([net.available[i].get(c, 0.0) for i, c in f_keys], dtype=np.float64)
        row_upper[self.capacity_rows] = available_f / T[self.f_item]
        if base.budget_row >= 0:
            coefficients, budget = net.budget_row(f_keys)
            coefficient = np.array(coefficients, dtype=np.float64)
            if np.count_nonzero(coefficient) != len(self.budget_key) or np.any(coefficient[self.budget_key] == 0):
                return None
            value[self.budget_entry] = coefficient[self.budget_key]
            row_upper[base.budget_row] = budget
        value[self.cap_w_entry] = -net.max_single_share
        available_y = np.array([net.available[i].get(c, 0.0) for i, c in y_keys], dtype=np.float64)
        capacity_y = np.array([net.expansion_capacity[i].get(c, 0.0) for i, c in y_keys], dtype=np.float64)
        share = (available_y + capacity_y) / T[self.y_item]
        weight = np.array([net.overall_weight[i] for i in items], dtype=np.float64)
        y_weight = weight[self.y_item]
        risk = np.array([net.risk[c] for c in s.countries], dtype=np.float64)
        n_y, n_f = len(y_keys), len(f_keys)
        col_cost = base.col_cost.copy()
        col_cost[:n_y] = y_weight * risk[base.y_country]
        col_cost[n_y + n_f : n_y + n_f + len(items)] = weight * net.shortfall_penalty
        col_upper = base.col_upper.copy()
        col_upper[:n_y] = share
        capacity_f = np.array([net.expansion_capacity[i].get(c, 0.0) for i, c in f_keys], dtype=np.float64)
        return replace(
            base,
            col_cost=col_cost,
            col_upper=col_upper,
            row_lower=row_lower,
            row_upper=row_upper,
            a_value=value,
            risk=risk,
            member_risk=net.member_risk,
            y_weight=y_weight,
            f_full=capacity_f / T[self.f_item],
            cap_relax=share if s.share_caps else base.cap_relax,
            v_weight=weight,
            sector_share=np.array([net.sector_share[x] for x in net.active_sectors], dtype=np.float64),
        )


def _equal(a: LpData, b: LpData) -> bool:
    """Every field the same, arrays element for element (the template's self-check)."""
    for f in fields(LpData):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            if x.shape != y.shape or not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True
