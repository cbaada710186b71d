"""Marginal and Shapley values against independent runs and the Shapley axioms."""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Any

import pytest

from paxmodel.analyses.contributions import marginal, shapley, shapley_weights
from paxmodel.analyses.engine import FastSolver
from paxmodel.model.run import Runner, solve
from paxmodel.scenario.errors import MembershipError
from paxmodel.scenario.generate import generate_scenario
from paxmodel.scenario.load import LoadedScenario, scenario_from_dict

TOLERANCE = 1e-7


def twins_data() -> dict[str, Any]:
    """A scenario in which AA and BB have identical data (risk, supply, expansion)."""
    twin = {"available": 30}
    return {
        "paxmodel": 1,
        "name": "Twins",
        "settings": {"member_risk": 0.0, "shortfall_penalty": 10.0, "max_single_share": 0.45, "budget": 60.0},
        "countries": {
            "US": {"name": "United States", "risk": 0.1},
            "AA": {"name": "Twin A", "risk": 0.35},
            "BB": {"name": "Twin B", "risk": 0.35},
            "CC": {"name": "Other", "risk": 0.6},
            "NN": {"name": "Nobody", "risk": 0.2},
            "CN": {"name": "Concern", "risk": 1.0, "concern": True},
        },
        "sectors": {
            "chips": {
                "name": "Chips",
                "items": {
                    "chip": {
                        "name": "Chip",
                        "unit": "u",
                        "demand": 100,
                        "supply": {"CN": 70, "AA": twin, "BB": twin, "CC": 25, "US": 5},
                        "expansion": {
                            "AA": {"capacity": 15, "cost": 2.0},
                            "BB": {"capacity": 15, "cost": 2.0},
                            "US": {"capacity": 20, "cost": 3.0},
                        },
                        "inputs": {"wafer": 1.5},
                    }
                },
            },
            "materials": {
                "name": "Materials",
                "weight": 2.0,
                "items": {
                    "wafer": {
                        "name": "Wafer",
                        "unit": "u",
                        "demand": 20,
                        "supply": {"CN": 120, "AA": 25, "BB": 25, "CC": 30},
                        "expansion": {"CC": {"capacity": 30, "cost": 1.0}},
                    },
                    "gas": {"name": "Gas", "unit": "t", "demand": 10, "supply": {"CN": 8, "CC": 1}},
                },
            },
        },
        "memberships": {"bloc": ["AA", "BB", "CC", "NN", "US"], "small": ["AA", "US"]},
    }


@cache
def twins() -> LoadedScenario:
    return scenario_from_dict(twins_data(), name="twins")


@cache
def generated() -> LoadedScenario:
    return generate_scenario(countries=16, items=14, tiers=3, seed=21, budget=30.0, max_single_share=0.45)


def removal(loaded: LoadedScenario, members: tuple[str, ...] | frozenset[str]) -> float:
    """v(S) by an independent full run (PuLP build and solve)."""
    return solve(loaded, members=sorted(members)).removed


def brute_force_shapley(loaded: LoadedScenario, players: tuple[str, ...]) -> dict[str, float]:
    """Shapley values by their definition over all orders, every v(S) from its own run."""
    v = {
        frozenset(s): removal(loaded, s)
        for size in range(len(players) + 1)
        for s in itertools.combinations(players, size)
    }
    totals = dict.fromkeys(players, 0.0)
    orders = list(itertools.permutations(players))
    for order in orders:
        for k, player in enumerate(order):
            totals[player] += v[frozenset(order[: k + 1])] - v[frozenset(order[:k])]
    return {p: t / len(orders) for p, t in totals.items()}


def test_twins_get_equal_shapley_values_and_a_null_player_gets_zero() -> None:
    result = shapley(twins(), "bloc")
    assert result.exact and result.players == ("AA", "BB", "CC", "NN", "US")
    assert result.values["AA"] > 1e-3  # the twins matter, so equality is not trivial
    assert result.values["AA"] == pytest.approx(result.values["BB"], abs=1e-9)
    assert result.values["NN"] == pytest.approx(0.0, abs=1e-12)  # NN supplies nothing
    assert result.values["CC"] != pytest.approx(result.values["AA"], abs=1e-6)


@pytest.mark.parametrize(("case", "membership"), [("twins", "bloc"), ("generated", "expanded")])
def test_exact_shapley_matches_definition_and_is_efficient(case: str, membership: str) -> None:
    loaded = twins() if case == "twins" else generated()
    result = shapley(loaded, membership)
    players = loaded.memberships[membership]
    assert result.players == players and result.exact and result.configurations == 2 ** len(players)
    total = result.removed_all - result.removed_none
    assert math.fsum(result.values.values()) == pytest.approx(total, abs=1e-9)
    assert result.removed_all == pytest.approx(removal(loaded, players), abs=TOLERANCE)
    assert result.removed_none == pytest.approx(removal(loaded, ()), abs=TOLERANCE)
    if len(players) <= 5:
        expected = brute_force_shapley(loaded, players)
        for player in players:
            assert result.values[player] == pytest.approx(expected[player], abs=TOLERANCE)
    assert any(abs(value) > 1e-4 for value in result.values.values())


def test_generated_case_has_enough_players() -> None:
    assert 5 <= len(generated().memberships["expanded"]) <= 9


def test_sampled_shapley_is_close_to_exact_efficient_and_reproducible() -> None:
    loaded = generated()
    engine = FastSolver(Runner(loaded), workers=1)
    exact = shapley(loaded, "expanded", engine=engine)
    assert shapley(loaded, "expanded", samples=600, seed=7, engine=engine).exact  # few players: exact anyway
    sampled = shapley(loaded, "expanded", samples=600, seed=7, exact=False, engine=engine)
    assert not sampled.exact and sampled.samples == 600 and sampled.seed == 7
    assert sampled.standard_error is not None
    total = sampled.removed_all - sampled.removed_none
    assert math.fsum(sampled.values.values()) == pytest.approx(total, abs=1e-9)
    for player in exact.players:
        error = sampled.standard_error[player]
        assert abs(sampled.values[player] - exact.values[player]) <= 4 * error + 1e-9
    assert max(sampled.standard_error.values()) > 0
    # Same seed, fresh engines: the same bits. (With a shared engine, values cached from other
    # calls may differ in the last bits, from warm starts at other bases.)
    first = shapley(loaded, "expanded", samples=600, seed=7, exact=False)
    again = shapley(loaded, "expanded", samples=600, seed=7, exact=False)
    assert again.values == first.values and again.standard_error == first.standard_error
    assert again.values == pytest.approx(sampled.values, abs=1e-12)
    other = shapley(loaded, "expanded", samples=600, seed=8, exact=False, engine=engine)
    assert other.values != sampled.values


def test_shapley_samples_above_the_exact_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from paxmodel.analyses import contributions

    monkeypatch.setattr(contributions, "EXACT_MAX_PLAYERS", 3)
    monkeypatch.setattr(contributions, "DEFAULT_SAMPLES", 50)
    result = shapley(twins(), "bloc", seed=1)
    assert not result.exact and result.samples == 50 and result.standard_error is not None
    document = result.to_dict()
    assert set(document["standard_error"]) == set(document["shapley"]) == set(result.players)


def test_shapley_weights_sum_to_one_over_sizes() -> None:
    for n in range(1, 15):
        weights = shapley_weights(n)
        assert math.fsum(w * math.comb(n - 1, s) for s, w in enumerate(weights)) == pytest.approx(1.0)


def test_marginal_values_equal_differences_of_two_runs() -> None:
    loaded = generated()
    members = loaded.memberships["base"]
    result = marginal(loaded, "base")
    assert result.members == members
    assert result.candidates == loaded.default_candidates(members)
    with_all = removal(loaded, members)
    assert result.removed == pytest.approx(with_all, abs=TOLERANCE)
    for code in members[:4]:
        without = removal(loaded, tuple(c for c in members if c != code))
        assert result.values[code] == pytest.approx(with_all - without, abs=TOLERANCE)
    for code in result.candidates[:4]:
        joined = removal(loaded, (*members, code))
        assert result.values[code] == pytest.approx(joined - with_all, abs=TOLERANCE)
    assert any(abs(v) > 1e-4 for v in result.values.values())
    rows = result.records()
    assert len(rows) == len(members) + len(result.candidates)
    assert {row["role"] for row in rows} == {"member", "candidate"}


def test_marginal_with_explicit_candidates_and_errors() -> None:
    loaded = twins()
    result = marginal(loaded, "small", ["CC", "BB"])
    assert result.candidates == ("BB", "CC")
    assert set(result.to_dict()["marginal"]) == {"AA", "US", "BB", "CC"}
    with pytest.raises(MembershipError, match="already members"):
        marginal(loaded, "small", ["AA"])
    with pytest.raises(MembershipError, match="country of concern"):
        marginal(loaded, "small", ["CN"])
    with pytest.raises(MembershipError, match="unknown country"):
        marginal(loaded, "small", ["ZZ"])
    with pytest.raises(MembershipError, match="unknown membership"):
        shapley(loaded, "nope")
    with pytest.raises(ValueError, match="between 2"):
        shapley(loaded, "small", samples=1)


def test_cbc_gives_the_same_contributions() -> None:
    loaded = twins()
    fast = shapley(loaded, "small")
    slow = shapley(loaded, "small", solver="cbc")
    assert slow.solver.startswith("CBC")
    for player in fast.players:
        assert slow.values[player] == pytest.approx(fast.values[player], abs=1e-6)


def test_json_documents() -> None:
    loaded = twins()
    values = shapley(loaded, "bloc").to_dict()
    assert values["exact"] is True and values["players"] == ["AA", "BB", "CC", "NN", "US"]
    assert "standard_error" not in values
    assert isinstance(values["shapley"]["AA"], float)
    margins = marginal(loaded, "bloc").to_dict()
    assert margins["candidates"] == [] and set(margins["marginal"]) == {"AA", "BB", "CC", "NN", "US"}
    assert margins["marginal"]["NN"] == 0.0


def test_sampled_shapley_streams_its_orders_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches change nothing but memory: the same draws, the same means and errors."""
    from paxmodel.analyses import contributions

    loaded = twins()
    whole = shapley(loaded, "small", samples=60, seed=3, exact=False)
    monkeypatch.setattr(contributions, "ORDERS_PER_BATCH", 7)
    batched = shapley(loaded, "small", samples=60, seed=3, exact=False)
    assert batched.values == pytest.approx(whole.values, abs=1e-12)
    assert batched.standard_error == pytest.approx(whole.standard_error, abs=1e-12)
    assert batched.configurations == whole.configurations
