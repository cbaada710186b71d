"""MODEL.md 6: distributions on uncertain numbers, their validation and their point values."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.model.run import solve
from paxmodel.scenario.distributions import Normal, Triangular, Uniform
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario

DATA = Path(__file__).parent.parent / "data"

HEADER = """\
paxmodel: 1
name: D
countries:
  US: {name: United States, risk: 0.0}
  JP: {name: Japan, risk: 0.1}
  CN: {name: China, risk: 1.0, concern: true}
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "d.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ("risk: {low: 0.6, high: 0.2}}", "5:21: countries.JP.risk: low (0.6) must not exceed high (0.2)"),
        ("risk: {low: -0.1, high: 0.2}}", "5:21: countries.JP.risk: low must be at least 0 (got -0.1)"),
        ("risk: {low: 0.1, high: 1.2}}", "5:21: countries.JP.risk: high must be at most 1 (got 1.2)"),
        ("risk: {mean: 1.5, sd: 0.1}}", "5:21: countries.JP.risk: mean must be at most 1 (got 1.5)"),
        ("risk: {mean: 0.5, sd: 0}}", "5:39: countries.JP.risk.sd: Input should be greater than 0 (got 0)"),
        (
            "risk: {low: 0.1, mode: 0.05, high: 0.2}}",
            "5:21: countries.JP.risk: needs low <= mode <= high (got 0.1, 0.05, 0.2)",
        ),
        ("risk: {low: .nan, high: 0.2}}", "5:28: countries.JP.risk.low: must be a finite number, not nan"),
    ],
    ids=["reversed", "below-range", "above-range", "normal-mean", "zero-sd", "mode-outside", "nan"],
)
def test_bad_distributions_are_located(tmp_path: Path, new: str, expected: str) -> None:
    assert problems_of(tmp_path, HEADER.replace("risk: 0.1}", new)) == [expected]


def test_misspelt_bound_is_unknown_with_a_hint(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEADER.replace("risk: 0.1}", "risk: {low: 0.1, hihg: 0.2}}")) == [
        "5:21: countries.JP.risk.high: required field is missing",
        "5:38: countries.JP.risk.hihg: unknown key (did you mean 'high'?)",
    ]


def test_input_coefficient_distribution_must_stay_positive(tmp_path: Path) -> None:
    text = (
        HEADER
        + "sectors:\n  s:\n    name: S\n    items:\n      g: {name: G, inputs: {h: {low: 0, high: 2}}}\n      h: {name: H}\n"
    )
    assert problems_of(tmp_path, text) == ["11:29: sectors.s.items.g.inputs.h: low must be greater than 0 (got 0)"]


def test_a_wrong_number_is_reported_once_as_a_number(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEADER.replace("risk: 0.1}", "risk: 2}")) == [
        "5:21: countries.JP.risk: Input should be less than or equal to 1 (got 2)"
    ]


def test_single_value_commands_use_the_point_values(small_with_distributions: Path) -> None:
    plain, uncertain = DATA / "small.yaml", small_with_distributions
    for membership in ("founding", "wide"):
        a = solve(load_scenario(plain), membership=membership).to_dict()
        b = solve(load_scenario(uncertain), membership=membership).to_dict()
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    runner = CliRunner()
    outputs = [runner.invoke(app, ["compare", str(p), "--json"]).stdout for p in (plain, uncertain)]
    assert outputs[0] == outputs[1] and outputs[0]


def test_point_values() -> None:
    assert Uniform(low=1, high=4).point == 2.5
    assert Triangular(low=1, mode=3, high=4).point == 3
    assert Normal(mean=2, sd=7).point == 2


def test_uniform_and_triangular_quantiles_invert_their_cdfs() -> None:
    uniform = Uniform(low=2, high=6)
    assert [uniform.quantile(u, 0, math.inf) for u in (0, 0.25, 1)] == [2, 3, 6]
    tri = Triangular(low=0, mode=1, high=4)

    def cdf(x: float) -> float:  # closed form of the triangular CDF
        return x * x / 4 if x <= 1 else 1 - (4 - x) ** 2 / 12

    for u in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
        assert cdf(tri.quantile(u, 0, math.inf)) == pytest.approx(u, abs=1e-12)
    assert tri.quantile(0.25, 0, math.inf) == pytest.approx(1.0)  # the mode carries CDF 1/4


def test_truncated_normal_quantile_stays_in_range_and_inverts_the_truncated_cdf() -> None:
    normal = Normal(mean=0.1, sd=0.2)
    dist = NormalDist(0.1, 0.2)
    lower, upper = dist.cdf(0.0), dist.cdf(1.0)
    for u in (0.0, 0.2, 0.5, 0.8, 1.0):
        x = normal.quantile(u, 0.0, 1.0)
        assert 0.0 <= x <= 1.0
        assert (dist.cdf(x) - lower) / (upper - lower) == pytest.approx(u, abs=1e-9)
    assert Normal(mean=5, sd=1).quantile(0.5, -math.inf, math.inf) == pytest.approx(5)
