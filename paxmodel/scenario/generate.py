"""Seeded synthetic scenarios, valid by construction, for property tests and benchmarks.

Items are arranged in tiers: tier 0 holds final products (with bloc demand), and an item of
tier t draws its inputs only from tier t + 1, so the inputs graph is acyclic. Supply is
drawn around each item's total requirement, so some items are short and some are
comfortable; the first countries are countries of concern, as in real supply chains.
"""

from __future__ import annotations

import random
from typing import Any

from paxmodel.scenario.load import LoadedScenario, scenario_from_dict


def generate_scenario_data(
    countries: int = 20,
    items: int = 20,
    sectors: int = 3,
    tiers: int = 3,
    seed: int = 0,
    concern_fraction: float = 0.1,
    member_fraction: float = 0.3,
    member_risk: float = 0.0,
    budget: float | None = None,
    max_single_share: float = 1.0,
    max_suppliers: int = 8,
    max_expanders: int = 3,
) -> dict[str, Any]:
    """A scenario as plain data (the shape of a YAML file), reproducible from `seed`.

    Each item has 2 to `max_suppliers` suppliers and 0 to `max_expanders` countries that can
    expand (the defaults keep small scenarios small; trade-data-sized ones use more).
    """
    if countries < 2 or items < 1 or sectors < 1 or tiers < 1:
        raise ValueError("need at least 2 countries, 1 item, 1 sector and 1 tier")
    rng = random.Random(seed)
    codes = [f"C{n:03d}" for n in range(countries)]
    concern_count = max(1, round(concern_fraction * countries)) if concern_fraction > 0 else 0
    concern = set(codes[:concern_count])
    country_data: dict[str, Any] = {}
    for code in codes:
        if code in concern:
            country_data[code] = {"name": f"Country {code}", "risk": round(rng.uniform(0.8, 1.0), 3), "concern": True}
        else:
            country_data[code] = {"name": f"Country {code}", "risk": round(rng.uniform(0.05, 0.7), 3)}
    eligible = [c for c in codes if c not in concern]

    item_ids = [f"i{n:03d}" for n in range(items)]
    tier_of = {item: min(tiers - 1, n * tiers // items) for n, item in enumerate(item_ids)}
    by_tier: dict[int, list[str]] = {}
    for item, tier in tier_of.items():
        by_tier.setdefault(tier, []).append(item)
    demand = {item: (round(rng.uniform(10, 100), 2) if tier_of[item] == 0 else 0.0) for item in item_ids}
    inputs: dict[str, dict[str, float]] = {}
    for item in item_ids:
        upstream = by_tier.get(tier_of[item] + 1, [])
        chosen = rng.sample(upstream, k=min(len(upstream), rng.randint(1, 3))) if upstream else []
        inputs[item] = {k: round(rng.uniform(0.2, 2.0), 3) for k in sorted(chosen)}
    # Items of the next tier nobody uses still get a little demand, so every item matters.
    used = {k for item in item_ids for k in inputs[item]}
    for item in item_ids:
        if tier_of[item] > 0 and item not in used:
            demand[item] = round(rng.uniform(1, 20), 2)
    requirement = dict(demand)
    for tier in range(tiers):
        for item in by_tier.get(tier, []):
            for k, a in inputs[item].items():
                requirement[k] += a * requirement[item]

    sector_ids = [f"sector_{n}" for n in range(sectors)]
    sector_items: dict[str, dict[str, Any]] = {s: {} for s in sector_ids}
    for n, item in enumerate(item_ids):
        need = requirement[item]
        suppliers = rng.sample(codes, k=min(countries, rng.randint(2, max(2, max_suppliers))))
        if concern and not any(c in concern for c in suppliers):
            suppliers[0] = rng.choice(sorted(concern))
        total = need * rng.uniform(0.7, 1.6)
        shares = [rng.random() ** 2 + 0.01 for _ in suppliers]
        scale = total / sum(shares)
        supply = {c: round(s * scale, 3) for c, s in zip(suppliers, shares, strict=True)}
        expanders = rng.sample(eligible, k=min(len(eligible), rng.randint(0, max_expanders)))
        expansion = {
            c: {"capacity": round(need * rng.uniform(0.05, 0.4), 3), "cost": round(rng.uniform(0.5, 5.0), 3)}
            for c in expanders
        }
        entry: dict[str, Any] = {
            "name": f"Item {item}",
            "unit": "t",
            "demand": demand[item],
            "weight": round(rng.uniform(0.5, 2.0), 3),
            "supply": dict(sorted(supply.items())),
        }
        if expansion:
            entry["expansion"] = dict(sorted(expansion.items()))
        if inputs[item]:
            entry["inputs"] = inputs[item]
        sector_items[sector_ids[n % sectors]][item] = entry

    base = sorted(rng.sample(eligible, k=max(1, round(member_fraction * len(eligible)))))
    extra = sorted(c for c in eligible if c not in base)[:3]
    return {
        "paxmodel": 1,
        "name": f"Generated {countries}x{items} (seed {seed})",
        "settings": {
            "member_risk": member_risk,
            "shortfall_penalty": 10.0,
            "max_single_share": max_single_share,
            "budget": budget,
        },
        "countries": country_data,
        "sectors": {
            s: {"name": f"Sector {s}", "weight": round(rng.uniform(0.5, 2.0), 3), "items": sector_items[s]}
            for s in sector_ids
        },
        "memberships": {"base": base, "expanded": {"extends": "base", "add": extra}},
    }


def generate_scenario(**options: Any) -> LoadedScenario:
    """A validated synthetic scenario; options as for `generate_scenario_data`."""
    data = generate_scenario_data(**options)
    return scenario_from_dict(data, name=f"<generated seed={options.get('seed', 0)}>")
