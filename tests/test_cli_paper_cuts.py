"""Small things a new user meets (issue 7, section 18): each one checked through the CLI or API."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import paxmodel
from paxmodel.cli import app
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario, scenario_from_dict

SMALL = Path(__file__).parent / "data" / "small.yaml"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "110"})
    return result.exit_code, result.output


def test_empty_members_is_an_error_not_an_empty_membership() -> None:
    status, output = invoke("run", str(SMALL), "--members", "")
    assert status == 2 and "no country codes given" in output
    status, output = invoke("run", str(SMALL), "--members", " , ")
    assert status == 2 and "no country codes given" in output


def test_members_are_matched_without_regard_to_case() -> None:
    upper = invoke("run", str(SMALL), "--members", "US,JP", "--json")
    lower = invoke("run", str(SMALL), "--members", "us, jp", "--json")
    assert upper == lower and upper[0] == 0


def test_none_is_the_empty_membership_in_every_command(tmp_path: Path) -> None:
    status, output = invoke("run", str(SMALL), "-m", "none")
    assert status == 0 and "membership none (0 members" in output
    status, output = invoke("report", str(SMALL), "-m", "none", "-f", "json", "-o", str(tmp_path / "r.json"))
    assert status == 0, output


def test_version() -> None:
    status, output = invoke("--version")
    assert status == 0 and output.strip() == f"paxmodel {paxmodel.__version__}"


def test_flags_are_shown_without_a_value_in_help() -> None:
    status, output = invoke("run", "--help")
    line = next(line for line in output.splitlines() if "--json" in line)
    assert status == 0 and "<bool>" not in line


def test_a_membership_written_as_text_says_how_to_write_a_list(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SMALL.read_text().replace("founding: [US, JP]", "founding: US, JP"))
    assert path.read_text() != SMALL.read_text()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [problem] = caught.value.problems
    assert "written [US, JP]" in problem.message and "DerivedMembership" not in problem.message


def test_invite_with_k_zero_says_why_nobody_is_invited() -> None:
    status, output = invoke("invite", str(SMALL), "-b", "founding", "-k", "0")
    assert status == 0 and "nobody (at most 0 asked for)" in output and "lowers the objective" not in output


def test_public_api_lists_only_its_names() -> None:
    names = dir(paxmodel)
    assert "solve" in names and "load_scenario" in names
    assert not {"Any", "import_module", "TYPE_CHECKING"} & set(names)
    assert all(hasattr(paxmodel, name) for name in names)


def test_yaml_11_booleans_from_safe_load_are_explained() -> None:
    text = SMALL.read_text()
    assert "  NO: {" in text  # the small scenario has Norway
    data = yaml.safe_load(text)  # YAML 1.1: NO becomes False
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert any("paxmodel.load_scenario (YAML 1.2)" in p.message for p in caught.value.problems)


def test_no_blank_line_before_an_error_of_a_sweep() -> None:
    status, output = invoke("compare", str(SMALL), "--marginal", "--candidates", "ZZ")
    assert status == 1 and output.startswith("error: unknown country 'ZZ'")
