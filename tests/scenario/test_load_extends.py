"""MODEL.md 1.6 (file-level `extends`), membership extends/add/remove, YAML 1.2 scalars."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.model.network import Network
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario

PARENT = """\
paxmodel: 1
name: Parent
description: the parent file
settings:
  member_risk: 0.1
  budget: 5
countries:
  US: {name: United States, risk: 0.0}
  JP: {name: Japan, risk: 0.2}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    weight: 2
    items:
      g:
        name: G
        demand: 10
        supply: {CN: 20, JP: 4}
memberships:
  a: [US]
  b: [US, JP]
candidates: [JP]
"""

CHILD = """\
extends: parent.yaml
name: Child
settings:
  budget: 9
countries:
  JP: {risk: 0.3}
sectors:
  s:
    items:
      g:
        supply: {CN: 5}
memberships:
  a: [JP]
candidates: [US]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    """1-based number of the only line containing `fragment`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(hits) == 1, fragment
    return hits[0]


def test_merge_mappings_key_by_key_child_wins_lists_replaced(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", PARENT)
    child = write(tmp_path / "child.yaml", CHILD)
    loaded = load_scenario(child)
    scenario = loaded.scenario
    assert scenario.name == "Child"  # scalar: child wins
    assert scenario.description == "the parent file"  # absent in child: parent kept
    assert scenario.settings.budget == 9  # nested mapping: child's key wins
    assert scenario.settings.member_risk == 0.1  # ... and the parent's other keys stay
    assert scenario.countries["JP"].risk == 0.3
    assert scenario.countries["JP"].name == "Japan"
    assert set(scenario.countries) == {"US", "JP", "CN"}
    assert scenario.sectors["s"].weight == 2
    supply = scenario.sectors["s"].items["g"].supply
    assert {c: e.available for c, e in supply.items()} == {"CN": 5, "JP": 4}
    assert scenario.sectors["s"].items["g"].demand == 10
    # lists are replaced whole, not appended or merged element-wise
    assert loaded.memberships == {"a": ("JP",), "b": ("JP", "US")}
    assert loaded.candidates == ("US",)
    assert loaded.files == (child, tmp_path / "parent.yaml")


def test_chain_of_three_files(tmp_path: Path) -> None:
    write(tmp_path / "base" / "grand.yaml", PARENT)
    write(tmp_path / "base" / "parent.yaml", "extends: grand.yaml\nname: Middle\nsettings: {member_risk: 0.2}\n")
    # relative to the file that says it: ../base/parent.yaml from sub/child.yaml
    child = write(
        tmp_path / "sub" / "child.yaml",
        "extends: ../base/parent.yaml\nname: Leaf\nsettings: {budget: 1}\n",
    )
    loaded = load_scenario(child)
    assert loaded.name == "Leaf"
    assert loaded.scenario.description == "the parent file"
    assert loaded.scenario.settings.member_risk == 0.2  # from the middle file
    assert loaded.scenario.settings.budget == 1  # from the leaf
    assert loaded.memberships == {"a": ("US",), "b": ("JP", "US")}
    assert [p.resolve() for p in loaded.files] == [
        child.resolve(),
        (tmp_path / "base" / "parent.yaml").resolve(),
        (tmp_path / "base" / "grand.yaml").resolve(),
    ]


def test_hash_changes_when_parent_changes(tmp_path: Path) -> None:
    parent = write(tmp_path / "parent.yaml", PARENT)
    child = write(tmp_path / "child.yaml", CHILD)
    first = load_scenario(child).sha256
    assert load_scenario(child).sha256 == first
    write(parent, PARENT.replace("budget: 5", "budget: 6"))
    assert load_scenario(child).sha256 != first


@pytest.mark.parametrize("length", [1, 2, 3])
def test_cycle_of_extends_is_an_error(tmp_path: Path, length: int) -> None:
    names = [f"f{n}.yaml" for n in range(length)]
    for n, name in enumerate(names):
        write(tmp_path / name, f"paxmodel: 1\nextends: {names[(n + 1) % length]}\nname: F{n}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / names[0])
    (problem,) = caught.value.problems
    assert problem.field == "extends"
    assert "cycle of extends" in problem.message
    for name in names:
        assert name in problem.message
    assert problem.location.line == 2  # the extends line of the file that closes the cycle
    assert Path(problem.location.file).name == names[-1]
    result = CliRunner().invoke(app, ["validate", str(tmp_path / names[0])])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "cycle of extends" in result.stderr


def test_error_in_parent_is_located_in_parent(tmp_path: Path) -> None:
    bad_parent = PARENT.replace("risk: 0.2}", "risk: 1.5}")
    parent = write(tmp_path / "parent.yaml", bad_parent)
    child = write(tmp_path / "child.yaml", CHILD.replace("  JP: {risk: 0.3}\n", "  US: {risk: 0.0}\n"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    (problem,) = caught.value.problems
    assert Path(problem.location.file).resolve() == parent.resolve()
    assert problem.location.line == line_of(bad_parent, "risk: 1.5")
    assert problem.field == "countries.JP.risk"
    result = CliRunner().invoke(app, ["validate", str(child)])
    assert result.exit_code == 1
    assert f"parent.yaml:{line_of(bad_parent, 'risk: 1.5')}:" in result.stderr


def test_error_in_child_is_located_in_child(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", PARENT)
    bad_child = CHILD.replace("  a: [JP]", "  a: [JP, CN]")
    child = write(tmp_path / "child.yaml", bad_child)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    (problem,) = caught.value.problems
    assert Path(problem.location.file) == child
    assert problem.location.line == line_of(bad_child, "a: [JP, CN]")
    assert problem.field == "memberships.a[1]"
    assert "country of concern" in problem.message


def test_child_override_of_parent_value_is_located_in_child(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", PARENT)
    bad_child = CHILD.replace("  budget: 9", "  budget: -9")
    child = write(tmp_path / "child.yaml", bad_child)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    (problem,) = caught.value.problems
    assert Path(problem.location.file) == child
    assert problem.location.line == line_of(bad_child, "budget: -9")
    assert problem.field == "settings.budget"


def test_missing_parent_file(tmp_path: Path) -> None:
    text = "paxmodel: 1\nname: Orphan\nextends: not-there.yaml\n"
    child = write(tmp_path / "child.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    (problem,) = caught.value.problems
    assert Path(problem.location.file) == child
    assert problem.location.line == line_of(text, "extends")
    assert problem.field == "extends"
    assert "not-there.yaml" in problem.message
    result = CliRunner().invoke(app, ["validate", str(child)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{child}:3:1: extends: " in result.stderr


def test_extends_must_be_a_path(tmp_path: Path) -> None:
    child = write(tmp_path / "child.yaml", "paxmodel: 1\nname: X\nextends: [a.yaml]\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    (problem,) = caught.value.problems
    assert problem.field == "extends"
    assert problem.location.line == 3


# --- memberships ------------------------------------------------------------------------

MEMBERSHIPS = """\
paxmodel: 1
name: Memberships
countries:
  US: {name: United States, risk: 0}
  JP: {name: Japan, risk: 0.1}
  GB: {name: United Kingdom, risk: 0.1}
  IN: {name: India, risk: 0.4}
  AU: {name: Australia, risk: 0.1}
memberships:
  founding: [US, JP, GB]
  later: {extends: with_india, add: [AU], remove: [US]}
  with_india: {extends: founding, add: [IN]}
  without_gb: {extends: founding, remove: [GB]}
  add_and_remove: {extends: founding, add: [GB, AU], remove: [AU]}
  empty: []
"""


def test_membership_extends_add_remove(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path / "m.yaml", MEMBERSHIPS))
    assert loaded.memberships == {
        "founding": ("GB", "JP", "US"),
        "later": ("AU", "GB", "IN", "JP"),  # {US, JP, GB} + IN + AU - US, via a forward reference
        "with_india": ("GB", "IN", "JP", "US"),
        "without_gb": ("JP", "US"),
        "add_and_remove": ("GB", "JP", "US"),  # remove wins over add
        "empty": (),
    }
    assert list(loaded.memberships) == ["founding", "later", "with_india", "without_gb", "add_and_remove", "empty"]
    for members in loaded.memberships.values():
        assert list(members) == sorted(members)


# --- YAML 1.2 scalars ---------------------------------------------------------------------

YAML12 = """\
paxmodel: 1
name: YAML 1.2
settings: {budget: 1e3}
countries:
  NO: {name: Norway, risk: 0.1}
  ON: {name: Ontario, risk: 0.2}
  US: {name: United States, risk: 0}
sectors:
  s:
    name: S
    items:
      g: {name: G, demand: 2.5e1, supply: {NO: 1e1, "ON": 5}}
memberships:
  nordic: [NO, US]
  other: {extends: nordic, remove: [NO], add: [ON]}
candidates: [NO]
"""


def test_yaml_12_norway_stays_a_country_code(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path / "y.yaml", YAML12))
    assert "NO" in loaded.scenario.countries  # as a key
    assert loaded.scenario.countries["NO"].name == "Norway"
    assert "NO" in loaded.scenario.sectors["s"].items["g"].supply
    assert loaded.memberships["nordic"] == ("NO", "US")  # in a list
    assert loaded.memberships["other"] == ("ON", "US")
    assert loaded.candidates == ("NO",)


def test_yaml_12_exponent_is_a_number(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path / "y.yaml", YAML12))
    assert loaded.scenario.settings.budget == 1000.0
    item = loaded.scenario.sectors["s"].items["g"]
    assert item.demand == 25.0
    assert item.supply["NO"].available == 10.0
    assert Network.from_scenario(loaded).requirement == {"g": 25.0}


def test_yaml_12_yes_is_not_a_boolean(tmp_path: Path) -> None:
    text = YAML12.replace("risk: 0.2}", "risk: 0.2, concern: yes}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path / "y.yaml", text))
    (problem,) = caught.value.problems
    assert problem.field == "countries.ON.concern"
    assert "'yes'" in problem.message


def test_problems_in_parent_and_child_are_reported_together(tmp_path: Path) -> None:
    parent_text = PARENT.replace("member_risk: 0.1", "member_risk: 3")
    child_text = CHILD.replace("budget: 9", "budget: -1")
    parent = write(tmp_path / "parent.yaml", parent_text)
    child = write(tmp_path / "child.yaml", child_text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    located = {(Path(p.location.file).name, p.location.line, p.field) for p in caught.value.problems}
    assert located == {
        ("child.yaml", line_of(child_text, "budget: -1"), "settings.budget"),
        ("parent.yaml", line_of(parent_text, "member_risk: 3"), "settings.member_risk"),
    }
    result = CliRunner().invoke(app, ["validate", str(child)])
    assert result.exit_code == 1
    assert str(child) in result.stderr and str(parent) in result.stderr
    assert "2 problems found" in result.stderr
