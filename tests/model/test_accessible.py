"""MODEL.md 7, accessible supply: the bloc draws on accessible * A_ic, never on all of A_ic.

Hand-computed optima on one small case, checked on every path that builds on the Network:
the PuLP LP (HiGHS and CBC), the warm HiGHS engine, the invite MILP and the baseline.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paxmodel.analyses.engine import FastSolver
from paxmodel.analyses.invite import invite
from paxmodel.model.run import Runner
from paxmodel.model.solvers import SOLVER_NAMES, SolverName
from paxmodel.scenario.load import LoadedScenario, load_scenario

TOL = 1e-8

# One item, demand 100. AA (risk 0.2) has 100 available but the bloc reaches only 40% of it
# (settings.accessible_share); BB (risk 0.5) has 50, all of it accessible (its own override);
# CN (risk 1) has 500 at the default 40%. AA may add 30 as a member (expansion is not scaled).
ACCESSIBLE = """\
paxmodel: 1
name: Accessible
settings: {accessible_share: 0.4}
countries:
  AA: {name: A, risk: 0.2}
  BB: {name: B, risk: 0.5}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      g:
        name: G
        demand: 100
        supply:
          AA: 100
          BB: {available: 50, accessible: 1}
          CN: 500
        expansion: {AA: {capacity: 30, cost: 1}}
"""


@pytest.fixture
def loaded(tmp_path: Path) -> LoadedScenario:
    path = tmp_path / "accessible.yaml"
    path.write_text(ACCESSIBLE, encoding="utf-8")
    return load_scenario(path)


# Accessible supply: AA 0.4 * 100 = 40, BB 1 * 50 = 50, CN 0.4 * 500 = 200.
# No members: AA 40 (risk .2), BB 50 (.5), CN 10 -> (8 + 25 + 10) / 100 = 0.43.
# AA a member (risk 0): AA 40 + 30 expansion = 70, BB 30 -> (0 + 15) / 100 = 0.15.
# Without the accessible share AA alone (100) would cover everything: dependency 0.2 / 0.
CASES = [((), 0.43, {"AA": 40.0, "BB": 50.0, "CN": 10.0}), (("AA",), 0.15, {"AA": 70.0, "BB": 30.0})]


def test_network_scales_available_and_not_expansion(loaded: LoadedScenario) -> None:
    runner = Runner(loaded)
    assert runner.network.available["g"] == pytest.approx({"AA": 40.0, "BB": 50.0, "CN": 200.0})
    assert runner.network.expansion_capacity["g"] == {"AA": 30.0}


def test_baseline_uses_accessible_supply(loaded: LoadedScenario) -> None:
    # 290 accessible for 100 needed: everyone delivers 100/290 of its accessible amount.
    #   (0.2 * 40 + 0.5 * 50 + 1 * 200) / 290 = 233 / 290
    baseline = Runner(loaded).baseline
    assert baseline.items["g"].dependency == pytest.approx(233 / 290, abs=TOL)
    assert baseline.sourcing.sourced["g"] == pytest.approx({"AA": 4000 / 290, "BB": 5000 / 290, "CN": 20000 / 290})


@pytest.mark.parametrize("solver", SOLVER_NAMES)
@pytest.mark.parametrize(("members", "dependency", "sourced"), CASES)
def test_lp_uses_accessible_supply(
    loaded: LoadedScenario, solver: SolverName, members: tuple[str, ...], dependency: float, sourced: dict[str, float]
) -> None:
    result = Runner(loaded).run("hand", members, solver)
    assert result.optimised.items["g"].dependency == pytest.approx(dependency, abs=TOL)
    assert result.optimised.sourcing.sourced["g"] == pytest.approx(sourced, rel=1e-7)
    assert result.optimised.sourcing.expansion["g"] == pytest.approx({"AA": 30.0} if members else {}, rel=1e-7)


@pytest.mark.parametrize(("members", "dependency", "sourced"), CASES)
def test_engine_uses_accessible_supply(
    loaded: LoadedScenario, members: tuple[str, ...], dependency: float, sourced: dict[str, float]
) -> None:
    evaluation = FastSolver(Runner(loaded), workers=1).evaluate(members)
    assert evaluation.dependency == pytest.approx(dependency, abs=TOL)
    assert evaluation.objective == pytest.approx(dependency, abs=TOL)  # one item, no shortfall


def test_invite_milp_uses_accessible_supply(loaded: LoadedScenario) -> None:
    # From no members, inviting one of AA, BB: AA gives 0.15 (above); BB (risk 0 as a member,
    # 50 accessible) gives AA 40 at 0.2, BB 50 at 0, CN 10 -> (8 + 10) / 100 = 0.18. AA wins.
    result = invite(loaded, None, 1, candidates=["AA", "BB"])
    assert result.chosen == ("AA",)
    assert result.best.optimised == pytest.approx(0.15, abs=1e-7)
