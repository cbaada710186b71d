"""`stress`: the matrix of MODEL.md 5 against hand-computed optima and an independent route."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from paxmodel.analyses.stress import stress
from paxmodel.cli import app
from paxmodel.model.run import Runner
from paxmodel.model.sourcing import aggregate
from paxmodel.outputs.stress_tables import stress_tables
from paxmodel.scenario.load import load_scenario, scenario_from_dict
from paxmodel.scenario.yaml_source import load_yaml_mapping

DATA = Path(__file__).parents[1] / "data"
SMALL = DATA / "small.yaml"

# One item, demand 10: CN (risk 1) can supply 8, JP (0.2) 4, and member US can add 3 at no cost.
HAND: dict[str, Any] = {
    "paxmodel": 1,
    "name": "Hand",
    "settings": {"shortfall_penalty": 10},
    "countries": {
        "US": {"name": "United States", "risk": 0.0},
        "JP": {"name": "Japan", "risk": 0.2},
        "CN": {"name": "China", "risk": 1.0, "concern": True},
    },
    "sectors": {
        "m": {
            "name": "Materials",
            "items": {
                "ga": {
                    "name": "Gallium",
                    "demand": 10,
                    "stock": 1.5,
                    "supply": {"CN": 8, "JP": 4},
                    "expansion": {"US": 3},
                }
            },
        }
    },
    "memberships": {"us": ["US"], "us_jp": ["US", "JP"]},
    "shocks": {
        "cn_half": [{"country": "CN", "cut": 0.5}],
        "cn_twice_half": [{"country": "CN", "cut": 0.5}, {"country": "CN", "items": ["ga"], "cut": 0.5}],
        "cn_all": [{"country": "CN", "sectors": ["m"], "cut": 1.0}],
        "cn_all_us_half": [{"country": "CN", "cut": 1.0}, {"country": "US", "cut": 0.5}],
    },
}


def test_hand_computed_cells() -> None:
    result = stress(scenario_from_dict(HAND))
    assert result.memberships == ("us", "us_jp")
    assert result.shocks == ("cn_half", "cn_twice_half", "cn_all", "cn_all_us_half")
    # cn_half: US 3 + JP 4 + CN 3 of the 4 left; nothing short.
    cell = result.cell("us", "cn_half")
    assert cell.shortfall_share.overall == 0 and cell.time_to_survive is None
    assert cell.dependency.overall == pytest.approx((0.2 * 4 + 1.0 * 3) / 10)
    # Two 50% cuts leave a quarter: CN 2, so 1 unit short.
    cell = result.cell("us", "cn_twice_half")
    assert cell.cuts == {("CN", "ga"): 0.75}
    assert cell.shortfall_share.overall == pytest.approx(0.1)
    assert cell.time_to_survive == pytest.approx(12 * 1.5 / 1)
    # cn_all: US 3 + JP 4, 3 short: dependency (0.2*4 + 3)/10, 6 months of stock.
    cell = result.cell("us", "cn_all")
    assert cell.shortfall_share.overall == pytest.approx(0.3)
    assert cell.dependency.overall == pytest.approx(0.38)
    assert cell.time_to_survive == pytest.approx(6.0)
    assert cell.objective == pytest.approx(0.2 * 0.4 + 10 * 0.3)
    # the status quo under the same cut: JP's 4 only.
    document = cell.to_dict()
    assert document["baseline"]["dependency"] == pytest.approx(0.68)
    assert document["baseline"]["shortfall_share"] == pytest.approx(0.6)
    # JP as a member costs nothing: dependency = shortfall share.
    assert result.cell("us_jp", "cn_all").dependency.overall == pytest.approx(0.3)
    # A shock on a member cuts its expansion too: 1.5 of US, 4.5 short.
    cell = result.cell("us", "cn_all_us_half")
    assert cell.shortfall_share.overall == pytest.approx(0.45)
    assert cell.time_to_survive == pytest.approx(12 * 1.5 / 4.5)
    assert result.worst_cell is cell
    assert result.unshocked["us"].shortfall_share.overall == 0


def _cut_data(data: dict[str, Any], cuts: dict[tuple[str, str], float]) -> dict[str, Any]:
    """The scenario with every cut applied to the YAML numbers themselves (no `with_cuts`)."""
    cut_data = copy.deepcopy(data)
    cut_data.pop("shocks", None)
    for sector in cut_data["sectors"].values():
        for item_id, item in sector["items"].items():
            for key, field in (("supply", "available"), ("expansion", "capacity")):
                for country, entry in item.get(key, {}).items():
                    factor = 1.0 - cuts.get((country, item_id), 0.0)
                    if isinstance(entry, dict):
                        entry[field] = entry[field] * factor
                    else:
                        item[key][country] = entry * factor
    return cut_data


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_cells_match_runs_on_scenarios_with_the_numbers_cut(solver: str) -> None:
    """Each cell = `paxmodel run` of a scenario whose file already holds the cut numbers."""
    data, _ = load_yaml_mapping(SMALL)
    result = stress(load_scenario(SMALL))
    for shock in result.shocks:
        cuts = result.cell("founding", shock).cuts
        runner = Runner(scenario_from_dict(_cut_data(data, cuts)))
        for name in result.memberships:
            cell = result.cell(name, shock)
            run = runner.run(name, cell.members, solver)  # type: ignore[arg-type]
            net = run.network
            assert cell.objective == pytest.approx(run.objective, abs=1e-7)
            assert cell.dependency.overall == pytest.approx(run.optimised.dependency.overall, abs=1e-7)
            for i, metrics in run.optimised.items.items():
                assert cell.item_dependency[i] == pytest.approx(metrics.dependency, abs=1e-7)
                assert cell.item_shortfall[i] == pytest.approx(metrics.shortfall, abs=1e-7 * net.requirement[i])
            shares = {i: m.shortfall / net.requirement[i] for i, m in run.optimised.items.items()}
            expected = aggregate(net, shares)
            assert cell.shortfall_share.overall == pytest.approx(expected.overall, abs=1e-7)
            for s, value in expected.sectors.items():
                assert cell.shortfall_share.sectors[s] == pytest.approx(value, abs=1e-7)
            assert cell.baseline.dependency.overall == pytest.approx(run.baseline.dependency.overall)


def test_stress_shortfall_grows_with_the_cut() -> None:
    """A deeper cut on the same pairs never lowers the LP objective or the shortfall share."""
    data = copy.deepcopy(HAND)
    data["shocks"] = {f"cut_{n}": [{"country": "CN", "cut": n / 10}] for n in range(1, 11)}
    result = stress(scenario_from_dict(data), ["us"])
    objectives = [result.cell("us", s).objective for s in result.shocks]
    shortfalls = [result.cell("us", s).shortfall_share.overall for s in result.shocks]
    assert objectives == sorted(objectives) and shortfalls == sorted(shortfalls)
    assert shortfalls[-1] == pytest.approx(0.3)


def test_json_keys_and_determinism() -> None:
    first = stress(load_scenario(SMALL)).to_dict()
    second = stress(load_scenario(SMALL), ["founding", "with_al", "with_in", "wide"]).to_dict()
    assert json.dumps(first) == json.dumps(second)
    cell = first["results"]["founding"]["embargo"]
    for key in ("objective", "dependency", "shortfall_share", "baseline", "time_to_survive_months", "sectors", "items"):
        assert key in cell
    assert set(cell["baseline"]) >= {"dependency", "shortfall_share"}
    assert set(cell["items"]["gallium"]) >= {"dependency", "shortfall_share", "time_to_survive_months"}
    assert cell["items"]["idle"]["dependency"] is None  # no requirement, no metric
    assert list(cell["items"]) == sorted(cell["items"])
    # overall time to survive = the minimum over the items that run short
    times = [v["time_to_survive_months"] for v in cell["items"].values() if v["time_to_survive_months"] is not None]
    assert cell["time_to_survive_months"] == min(times)


def test_selection_errors() -> None:
    loaded = load_scenario(SMALL)
    with pytest.raises(ValueError, match="unknown shock 'embargoo' \\(did you mean 'embargo'\\?\\)"):
        stress(loaded, shocks=["embargoo"])
    with pytest.raises(ValueError, match="unknown membership"):
        stress(loaded, ["nope"])
    no_shocks = copy.deepcopy(HAND)
    no_shocks.pop("shocks")
    with pytest.raises(ValueError, match="defines no shocks"):
        stress(scenario_from_dict(no_shocks))
    custom = stress(loaded, members=["US", "IN"], shocks=["embargo"])
    assert custom.memberships == ("custom",) and custom.cell("custom", "embargo").members == ("IN", "US")


def test_table_marks_the_worst_cell_and_escapes_names() -> None:
    data = copy.deepcopy(HAND)
    data["shocks"]["[bold]odd[/bold]"] = data["shocks"].pop("cn_all_us_half")
    result = stress(scenario_from_dict(data))
    console = Console(width=160, record=True)
    console.print(stress_tables(result))
    text = console.export_text()
    assert "[bold]odd[/bold]" in text
    assert "45.0% *" in text  # the worst cell, marked
    assert text.count("%  *") + text.count("% *") == 1


def test_cli_json_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["stress", str(SMALL), "--json", "--shock", "embargo", "-m", "wide"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document["results"]) == ["wide"] and list(document["results"]["wide"]) == ["embargo"]
    assert document == stress(load_scenario(SMALL), ["wide"], ["embargo"]).to_dict()
    bad = runner.invoke(app, ["stress", str(SMALL), "--shock", "nope"])
    assert bad.exit_code == 1 and "unknown shock 'nope'" in bad.stderr
    both = runner.invoke(app, ["stress", str(SMALL), "-m", "wide", "--members", "US"])
    assert both.exit_code == 2
    out = tmp_path / "stress.json"
    written = runner.invoke(app, ["stress", str(SMALL), "--output", str(out)])
    assert written.exit_code == 0 and json.loads(out.read_text()) == stress(load_scenario(SMALL)).to_dict()
    overridden = runner.invoke(app, ["stress", str(SMALL), "--json", "--set", "settings.budget=0"])
    assert json.loads(overridden.stdout) != json.loads(out.read_text())


def test_a_shock_changes_only_bounds_and_the_fast_path_equals_a_full_build() -> None:
    """`with_supply_of` (what the engine uses for a shock) = `lp_data` of the cut network, exactly."""
    import numpy as np

    from paxmodel.model.arrays import LpStructure, differs_in_supply_only, lp_data, with_supply_of
    from paxmodel.model.network import Network
    from paxmodel.scenario.references import resolve_shocks

    loaded = load_scenario(SMALL)
    network = Network.from_scenario(loaded)
    structure = LpStructure.of(network)
    data = lp_data(network, structure)
    for cuts in resolve_shocks(loaded.scenario).values():
        variant = network.with_cuts(cuts)
        assert differs_in_supply_only(network, variant)
        assert variant.requirement == network.requirement
        fast, full = with_supply_of(data, structure, variant), lp_data(variant, structure)
        for name in ("col_cost", "col_upper", "row_lower", "row_upper", "a_value", "f_full", "cap_relax", "cap_base"):
            assert np.array_equal(getattr(fast, name), getattr(full, name)), name
    import dataclasses

    assert not differs_in_supply_only(network, dataclasses.replace(network, budget=1.0))


def test_a_shock_that_does_not_bind_reuses_the_unshocked_optimum_and_equals_a_solve() -> None:
    """The optimum without cuts, when the cuts leave it feasible, is the cut LP's optimum too."""
    from paxmodel.analyses.engine import Configuration
    from paxmodel.analyses.stress import StressEngine

    data = copy.deepcopy(HAND)
    data["shocks"]["cn_quarter"] = [{"country": "CN", "cut": 0.25}]  # CN keeps 6; the optimum buys 3
    loaded = scenario_from_dict(data)
    engine = StressEngine(loaded)
    for name, members in loaded.memberships.items():
        engine.cell(name, members, "", {})
    solves = engine.solver.engine.solves
    shocks = {"cn_quarter": {("CN", "ga"): 0.25}, "cn_all": {("CN", "ga"): 1.0}}
    cells = {s: engine.cell("us", ("US",), s, cuts) for s, cuts in shocks.items()}
    assert engine.solver.engine.solves == solves + 1  # only cn_all needed a solve
    for shock, cuts in shocks.items():
        fresh = StressEngine(loaded).solver
        config = Configuration(frozenset({"US"}), shock, fresh.network.with_cuts(cuts))
        assert cells[shock].objective == pytest.approx(fresh.evaluate(config).objective, abs=1e-12)
    assert cells["cn_quarter"].shortfall_share.overall == 0
