"""The seeded scenario generator: reproducible, valid by construction, acyclic inputs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paxmodel.model.network import Network
from paxmodel.scenario.generate import generate_scenario, generate_scenario_data
from paxmodel.scenario.limits import within_policy
from paxmodel.scenario.load import scenario_from_dict

options = st.fixed_dictionaries(
    {
        "seed": st.integers(min_value=0, max_value=2**31 - 1),
        "countries": st.integers(min_value=2, max_value=12),
        "items": st.integers(min_value=1, max_value=12),
        "sectors": st.integers(min_value=1, max_value=3),
        "tiers": st.integers(min_value=1, max_value=3),
    },
    optional={
        "budget": st.none() | st.floats(min_value=0.0, max_value=300.0).map(within_policy),
        "max_single_share": st.floats(min_value=0.2, max_value=1.0, exclude_min=True),
        "member_risk": st.floats(min_value=0.0, max_value=1.0).map(within_policy),
        "concern_fraction": st.floats(min_value=0.0, max_value=0.5),
        "member_fraction": st.floats(min_value=0.0, max_value=1.0),
    },
)


def items_of(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i: item for sector in data["sectors"].values() for i, item in sector["items"].items()}


@given(options=options)
def test_same_seed_same_data(options: dict[str, Any]) -> None:
    first, second = generate_scenario_data(**options), generate_scenario_data(**options)
    assert first == second
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@given(options=options)
def test_generated_scenarios_validate(options: dict[str, Any]) -> None:
    data = generate_scenario_data(**options)
    loaded = scenario_from_dict(data)  # raises ScenarioError on any problem
    assert len(loaded.scenario.countries) == options["countries"]
    assert sum(len(s.items) for s in loaded.scenario.sectors.values()) == options["items"]
    assert len(loaded.scenario.sectors) == options["sectors"]
    assert set(loaded.memberships) == {"base", "expanded"}
    assert set(loaded.memberships["base"]) <= set(loaded.memberships["expanded"])
    concern = {c for c, v in loaded.scenario.countries.items() if v.concern}
    for members in loaded.memberships.values():
        assert not concern & set(members)
    # The generator promises every item matters: each has a positive total requirement.
    network = Network.from_scenario(loaded)
    assert network.active_items == network.items
    assert all(network.requirement[i] > 0 for i in network.items)


@given(options=options)
def test_inputs_graph_is_acyclic(options: dict[str, Any]) -> None:
    """Kahn's algorithm on the raw data, independent of the package's own ordering."""
    items = items_of(generate_scenario_data(**options))
    users = {i: 0 for i in items}  # how many items take i as an input
    for item in items.values():
        for k in item.get("inputs", {}):
            assert k in items
            users[k] += 1
    ready = [i for i, n in users.items() if n == 0]
    seen = 0
    while ready:
        j = ready.pop()
        seen += 1
        for k in items[j].get("inputs", {}):
            users[k] -= 1
            if users[k] == 0:
                ready.append(k)
    assert seen == len(items), "the inputs graph has a cycle"


@given(options=options)
def test_topological_order_puts_users_first(options: dict[str, Any]) -> None:
    network = Network.from_scenario(generate_scenario(**options))
    order = network.topological_order
    assert sorted(order) == sorted(network.items)
    position = {i: n for n, i in enumerate(order)}
    for j, inputs in network.inputs.items():
        for i in inputs:
            assert position[j] < position[i], (j, i)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_scenario_data(countries=1)
    with pytest.raises(ValueError):
        generate_scenario_data(items=0)


def test_trade_sized_options_bound_suppliers_and_expanders() -> None:
    data = generate_scenario_data(countries=60, items=40, seed=2, max_suppliers=40, max_expanders=5)
    items = [item for sector in data["sectors"].values() for item in sector["items"].values()]
    suppliers = [len(item["supply"]) for item in items]
    expanders = [len(item.get("expansion", {})) for item in items]
    assert min(suppliers) >= 2 and max(suppliers) <= 40 and max(suppliers) > 8
    assert max(expanders) <= 5 and max(expanders) > 3
