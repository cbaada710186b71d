"""Uncertain inputs, their draws and the Network variants built from them (MODEL.md 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paxmodel.model.network import Network
from paxmodel.model.uncertainty import draw, uncertain_inputs, variant
from paxmodel.scenario.load import load_scenario

DATA = Path(__file__).parent.parent / "data"


def test_inputs_are_listed_in_path_order_with_their_network_place(small_with_distributions: Path) -> None:
    path = small_with_distributions
    inputs = uncertain_inputs(load_scenario(path))
    assert [(u.path, u.target) for u in inputs] == [
        ("countries.IN.risk", ("risk", "IN")),
        ("sectors.materials.items.gallium.demand", ("demand", "gallium")),
        ("sectors.materials.items.gallium.supply.CN.available", ("available", "gallium", "CN")),
        ("sectors.semis.items.chips.expansion.US.capacity", ("expansion_capacity", "chips", "US")),
        ("sectors.semis.items.chips.expansion.US.cost", ("expansion_cost", "chips", "US")),
        ("sectors.semis.items.chips.inputs.wafers", ("inputs", "chips", "wafers")),
        ("settings.budget", ("budget",)),
    ]


def test_draws_depend_on_seed_and_sample_number_alone(small_with_distributions: Path) -> None:
    path = small_with_distributions
    inputs = uncertain_inputs(load_scenario(path))
    first = [draw(inputs, 7, n) for n in range(5)]
    assert [draw(inputs, 7, n) for n in reversed(range(5))] == first[::-1]
    assert draw(inputs, 8, 0) != first[0]
    # sample n, input k is the k-th uniform number of default_rng([S, n]) through the inverse CDF
    u = np.random.default_rng([7, 3]).random(len(inputs))
    below_mode = 0.2 + np.sqrt(u[0] * 0.3 * 0.2)  # triangular(0.2, 0.4, 0.5): mode at CDF 2/3
    assert first[3][0] == pytest.approx(below_mode if u[0] < 2 / 3 else 0.5 - np.sqrt((1 - u[0]) * 0.3 * 0.1))
    assert first[3][6] == 50 + 100 * u[6]  # settings.budget ~ uniform(50, 150)


def test_every_draw_lies_in_the_valid_range(small_with_distributions: Path) -> None:
    path = small_with_distributions
    inputs = uncertain_inputs(load_scenario(path))
    values = np.array([draw(inputs, 1, n) for n in range(300)])
    cost = values[:, 4]  # normal(1, 0.5) truncated to cost >= 0
    assert cost.min() >= 0 and (cost < 0.2).any()
    risk = values[:, 0]  # triangular(0.2, 0.4, 0.5)
    assert risk.min() >= 0.2 and risk.max() <= 0.5


def test_variant_replaces_only_the_drawn_numbers(small_with_distributions: Path) -> None:
    path = small_with_distributions
    loaded = load_scenario(path)
    network = Network.from_scenario(loaded)
    inputs = uncertain_inputs(loaded)
    values = (0.45, 41.0, 720.0, 3.5, 1.25, 3.0, 80.0)
    changed = variant(network, inputs, values)
    assert changed.risk["IN"] == 0.45 and network.risk["IN"] == 0.4
    assert changed.demand["gallium"] == 41.0
    assert changed.available["gallium"] == {**network.available["gallium"], "CN": 720.0}
    assert changed.expansion_capacity["chips"]["US"] == 3.5 and changed.expansion_cost["chips"]["US"] == 1.25
    assert changed.inputs["chips"] == {"wafers": 3.0} and changed.budget == 80.0
    # the Leontief requirement follows the drawn coefficient: T_wafers = 2 + 3 * 10
    assert changed.requirement["wafers"] == 32.0 and network.requirement["wafers"] == 22.0
    assert changed.risk["JP"] == network.risk["JP"] and changed.items == network.items


def test_a_drawn_supply_keeps_its_accessible_share(small_with_distributions: Path) -> None:
    path = small_with_distributions
    text = path.read_text(encoding="utf-8").replace("800}, source:", "800}, accessible: 0.5, source:")
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(path)
    network = Network.from_scenario(loaded)
    inputs = uncertain_inputs(loaded)
    assert network.available["gallium"]["CN"] == 375.0
    values = [u.point for u in inputs]
    values[2] = 720.0
    assert variant(network, inputs, values).available["gallium"]["CN"] == 360.0
