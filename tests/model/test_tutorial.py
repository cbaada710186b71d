"""The worked example of docs/model.md, figure by figure (arithmetic in the docs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paxmodel.model.run import solve
from paxmodel.scenario.load import load_scenario

TUTORIAL = Path(__file__).parents[2] / "scenarios" / "tutorial.yaml"


@pytest.mark.parametrize(
    ("membership", "optimised", "chips", "wafers", "wafer_sourcing"),
    [
        # chips: US 4 + AL 6 at 0.2 -> 1.2/10; wafers: US +6, NE 10 at 0.5, CN 4 -> 9/20
        ("alone", 0.5 * (0.12 + 0.45), 0.12, 0.45, {"US": 6.0, "NE": 10.0, "CN": 4.0}),
        # chips all from members; wafers: US +6, AL +2 (budget 6 + 4), NE 10, CN 2 -> 7/20
        ("with_allyland", 0.5 * (0.0 + 0.35), 0.0, 0.35, {"US": 6.0, "AL": 2.0, "NE": 10.0, "CN": 2.0}),
    ],
)
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_tutorial_optimum(
    membership: str, optimised: float, chips: float, wafers: float, wafer_sourcing: dict[str, float], solver: str
) -> None:
    result = solve(load_scenario(TUTORIAL), membership, solver=solver)  # type: ignore[arg-type]
    document = result.to_dict()
    # baseline: chips (0.2*3 + 5)/10 = 0.56, wafers (0.5*5 + 15)/20 = 0.875
    assert document["overall"]["baseline"] == pytest.approx(0.5 * (0.56 + 0.875), abs=1e-9)
    assert document["overall"]["optimised"] == pytest.approx(optimised, abs=1e-9)
    assert document["objective"] == pytest.approx(optimised, abs=1e-9)  # no shortfall: objective = dependency
    assert document["items"]["chips"]["optimised"] == pytest.approx(chips, abs=1e-9)
    assert document["items"]["wafers"]["optimised"] == pytest.approx(wafers, abs=1e-9)
    assert document["items"]["wafers"]["sourcing"] == pytest.approx(wafer_sourcing, abs=1e-9)
    assert document["items"]["wafers"]["requirement"] == 20.0
