"""Invariants that hold for any scenario, checked on the small hand files in tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from paxmodel.model.run import Runner, RunResult
from paxmodel.model.solvers import SOLVER_NAMES, SolverName
from paxmodel.scenario.load import load_scenario

DATA = Path(__file__).resolve().parents[1] / "data"
# The hand files written for these tests (member_risk 0, nested memberships); other files in
# tests/data belong to other tests and need not meet the premises of the monotonicity checks.
FILES = ("small.yaml", "weights.yaml")
EPS = 1e-9


def configurations() -> list[tuple[str, str, tuple[str, ...]]]:
    """(file, membership name, members) for every membership of every data file, plus nobody."""
    cases = []
    for path in (DATA / name for name in FILES):
        loaded = load_scenario(path)
        cases.append((path.name, "nobody", ()))
        cases.extend((path.name, name, members) for name, members in loaded.memberships.items())
    return cases


CONFIGURATIONS = configurations()
runners: dict[str, Runner] = {}


def solve(file: str, name: str, members: tuple[str, ...], solver: SolverName = "highs") -> RunResult:
    if file not in runners:
        runners[file] = Runner(load_scenario(DATA / file))
    return runners[file].run(name, members, solver)


def test_data_files_cover_enough() -> None:
    assert len({file for file, _, _ in CONFIGURATIONS}) >= 2
    assert len(CONFIGURATIONS) >= 6


@pytest.mark.parametrize("solver", SOLVER_NAMES)
@pytest.mark.parametrize(("file", "name", "members"), CONFIGURATIONS)
def test_removed_is_baseline_minus_optimised(
    file: str, name: str, members: tuple[str, ...], solver: SolverName
) -> None:
    result = solve(file, name, members, solver)
    base, opt = result.baseline, result.optimised
    assert result.removed == pytest.approx(base.dependency.overall - opt.dependency.overall, abs=EPS)
    removed_sectors = result.sector_removed()
    assert set(removed_sectors) == set(result.network.active_sectors)
    for sector, removed in removed_sectors.items():
        assert removed == pytest.approx(base.dependency.sectors[sector] - opt.dependency.sectors[sector], abs=EPS)
    removed_items = result.item_removed()
    assert set(removed_items) == set(result.network.active_items)
    for item, removed in removed_items.items():
        assert removed == pytest.approx(base.items[item].dependency - opt.items[item].dependency, abs=EPS)
    document = result.to_dict()
    assert document["overall"]["removed"] == pytest.approx(
        document["overall"]["baseline"] - document["overall"]["optimised"], abs=1e-11
    )
    for entry in [*document["sectors"].values(), *document["items"].values()]:
        if entry["baseline"] is not None:
            assert entry["removed"] == pytest.approx(entry["baseline"] - entry["optimised"], abs=1e-11)


@pytest.mark.parametrize(("file", "name", "members"), CONFIGURATIONS)
def test_dependency_and_concern_share_in_unit_interval(file: str, name: str, members: tuple[str, ...]) -> None:
    result = solve(file, name, members)
    for outcome in (result.baseline, result.optimised):
        values = [outcome.dependency.overall, outcome.concern_share.overall]
        values += [*outcome.dependency.sectors.values(), *outcome.concern_share.sectors.values()]
        for metrics in outcome.items.values():
            values += [metrics.dependency, metrics.concern_share]
            assert 0.0 <= metrics.hhi <= 10000.0 + 1e-6
            assert metrics.shortfall >= 0.0
        for value in values:
            assert -EPS <= value <= 1.0 + EPS


@pytest.mark.parametrize("solver", SOLVER_NAMES)
@pytest.mark.parametrize(("file", "name", "members"), CONFIGURATIONS)
def test_balance_holds(file: str, name: str, members: tuple[str, ...], solver: SolverName) -> None:
    """sum_c x_ic + u_i = d_i + sum_j a_ij * (sum_c x_jc) for every item with T_i > 0."""
    result = solve(file, name, members, solver)
    net = result.network
    sourcing = result.optimised.sourcing
    total = {i: sum(sourcing.sourced[i].values()) for i in net.items}
    for i in net.active_items:
        need = net.demand[i] + sum(net.inputs[j].get(i, 0.0) * total[j] for j in net.items)
        assert total[i] + sourcing.shortfall[i] == pytest.approx(need, rel=1e-7, abs=1e-7 * net.requirement[i])


@pytest.mark.parametrize(("file", "name", "members"), CONFIGURATIONS)
def test_bounds_hold(file: str, name: str, members: tuple[str, ...]) -> None:
    """x_ic <= A_ic + E_ic for members, <= A_ic otherwise; expansion used only by members."""
    result = solve(file, name, members)
    net = result.network
    sourcing = result.optimised.sourcing
    for i in net.active_items:
        for c, x in sourcing.sourced[i].items():
            limit = net.available[i].get(c, 0.0)
            if c in members:
                limit += net.expansion_capacity[i].get(c, 0.0)
            assert x <= limit + 1e-7 * net.requirement[i]
        assert set(sourcing.expansion[i]) <= set(members)
    if net.budget is not None:
        spent = sum(net.expansion_cost[i][c] * e for i in net.items for c, e in sourcing.expansion[i].items())
        assert spent <= net.budget * (1 + 1e-7) + 1e-9


def nested_chain(file: str) -> list[tuple[str, tuple[str, ...]]]:
    """The file's memberships in order of size, when each contains the one before."""
    loaded = load_scenario(DATA / file)
    chain = [("nobody", ()), *sorted(loaded.memberships.items(), key=lambda pair: len(pair[1]))]
    return [
        (name, members)
        for n, (name, members) in enumerate(chain)
        if all(set(prev) <= set(members) for _, prev in chain[:n])
    ]


@pytest.mark.parametrize("file", FILES)
def test_adding_a_member_never_raises_optimised_dependency(file: str) -> None:
    runner = Runner(load_scenario(DATA / file))
    assert runner.network.member_risk == 0.0
    chain = nested_chain(file)
    assert len(chain) >= 2
    previous: RunResult | None = None
    for name, members in chain:
        result = runner.run(name, members)
        if previous is not None:
            assert result.objective <= previous.objective + EPS
            # The objective can only fall (more freedom, lower risks). The dependency can rise
            # in general: covering a downstream shortfall creates upstream need that may be
            # sourced from risky suppliers. These files have no such case, so it must fall.
            assert result.optimised.dependency.overall <= previous.optimised.dependency.overall + EPS
        previous = result


@pytest.mark.parametrize("file", FILES)
def test_adding_each_single_country_never_raises_dependency(file: str) -> None:
    runner = Runner(load_scenario(DATA / file))
    net = runner.network
    start = runner.run("nobody", ())
    for country in net.countries:
        if country in net.concern:
            continue
        result = runner.run(country, (country,))
        assert result.objective <= start.objective + EPS
        assert result.optimised.dependency.overall <= start.optimised.dependency.overall + EPS


def test_small_file_has_no_shortfall_once_founding_members_join() -> None:
    """Guards the premise of the monotonicity test above (objective = dependency)."""
    for name, members in nested_chain("small.yaml")[1:]:
        result = solve("small.yaml", name, members)
        assert all(m.shortfall == 0.0 for m in result.optimised.items.values())


def test_baseline_does_not_depend_on_membership() -> None:
    results = [solve("small.yaml", name, members) for _, name, members in CONFIGURATIONS if _ == "small.yaml"]
    first = results[0].baseline
    for result in results[1:]:
        assert result.baseline.dependency == first.dependency
        assert result.baseline.concern_share == first.concern_share
