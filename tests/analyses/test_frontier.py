"""The budget frontier (MODEL.md 8): exact breakpoints, checked by independent PuLP re-solves."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from paxmodel.analyses.frontier import budget_frontier, frontier
from paxmodel.cli import app
from paxmodel.model.lp import SourcingModel
from paxmodel.model.network import Network
from paxmodel.model.run import Runner
from paxmodel.model.solvers import pulp_v4_warnings_silenced
from paxmodel.scenario.generate import generate_scenario
from paxmodel.scenario.load import scenario_from_dict

# One item, demand 10, all of it from CN (risk 1) today. Members US and JP (risk 0) can expand:
# US 4 units at cost 1, JP 6 units at cost 2. Each unit moved off CN removes 0.1 of dependency:
#   z(B) = 1 - 0.1 B            for 0 <= B <= 4    (US first: 0.1 removed per unit of budget)
#   z(B) = 0.6 - 0.05 (B - 4)   for 4 <= B <= 16   (then JP: 0.05 per unit of budget)
#   z(B) = 0                    beyond 16: the saturation budget
HAND = {
    "paxmodel": 1,
    "name": "Hand",
    "countries": {
        "CN": {"name": "China", "risk": 1.0, "concern": True},
        "US": {"name": "US", "risk": 0.5},
        "JP": {"name": "Japan", "risk": 0.5},
    },
    "sectors": {
        "s": {
            "name": "S",
            "items": {
                "g": {
                    "name": "G",
                    "demand": 10,
                    "supply": {"CN": 10},
                    "expansion": {"US": {"capacity": 4, "cost": 1}, "JP": {"capacity": 6, "cost": 2}},
                }
            },
        }
    },
    "memberships": {"both": ["US", "JP"], "us_only": ["US"]},
}

CASES = {
    "caps": dict(countries=12, items=14, seed=5, budget=80.0, max_single_share=0.6, member_fraction=0.5),
    "tiers": dict(countries=10, items=18, tiers=3, seed=11, budget=None, member_fraction=0.4),
    "wide": dict(countries=16, items=12, seed=23, budget=10.0, max_single_share=0.75, max_expanders=5),
}


def pulp_objective(network: Network, members: tuple[str, ...], budget: float) -> float:
    """An independent solve: the PuLP model of the network with the budget set to `budget`."""
    with pulp_v4_warnings_silenced():
        return SourcingModel(replace(network, budget=budget)).solve(frozenset(members)).objective


def test_hand_computed_case() -> None:
    loaded = scenario_from_dict(HAND)
    result = frontier(loaded, "both")
    assert [p.budget for p in result.points] == pytest.approx([0, 4, 16], abs=1e-9)
    assert [p.objective for p in result.points] == pytest.approx([1.0, 0.6, 0.0], abs=1e-9)
    assert [p.removed for p in result.points] == pytest.approx([0.0, 0.4, 1.0], abs=1e-9)
    assert result.saturation_budget == pytest.approx(16)
    segments = result.segments()
    assert [s["cost_per_point"] for s in segments] == pytest.approx([0.1, 0.2])  # 4 / 40 pp, 12 / 60 pp
    assert [s["objective_slope"] for s in segments] == pytest.approx([-0.1, -0.05])
    # US alone: one segment up to its 4 units
    alone = frontier(loaded, "us_only")
    assert [x for p in alone.points for x in (p.budget, p.objective)] == pytest.approx([0, 1.0, 4, 0.6])


def test_nothing_to_buy_gives_one_point() -> None:
    data = json.loads(json.dumps(HAND))
    data["sectors"]["s"]["items"]["g"]["expansion"] = {"US": {"capacity": 4, "cost": 0}}
    result = frontier(scenario_from_dict(data), "both")
    assert [x for p in result.points for x in (p.budget, p.objective)] == pytest.approx([0, 0.6])
    assert result.saturation_budget == 0
    result = frontier(scenario_from_dict(HAND), members=[])
    assert len(result.points) == 1 and result.points[0].objective == pytest.approx(1.0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_breakpoints_against_independent_solves(case: str) -> None:
    loaded = generate_scenario(**CASES[case])
    network = Runner(loaded).network
    members = loaded.memberships["expanded"]
    frontier = budget_frontier(network, members)
    points = frontier.points
    assert len(points) >= 3, "the case should have kinks to check"
    budgets = [p.budget for p in points]
    assert budgets == sorted(budgets) and budgets[0] == 0
    assert all(a.objective > b.objective for a, b in itertools.pairwise(points))
    for p in points:  # each point is the optimum at its budget
        assert pulp_objective(network, members, p.budget) == pytest.approx(p.objective, abs=1e-7)
    for a, b in itertools.pairwise(points):  # linear in between: z at 1/3 and 2/3 on the chord
        for t in (1 / 3, 2 / 3):
            budget = a.budget + t * (b.budget - a.budget)
            chord = a.objective + t * (b.objective - a.objective)
            assert pulp_objective(network, members, budget) == pytest.approx(chord, abs=1e-7)
    for a, b, c in zip(points, points[1:], points[2:], strict=False):  # every interior point is a kink
        slope_before = (b.objective - a.objective) / (b.budget - a.budget)
        slope_after = (c.objective - b.objective) / (c.budget - b.budget)
        assert slope_after > slope_before + 1e-9
    rng = random.Random(7)
    saturation = frontier.saturation_budget
    for budget in [rng.uniform(0, saturation) for _ in range(5)] + [saturation * 1.5, saturation * 10]:
        assert pulp_objective(network, members, budget) == pytest.approx(frontier.objective_at(budget), abs=1e-7)
    # saturation is the smallest budget beyond which nothing changes
    assert pulp_objective(network, members, saturation * (1 - 1e-6)) > points[-1].objective + 1e-12


def test_dependency_and_removed_match_runs() -> None:
    loaded = generate_scenario(**CASES["caps"])
    runner = Runner(loaded)
    members = loaded.memberships["expanded"]
    frontier = budget_frontier(runner.network, members)
    for p in frontier.points[:4]:
        result = Runner(loaded, replace(runner.network, budget=p.budget)).run("x", members)
        assert p.objective == pytest.approx(result.objective, abs=1e-7)
        assert p.removed == pytest.approx(frontier.baseline - p.dependency)
        assert frontier.baseline == pytest.approx(result.baseline.dependency.overall)


def test_cli_json_and_table(tmp_path: object) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["frontier", "scenarios/tutorial.yaml", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {"membership", "saturation_budget", "points"} <= set(document)
    assert set(document["points"][0]) == {"budget", "objective", "dependency", "removed"}
    again = runner.invoke(app, ["frontier", "scenarios/tutorial.yaml", "--json"])
    assert again.stdout == result.stdout  # same bytes
    table = runner.invoke(app, ["frontier", "scenarios/tutorial.yaml"])
    assert table.exit_code == 0 and "saturation budget" in table.stdout
    bad = runner.invoke(app, ["frontier", "scenarios/tutorial.yaml", "--membership", "nope"])
    assert bad.exit_code == 1 and "unknown membership 'nope'" in bad.stderr


def test_report_carries_the_frontier_table_and_chart() -> None:
    from paxmodel.analyses.exposure import build_report
    from paxmodel.outputs.report import render

    report = build_report(scenario_from_dict(HAND), "both", date="2026-11-26")
    assert report.to_dict()["frontier"]["saturation_budget"] == 16
    html = render(report, "html")
    assert '<section id="frontier">' in html and 'id="chart-frontier"' in html
    markdown = render(report, "md")
    assert "## Cost of de-risking" in markdown and "| 16 | 0.0% | 100.0 pp | 0.2 |" in markdown
