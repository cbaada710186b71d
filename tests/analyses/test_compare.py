"""`compare`: ranking against independent runs, JSON and records, and the CLI command."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from paxmodel.analyses.compare import compare
from paxmodel.cli import app
from paxmodel.model.run import solve
from paxmodel.outputs.compare_tables import comparison_table
from paxmodel.scenario.errors import MembershipError
from paxmodel.scenario.generate import generate_scenario_data
from paxmodel.scenario.load import LoadedScenario, load_scenario, scenario_from_dict

TOLERANCE = 1e-7
ADDED = "C012"  # not in the generated base membership (checked below)


def scenario_data() -> dict[str, object]:
    data = generate_scenario_data(countries=14, items=12, tiers=3, seed=31, budget=25.0, max_single_share=0.45)
    memberships = data["memberships"]
    assert isinstance(memberships, dict)
    base = list(memberships["base"])
    memberships["smaller"] = base[:-2]
    memberships["swapped"] = {"extends": "base", "remove": [base[0]], "add": [ADDED]}
    return data


@cache
def loaded() -> LoadedScenario:
    return scenario_from_dict(scenario_data(), name="compare")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compare") / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario_data(), sort_keys=False), encoding="utf-8")
    return path


def test_ranking_matches_independent_runs() -> None:
    scenario = loaded()
    comparison = compare(scenario)
    names = list(scenario.memberships)
    assert sorted(c.name for c in comparison.configurations) == sorted(names)
    runs = {name: solve(scenario, name) for name in names}
    expected_order = sorted(names, key=lambda n: (round(runs[n].optimised.dependency.overall, 12), n))
    assert [c.name for c in comparison.configurations] == expected_order
    assert [c.rank for c in comparison.configurations] == list(range(1, len(names) + 1))
    optimised = [c.optimised for c in comparison.configurations]
    assert optimised == sorted(optimised) and optimised[0] < optimised[-1] - 1e-4
    for c in comparison.configurations:
        run = runs[c.name]
        assert c.members == run.members
        assert c.optimised == pytest.approx(run.optimised.dependency.overall, abs=TOLERANCE)
        assert c.removed == pytest.approx(run.removed, abs=TOLERANCE)
        assert c.baseline == pytest.approx(run.baseline.dependency.overall, abs=1e-12)
        for sector, removed in run.sector_removed().items():
            assert c.sectors[sector].removed == pytest.approx(removed, abs=TOLERANCE)


def test_difference_from_the_first_listed_and_shortfall() -> None:
    scenario = loaded()
    base = scenario.memberships["base"]
    comparison = compare(scenario, ["base", "swapped", "smaller", "base"])
    assert comparison.reference == "base"
    assert len(comparison.configurations) == 3  # repeats are ignored
    by_name = {c.name: c for c in comparison.configurations}
    assert by_name["base"].added == () and by_name["base"].dropped == ()
    assert ADDED not in base
    assert by_name["swapped"].added == (ADDED,) and by_name["swapped"].dropped == (base[0],)
    assert by_name["smaller"].added == () and by_name["smaller"].dropped == tuple(sorted(base[-2:]))
    for c in comparison.configurations:
        run = c.result
        expected = sum(
            run.network.overall_weight[i] * m.shortfall / run.network.requirement[i]
            for i, m in run.optimised.items.items()
        )
        assert c.shortfall == pytest.approx(expected, abs=TOLERANCE)
        assert 0.0 <= c.shortfall <= c.optimised + 1e-12
    assert any(c.shortfall > 1e-6 for c in comparison.configurations)  # the case has shortfall


def test_empty_membership_and_errors() -> None:
    scenario = loaded()
    comparison = compare(scenario, ["none", "base"])
    none = next(c for c in comparison.configurations if c.name == "none")
    assert none.members == () and comparison.configurations[-1].name == "none"
    with pytest.raises(MembershipError, match=r"unknown membership 'bsae'.*did you mean 'base'"):
        compare(scenario, ["bsae"])
    with pytest.raises(ValueError, match="at least one"):
        compare(scenario, [])


def test_cbc_ranks_the_same() -> None:
    scenario = loaded()
    fast = compare(scenario)
    slow = compare(scenario, solver="cbc")
    assert [c.name for c in slow.configurations] == [c.name for c in fast.configurations]
    for a, b in zip(fast.configurations, slow.configurations, strict=True):
        assert a.optimised == pytest.approx(b.optimised, abs=1e-6)


def test_records_and_table() -> None:
    comparison = compare(loaded())
    rows = comparison.records()
    assert [row["name"] for row in rows] == [c.name for c in comparison.configurations]
    assert all(isinstance(value, str | int | float) for row in rows for value in row.values())
    sectors = {key for key in rows[0] if key.startswith("removed_")}
    assert sectors == {f"removed_{s}" for s in comparison.baseline_sectors}
    console = Console(width=140, record=True)
    console.print(comparison_table(comparison))
    text = console.export_text()
    for c in comparison.configurations:
        assert c.name in text
    assert "Removed per sector" in text


def test_cli_compare_json(scenario_file: Path) -> None:
    result = CliRunner().invoke(app, ["compare", str(scenario_file), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) >= {"baseline", "configurations", "reference", "scenario", "solver"}
    configurations = document["configurations"]
    assert [c["name"] for c in configurations] == [c.name for c in compare(loaded()).configurations]
    first = configurations[0]
    assert set(first) >= {"name", "members", "member_count", "optimised", "removed", "sectors", "shortfall"}
    assert set(first["sectors"]["sector_0"]) == {"baseline", "optimised", "removed"}
    assert [c["optimised"] for c in configurations] == sorted(c["optimised"] for c in configurations)
    again = CliRunner().invoke(app, ["compare", str(scenario_file), "--json"])
    assert again.stdout == result.stdout  # same input, same bytes


def test_cli_compare_table_and_output_file(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "compare.json"
    result = CliRunner().invoke(app, ["compare", str(scenario_file), "-m", "base", "-m", "smaller", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Removed per sector" in result.stdout and "smaller" in result.stdout
    expected = [c.name for c in compare(loaded(), ["base", "smaller"]).configurations]
    assert [c["name"] for c in json.loads(out.read_text())["configurations"]] == expected


def test_cli_contributions_json(scenario_file: Path) -> None:
    args = ["compare", str(scenario_file), "-m", "smaller", "--marginal", "--shapley", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    members = loaded().memberships["smaller"]
    assert document["players"] == list(members) and document["exact"] is True
    assert set(document["shapley"]) == set(members)
    assert set(document["marginal"]) == set(members) | set(document["candidates"])
    total = document["removed"] - document["removed_none"]
    assert sum(document["shapley"].values()) == pytest.approx(total, abs=1e-9)

    sampled = CliRunner().invoke(
        app, ["compare", str(scenario_file), "--shapley", "--samples", "20", "--seed", "3", "--json", "--quiet"]
    )
    assert sampled.exit_code == 0, sampled.output
    document = json.loads(sampled.stdout)
    assert document["membership"] == "base"  # the file's first
    assert document["exact"] is True  # 4 players: exact, whatever --samples says


def test_cli_samples_above_the_exact_limit(scenario_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paxmodel.analyses import contributions

    monkeypatch.setattr(contributions, "EXACT_MAX_PLAYERS", 3)
    args = ["compare", str(scenario_file), "--shapley", "--samples", "20", "--seed", "3", "--json"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    document = json.loads(first.stdout)
    assert document["exact"] is False and document["samples"] == 20 and document["seed"] == 3
    assert set(document["standard_error"]) == set(document["shapley"]) == set(document["players"])
    assert CliRunner().invoke(app, args).stdout == first.stdout  # same seed, same bytes


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-m", "nope"], 1, "unknown membership 'nope'"),
        (["--marginal", "--candidates", "CN0"], 1, "unknown country 'CN0'"),
        (["--marginal", "--candidates", "C000"], 1, "country of concern"),
        (["--shapley", "-m", "base", "-m", "smaller"], 2, "one membership"),
        (["--samples", "10"], 2, "--samples needs --shapley"),
        (["--candidates", ADDED], 2, "--candidates needs --marginal"),
        (["--shapley", "--samples", "1"], 2, "--samples"),
    ],
)
def test_cli_bad_input(scenario_file: Path, args: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(app, ["compare", str(scenario_file), *args])
    assert result.exit_code == code
    assert message in re.sub(r"[\s│╭╮╰╯─]+", " ", result.output)  # usage errors come in a box
    assert result.stdout.strip() == "" or code == 2


BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "pax_silica_2026.yaml"


def test_bundled_scenario_compare_marginal_and_shapley() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["compare", str(BUNDLED), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    names = [c["name"] for c in document["configurations"]]
    assert sorted(names) == sorted(load_scenario(BUNDLED).memberships)
    removed = [c["removed"] for c in document["configurations"]]
    assert removed == sorted(removed, reverse=True) and removed[-1] > 0

    first = next(iter(load_scenario(BUNDLED).memberships))
    result = runner.invoke(app, ["compare", str(BUNDLED), "--marginal", "--shapley", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["membership"] == first and document["exact"] is True
    total = document["removed"] - document["removed_none"]
    assert sum(document["shapley"].values()) == pytest.approx(total, abs=1e-9)
    assert max(document["shapley"].values()) > 0.01  # some member matters a lot

    table = runner.invoke(app, ["compare", str(BUNDLED), "-m", first, "--marginal", "--shapley", "--quiet"])
    assert table.exit_code == 0, table.output
    for heading in ("Members: removal lost if it alone leaves", "Candidates: removal gained", "Shapley value"):
        assert heading in table.stdout


def test_scenario_without_memberships_compares_the_empty_one() -> None:
    data = scenario_data()
    del data["memberships"]
    comparison = compare(scenario_from_dict(data, name="no memberships"))
    assert [(c.name, c.members) for c in comparison.configurations] == [("none", ())]
    assert comparison.configurations[0].removed > 0  # optimised sourcing helps even without a bloc
