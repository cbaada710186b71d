"""`invite`: the MILP against brute force over every subset, the frontier, the CLI."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from paxmodel.analyses.invite import InviteModel, invite
from paxmodel.cli import app
from paxmodel.model.lp import SourcingModel
from paxmodel.model.network import Network
from paxmodel.model.run import solve
from paxmodel.outputs.invite_tables import invite_tables
from paxmodel.scenario.errors import MembershipError
from paxmodel.scenario.generate import generate_scenario, generate_scenario_data
from paxmodel.scenario.load import LoadedScenario, scenario_from_dict

TOLERANCE = 1e-7

# Small generated scenarios (6 to 8 candidates each): plain, with a binding budget, with a
# binding single-share cap, with both, and with member_risk above some candidates' own risk
# (where joining can cost more than it brings).
CASES: dict[str, dict[str, Any]] = {
    "plain": {"countries": 10, "items": 9, "tiers": 2, "seed": 1},
    "budget": {"countries": 11, "items": 10, "tiers": 3, "seed": 2, "budget": 15.0},
    "share_cap": {"countries": 11, "items": 10, "tiers": 3, "seed": 3, "max_single_share": 0.35},
    "budget_and_cap": {"countries": 12, "items": 10, "tiers": 2, "seed": 4, "budget": 20.0, "max_single_share": 0.45},
    "member_risk": {"countries": 11, "items": 9, "tiers": 3, "seed": 5, "member_risk": 0.35},
}


@cache
def scenario(case: str) -> LoadedScenario:
    return generate_scenario(**CASES[case])


@cache
def brute_force(case: str) -> tuple[tuple[str, ...], dict[frozenset[str], float]]:
    """Candidates and the LP objective of base + S for every subset S of them."""
    loaded = scenario(case)
    base = loaded.memberships["base"]
    candidates = loaded.default_candidates(base)
    model = SourcingModel(Network.from_scenario(loaded))
    objectives = {
        frozenset(subset): model.solve(frozenset((*base, *subset))).objective
        for size in range(len(candidates) + 1)
        for subset in itertools.combinations(candidates, size)
    }
    return candidates, objectives


def best_for(objectives: dict[frozenset[str], float], k: int) -> float:
    return min(value for subset, value in objectives.items() if len(subset) <= k)


@pytest.mark.parametrize("case", sorted(CASES))
def test_milp_equals_brute_force_for_every_k(case: str) -> None:
    loaded = scenario(case)
    candidates, objectives = brute_force(case)
    assert 6 <= len(candidates) <= 8
    result = invite(loaded, "base", len(candidates), frontier=True)
    assert result.candidates == candidates
    assert [point.k for point in result.frontier] == list(range(len(candidates) + 1))
    for point in result.frontier:
        best = best_for(objectives, point.k)
        assert point.proven_optimal
        assert point.milp_objective == pytest.approx(best, abs=TOLERANCE)
        assert point.objective == pytest.approx(best, abs=TOLERANCE)
        chosen = frozenset(point.chosen)
        assert len(chosen) <= point.k and chosen <= set(candidates)
        assert objectives[chosen] == pytest.approx(best, abs=TOLERANCE)
        # Minimal: every invited country is needed for the optimum.
        for code in chosen:
            assert objectives[chosen - {code}] > best + 1e-10
    # The frontier never gets worse as k grows.
    values = [point.milp_objective for point in result.frontier]
    assert all(later <= earlier + 1e-9 for earlier, later in itertools.pairwise(values))
    assert values[-1] < values[0] - 1e-6  # inviting helps in every case


@pytest.mark.parametrize(("case", "k"), [("plain", 2), ("budget", 3), ("share_cap", 1), ("member_risk", 4)])
def test_single_solve_equals_brute_force(case: str, k: int) -> None:
    _, objectives = brute_force(case)
    result = invite(scenario(case), "base", k)
    assert result.frontier == ()
    assert result.proven_optimal
    assert result.best.k == k
    assert result.best.milp_objective == pytest.approx(best_for(objectives, k), abs=TOLERANCE)
    assert objectives[frozenset(result.chosen)] == pytest.approx(best_for(objectives, k), abs=TOLERANCE)


def test_cases_exercise_budget_share_cap_and_member_risk() -> None:
    """The constrained cases must differ from the same scenario without the constraint."""
    for case, relaxed in (("budget", {"budget": None}), ("share_cap", {"max_single_share": 1.0})):
        _, objectives = brute_force(case)
        free = generate_scenario(**(CASES[case] | relaxed))
        model = SourcingModel(Network.from_scenario(free))
        base = free.memberships["base"]
        differs = [abs(model.solve(frozenset((*base, *s))).objective - v) > 1e-6 for s, v in objectives.items()]
        assert sum(differs) > len(objectives) // 2, case
    # With member_risk 0.35, some candidate makes things worse on its own.
    candidates, objectives = brute_force("member_risk")
    assert any(objectives[frozenset({c})] > objectives[frozenset()] + 1e-6 for c in candidates)


def test_reported_numbers_are_those_of_paxmodel_run() -> None:
    loaded = scenario("budget_and_cap")
    result = invite(loaded, "base", 3, frontier=True)
    for point in result.frontier:
        run = solve(loaded, members=(*result.base_members, *point.chosen)).to_dict()
        assert point.optimised == pytest.approx(run["overall"]["optimised"], abs=1e-9)
        assert point.removed == pytest.approx(run["overall"]["removed"], abs=1e-9)
        assert point.objective == pytest.approx(run["objective"], abs=1e-9)
    base_run = solve(loaded, membership="base").to_dict()
    document = result.to_dict()
    assert document["baseline"] == pytest.approx(base_run["overall"]["baseline"], abs=1e-9)
    assert document["base_optimised"] == pytest.approx(base_run["overall"]["optimised"], abs=1e-9)
    assert document["removed"] == pytest.approx(document["baseline"] - document["optimised"], abs=1e-9)
    assert document["members"] == sorted({*result.base_members, *result.chosen})


def test_highs_and_cbc_agree() -> None:
    loaded = scenario("share_cap")
    highs = invite(loaded, "base", 3, frontier=True, solver="highs")
    cbc = invite(loaded, "base", 3, frontier=True, solver="cbc")
    assert cbc.proven_optimal and highs.proven_optimal
    assert cbc.solver.startswith("CBC") and highs.solver.startswith("HiGHS")
    for a, b in zip(highs.frontier, cbc.frontier, strict=True):
        assert a.milp_objective == pytest.approx(b.milp_objective, abs=1e-6)
        assert a.objective == pytest.approx(b.objective, abs=1e-6)
    assert cbc.best.milp_bound is None
    assert highs.best.milp_bound == pytest.approx(highs.best.milp_objective, abs=1e-8)


def test_k_beyond_candidates_and_zero() -> None:
    loaded = scenario("plain")
    candidates = loaded.default_candidates(loaded.memberships["base"])[:2]
    result = invite(loaded, "base", 4, candidates=candidates, frontier=True)
    # k beyond the two candidates adds nothing: the frontier stops at 2, the answer is its last point
    assert [p.k for p in result.frontier] == [0, 1, 2]
    assert result.best.k == 4 and result.chosen == result.frontier[2].chosen
    assert result.frontier[0].chosen == ()
    assert result.frontier[0].optimised == pytest.approx(result.base_optimised, abs=1e-12)
    zero = invite(loaded, "base", 0)
    assert zero.chosen == () and zero.optimised == pytest.approx(zero.base_optimised, abs=1e-12)


def test_no_candidates_is_the_base_lp_proven_optimal() -> None:
    loaded = scenario("plain")
    result = invite(loaded, "base", 2, candidates=[], frontier=True)
    assert result.candidates == () and result.chosen == ()
    assert result.proven_optimal
    base_run = solve(loaded, membership="base")
    assert [p.objective for p in result.frontier] == pytest.approx([base_run.objective], abs=1e-12)
    assert result.optimised == pytest.approx(base_run.optimised.dependency.overall, abs=1e-12)


def test_a_huge_k_costs_no_more_than_the_number_of_candidates() -> None:
    loaded = scenario("plain")
    candidates = loaded.default_candidates(loaded.memberships["base"])[:2]
    result = invite(loaded, "base", 1_000_000_000, candidates=candidates, frontier=True)
    assert len(result.frontier) == 3 and result.max_new == 1_000_000_000


def test_deterministic_output() -> None:
    loaded = scenario("budget")
    first = invite(loaded, "base", 3, frontier=True).to_dict()
    second = invite(loaded, "base", 3, frontier=True).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def hand_scenario(member_risk: float) -> LoadedScenario:
    """One item; the base has nothing; LO (low risk, no expansion), HI (risky) and EMPTY (no supply)."""
    return scenario_from_dict(
        {
            "paxmodel": 1,
            "name": "hand",
            "settings": {"member_risk": member_risk, "max_single_share": 0.5},
            "countries": {
                "US": {"name": "US", "risk": 0.0},
                "LO": {"name": "Low", "risk": 0.1},
                "HI": {"name": "High", "risk": 0.8},
                "EMPTY": {"name": "Empty", "risk": 0.5},
                "CN": {"name": "China", "risk": 1.0, "concern": True},
            },
            "sectors": {
                "s": {
                    "name": "S",
                    "items": {
                        "g": {
                            "name": "G",
                            "demand": 10,
                            "supply": {"LO": 4, "HI": 5, "CN": 10},
                            "expansion": {"HI": {"capacity": 2}},
                        }
                    },
                }
            },
            "memberships": {"founding": ["US"]},
        }
    )


def test_hand_scenario_member_risk_above_own_risk() -> None:
    # member_risk 0.5 > LO's 0.1: LO must not be invited (inviting would cost it the lower risk),
    # HI (0.8 -> 0.5, plus expansion and no share cap) must; EMPTY changes nothing.
    result = invite(hand_scenario(0.5), "founding", 3, frontier=True)
    assert result.chosen == ("HI",)
    assert [p.chosen for p in result.frontier] == [(), ("HI",), ("HI",), ("HI",)]
    # Non-members capped at 5 of 10: LO 4 (0.1), HI 5 (0.8), CN 1 (1.0); shortfall 0.
    assert result.frontier[0].objective == pytest.approx((0.4 + 4.0 + 1.0) / 10)
    # HI a member: LO 4 at 0.1, HI 6 at 0.5 (5 available + 1 of its expansion; no cap).
    assert result.frontier[1].objective == pytest.approx((0.4 + 3.0) / 10)
    # With member_risk 0: HI alone (7 of 10 at risk 0, LO 3 at 0.1), then both; EMPTY never.
    cheap = invite(hand_scenario(0.0), "founding", 3, frontier=True)
    assert [p.chosen for p in cheap.frontier] == [(), ("HI",), ("HI", "LO"), ("HI", "LO")]
    assert cheap.frontier[1].objective == pytest.approx(0.3 / 10)
    assert cheap.frontier[2].objective == pytest.approx(0.0, abs=1e-12)


def test_model_rejects_overlap_and_negative_k() -> None:
    loaded = scenario("plain")
    network = Network.from_scenario(loaded)
    base = loaded.memberships["base"]
    with pytest.raises(ValueError, match="already in the base"):
        InviteModel(network, base, [base[0]])
    with pytest.raises(ValueError, match=">= 0"):
        InviteModel(network, base, []).solve(-1)


def test_api_errors() -> None:
    loaded = scenario("plain")
    base = loaded.memberships["base"]
    with pytest.raises(MembershipError, match="unknown membership 'nope'"):
        invite(loaded, "nope", 2)
    with pytest.raises(MembershipError, match="unknown country 'ZZ'"):
        invite(loaded, "base", 2, candidates=["ZZ"])
    with pytest.raises(MembershipError, match="country of concern"):
        invite(loaded, "base", 2, candidates=["C000"])
    with pytest.raises(MembershipError, match="already is a member"):
        invite(loaded, "base", 2, candidates=[base[0]])
    with pytest.raises(ValueError, match="0 or more"):
        invite(loaded, "base", -1)


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(generate_scenario_data(**CASES["plain"])), encoding="utf-8")
    return path


def test_cli_json_shape_and_output_file(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "invite.json"
    args = ["invite", str(scenario_file), "--base", "base", "--max-new", "2", "--frontier", "--json"]
    result = CliRunner().invoke(app, [*args, "--output", str(out)])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert out.read_text(encoding="utf-8") == result.stdout
    required = {"base", "max_new", "chosen", "optimised", "removed", "proven_optimal", "frontier"}
    assert required <= set(document)
    assert document["base"] == "base" and document["max_new"] == 2 and document["proven_optimal"] is True
    assert [p["k"] for p in document["frontier"]] == [0, 1, 2]
    for point in document["frontier"]:
        assert {"k", "chosen", "optimised"} <= set(point)
    assert document["frontier"][-1]["chosen"] == document["chosen"]
    assert document["frontier"][-1]["optimised"] == document["optimised"]
    loaded = scenario("plain")
    expected = invite(loaded, "base", 2, frontier=True).to_dict()
    assert document["chosen"] == expected["chosen"]
    assert document["optimised"] == pytest.approx(expected["optimised"], abs=1e-12)
    candidates = ",".join(document["candidates"][:3])
    limited = CliRunner().invoke(app, [*args[:-2], "--candidates", candidates, "--json", "--solver", "cbc"])
    assert limited.exit_code == 0, limited.stderr
    assert json.loads(limited.stdout)["candidates"] == document["candidates"][:3]


def test_cli_table(scenario_file: Path) -> None:
    result = CliRunner().invoke(app, ["invite", str(scenario_file), "--base", "base", "--max-new", "2", "--frontier"])
    assert result.exit_code == 0, result.stderr
    chosen = invite(scenario("plain"), "base", 2, frontier=True).chosen
    assert chosen
    for code in chosen:
        assert code in result.stdout
    assert "proven optimal" in result.stdout and "Best set for each number" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--base", "nope", "--max-new", "1"], "unknown membership 'nope'"),
        (["--base", "base", "--max-new", "-1"], "0 or more"),
        (["--base", "base", "--max-new", "1", "--candidates", "C000"], "country of concern"),
        (["--base", "base", "--max-new", "1", "--candidates", "C002,XQ1"], "unknown country 'XQ1'"),
    ],
)
def test_cli_bad_input_exits_1(scenario_file: Path, extra: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["invite", str(scenario_file), *extra])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr


def test_table_renders_without_frontier() -> None:
    result = invite(scenario("member_risk"), "base", 1)
    console = Console(record=True, width=140)
    console.print(invite_tables(result))
    text = console.export_text()
    assert "Invite:" in text and "Best set for each number" not in text
    assert (", ".join(result.chosen) or "nobody") in text
