"""The uncertain numbers of a scenario and the Network variants drawn from them (MODEL.md 6).

`uncertain_inputs` lists every number given as a distribution, sorted by its dotted path
(`countries.IN.risk`, `sectors.s.items.g.supply.CN.available`, ...). Sample n of a sweep
with seed S draws one uniform number per input, in that order, from
`numpy.random.default_rng([S, n])`, and maps it through the input's inverse CDF: the
values of a sample depend on (file, S, n) alone, never on which process draws them or when.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paxmodel.model.network import Network, accessible_share, per_unit
from paxmodel.scenario.distributions import Normal, Range, Triangular, Uniform
from paxmodel.scenario.errors import dotted
from paxmodel.scenario.load import LoadedScenario
from paxmodel.scenario.references import item_sectors

AnyDistribution = Uniform | Triangular | Normal
UNIT = Range(0.0, 1.0)
NON_NEGATIVE = Range(0.0)
POSITIVE = Range(0.0, open_lower=True)


@dataclass(frozen=True)
class UncertainInput:
    """One number given as a distribution, and where it sits in the `Network`.

    `target` is (Network field, key, ...): ("risk", c), ("available", i, c),
    ("expansion_capacity", i, c), ("expansion_cost", i, c), ("demand", i),
    ("inputs", j, i) for a_ij, or ("budget",). The Network holds a supply's accessible
    share of `available` (MODEL.md 7): `scale`.
    """

    path: str
    distribution: AnyDistribution
    valid: Range
    target: tuple[str, ...]
    scale: float = 1.0  # the Network holds value * scale (available: times its accessible share)

    def value(self, u: float) -> float:
        """The input's value at cumulative probability `u` (its inverse CDF)."""
        return self.distribution.quantile(u, self.valid.lower, self.valid.upper)

    @property
    def point(self) -> float:
        return self.distribution.point


def uncertain_inputs(loaded: LoadedScenario) -> tuple[UncertainInput, ...]:
    """Every distribution in the scenario, sorted by dotted path."""
    scenario = loaded.scenario
    found: list[UncertainInput] = []

    def add(path: tuple[str, ...], value: Any, valid: Range, target: tuple[str, ...], scale: float = 1.0) -> None:
        if isinstance(value, AnyDistribution):
            found.append(UncertainInput(dotted(path), value, valid, target, scale))

    add(("settings", "budget"), scenario.settings.budget, NON_NEGATIVE, ("budget",))
    for code, country in scenario.countries.items():
        add(("countries", code, "risk"), country.risk, UNIT, ("risk", code))
    for i, s in item_sectors(scenario).items():
        item = scenario.sectors[s].items[i]
        base = ("sectors", s, "items", i)
        add((*base, "demand"), item.demand, NON_NEGATIVE, ("demand", i))
        for c, supply in item.supply.items():
            scale = accessible_share(supply, scenario.settings.accessible_share)
            add((*base, "supply", c, "available"), supply.available, NON_NEGATIVE, ("available", i, c), scale)
        for c, expansion in item.expansion.items():
            add((*base, "expansion", c, "capacity"), expansion.capacity, NON_NEGATIVE, ("expansion_capacity", i, c))
            add((*base, "expansion", c, "cost"), expansion.cost, NON_NEGATIVE, ("expansion_cost", i, c))
        for k, coefficient in item.inputs.items():
            at = (*base, "inputs", k) if coefficient is per_unit(coefficient) else (*base, "inputs", k, "per_unit")
            add(at, per_unit(coefficient), POSITIVE, ("inputs", i, k))
    return tuple(sorted(found, key=lambda u: u.path))


def sample_uniforms(count: int, seed: int, n: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The `count` uniform numbers of sample `n` (seed `seed`), one per input in path order."""
    return np.random.default_rng([seed, n]).random(count)


def draw(inputs: Sequence[UncertainInput], seed: int, n: int) -> tuple[float, ...]:
    """The values of every input in sample `n` of a sweep with seed `seed`."""
    return tuple(u.value(float(x)) for u, x in zip(inputs, sample_uniforms(len(inputs), seed, n), strict=True))


def variant(network: Network, inputs: Sequence[UncertainInput], values: Sequence[float]) -> Network:
    """`network` with the given values of `inputs` (a frozen copy; `network` is unchanged)."""
    changes: dict[str, Any] = {}
    for spec, drawn in zip(inputs, values, strict=True):
        field, *keys = spec.target
        value = drawn * spec.scale
        if not keys:
            changes[field] = value
            continue
        table = changes.get(field)
        if table is None:
            table = changes[field] = {
                k: dict(v) if isinstance(v, dict) else v for k, v in getattr(network, field).items()
            }
        if len(keys) == 1:
            table[keys[0]] = value
        else:
            table[keys[0]][keys[1]] = value
    return dataclasses.replace(network, **changes) if changes else network
