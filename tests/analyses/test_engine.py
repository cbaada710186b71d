"""The fast re-solve engine against fresh PuLP builds, on random memberships."""

from __future__ import annotations

import itertools
import random
from functools import cache
from typing import Any

import numpy as np
import pytest

from paxmodel.analyses import engine as engine_module
from paxmodel.analyses.engine import FastSolver, HighsEngine, NaiveSolver, gray_subsets, make_solver
from paxmodel.model.lp import SourcingModel
from paxmodel.model.run import Runner
from paxmodel.model.solvers import pulp_v4_warnings_silenced
from paxmodel.scenario.generate import generate_scenario
from paxmodel.scenario.load import LoadedScenario

TOLERANCE = 1e-7

CASES: dict[str, dict[str, Any]] = {
    # budget and single-share cap on: both bind in these scenarios
    "budget_and_cap": {"countries": 18, "items": 16, "tiers": 3, "seed": 11, "budget": 40.0, "max_single_share": 0.4},
    # neither: only risks and expansion bounds change with the membership
    "plain": {"countries": 16, "items": 14, "tiers": 3, "seed": 12},
    # members count at a risk above some countries' own: joining can add dependency
    "member_risk": {"countries": 16, "items": 12, "tiers": 2, "seed": 13, "member_risk": 0.3, "budget": 25.0},
}


@cache
def scenario(case: str) -> LoadedScenario:
    return generate_scenario(**CASES[case])


def eligible(loaded: LoadedScenario) -> list[str]:
    return sorted(c for c, v in loaded.scenario.countries.items() if not v.concern)


def random_memberships(loaded: LoadedScenario, count: int, seed: int) -> list[frozenset[str]]:
    rng = random.Random(seed)
    pool = eligible(loaded)
    return [frozenset(c for c in pool if rng.random() < rng.choice((0.2, 0.5, 0.8))) for _ in range(count)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_engine_objectives_equal_fresh_pulp_solves(case: str) -> None:
    loaded = scenario(case)
    runner = Runner(loaded)
    fast = FastSolver(runner, workers=1)
    memberships = random_memberships(loaded, 30, seed=len(case))
    with pulp_v4_warnings_silenced():
        for members in memberships:
            fresh = SourcingModel(runner.network).solve(members)
            assert fast.solve(members) == pytest.approx(fresh.objective, abs=TOLERANCE)
    # the same memberships again, in one chunked sweep (cold start, then warm): same numbers
    sweep = FastSolver(runner, workers=1).evaluate_many(memberships)
    for members, evaluation in zip(memberships, sweep, strict=True):
        assert evaluation.objective == pytest.approx(fast.solve(members), abs=TOLERANCE)


@pytest.mark.parametrize("case", sorted(CASES))
def test_engine_dependency_and_result_equal_runner(case: str) -> None:
    """Dependency counts shortfall at 1 (not P): it must match the metrics of a full run."""
    loaded = scenario(case)
    runner = Runner(loaded)
    fast = FastSolver(runner, workers=1)
    shortfall_seen = False
    for members in random_memberships(loaded, 6, seed=7):
        reference = runner.run("x", tuple(sorted(members)))
        evaluation = fast.evaluate(members)
        assert evaluation.dependency == pytest.approx(reference.optimised.dependency.overall, abs=TOLERANCE)
        assert fast.removed(members) == pytest.approx(reference.removed, abs=TOLERANCE)
        net = runner.network
        shortfall = sum(
            net.overall_weight[i] * m.shortfall / net.requirement[i] for i, m in reference.optimised.items.items()
        )
        assert evaluation.shortfall == pytest.approx(shortfall, abs=TOLERANCE)
        shortfall_seen |= shortfall > 1e-6
        result = fast.result("x", members).to_dict()
        expected = reference.to_dict()
        assert result["members"] == expected["members"]
        assert result["overall"] == pytest.approx(expected["overall"], abs=TOLERANCE)
        for item, entry in expected["items"].items():
            assert result["items"][item]["optimised"] == pytest.approx(entry["optimised"], abs=TOLERANCE)
    if case == "budget_and_cap":
        assert shortfall_seen  # the case exercises the P-versus-1 difference


def test_vectorised_coefficients_equal_sourcing_model() -> None:
    loaded = scenario("budget_and_cap")
    model = SourcingModel(Runner(loaded).network)
    engine = HighsEngine(model)
    for members in random_memberships(loaded, 20, seed=3):
        cost, f_upper, cap_upper = engine.coefficients(members)
        expected = model.coefficients(members)
        assert cost.tolist() == expected.supply_cost
        assert f_upper.tolist() == expected.expansion_upper
        assert cap_upper.tolist() == expected.share_cap_rhs
    assert len(model.share_cap_keys) > 0 and len(model.expansion_keys) > 0


def test_gray_subsets_cover_every_subset_once_one_change_at_a_time() -> None:
    players = ["A", "B", "C", "D"]
    subsets = gray_subsets(players)
    assert sorted(mask for mask, _ in subsets) == list(range(16))
    assert len({members for _, members in subsets}) == 16
    for (_, before), (_, after) in itertools.pairwise(subsets):
        assert len(before ^ after) == 1
    for mask, members in subsets:
        assert members == {p for b, p in enumerate(players) if mask >> b & 1}


def test_shared_sweep_gives_the_same_bits_as_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks start cold, so results do not depend on which process solved them."""
    loaded = scenario("budget_and_cap")
    runner = Runner(loaded)
    monkeypatch.setattr(engine_module, "CHUNK", 16)
    monkeypatch.setattr(engine_module, "POOL_MIN_SECONDS", 0.0)
    configurations = [members for _, members in gray_subsets(eligible(loaded)[:6])]
    seen: list[tuple[int, int]] = []
    shared = FastSolver(runner, workers=2)
    parallel = shared.evaluate_many(configurations, progress=lambda done, total: seen.append((done, total)))
    serial = FastSolver(runner, workers=1).evaluate_many(configurations)
    assert parallel == serial
    # the first chunk is solved here; the worker takes two chunks from the back at once
    assert 16 <= shared.engine.solves <= 64 - 2 * 16
    assert seen[0] == (0, 64) and seen[-1] == (64, 64)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_cache_and_repeated_configurations() -> None:
    loaded = scenario("plain")
    fast = FastSolver(Runner(loaded), workers=1)
    members = frozenset(eligible(loaded)[:3])
    first = fast.evaluate_many([members, members, frozenset()])
    solves = fast.engine.solves
    again = fast.evaluate_many([frozenset(), members])
    assert fast.engine.solves == solves == 2
    assert again == [first[2], first[0]]


def test_naive_solver_agrees_with_fast_solver() -> None:
    loaded = scenario("budget_and_cap")
    runner = Runner(loaded)
    memberships = random_memberships(loaded, 4, seed=5)
    naive = NaiveSolver(runner, "highs")
    fast = make_solver(runner, "highs")
    assert isinstance(fast, FastSolver)
    assert isinstance(make_solver(runner, "cbc"), NaiveSolver)
    assert np.allclose(naive.removed_many(memberships), fast.removed_many(memberships), atol=TOLERANCE, rtol=0)


def test_unknown_country_is_an_error() -> None:
    fast = FastSolver(Runner(scenario("plain")), workers=1)
    with pytest.raises(ValueError, match="unknown country 'XX'"):
        fast.solve(["XX"])


def test_scenario_without_requirement_gives_an_empty_lp() -> None:
    """All items with T = 0: no columns; HiGHS calls that 'empty', and it is the optimum."""
    from paxmodel.scenario.load import scenario_from_dict

    data = {
        "paxmodel": 1,
        "name": "nothing needed",
        "countries": {"US": {"name": "US", "risk": 0.1}, "JP": {"name": "JP", "risk": 0.2}},
        "sectors": {"s": {"name": "S", "items": {"a": {"name": "A", "unit": "t", "supply": {"US": 1}}}}},
    }
    fast = FastSolver(Runner(scenario_from_dict(data)), workers=1)
    assert fast.evaluate(["US", "JP"]) == engine_module.Evaluation(0.0, 0.0, 0.0)
    assert fast.result("x", ["US"]).to_dict()["overall"]["optimised"] == 0.0
