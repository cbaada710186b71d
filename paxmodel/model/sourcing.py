"""Sourcing plans (who supplies how much of each item) and the metrics of MODEL.md 2.3."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from paxmodel.model.network import Network

# Quantities below this (relative to an item's requirement) are solver noise, reported as 0.
NOISE = 1e-9


@dataclass(frozen=True)
class Sourcing:
    """Amounts in each item's own unit: x_ic sourced, u_i shortfall, expansion used."""

    sourced: dict[str, dict[str, float]]  # item -> {country: x_ic}, positive entries only
    shortfall: dict[str, float]  # item -> u_i
    expansion: dict[str, dict[str, float]]  # item -> {country: max(0, x_ic - A_ic)}, positive only


@dataclass(frozen=True)
class ItemMetrics:
    dependency: float
    concern_share: float
    shortfall: float
    hhi: float


@dataclass(frozen=True)
class Aggregate:
    """A metric averaged with the item weights: overall and per sector."""

    overall: float
    sectors: dict[str, float]


def baseline_sourcing(network: Network) -> Sourcing:
    """MODEL.md 2.1: every supplier delivers pro rata to what it has, up to the requirement."""
    sourced: dict[str, dict[str, float]] = {}
    shortfall: dict[str, float] = {}
    for i in network.items:
        need = network.requirement[i]
        total = sum(network.available[i].values())
        fraction = min(1.0, need / total) if total > 0 else 0.0
        sourced[i] = {c: a * fraction for c, a in network.available[i].items() if a * fraction > 0}
        shortfall[i] = max(0.0, need - total)
    return Sourcing(sourced=sourced, shortfall=shortfall, expansion={i: {} for i in network.items})


def item_metrics(network: Network, sourcing: Sourcing, risk: Mapping[str, float]) -> dict[str, ItemMetrics]:
    """Dependency, concern share, shortfall and HHI of every item with T_i > 0."""
    metrics: dict[str, ItemMetrics] = {}
    for i in network.active_items:
        need = network.requirement[i]
        amounts = sourcing.sourced[i]
        total = sum(amounts.values())
        hhi = sum((100.0 * x / total) ** 2 for x in amounts.values()) if total > 0 else 0.0
        metrics[i] = ItemMetrics(
            dependency=(sum(risk[c] * x for c, x in amounts.items()) + sourcing.shortfall[i]) / need,
            concern_share=sum(x for c, x in amounts.items() if c in network.concern) / need,
            shortfall=sourcing.shortfall[i],
            hhi=hhi,
        )
    return metrics


def aggregate(network: Network, values: Mapping[str, float]) -> Aggregate:
    """Sector value = sum of (w_i / sum w) * value_i; overall = sum of k_i * value_i."""
    sectors = dict.fromkeys(network.active_sectors, 0.0)
    for i in network.active_items:
        sectors[network.sector_of[i]] += network.item_share_in_sector[i] * values[i]
    overall = sum(network.overall_weight[i] * values[i] for i in network.active_items)
    return Aggregate(overall=overall, sectors=sectors)


def shortfall_share(network: Network, items: Mapping[str, ItemMetrics]) -> tuple[float, int]:
    """(sum_i k_i u_i / T_i, number of items short): the weighted share of the bloc's requirement
    left unmet, and how many items it falls on (shortfalls below NOISE count as none)."""
    share = 0.0
    short = 0
    for i, metrics in items.items():
        if metrics.shortfall > NOISE * network.requirement[i]:
            share += network.overall_weight[i] * metrics.shortfall / network.requirement[i]
            short += 1
    return share, short
