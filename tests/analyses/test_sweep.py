"""Monte Carlo sweeps (MODEL.md 6) against closed forms, and their determinism.

tests/data/uncertain.yaml is built so that every number of a sample has a closed form in
the two drawn values, R (risk of AA, uniform(0.2, 0.6)) and V (what DD can supply,
triangular(0.5, 1, 1.5)); see the comments in the file. Each test checks the sweep twice:
exactly, against the closed form evaluated on the sweep's own draws, and statistically,
against the population value within four standard errors of the estimator.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from paxmodel.analyses.engine import LocalProcesses
from paxmodel.analyses.sweep import TIE, Stats, SweepResult, sweep
from paxmodel.cli import app
from paxmodel.model.uncertainty import draw, uncertain_inputs
from paxmodel.scenario.load import load_scenario

DATA = Path(__file__).parent.parent / "data"
UNCERTAIN = DATA / "uncertain.yaml"
N = 400


@pytest.fixture(scope="module")
def result() -> SweepResult:
    return sweep(load_scenario(UNCERTAIN), samples=N, seed=3, workers=1)


def closed_form(risk: np.ndarray, supply: np.ndarray) -> dict[str, np.ndarray]:
    h = 0.5 * np.minimum(supply, 1) + np.maximum(0, 1 - supply)  # item h, every configuration
    return {
        "baseline_g": 0.5 * risk + 0.5,
        "baseline_h": h,
        "alone_g": risk,
        "with_b_g": np.minimum(risk, 0.4),
        "h": h,
    }


def test_samples_match_the_closed_form_exactly(result: SweepResult) -> None:
    risk, supply = result.values[:, 0], result.values[:, 1]
    assert result.uncertain == ("countries.AA.risk", "sectors.second.items.h.supply.DD.available")
    expected = np.array([draw(uncertain_inputs(load_scenario(UNCERTAIN)), 3, n) for n in range(N)])
    assert np.array_equal(result.values, expected)
    f = closed_form(risk, supply)
    np.testing.assert_allclose(result.baseline, 0.5 * (f["baseline_g"] + f["baseline_h"]), atol=1e-9)
    np.testing.assert_allclose(result.optimised["alone"], 0.5 * (f["alone_g"] + f["h"]), atol=1e-9)
    np.testing.assert_allclose(result.optimised["with_b"], 0.5 * (f["with_b_g"] + f["h"]), atol=1e-9)
    np.testing.assert_allclose(result.sector_removed("with_b", "first"), f["baseline_g"] - f["with_b_g"], atol=1e-9)
    np.testing.assert_allclose(result.optimised_sectors["alone"]["second"], f["h"], atol=1e-9)
    np.testing.assert_allclose(result.sector_removed("alone", "second"), 0, atol=1e-9)


def test_statistics_are_numpy_mean_sd_and_linear_percentiles(result: SweepResult) -> None:
    removed = 0.25 - 0.25 * result.values[:, 0]  # alone: 0.5 * ((0.5 R + 0.5) - R)
    doc = result.to_dict()["memberships"]["alone"]["removed"]
    p5, p50, p95 = np.percentile(removed, [5, 50, 95])
    expected = {"mean": removed.mean(), "sd": removed.std(ddof=1), "p5": p5, "p50": p50, "p95": p95}
    assert doc == pytest.approx(expected, abs=1e-9)


def test_statistics_agree_with_the_population_within_sampling_error(result: SweepResult) -> None:
    # removed (alone) = 0.25 - 0.25 R, R ~ uniform(0.2, 0.6): uniform on [0.1, 0.2]
    stats = Stats.of(result.removed("alone"))
    width = 0.1
    sigma = width / math.sqrt(12)
    assert abs(stats.mean - 0.15) < 4 * sigma / math.sqrt(N)
    # sd of the sample sd of a uniform: sigma * sqrt((kurtosis - 1) / 4N), kurtosis 9/5
    assert abs(stats.sd - sigma) < 4 * sigma * math.sqrt(0.2 / N)
    for q, value in ((0.05, stats.p5), (0.5, stats.p50), (0.95, stats.p95)):
        assert abs(value - (0.1 + width * q)) < 4 * width * math.sqrt(q * (1 - q) / N) + 1e-3
    # optimised h = 1 - V/2 below V = 1, else 1/2: mean 0.5 (1 - 5/12) + 0.25 = 13/24
    h = result.optimised_sectors["with_b"]["second"]
    assert abs(h.mean() - 13 / 24) < 4 * h.std() / math.sqrt(N)


def test_beats_and_rank_first(result: SweepResult) -> None:
    risk = result.values[:, 0]
    wins = risk - np.minimum(risk, 0.4) > TIE  # with_b is strictly better exactly when R > 0.4
    beats = result.beats()
    assert beats["with_b"]["alone"] == np.mean(wins)
    assert beats["alone"]["with_b"] == 0.0  # alone never does better; ties count for neither
    rank = result.rank_first()
    assert rank["with_b"] == pytest.approx(np.mean(np.where(wins, 1.0, 0.5)))  # ties split equally
    assert rank["alone"] + rank["with_b"] == pytest.approx(1.0)
    # the population: P(R > 0.4) = 1/2, so rank_first = 3/4
    assert abs(beats["with_b"]["alone"] - 0.5) < 4 * math.sqrt(0.25 / N)
    assert abs(rank["with_b"] - 0.75) < 4 * math.sqrt(0.0625 / N)


def test_rank_first_splits_three_way_ties() -> None:
    result = SweepResult(
        scenario="t",
        samples=4,
        seed=0,
        inputs=(),
        values=np.zeros((4, 0)),
        members={"a": (), "b": (), "c": ()},
        sectors=(),
        baseline=np.ones(4),
        baseline_sectors={},
        optimised={
            "a": np.array([0.1, 0.2, 0.3, 0.3]),
            "b": np.array([0.1, 0.1, 0.3, 0.2]),
            "c": np.array([0.1, 0.3, 0.3 + 1e-12, 0.4]),
        },
        optimised_sectors={},
    )
    rank = result.rank_first()
    # sample 0 and 2: three-way ties (within 1e-9); sample 1 and 3: b alone
    assert rank == pytest.approx({"a": (1 / 3 + 1 / 3) / 4, "b": (1 / 3 + 1 + 1 / 3 + 1) / 4, "c": (2 / 3) / 4})
    assert result.beats()["b"] == {"a": 0.5, "c": 0.5}
    assert result.beats()["a"] == {"b": 0.0, "c": 0.5}


def test_drivers_name_the_input_that_moves_the_removal(result: SweepResult) -> None:
    # the removal of `alone` depends on R alone
    assert [d.input for d in result.drivers] == list(result.uncertain)
    assert result.drivers[0].index > 0.9 and result.drivers[0].method == "sobol-total"
    assert result.drivers[1].index == 0.0


class EagerProcesses(LocalProcesses):
    """Local worker processes started for any sweep, however short (to test the pool path)."""

    def worth_it(self, remaining_seconds: float | None) -> bool:
        return True


def test_bytes_do_not_depend_on_workers(result: SweepResult) -> None:
    loaded = load_scenario(UNCERTAIN)
    one = json.dumps(sweep(loaded, samples=N, seed=3, workers=1).to_dict())
    assert one == json.dumps(result.to_dict())
    two = json.dumps(sweep(loaded, samples=N, seed=3, executor=EagerProcesses(2)).to_dict())
    assert two == one


def test_a_different_seed_gives_other_samples() -> None:
    loaded = load_scenario(UNCERTAIN)
    a = sweep(loaded, samples=20, seed=1, workers=1, sensitivity=False)
    b = sweep(loaded, samples=20, seed=2, workers=1, sensitivity=False)
    assert not np.array_equal(a.values, b.values)
    assert a.drivers == () and a.to_dict()["drivers"] == []


def test_records_and_frame(result: SweepResult) -> None:
    rows = result.records()
    assert len(rows) == 2 * N
    assert rows[1]["membership"] == "with_b" and rows[1]["sample"] == 0
    assert rows[1]["removed"] == pytest.approx(rows[1]["baseline"] - rows[1]["optimised"])
    assert rows[1]["countries.AA.risk"] == result.values[0, 0]
    frame = result.to_frame()
    assert frame.shape[0] == 2 * N
    assert frame.groupby("membership")["removed"].mean()["alone"] == pytest.approx(result.removed("alone").mean())


def test_cli_json_equals_the_api(tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    run = CliRunner().invoke(app, ["sweep", str(UNCERTAIN), "-n", "50", "--seed", "4", "--json", "-o", str(out)])
    assert run.exit_code == 0, run.stderr
    api = sweep(load_scenario(UNCERTAIN), samples=50, seed=4).to_dict()
    assert json.loads(run.stdout) == api
    assert out.read_text() == run.stdout


def test_cli_refuses_a_scenario_without_distributions(tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    run = CliRunner().invoke(app, ["sweep", str(DATA / "small.yaml"), "-n", "10", "-o", str(out)])
    assert run.exit_code == 1
    assert "no number is given as a distribution" in run.stderr
    assert not out.exists()


def test_invite_shares_count_the_best_set_per_sample(tmp_path: Path) -> None:
    # alone + at most one of BB: inviting BB helps exactly when R > 0.4 (then member BB at 0.4 beats AA)
    loaded = load_scenario(UNCERTAIN)
    result = sweep(loaded, ["alone"], samples=40, seed=5, workers=1, invite=1, sensitivity=False)
    risk = result.values[:, 0]
    share = float(np.mean(risk > 0.4))
    expected = sorted([(("BB",), share), ((), 1 - share)], key=lambda x: (-x[1], x[0]))
    assert [(s.chosen, s.share) for s in result.invites] == [e for e in expected if e[1] > 0]


@pytest.mark.parametrize("name", ["small.yaml", "uncertain.yaml"])
def test_engine_sector_dependencies_equal_the_run_results(name: str) -> None:
    from paxmodel.analyses.engine import FastSolver
    from paxmodel.model.run import solve

    loaded = load_scenario(DATA / name)
    solver = FastSolver(loaded, workers=1)
    for membership, members in loaded.memberships.items():
        sectors = solver.evaluate(members).sectors
        run = solve(loaded, membership)
        assert sectors == pytest.approx([run.optimised.dependency.sectors[s] for s in run.network.active_sectors])


ZERO_AT_THE_POINT = """\
paxmodel: 1
name: Zero at the point
countries:
  CN: {name: China, risk: 1.0, concern: true}
  US: {name: United States, risk: 0.0}
  JP: {name: Japan, risk: 0.0}
sectors:
  s:
    name: S
    items:
      g:
        name: G
        demand: 1
        supply:
          CN: 1
          US: {available: {low: 0, mode: 0, high: 1}}
        expansion:
          JP: {capacity: {low: 0, mode: 0, high: 0.5}}
      h:
        name: H
        demand: {low: 0, mode: 0, high: 1}
memberships:
  none: []
  japan: [JP]
"""


def test_supply_and_capacity_that_are_zero_at_the_point_still_count_in_samples(tmp_path: Path) -> None:
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO_AT_THE_POINT.replace("demand: {low: 0, mode: 0, high: 1}", "demand: 0"), encoding="utf-8")
    result = sweep(load_scenario(path), samples=30, seed=1, workers=1, sensitivity=False)
    capacity, supply = result.values[:, 0], result.values[:, 1]  # paths sort: ...expansion.JP... < ...supply.US...
    assert result.uncertain[0].endswith("expansion.JP.capacity")
    # US (risk 0) supplies V, the rest comes from CN (risk 1); JP as a member adds up to its capacity
    np.testing.assert_allclose(result.optimised["none"], 1 - supply, atol=1e-9)
    np.testing.assert_allclose(result.optimised["japan"], np.maximum(0, 1 - supply - capacity), atol=1e-9)
    np.testing.assert_allclose(result.baseline, 1 / (1 + supply), atol=1e-9)


def test_a_requirement_that_is_zero_at_the_point_cannot_be_swept(tmp_path: Path) -> None:
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO_AT_THE_POINT, encoding="utf-8")
    with pytest.raises(ValueError, match=r"sectors\.s\.items\.h\.demand: the item 'h' needs nothing"):
        sweep(load_scenario(path), samples=5, workers=1)


def test_samples_on_the_warm_engine_equal_fresh_pulp_builds(small_with_distributions: Path) -> None:
    """Budget, costs, capacities, demand and an input coefficient drawn: costs, bounds, right-hand
    sides and matrix coefficients all change from sample to sample."""
    from paxmodel.model.run import Runner
    from paxmodel.model.uncertainty import variant

    loaded = load_scenario(small_with_distributions)
    result = sweep(loaded, samples=12, seed=3, workers=1, sensitivity=False)
    inputs = uncertain_inputs(loaded)
    network = Runner(loaded).network
    for n in range(12):
        runner = Runner.of_network(loaded, variant(network, inputs, draw(inputs, 3, n)))
        for name, members in loaded.memberships.items():
            run = runner.run(name, members, "cbc" if n % 2 else "highs")
            assert result.optimised[name][n] == pytest.approx(run.optimised.dependency.overall, abs=1e-7)
            assert result.baseline[n] == pytest.approx(run.baseline.dependency.overall, abs=1e-12)
