"""The worst-case MILP against brute force over every set of cuts, and `stress --worst`."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from paxmodel.analyses.engine import Configuration, FastSolver
from paxmodel.analyses.interdiction import InterdictionModel
from paxmodel.analyses.stress import stress
from paxmodel.cli import app
from paxmodel.model.lp import SourcingModel
from paxmodel.scenario.generate import generate_scenario
from paxmodel.scenario.load import LoadedScenario, load_scenario

SMALL = Path(__file__).parents[1] / "data" / "small.yaml"
TOLERANCE = 1e-7

# Small generated scenarios with 8 to 10 candidate cuts: plain, a binding budget, a binding
# single-share cap, both, member_risk above some countries' own risk, and an attacker that is
# a member (its cut removes expansion capacity too).
CASES: dict[str, dict[str, Any]] = {
    "plain": {"countries": 8, "items": 6, "tiers": 2, "seed": 11, "concern_fraction": 0.25},
    "budget": {"countries": 8, "items": 6, "tiers": 3, "seed": 12, "budget": 15.0, "concern_fraction": 0.25},
    "share_cap": {
        "countries": 8,
        "items": 6,
        "tiers": 3,
        "seed": 13,
        "max_single_share": 0.4,
        "concern_fraction": 0.25,
    },
    "budget_and_cap": {
        "countries": 9,
        "items": 6,
        "tiers": 2,
        "seed": 14,
        "budget": 20.0,
        "max_single_share": 0.5,
        "concern_fraction": 0.25,
    },
    "member_risk": {"countries": 8, "items": 6, "tiers": 3, "seed": 15, "member_risk": 0.3, "concern_fraction": 0.25},
    "member_attacker": {"countries": 7, "items": 5, "tiers": 2, "seed": 16, "budget": 10.0, "concern_fraction": 0.15},
}


@cache
def scenario(case: str) -> LoadedScenario:
    return generate_scenario(**CASES[case])


def attackers_of(case: str) -> tuple[str, ...]:
    loaded = scenario(case)
    concern = sorted(c for c, v in loaded.scenario.countries.items() if v.concern)
    if case == "member_attacker":  # the first member that supplies or can expand something
        items = [item for sector in loaded.scenario.sectors.values() for item in sector.items.values()]
        member = next(m for m in loaded.memberships["base"] if any(m in i.supply or m in i.expansion for i in items))
        return (*concern, member)
    return tuple(concern)


@cache
def brute_force(case: str) -> tuple[tuple[tuple[str, str], ...], dict[tuple[tuple[str, str], ...], float]]:
    """Candidate pairs and the LP objective of the base membership under every set of full cuts."""
    loaded = scenario(case)
    members = frozenset(loaded.memberships["base"])
    solver = FastSolver(loaded, workers=1)
    pairs = InterdictionModel(solver.network, members, attackers_of(case)).pairs
    objectives = {}
    for size in range(len(pairs) + 1):
        for cuts in itertools.combinations(pairs, size):
            variant = solver.network.with_cuts(dict.fromkeys(cuts, 1.0))
            objectives[cuts] = solver.evaluate(Configuration(members, repr(cuts), variant)).objective
    return pairs, objectives


def expected(objectives: dict[tuple[tuple[str, str], ...], float], k: int) -> tuple[float, list[tuple[str, str]]]:
    """MODEL.md 5: the largest objective with at most k cuts; ties to the smallest sorted list."""
    best = max(value for cuts, value in objectives.items() if len(cuts) <= k)
    ties = [list(cuts) for cuts, value in objectives.items() if len(cuts) <= k and value >= best - TOLERANCE]
    return best, min(ties)


def test_candidate_pairs_are_the_attackers_supplies() -> None:
    loaded = scenario("member_attacker")
    network = FastSolver(loaded, workers=1).network
    members = frozenset(loaded.memberships["base"])
    attackers = attackers_of("member_attacker")
    pairs = InterdictionModel(network, members, attackers).pairs
    assert list(pairs) == sorted(pairs)
    wanted = {
        (c, i)
        for i in network.active_items
        for c in attackers
        if network.available[i].get(c, 0) > 0 or (c in members and network.expansion_capacity[i].get(c, 0) > 0)
    }
    assert set(pairs) == wanted
    assert any(c == attackers[-1] for c, _ in pairs)  # the member attacker can cut something


@pytest.mark.parametrize("case", sorted(CASES))
def test_milp_equals_brute_force_for_every_k(case: str) -> None:
    pairs, objectives = brute_force(case)
    assert 5 <= len(pairs) <= 10
    loaded = scenario(case)
    model = InterdictionModel(FastSolver(loaded, workers=1).network, loaded.memberships["base"], attackers_of(case))
    values = []
    for k in range(min(len(pairs), 5) + 1):
        found = model.solve(k)
        best, cuts = expected(objectives, k)
        assert found.proven_optimal
        assert found.objective == pytest.approx(best, abs=TOLERANCE)
        assert list(found.cuts) == cuts, (k, found.cuts, cuts)
        values.append(found.objective)
    assert values == sorted(values) and values[-1] > values[0] + 1e-3  # cutting hurts


def test_some_case_has_ties_broken_towards_the_smallest_list() -> None:
    """Where more cuts add nothing, the answer is padded with the smallest pairs (lexicographic)."""
    _, objectives = brute_force("budget")
    best3, cuts3 = expected(objectives, 3)
    best2, cuts2 = expected(objectives, 2)
    assert best3 == pytest.approx(best2) and len(cuts3) == 3 and cuts3 < cuts2


def test_cases_exercise_budget_share_cap_and_tiers() -> None:
    """The constrained cases must differ from the same scenario without the constraint."""
    for case, relaxed in (("budget", {"budget": None}), ("share_cap", {"max_single_share": 1.0})):
        loaded = generate_scenario(**(CASES[case] | relaxed))
        pairs, objectives = brute_force(case)
        model = InterdictionModel(FastSolver(loaded, workers=1).network, loaded.memberships["base"], attackers_of(case))
        assert model.pairs == pairs
        assert abs(model.solve(2).objective - expected(objectives, 2)[0]) > 1e-4, case
    assert any(scenario(case).scenario.sectors for case in CASES)
    network = FastSolver(scenario("share_cap"), workers=1).network
    assert any(network.inputs[i] for i in network.items)  # tiers


def test_worst_case_numbers_are_those_of_the_pulp_model() -> None:
    """The cuts' LP objective, through PuLP on a network cut by hand, equals the MILP's."""
    loaded = scenario("budget_and_cap")
    result = stress(loaded, ["base"], worst=3, attackers=attackers_of("budget_and_cap"), frontier=True)
    worst = result.worst
    assert worst is not None and worst.proven_optimal
    assert [p.k for p in worst.frontier] == [0, 1, 2, 3]
    network = FastSolver(loaded, workers=1).network
    for point in worst.frontier:
        cut = network.with_cuts(dict.fromkeys(point.cuts, 1.0))
        objective = SourcingModel(cut).solve(frozenset(worst.members), "cbc").objective
        assert point.milp_objective == pytest.approx(objective, abs=1e-6)
        assert point.cell.objective == pytest.approx(objective, abs=1e-6)
    assert result.shocks == ("worst",) and result.cell("base", "worst") is worst.best.cell


def test_stress_worst_json_and_cli() -> None:
    loaded = load_scenario(SMALL)
    document = stress(loaded, ["founding"], worst=2).to_dict()
    worst = document["worst"]
    assert worst["membership"] == "founding" and worst["k"] == 2 and worst["proven_optimal"] is True
    assert worst["attackers"] == ["CN", "RU"]  # every country of concern
    for key in ("cuts", "objective", "dependency", "shortfall_share", "milp"):
        assert key in worst
    assert worst["cuts"] == sorted(worst["cuts"])
    assert document["results"]["founding"]["worst"]["objective"] == worst["objective"]
    assert worst["milp"]["binaries"] == worst["milp"]["candidates"]
    runner = CliRunner()
    printed = runner.invoke(app, ["stress", str(SMALL), "-m", "founding", "--worst", "2", "--json"])
    assert printed.exit_code == 0, printed.stderr
    shown = json.loads(printed.stdout)
    assert shown["worst"]["cuts"] == worst["cuts"]
    table = runner.invoke(app, ["stress", str(SMALL), "-m", "founding", "--worst", "2", "--frontier"])
    assert table.exit_code == 0 and "proven optimal" in table.stdout
    for args, message in (
        (["--worst", "2"], "one membership"),
        (["-m", "founding", "--worst", "2", "--attackers", "XX"], "unknown attacker country 'XX'"),
        (["-m", "founding", "--attackers", "CN"], "--worst"),
        (["-m", "founding", "--worst", "-1"], "0 or more"),
    ):
        failed = runner.invoke(app, ["stress", str(SMALL), *args])
        assert failed.exit_code in (1, 2) and message in failed.stderr, (args, failed.stderr)
