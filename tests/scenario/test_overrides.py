"""`--set PATH=VALUE` overrides: validated like file values, located at the override, recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.model.run import solve
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "scenarios" / "tutorial.yaml"


def test_override_equals_editing_the_file(tmp_path: Path) -> None:
    edited = tmp_path / "edited.yaml"
    text = TUTORIAL.read_text()
    assert "  budget: 10 " in text
    edited.write_text(text.replace("  budget: 10 ", "  budget: 4 ", 1))
    by_file = solve(load_scenario(edited)).to_dict()
    by_override = solve(load_scenario(TUTORIAL, ["settings.budget=4"])).to_dict()
    assert by_override.pop("overrides") == ["settings.budget=4"]
    assert by_override["objective"] == by_file["objective"]
    assert by_override["items"] == by_file["items"]
    assert by_override["objective"] != solve(load_scenario(TUTORIAL)).objective  # the budget binds


def test_later_override_wins_and_input_file_untouched() -> None:
    before = TUTORIAL.read_bytes()
    loaded = load_scenario(TUTORIAL, ["countries.US.risk=0.3", "countries.US.risk=0.2"])
    assert loaded.scenario.countries["US"].risk == 0.2
    assert TUTORIAL.read_bytes() == before
    assert loaded.sha256 != load_scenario(TUTORIAL).sha256


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "countries.US.risk=1.5",
            "--set countries.US.risk=1.5:1:25: countries.US.risk: Input should be less than or equal to 1",
        ),
        ("settings.budgit=3", "--set settings.budgit=3:1:23: settings.budgit: unknown key (did you mean 'budget'?)"),
        ("settings.budget=abc", "--set settings.budget=abc:1:23: settings.budget: Input should be a valid number"),
        ("nonsense", "--set nonsense:1:1: expected PATH=VALUE"),
        ("name.x=3", "--set name.x=3:1:1: name: is not a mapping"),
        ("settings.budget=[1,", "--set settings.budget=[1,:1:23: settings.budget: invalid YAML value"),
    ],
)
def test_bad_override_is_located_at_the_override(override: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(TUTORIAL, [override])
    assert any(str(problem).startswith(expected) for problem in caught.value.problems), caught.value


def test_cli_set_changes_the_result_and_is_recorded() -> None:
    runner = CliRunner()
    plain = json.loads(runner.invoke(app, ["run", str(TUTORIAL), "--json"]).stdout)
    changed = runner.invoke(app, ["run", str(TUTORIAL), "--json", "--set", "countries.US.risk=0.5"])
    assert changed.exit_code == 0, changed.output
    document = json.loads(changed.stdout)
    assert document["overrides"] == ["countries.US.risk=0.5"]
    assert "overrides" not in plain
    assert document["overall"]["baseline"] > plain["overall"]["baseline"]  # US supplies in the baseline


def test_cli_bad_override_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["run", str(TUTORIAL), "--set", "countries.US.risk=2", "-o", str(out)])
    assert result.exit_code == 1
    assert "--set countries.US.risk=2:1:25: countries.US.risk:" in result.output
    assert not out.exists()


SHOCKED = ROOT / "tests" / "data" / "small.yaml"
UNCERTAIN = ROOT / "tests" / "data" / "uncertain.yaml"


@pytest.mark.parametrize(
    ("command", "scenario"),
    [
        (["compare"], TUTORIAL),
        (["invite", "--base", "with_allyland", "--max-new", "1"], TUTORIAL),
        (["frontier"], TUTORIAL),
        (["stress"], SHOCKED),
        (["sweep", "--samples", "8"], UNCERTAIN),
    ],
)
def test_every_json_result_records_its_overrides(command: list[str], scenario: Path) -> None:
    args = [*command[:1], str(scenario), *command[1:], "--json", "--set", "settings.budget=4"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout).get("overrides") == ["settings.budget=4"]
