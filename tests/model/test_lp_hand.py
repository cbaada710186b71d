"""LP cases solved by hand from MODEL.md section 2 (each with HiGHS and CBC).

Notation as in MODEL.md: T requirement, x sourcing, u shortfall, r risk, k_i item weight,
P shortfall penalty. objective = sum_i k_i (sum_c r_c(M) x_ic + P u_i) / T_i and
dependency_i = (sum_c r_c(M) x_ic + u_i) / T_i. The arithmetic is in the comments.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from paxmodel.model.run import Runner, RunResult
from paxmodel.model.solvers import SOLVER_NAMES, SolverName
from paxmodel.scenario.load import load_scenario

TOL = 1e-9
# PuLP reads CBC's answer from a solution file that carries about nine significant digits
# (e.g. 1/3 comes back as 0.333333336), so CBC results are checked to 1e-8 instead.
TOLERANCE: dict[str, float] = {"highs": TOL, "cbc": 1e-8}


def solve_text(tmp_path: Path, text: str, members: Iterable[str] = (), solver: SolverName = "highs") -> RunResult:
    path = tmp_path / "hand.yaml"
    path.write_text(text, encoding="utf-8")
    return Runner(load_scenario(path)).run("hand", tuple(sorted(members)), solver)


def optimised(result: RunResult) -> dict[str, float]:
    return {i: m.dependency for i, m in result.optimised.items.items()}


def baseline(result: RunResult) -> dict[str, float]:
    return {i: m.dependency for i, m in result.baseline.items.items()}


solvers = pytest.mark.parametrize("solver", SOLVER_NAMES)

# --- (a) upstream tiers ------------------------------------------------------------------

TIERS = """\
paxmodel: 1
name: Tiers
countries:
  AA: {name: A, risk: 0.2}
  BB: {name: B, risk: 0.6}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  semis:
    name: Semis
    items:
      chips: {name: Chips, demand: 10, supply: {AA: 4, CN: 20}, inputs: {wafers: 2}}
      wafers: {name: Wafers, supply: {BB: 30, CN: 30}, inputs: {poly: 3}}
      poly: {name: Polysilicon, supply: {AA: 50, CN: 100}}
"""


@solvers
def test_upstream_tiers(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, TIERS, solver=solver)
    # T = d + A T: T_chips = 10, T_wafers = 2 * 10 = 20, T_poly = 3 * 20 = 60
    assert result.network.requirement == {"chips": 10.0, "wafers": 20.0, "poly": 60.0}
    # No members. Cheapest first, no shortfall (P = 10 dwarfs any risk):
    #   chips:  AA 4 (r .2) + CN 6        -> (0.8 + 6) / 10        = 0.68
    #   wafers: need 2 * 10 = 20, BB 20   -> 0.6 * 20 / 20         = 0.6
    #   poly:   need 3 * 20 = 60, AA 50 + CN 10 -> (10 + 10) / 60 = 1/3
    dep = optimised(result)
    assert dep["chips"] == pytest.approx(0.68, abs=tol)
    assert dep["wafers"] == pytest.approx(0.6, abs=tol)
    assert dep["poly"] == pytest.approx(1 / 3, abs=tol)
    sourced = result.optimised.sourcing.sourced
    assert sourced["chips"] == pytest.approx({"AA": 4.0, "CN": 6.0}, rel=1e-7, abs=1e-7)
    assert sourced["wafers"] == pytest.approx({"BB": 20.0}, rel=1e-7, abs=1e-7)
    assert sourced["poly"] == pytest.approx({"AA": 50.0, "CN": 10.0}, rel=1e-7, abs=1e-7)
    # one sector, equal weights: k = 1/3 each; no shortfall, so objective = overall dependency
    expected = (0.68 + 0.6 + 1 / 3) / 3
    assert result.objective == pytest.approx(expected, abs=tol)
    assert result.optimised.dependency.overall == pytest.approx(expected, abs=tol)
    # Baseline, pro rata to availability:
    #   chips:  10/24 of each: AA 5/3, CN 25/3 -> (0.2 * 5/3 + 25/3) / 10 = 26/30
    #   wafers: 20/60: BB 10, CN 10           -> (6 + 10) / 20           = 0.8
    #   poly:   60/150: AA 20, CN 40          -> (4 + 40) / 60           = 44/60
    base = baseline(result)
    assert base["chips"] == pytest.approx(26 / 30, abs=tol)
    assert base["wafers"] == pytest.approx(0.8, abs=tol)
    assert base["poly"] == pytest.approx(44 / 60, abs=tol)
    assert result.baseline.dependency.overall == pytest.approx((26 / 30 + 0.8 + 44 / 60) / 3, abs=tol)


# --- (b) a budget that binds ---------------------------------------------------------------

BUDGET = """\
paxmodel: 1
name: Budget
settings: {budget: BUDGET}
countries:
  US: {name: United States, risk: 0.3}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      g:
        name: G
        demand: 100
        supply: {US: 20, CN: 200}
        expansion: {US: {capacity: 50, cost: 2}}
"""


@solvers
@pytest.mark.parametrize(
    ("budget", "expansion", "dependency"),
    [
        # US is a member (risk 0). Expansion e <= min(50, B / 2):
        ("null", 50.0, 0.3),  # x_US = 20 + 50 = 70, CN 30 -> 30 / 100
        ("60", 30.0, 0.5),  # e = 60 / 2 = 30: x_US = 50, CN 50 -> 0.5
        ("0", 0.0, 0.8),  # no expansion: US 20, CN 80 -> 0.8
        ("1000", 50.0, 0.3),  # budget slack: capacity binds
    ],
)
def test_budget_binds(tmp_path: Path, solver: SolverName, budget: str, expansion: float, dependency: float) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, BUDGET.replace("BUDGET", budget), members=["US"], solver=solver)
    assert optimised(result)["g"] == pytest.approx(dependency, abs=tol)
    assert result.objective == pytest.approx(dependency, abs=tol)  # one item, k = 1, no shortfall
    used = result.optimised.sourcing.expansion["g"]
    assert used.get("US", 0.0) == pytest.approx(expansion, rel=1e-7, abs=1e-7)
    assert set(used) <= {"US"}
    # Baseline: 100/220 of each supplier: US 100/11, CN 1000/11
    #   -> (0.3 * 100/11 + 1000/11) / 100 = 1030 / 1100
    assert baseline(result)["g"] == pytest.approx(1030 / 1100, abs=tol)


# --- (c) single-share cap for non-members --------------------------------------------------

CAP = """\
paxmodel: 1
name: Cap
settings: {max_single_share: 0.5}
countries:
  AA: {name: A, risk: 0.0}
  BB: {name: B, risk: 0.5}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      chips: {name: Chips, demand: 10, supply: {AA: 3, BB: 3}, inputs: {wafers: 2}}
      wafers: {name: Wafers, supply: {AA: 100, CN: 100}}
"""


@solvers
def test_single_share_cap_is_on_the_sourced_need(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, CAP, solver=solver)
    # T_chips = 10, T_wafers = 20. Chips: only 6 on offer (caps 0.5 * 10 = 5 do not bind):
    #   AA 3 + BB 3, shortfall 4. Shortfall of a chip costs P/T = 10/10 = 1 (times k);
    #   sourcing it costs at most 0.5/10 + 2 * 1/20 = 0.15, so all 6 are sourced.
    # Wafers: need = 0 + 2 * 6 = 12 (not T = 20). Each non-member <= 0.5 * 12 = 6:
    #   AA 6 (r 0) + CN 6 (r 1), no shortfall (CN at 1/20 < P/20).
    # (A cap on 0.5 * T = 10 would give AA 10, CN 2 instead.)
    sourced = result.optimised.sourcing.sourced
    assert sourced["wafers"] == pytest.approx({"AA": 6.0, "CN": 6.0}, rel=1e-7, abs=1e-7)
    assert result.optimised.sourcing.shortfall["chips"] == pytest.approx(4.0, rel=1e-7, abs=1e-7)
    assert result.optimised.sourcing.shortfall["wafers"] == pytest.approx(0.0, rel=1e-7, abs=1e-7)
    dep = optimised(result)
    assert dep["chips"] == pytest.approx((0 * 3 + 0.5 * 3 + 4) / 10, abs=tol)  # 0.55
    assert dep["wafers"] == pytest.approx(6 / 20, abs=tol)  # 0.3
    # k = 1/2 each: 1/2 * (1.5 + 10 * 4) / 10 + 1/2 * 6 / 20 = 2.075 + 0.15
    assert result.objective == pytest.approx(2.225, abs=tol)


@solvers
def test_single_share_cap_does_not_apply_to_members(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, CAP, members=["AA"], solver=solver)
    # AA is a member (risk 0, uncapped): wafers all from AA, 12 of them.
    # Chips unchanged: AA 3 + BB 3 (BB capped at 5, has 3), shortfall 4.
    assert result.optimised.sourcing.sourced["wafers"] == pytest.approx({"AA": 12.0}, rel=1e-7, abs=1e-7)
    dep = optimised(result)
    assert dep["chips"] == pytest.approx(0.55, abs=tol)
    assert dep["wafers"] == pytest.approx(0.0, abs=tol)
    assert result.objective == pytest.approx(0.5 * (1.5 + 40) / 10, abs=tol)  # 2.075


CAP_SIMPLE = """\
paxmodel: 1
name: Cap simple
settings: {max_single_share: 0.4}
countries:
  AA: {name: A, risk: 0.2}
  BB: {name: B, risk: 0.5}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      g: {name: G, demand: 100, supply: {AA: 100, BB: 100, CN: 100}}
"""


@solvers
def test_single_share_cap_spreads_sourcing(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, CAP_SIMPLE, solver=solver)
    # each <= 0.4 * 100 = 40: AA 40, BB 40, CN 20 -> (8 + 20 + 20) / 100 = 0.48
    assert result.optimised.sourcing.sourced["g"] == pytest.approx(
        {"AA": 40.0, "BB": 40.0, "CN": 20.0}, rel=1e-7, abs=1e-7
    )
    assert optimised(result)["g"] == pytest.approx(0.48, abs=tol)
    assert result.objective == pytest.approx(0.48, abs=tol)
    # HHI = 40^2 + 40^2 + 20^2 = 3600; baseline thirds: 3 * (100/3)^2 = 10000/3
    assert result.optimised.items["g"].hhi == pytest.approx(3600.0, abs=1e-6)
    assert result.baseline.items["g"].hhi == pytest.approx(10000 / 3, abs=1e-6)
    # concern share: 20/100 optimised, 1/3 baseline
    assert result.optimised.items["g"].concern_share == pytest.approx(0.2, abs=tol)
    assert result.baseline.items["g"].concern_share == pytest.approx(1 / 3, abs=tol)


# --- (d) shortfall -----------------------------------------------------------------------

SHORTFALL = """\
paxmodel: 1
name: Shortfall
settings: {shortfall_penalty: PENALTY}
countries:
  AA: {name: A, risk: 0.2}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      g: {name: G, demand: 100, supply: {AA: 30, CN: 50}}
"""


@solvers
@pytest.mark.parametrize("penalty", [10.0, 4.0])
def test_shortfall(tmp_path: Path, solver: SolverName, penalty: float) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, SHORTFALL.replace("PENALTY", str(penalty)), solver=solver)
    # 80 on offer for 100 needed: AA 30, CN 50, u = 20.
    # dependency counts a unit of shortfall as 1.0: (0.2 * 30 + 50 + 20) / 100 = 0.76
    # objective counts it at P: (6 + 50 + P * 20) / 100
    assert optimised(result)["g"] == pytest.approx(0.76, abs=tol)
    assert result.objective == pytest.approx((6 + 50 + penalty * 20) / 100, abs=tol)
    assert result.optimised.items["g"].shortfall == pytest.approx(20.0, rel=1e-7, abs=1e-7)
    # baseline: A_i = 80 < T = 100: everything sourced, u0 = 20 -> same 0.76
    assert baseline(result)["g"] == pytest.approx(0.76, abs=tol)
    assert result.baseline.items["g"].shortfall == pytest.approx(20.0, abs=tol)
    # concern share 50 / 100 on both sides
    assert result.optimised.items["g"].concern_share == pytest.approx(0.5, abs=tol)


NO_SUPPLY = """\
paxmodel: 1
name: No supply
countries:
  AA: {name: A, risk: 0.2}
sectors:
  s:
    name: S
    items:
      g: {name: G, demand: 5}
"""


@solvers
def test_item_with_no_supply_is_all_shortfall(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, NO_SUPPLY, solver=solver)
    # A_i = 0: x0 = 0, u0 = T = 5 -> dependency 5 / 5 = 1 on both sides; objective P * 5 / 5 = 10
    assert baseline(result)["g"] == pytest.approx(1.0, abs=tol)
    assert optimised(result)["g"] == pytest.approx(1.0, abs=tol)
    assert result.objective == pytest.approx(10.0, abs=tol)
    assert result.optimised.items["g"].hhi == 0.0  # nothing sourced
    assert result.baseline.items["g"].hhi == 0.0


# --- (e) expansion only for members -------------------------------------------------------

EXPANSION = """\
paxmodel: 1
name: Expansion
countries:
  US: {name: United States, risk: 0.1}
  JP: {name: Japan, risk: 0.2}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      g:
        name: G
        demand: 100
        supply: {CN: 100}
        expansion: {US: {capacity: 60, cost: 1}, JP: 60}
"""


@solvers
def test_expansion_used_only_by_members(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, EXPANSION, members=["US"], solver=solver)
    # Only US may expand: US 60 (member risk 0), CN 40; JP's entry is ignored.
    #   dependency (0 * 60 + 1 * 40) / 100 = 0.4
    assert result.optimised.sourcing.sourced["g"] == pytest.approx({"US": 60.0, "CN": 40.0}, rel=1e-7, abs=1e-7)
    assert result.optimised.sourcing.expansion["g"] == pytest.approx({"US": 60.0}, rel=1e-7, abs=1e-7)
    assert optimised(result)["g"] == pytest.approx(0.4, abs=tol)
    assert result.objective == pytest.approx(0.4, abs=tol)
    # baseline uses availability only: CN 100 -> 1.0
    assert baseline(result)["g"] == pytest.approx(1.0, abs=tol)


@solvers
def test_expansion_of_non_members_is_ignored(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, EXPANSION, members=[], solver=solver)
    # nobody is a member: CN 100 only -> dependency 1.0, no expansion
    assert result.optimised.sourcing.sourced["g"] == pytest.approx({"CN": 100.0}, rel=1e-7, abs=1e-7)
    assert result.optimised.sourcing.expansion["g"] == {}
    assert optimised(result)["g"] == pytest.approx(1.0, abs=tol)


@solvers
def test_expansion_by_two_members(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, EXPANSION, members=["JP", "US"], solver=solver)
    # 120 of member capacity at risk 0 covers all 100; CN drops out.
    sourced = result.optimised.sourcing.sourced["g"]
    assert sum(sourced.values()) == pytest.approx(100.0, rel=1e-7, abs=1e-7)
    assert sourced.get("CN", 0.0) == pytest.approx(0.0, rel=1e-7, abs=1e-7)
    assert optimised(result)["g"] == pytest.approx(0.0, abs=tol)
    assert result.objective == pytest.approx(0.0, abs=tol)


# --- (f) member_risk > 0 -----------------------------------------------------------------

MEMBER_RISK = """\
paxmodel: 1
name: Member risk
settings: {member_risk: 0.25}
countries:
  US: {name: United States, risk: 0.1}
  JP: {name: Japan, risk: 0.5}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      g: {name: G, demand: 100, supply: {US: 50, JP: 50, CN: 100}}
"""


@solvers
@pytest.mark.parametrize(
    ("members", "dependency"),
    [
        ((), (0.1 * 50 + 0.5 * 50) / 100),  # US 50 (0.1), JP 50 (0.5): 0.30
        (("JP",), (0.1 * 50 + 0.25 * 50) / 100),  # JP now at member risk 0.25: 0.175
        (("JP", "US"), (0.25 * 50 + 0.25 * 50) / 100),  # US raised from 0.1 to 0.25: 0.25
    ],
)
def test_member_risk(tmp_path: Path, solver: SolverName, members: tuple[str, ...], dependency: float) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, MEMBER_RISK, members=members, solver=solver)
    assert optimised(result)["g"] == pytest.approx(dependency, abs=tol)
    assert result.objective == pytest.approx(dependency, abs=tol)
    assert result.optimised.sourcing.sourced["g"] == pytest.approx({"US": 50.0, "JP": 50.0}, rel=1e-7, abs=1e-7)
    # baseline at status-quo risks, pro rata 100/200: US 25, JP 25, CN 50
    #   -> (2.5 + 12.5 + 50) / 100 = 0.65, whatever the membership
    assert baseline(result)["g"] == pytest.approx(0.65, abs=tol)


# --- aggregation: sectors, weights, items with T = 0 ----------------------------------------

AGGREGATION = """\
paxmodel: 1
name: Aggregation
countries:
  XX: {name: X, risk: 0.2}
  YY: {name: Y, risk: 0.6}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  one:
    name: One
    weight: 3
    items:
      a: {name: A, demand: 10, weight: 2, supply: {XX: 4, CN: 10}}
      b: {name: B, demand: 20, weight: 1, supply: {YY: 20}}
      z: {name: Z (nothing needed), demand: 0, weight: 5, supply: {XX: 10}}
  two:
    name: Two
    weight: 1
    items:
      c: {name: C, demand: 5, supply: {XX: 5, YY: 5}}
  idle:
    name: Idle (no requirement)
    weight: 10
    items:
      w: {name: W, supply: {YY: 3}}
"""

# Active sectors: one (W 3), two (W 1); `idle` has no item with T > 0 and is left out.
# Active items of `one`: a (w 2), b (w 1); z has T = 0 and is left out.
#   k_a = 3/4 * 2/3 = 1/2, k_b = 3/4 * 1/3 = 1/4, k_c = 1/4 * 1/1 = 1/4
K = {"a": 0.5, "b": 0.25, "c": 0.25}
# Optimised (no members): a: XX 4, CN 6 -> (0.8 + 6)/10 = 0.68; b: YY 20 -> 0.6; c: XX 5 -> 0.2
OPT = {"a": 0.68, "b": 0.6, "c": 0.2}
# Baseline: a: 10/14 of each: XX 40/14, CN 100/14 -> (8/14 + 100/14)/10 = 108/140
#           b: YY 20 -> 0.6;  c: half of each: XX 2.5, YY 2.5 -> (0.5 + 1.5)/5 = 0.4
BASE = {"a": 108 / 140, "b": 0.6, "c": 0.4}


@solvers
def test_aggregation_with_unequal_weights(tmp_path: Path, solver: SolverName) -> None:
    tol = TOLERANCE[solver]
    result = solve_text(tmp_path, AGGREGATION, solver=solver)
    net = result.network
    assert net.overall_weight == pytest.approx(K, abs=1e-15)
    assert optimised(result) == pytest.approx(OPT, abs=tol)
    assert baseline(result) == pytest.approx(BASE, abs=tol)
    # sector = sum (w_i / sum w) value_i over active items
    opt_sectors = result.optimised.dependency.sectors
    assert set(opt_sectors) == {"one", "two"}
    assert opt_sectors["one"] == pytest.approx(2 / 3 * 0.68 + 1 / 3 * 0.6, abs=tol)  # 0.65333...
    assert opt_sectors["two"] == pytest.approx(0.2, abs=tol)
    assert result.baseline.dependency.sectors["one"] == pytest.approx(2 / 3 * 108 / 140 + 1 / 3 * 0.6, abs=tol)
    # overall = sum k_i value_i = 0.34 + 0.15 + 0.05 = 0.54 (= 3/4 * s_one + 1/4 * s_two)
    assert result.optimised.dependency.overall == pytest.approx(0.54, abs=tol)
    assert result.objective == pytest.approx(0.54, abs=tol)
    assert result.baseline.dependency.overall == pytest.approx(0.5 * 108 / 140 + 0.15 + 0.1, abs=tol)
    assert result.removed == pytest.approx(0.5 * 108 / 140 + 0.25 - 0.54, abs=tol)
    # concern share: only `a` buys from CN: 6/10 optimised, 100/140 baseline; overall * k_a
    assert result.optimised.concern_share.overall == pytest.approx(0.5 * 0.6, abs=tol)
    assert result.baseline.concern_share.overall == pytest.approx(0.5 * 100 / 140, abs=tol)
    assert result.optimised.concern_share.sectors["one"] == pytest.approx(2 / 3 * 0.6, abs=tol)
    assert result.optimised.concern_share.sectors["two"] == pytest.approx(0.0, abs=tol)
    # HHI: a opt 40%/60% -> 1600 + 3600 = 5200; a base (2/7, 5/7) -> 10000 * (4 + 25) / 49
    #      c opt 100% -> 10000; c base 50/50 -> 5000; b 10000 on both sides
    items = result.optimised.items
    assert items["a"].hhi == pytest.approx(5200.0, abs=1e-6)
    assert result.baseline.items["a"].hhi == pytest.approx(290000 / 49, abs=1e-6)
    assert items["c"].hhi == pytest.approx(10000.0, abs=1e-6)
    assert result.baseline.items["c"].hhi == pytest.approx(5000.0, abs=1e-6)
    assert items["b"].hhi == pytest.approx(10000.0, abs=1e-6)
    # items with T = 0 carry no metric
    assert set(items) == {"a", "b", "c"}
    assert set(result.baseline.items) == {"a", "b", "c"}


def test_zero_requirement_items_are_null_in_json(tmp_path: Path) -> None:
    document = solve_text(tmp_path, AGGREGATION).to_dict()
    for item in ("z", "w"):
        entry = document["items"][item]
        assert entry["requirement"] == 0.0
        for key in ("baseline", "optimised", "removed", "shortfall", "hhi_baseline", "hhi_optimised"):
            assert entry[key] is None, (item, key)
        assert entry["sourcing"] == {}
        assert entry["expansion"] == {}
    assert document["sectors"]["idle"] == {"baseline": None, "optimised": None, "removed": None}
    assert document["sectors"]["two"]["optimised"] == pytest.approx(0.2, abs=1e-11)
    assert document["items"]["a"]["hhi_optimised"] == pytest.approx(5200.0, abs=1e-6)
    assert document["overall"]["optimised"] == pytest.approx(0.54, abs=1e-11)
    assert document["overall"]["concern_share_optimised"] == pytest.approx(0.3, abs=1e-11)


def test_both_solvers_agree_on_every_hand_case(tmp_path: Path) -> None:
    cases = [
        (TIERS, ()),
        (BUDGET.replace("BUDGET", "60"), ("US",)),
        (CAP, ()),
        (CAP, ("AA",)),
        (SHORTFALL.replace("PENALTY", "7"), ()),
        (EXPANSION, ("US",)),
        (MEMBER_RISK, ("JP",)),
        (AGGREGATION, ()),
    ]
    for text, members in cases:
        highs = solve_text(tmp_path, text, members, "highs")
        cbc = solve_text(tmp_path, text, members, "cbc")
        assert highs.objective == pytest.approx(cbc.objective, abs=TOLERANCE["cbc"])
        assert highs.solver.startswith("HiGHS") and cbc.solver.startswith("CBC")
