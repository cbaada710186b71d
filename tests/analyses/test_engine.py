"""The fast re-solve engine against fresh PuLP builds, on random memberships."""

from __future__ import annotations

import itertools
import random
from dataclasses import fields, replace
from functools import cache
from typing import Any

import numpy as np
import pytest

from paxmodel.analyses import engine as engine_module
from paxmodel.analyses.engine import Configuration, FastSolver, HighsEngine, NaiveSolver, gray_subsets, make_solver
from paxmodel.model.arrays import LpData, LpStructure, LpTemplate, lp_data
from paxmodel.model.lp import SourcingModel
from paxmodel.model.network import Network
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


def matrix_triples(data: LpData) -> list[tuple[int, int, float]]:
    rows = np.repeat(np.arange(len(data.a_start) - 1), np.diff(data.a_start))
    return sorted(zip(rows.tolist(), data.a_index.tolist(), data.a_value.tolist(), strict=True))


def pulp_lp(model: SourcingModel) -> tuple[list[tuple[int, int, float]], list[float], list[float]]:
    """(matrix triples, row lower bounds, row upper bounds) of the PuLP problem, rows in order."""
    columns = [*model.y.values(), *model.f.values(), *model.v.values(), *model.w.values()]
    position = {var.name: n for n, var in enumerate(columns)}
    triples, lower, upper = [], [], []
    with pulp_v4_warnings_silenced():
        for n, row in enumerate(model.problem.constraints.values()):
            triples += [(n, position[var.name], float(a)) for var, a in row.items() if a != 0]
            lb, ub = row.getLb(), row.getUb()
            lower.append(-np.inf if lb is None else float(lb))
            upper.append(np.inf if ub is None else float(ub))
    return sorted(triples), lower, upper


@pytest.mark.parametrize("case", sorted(CASES))
def test_arrays_are_the_pulp_model_and_membership_numbers_agree(case: str) -> None:
    """The LP the engine holds (built from the network in arrays) is the PuLP model, number for number."""
    loaded = scenario(case)
    network = Runner(loaded).network
    model = SourcingModel(network)
    engine = HighsEngine(network)
    triples, lower, upper = pulp_lp(model)
    assert matrix_triples(engine.data) == triples
    assert engine.data.row_lower.tolist() == lower
    assert engine.data.row_upper.tolist() == upper
    for members in random_memberships(loaded, 20, seed=3):
        target = engine.target(members)
        expected = model.coefficients(members)
        assert target.col_cost[engine.y_index].tolist() == expected.supply_cost
        assert target.col_upper[engine.f_index].tolist() == expected.expansion_upper
        assert target.row_upper[engine.data.cap_rows].tolist() == expected.share_cap_rhs
    if case == "budget_and_cap":
        assert len(model.share_cap_keys) > 0 and len(model.expansion_keys) > 0 and engine.data.budget_row >= 0


def variants(network: Network, count: int, seed: int) -> list[tuple[str, Network]]:
    """Random variants of `network`: supply cuts, other risks, demand, input coefficients and budget."""
    rng = random.Random(seed)
    found = []
    for n in range(count):
        cuts = {
            (c, i): rng.choice((0.3, 1.0)) for i in network.items for c in network.available[i] if rng.random() < 0.15
        }
        variant = network.with_cuts(cuts)
        variant = replace(
            variant,
            risk={c: min(1.0, r * rng.uniform(0.5, 1.5)) for c, r in variant.risk.items()},
            demand={i: d * rng.uniform(0.7, 1.3) for i, d in variant.demand.items()},
            inputs={j: {i: a * rng.uniform(0.5, 1.5) for i, a in by.items()} for j, by in variant.inputs.items()},
            budget=None if variant.budget is None else variant.budget * rng.uniform(0.2, 2.0),
        )
        found.append((f"v{n}", variant))
    return found


@pytest.mark.parametrize("case", sorted(CASES))
def test_variants_on_the_warm_engine_equal_fresh_builds(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cuts, risks, demand, input coefficients (matrix entries) and budget pushed into the warm
    model give what a fresh PuLP build of the variant gives."""
    loaded = scenario(case)
    runner = Runner(loaded)
    fast = FastSolver(runner, workers=1)
    memberships = random_memberships(loaded, 3, seed=5)
    configs = [
        Configuration(members, name, variant)
        for name, variant in variants(runner.network, 8, seed=len(case))
        for members in memberships
    ]
    with pulp_v4_warnings_silenced():
        for config in configs:
            assert config.network is not None
            reference = Runner.of_network(loaded, config.network).run("x", tuple(sorted(config.members)))
            evaluation = fast.evaluate(config)
            assert evaluation.objective == pytest.approx(reference.objective, abs=TOLERANCE)
            assert evaluation.dependency == pytest.approx(reference.optimised.dependency.overall, abs=TOLERANCE)
            assert fast.removed(config) == pytest.approx(reference.removed, abs=TOLERANCE)
            result = fast.result("x", config)
            assert result.baseline.dependency.overall == pytest.approx(reference.baseline.dependency.overall)
    # the same configurations in one sweep, shared with a worker process: identical numbers
    monkeypatch.setattr(engine_module, "CHUNK", 5)
    monkeypatch.setattr(engine_module, "POOL_MIN_SECONDS", 0.0)
    swept = FastSolver(runner, workers=2).evaluate_many(configs)
    alone = FastSolver(runner, workers=1).evaluate_many(configs)
    assert swept == alone


def test_a_cut_that_empties_an_item_keeps_the_structure_and_shows_shortfall() -> None:
    loaded = scenario("plain")
    runner = Runner(loaded)
    item = runner.network.active_items[0]
    every_supplier = {
        (c, item): 1.0 for c in {*runner.network.available[item], *runner.network.expansion_capacity[item]}
    }
    config = Configuration(frozenset(eligible(loaded)), "all cut", runner.network.with_cuts(every_supplier))
    result = FastSolver(runner, workers=1).result("x", config)
    assert result.optimised.items[item].shortfall == pytest.approx(runner.network.requirement[item])


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


@pytest.mark.parametrize("case", sorted(CASES))
def test_template_numbers_equal_a_full_build_bit_for_bit(case: str) -> None:
    """The array-operation numbers of a variant (what a sweep uses) are `lp_data`'s, exactly."""
    network = Runner(scenario(case)).network
    structure = LpStructure.of(network)
    template = LpTemplate(network, structure, lp_data(network, structure))
    assert template.usable
    for _, variant in variants(network, 12, seed=len(case) + 1):
        numbers = template.data(variant)
        assert numbers is not None
        expected = lp_data(variant, structure)
        for field in fields(LpData):
            got, want = getattr(numbers, field.name), getattr(expected, field.name)
            if isinstance(want, np.ndarray):
                assert np.array_equal(got, want), field.name
            else:
                assert got == want, field.name
