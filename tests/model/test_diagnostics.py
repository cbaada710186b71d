"""Binding constraints and the budget's shadow price, from the LP duals, on cases solved by hand.

The shadow price is -d objective / dB. Each case states why its answer is what it is; the
objective's change per unit of budget is checked against a re-solve with B + 1 as well.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paxmodel.model.run import Runner, RunResult, solve
from paxmodel.model.solvers import SOLVER_NAMES, SolverName
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
solvers = pytest.mark.parametrize("solver", SOLVER_NAMES)


def solve_text(tmp_path: Path, text: str, members: tuple[str, ...], solver: SolverName) -> RunResult:
    path = tmp_path / "hand.yaml"
    path.write_text(text, encoding="utf-8")
    return Runner(load_scenario(path)).run("hand", members, solver)


# One item, demand 100; US (member) has 20 and may add 50 at cost 2; CN (risk 1) has 200.
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
    ("budget", "binding", "price", "used"),
    [
        # B = 60 buys 30 units; one more unit of budget buys 1/2 unit of US (risk 0) instead
        # of CN (risk 1): dependency falls by 0.5 / 100 = 0.005 per unit of budget.
        ("60", "budget", 0.005, 60.0),
        # B = 1000: all 50 units are bought (cost 100); capacity, not money, binds.
        ("1000", "capacity", 0.0, 100.0),
        # no budget: no shadow price, capacity binds
        ("null", "capacity", None, 100.0),
    ],
)
def test_budget_case(
    tmp_path: Path, solver: SolverName, budget: str, binding: str, price: float | None, used: float
) -> None:
    result = solve_text(tmp_path, BUDGET.replace("BUDGET", budget), ("US",), solver)
    assert result.diagnostics is not None
    assert result.diagnostics.binding == {"g": binding}
    assert result.diagnostics.budget_used == pytest.approx(used, rel=1e-7)
    if price is None:
        assert result.diagnostics.budget_shadow_price is None
    else:
        assert result.diagnostics.budget_shadow_price == pytest.approx(price, abs=1e-9)
        more = solve_text(tmp_path, BUDGET.replace("BUDGET", str(float(budget) + 1)), ("US",), solver)
        assert result.objective - more.objective == pytest.approx(price, abs=1e-8)
    document = result.to_dict()
    assert document["items"]["g"]["binding"] == binding
    assert set(document["diagnostics"]) == {"budget", "budget_used", "budget_shadow_price"}


@solvers
def test_share_cap_shortfall_and_none(tmp_path: Path, solver: SolverName) -> None:
    # a: AA (0.2) 100, BB (0.5) 100, CN 100, each non-member capped at 40% of 100:
    #    AA 40 + BB 40 + CN 20 -> the caps on AA and BB bind.
    # b: only CN 10 for 20 needed -> shortfall.
    # c: only BB 50 for 10 needed.
    text = """\
paxmodel: 1
name: Mixed
settings: {max_single_share: 0.4}
countries:
  AA: {name: A, risk: 0.2}
  BB: {name: B, risk: 0.5}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      a: {name: A, demand: 100, supply: {AA: 100, BB: 100, CN: 100}}
      b: {name: B, demand: 20, supply: {CN: 10}}
      c: {name: C, demand: 10, supply: {BB: 50}}
"""
    result = solve_text(tmp_path, text, (), solver)
    assert result.diagnostics is not None
    assert result.diagnostics.budget_shadow_price is None  # no budget set
    assert result.diagnostics.binding["a"] == "share_cap"
    assert result.diagnostics.binding["b"] == "shortfall"
    # c under the cap: BB may give only 4 of the 10 needed: a shortfall of 6 (shortfall comes first)
    assert result.diagnostics.binding["c"] == "shortfall"
    # without the cap: a all from AA, exactly its capacity, but nothing safer exists: none;
    # c all from BB, which has room: nothing presses
    uncapped = solve_text(tmp_path, text.replace("settings: {max_single_share: 0.4}\n", ""), (), solver)
    assert uncapped.diagnostics is not None
    assert uncapped.diagnostics.binding == {"a": "none", "b": "shortfall", "c": "none"}


@solvers
def test_tutorial_as_documented(solver: SolverName) -> None:
    # docs/model.md: under `alone` the US expansion (6 wafers, cost 6) is all used, the budget
    # (10) has room: capacity binds for wafers and for chips (US 4 and Allyland 6 at capacity).
    # Under `with_allyland` the budget is spent (US 6, Allyland 2 at cost 2): one more unit of
    # budget buys 1/2 wafer from Allyland instead of China: 0.5 * (1 / 20) * k_wafers (0.5) = 0.0125.
    runner = Runner(load_scenario(ROOT / "scenarios" / "tutorial.yaml"))
    alone = runner.run("alone", ("US",), solver).diagnostics
    assert alone is not None
    assert alone.binding == {"chips": "capacity", "wafers": "capacity"}
    assert alone.budget_shadow_price == 0.0 and alone.budget_used == pytest.approx(6.0)
    both = runner.run("with_allyland", ("AL", "US"), solver).diagnostics
    assert both is not None
    assert both.binding == {"chips": "none", "wafers": "budget"}
    assert both.budget_shadow_price == pytest.approx(0.0125, abs=1e-9)
    assert both.budget_used == pytest.approx(10.0)


@pytest.mark.parametrize("budget", ["60", "1000", "null"])
def test_engine_route_gives_the_same_diagnostics(tmp_path: Path, budget: str) -> None:
    # `paxmodel run` with HiGHS solves on the warm engine's arrays; CBC goes through PuLP.
    path = tmp_path / "hand.yaml"
    path.write_text(BUDGET.replace("BUDGET", budget), encoding="utf-8")
    loaded = load_scenario(path)
    engine = solve(loaded, members=["US"], solver="highs").diagnostics
    pulp_route = solve(loaded, members=["US"], solver="cbc").diagnostics
    assert engine is not None and pulp_route is not None
    assert engine.binding == pulp_route.binding
    assert engine.budget_used == pytest.approx(pulp_route.budget_used, rel=1e-7)
    if engine.budget_shadow_price is None:
        assert pulp_route.budget_shadow_price is None
    else:
        assert engine.budget_shadow_price == pytest.approx(pulp_route.budget_shadow_price, abs=1e-9)


def test_engine_route_on_the_tutorial() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "tutorial.yaml")
    both = solve(loaded, "with_allyland").diagnostics
    assert both is not None
    assert both.binding == {"chips": "none", "wafers": "budget"}
    assert both.budget_shadow_price == pytest.approx(0.0125, abs=1e-9)


@solvers
def test_an_item_already_at_zero_reads_none_even_when_money_binds(tmp_path: Path, solver: SolverName) -> None:
    # h: 10 needed, only CN sells it, the US (member) may add 20 at cost 1: it adds 10 (cost 10)
    # and h's dependency is 0. g as in BUDGET gets the other 50 of the budget: 25 units.
    # One more unit of budget: 1/2 unit of g from the US instead of CN, k_g = 1/2:
    # 0.5 * (1 / 100) * 0.5 = 0.0025.
    text = BUDGET.replace("BUDGET", "60") + (
        "      h:\n        name: H\n        demand: 10\n        supply: {CN: 100}\n"
        "        expansion: {US: {capacity: 20, cost: 1}}\n"
    )
    result = solve_text(tmp_path, text, ("US",), solver)
    assert result.diagnostics is not None
    assert result.optimised.items["h"].dependency == pytest.approx(0.0, abs=1e-9)
    assert result.diagnostics.binding == {"g": "budget", "h": "none"}
    assert result.diagnostics.budget_shadow_price == pytest.approx(0.0025, abs=1e-9)
