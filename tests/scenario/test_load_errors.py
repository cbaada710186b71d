"""MODEL.md 1.1: every problem in a scenario is reported as FILE:LINE:COL: field: message.

Each case is a small YAML file; the offending line carries a `#!` marker, so the expected
line number is found in the text rather than hard-coded. Where a case names a `token`, the
expected column is where that token starts on the marked line (the YAML node's column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.scenario.errors import Problem, ScenarioError
from paxmodel.scenario.load import load_scenario

HEADER = """\
paxmodel: 1
name: Errors
countries:
  US: {name: United States, risk: 0.0}
  JP: {name: Japan, risk: 0.1}
  CN: {name: China, risk: 1.0, concern: true}
"""

SECTORS = """\
sectors:
  semis:
    name: Semiconductors
    items:
      chips: {name: Chips, demand: 10, supply: {CN: 20, JP: 4}, inputs: {wafers: 2}}
      wafers: {name: Wafers, supply: {CN: 30, US: 5}}
"""


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    field: str
    message: tuple[str, ...]  # substrings the message must contain
    token: str | None = None  # the node whose column is reported, on the marked line


def marked_line(text: str) -> tuple[int, str]:
    """1-based number and content of the single line carrying the `#!` marker."""
    hits = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if "#!" in line]
    assert len(hits) == 1, f"case must mark exactly one line, found {len(hits)}"
    return hits[0]


CASES = [
    # --- unknown keys, with "did you mean" ---
    Case(
        "unknown-key-top-level",
        HEADER + "setings: {budget: 3}  #!\n",
        "setings",
        ("unknown key", "did you mean 'settings'"),
        "setings",
    ),
    Case(
        "unknown-key-settings",
        HEADER + "settings:\n  shortfal_penalty: 3  #!\n",
        "settings.shortfal_penalty",
        ("unknown key", "did you mean 'shortfall_penalty'"),
        "shortfal_penalty",
    ),
    Case(
        "unknown-key-item",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g:\n        name: G\n        demnd: 3  #!\n",
        "sectors.s.items.g.demnd",
        ("unknown key", "did you mean 'demand'"),
        "demnd",
    ),
    Case(
        "unknown-key-country",
        HEADER.replace("risk: 0.1}", "risk: 0.1, concren: false}  #!"),
        "countries.JP.concren",
        ("unknown key", "did you mean 'concern'"),
        "concren",
    ),
    Case(
        "unknown-key-supply-entry",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g:\n        name: G\n"
        "        supply: {US: {available: 3, sorce: usgs}}  #!\n",
        "sectors.s.items.g.supply.US.sorce",
        ("unknown key", "did you mean 'source'"),
        "sorce",
    ),
    # --- wrong types ---
    Case(
        "wrong-type-number",
        HEADER + "sectors:\n  s:\n    name: S\n    weight: heavy  #!\n",
        "sectors.s.weight",
        ("valid number", "'heavy'"),
        "weight",
    ),
    Case(
        "wrong-type-bool",
        HEADER.replace("risk: 0.1}", "risk: 0.1, concern: maybe}  #!"),
        "countries.JP.concern",
        ("valid boolean",),
        "concern",
    ),
    Case(
        "wrong-type-string",
        HEADER + "description: 42  #!\n",
        "description",
        ("valid string",),
        "description",
    ),
    Case(
        "wrong-type-mapping",
        HEADER + "sectors:\n  s:\n    name: S\n    items: [chips]  #!\n",
        "sectors.s.items",
        ("valid dictionary",),
        "items",
    ),
    Case(
        "wrong-type-required-missing",
        HEADER + "sectors:\n  s:  #!\n    weight: 2\n",
        "sectors.s.name",
        ("required",),
        "s",
    ),
    # --- out-of-range numbers ---
    Case(
        "out-of-range-member-risk",
        HEADER + "settings:\n  member_risk: 1.5  #!\n",
        "settings.member_risk",
        ("less than or equal to 1", "1.5"),
        "member_risk",
    ),
    Case(
        "out-of-range-penalty",
        HEADER + "settings:\n  shortfall_penalty: 1  #!\n",
        "settings.shortfall_penalty",
        ("greater than 1",),
        "shortfall_penalty",
    ),
    Case(
        "out-of-range-share",
        HEADER + "settings:\n  max_single_share: 0  #!\n",
        "settings.max_single_share",
        ("greater than 0",),
        "max_single_share",
    ),
    Case(
        "out-of-range-accessible-share",
        HEADER + "settings:\n  accessible_share: 0  #!\n",
        "settings.accessible_share",
        ("greater than 0",),
        "accessible_share",
    ),
    Case(
        "out-of-range-accessible",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g:\n        name: G\n"
        "        supply: {US: {available: 3, accessible: 1.5}}  #!\n",
        "sectors.s.items.g.supply.US.accessible",
        ("less than or equal to 1", "1.5"),
        "accessible",
    ),
    Case(
        "input-value-shares-above-one",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      h: {name: H}\n      k: {name: K}\n"
        "      g:\n        name: G\n        inputs:  #!\n"
        "          h: {per_unit: 1, value_share: 0.7}\n          k: {per_unit: 2, value_share: 0.6}\n",
        "sectors.s.items.g.inputs",
        ("value shares add up to 1.3", "1 at most"),
        "inputs",
    ),
    Case(
        "out-of-range-input-value-share",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      h: {name: H}\n"
        "      g: {name: G, inputs: {h: {per_unit: 1, value_share: -0.1}}}  #!\n",
        "sectors.s.items.g.inputs.h.value_share",
        ("greater than or equal to 0",),
        "value_share",
    ),
    Case(
        "out-of-range-demand",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g: {name: G, demand: -1}  #!\n",
        "sectors.s.items.g.demand",
        ("greater than or equal to 0", "-1"),
        "demand",
    ),
    Case(
        "out-of-range-risk",
        HEADER.replace("risk: 0.1}", "risk: 2}  #!"),
        "countries.JP.risk",
        ("less than or equal to 1",),
        "risk",
    ),
    Case(
        "out-of-range-input-coefficient",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g: {name: G, inputs: {h: 0}}  #!\n"
        "      h: {name: H}\n",
        "sectors.s.items.g.inputs.h",
        ("greater than 0",),
        "h",
    ),
    # --- NaN and infinity ---
    Case(
        "nan",
        HEADER + "settings:\n  budget: .nan  #!\n",
        "settings.budget",
        ("finite", "nan"),
        "budget",
    ),
    Case(
        "inf",
        HEADER.replace("risk: 0.1}", "risk: .inf}  #!"),
        "countries.JP.risk",
        ("finite", "inf"),
        "risk",
    ),
    Case(
        "negative-inf",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g: {name: G, demand: -.inf}  #!\n",
        "sectors.s.items.g.demand",
        ("finite",),
        "demand",
    ),
    # --- duplicate keys ---
    Case(
        "duplicate-country",
        HEADER + "  US: {name: Again, risk: 0.5}  #!\n",
        "countries.US",
        ("duplicate key 'US'", "first given on line 4"),  # HEADER line 4 defines US
        "US",
    ),
    Case(
        "duplicate-top-level",
        HEADER + "name: Twice  #!\n",
        "name",
        ("duplicate key 'name'", "first given on line 2"),
        "name",
    ),
    # --- references ---
    Case(
        "unknown-country-supply",
        HEADER + SECTORS.replace("{CN: 20, JP: 4}, inputs: {wafers: 2}}", "{CN: 20, JPN: 4}, inputs: {wafers: 2}}  #!"),
        "sectors.semis.items.chips.supply.JPN",
        ("unknown country 'JPN'", "did you mean 'JP'"),
        "JPN",
    ),
    Case(
        "unknown-country-expansion",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g:\n        name: G\n"
        "        expansion: {USA: 3}  #!\n",
        "sectors.s.items.g.expansion.USA",
        ("unknown country 'USA'", "did you mean 'US'"),
        "USA",
    ),
    Case(
        "unknown-item-input",
        HEADER + SECTORS.replace("inputs: {wafers: 2}}", "inputs: {wafer: 2}}  #!"),
        "sectors.semis.items.chips.inputs.wafer",
        ("unknown item 'wafer'", "did you mean 'wafers'"),
        "wafer",
    ),
    Case(
        "input-cycle",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      a: {name: A, inputs: {b: 1}}  #!\n"
        "      b: {name: B, inputs: {c: 1}}\n      c: {name: C, inputs: {a: 2}}\n",
        "sectors.s.items.a.inputs.b",
        ("cycle in inputs", "a -> b -> c -> a"),
        "b",
    ),
    Case(
        "input-self-loop",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      a: {name: A, inputs: {a: 1}}  #!\n",
        "sectors.s.items.a.inputs.a",
        ("cycle in inputs", "a -> a"),
        None,
    ),
    Case(
        "item-defined-twice",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      a: {name: A}\n"
        "  t:\n    name: T\n    items:\n      a: {name: A again}  #!\n",
        "sectors.t.items.a",
        ("already defined in sector 's'",),
        "a",
    ),
    Case(
        "membership-concern-country",
        HEADER + "memberships:\n  m: [US, CN]  #!\n",
        "memberships.m[1]",
        ("'CN'", "country of concern"),
        "CN",
    ),
    Case(
        "membership-add-concern-country",
        HEADER + "memberships:\n  m: [US]\n  n: {extends: m, add: [CN]}  #!\n",
        "memberships.n.add[0]",
        ("'CN'", "country of concern"),
        "CN",
    ),
    Case(
        "membership-unknown-country",
        HEADER + "memberships:\n  m: [US, JPP]  #!\n",
        "memberships.m[1]",
        ("unknown country 'JPP'", "did you mean 'JP'"),
        "JPP",
    ),
    Case(
        "membership-unknown-parent",
        HEADER + "memberships:\n  founding: [US]\n  more: {extends: fonding}  #!\n",
        "memberships.more.extends",
        ("unknown membership 'fonding'", "did you mean 'founding'"),
        "extends",
    ),
    Case(
        "membership-extends-cycle",
        HEADER + "memberships:\n  a: {extends: b}  #!\n  b: {extends: c}\n  c: {extends: a, add: [US]}\n",
        "memberships.a.extends",
        ("cycle in membership extends", "a -> b -> c -> a"),
        "extends",
    ),
    Case(
        "candidate-concern-country",
        HEADER + "candidates: [JP, CN]  #!\n",
        "candidates[1]",
        ("country of concern",),
        "CN",
    ),
    Case(
        "expansion-concern-country",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g:\n        name: G\n"
        "        expansion: {CN: {capacity: 5}}  #!\n",
        "sectors.s.items.g.expansion.CN",
        ("'CN'", "country of concern"),
        "CN",
    ),
    Case(
        "unknown-source",
        HEADER + "sources: {usgs: USGS}\nsectors:\n  s:\n    name: S\n    items:\n"
        "      g: {name: G, supply: {US: {available: 1, source: usgss}}}  #!\n",
        "sectors.s.items.g.supply.US.source",
        ("unknown source 'usgss'", "did you mean 'usgs'"),
        "source",
    ),
    Case(
        "invalid-country-code",
        HEADER + "  us: {name: lower case, risk: 0}  #!\n",
        "countries.us",
        ("invalid key 'us'", "country codes"),
        "us",
    ),
    # --- format version ---
    Case(
        "unsupported-version",
        HEADER.replace("paxmodel: 1", "paxmodel: 2  #!"),
        "paxmodel",
        ("unsupported format version 2",),
        "paxmodel",
    ),
    # --- shocks (MODEL.md 5) ---
    Case(
        "shock-unknown-country",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: UK, cut: 1}  #!\n",
        "shocks.s[0].country",
        ("unknown country 'UK'",),
        "country",
    ),
    Case(
        "shock-unknown-item",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN, items: [wafer], cut: 1}  #!\n",
        "shocks.s[0].items[0]",
        ("unknown item 'wafer'", "did you mean 'wafers'"),
        "wafer",
    ),
    Case(
        "shock-unknown-sector",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN, sectors: [semi], cut: 1}  #!\n",
        "shocks.s[0].sectors[0]",
        ("unknown sector 'semi'", "did you mean 'semis'"),
        "semi",
    ),
    Case(
        "shock-cut-zero",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN, cut: 0}  #!\n",
        "shocks.s[0].cut",
        ("greater than 0",),
        "cut",
    ),
    Case(
        "shock-cut-above-one",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN, cut: 1.2}  #!\n",
        "shocks.s[0].cut",
        ("less than or equal to 1",),
        "cut",
    ),
    Case(
        "shock-cut-missing",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN}  #!\n",
        "shocks.s[0].cut",
        ("required field is missing",),
        "{",
    ),
    Case(
        "shock-unknown-key",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN, item: [chips], cut: 1}  #!\n",
        "shocks.s[0].item",
        ("unknown key", "did you mean 'items'"),
        "item",
    ),
    Case(
        "shock-empty-cut-list",
        HEADER + SECTORS + "shocks:\n  s: []  #!\n",
        "shocks.s",
        ("at least one cut",),
        "s:",
    ),
    Case(
        "shock-empty-item-list",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN, items: [], cut: 1}  #!\n",
        "shocks.s[0].items",
        ("empty list cuts nothing",),
        "items",
    ),
    Case(
        "shock-not-a-list",
        HEADER + SECTORS + "shocks:\n  s: {country: CN, cut: 1}  #!\n",
        "shocks.s",
        ("valid list",),
        "s:",
    ),
    Case(
        "shock-unknown-source",
        HEADER + SECTORS + "shocks:\n  s:\n    - {country: CN, cut: 1, source: usgs}  #!\n",
        "shocks.s[0].source",
        ("unknown source 'usgs'",),
        "source",
    ),
    Case(
        "stock-negative",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g:\n        name: G\n        stock: -2  #!\n",
        "sectors.s.items.g.stock",
        ("greater than or equal to 0",),
        "stock",
    ),
    Case(
        "stock-not-a-number",
        HEADER + "sectors:\n  s:\n    name: S\n    items:\n      g:\n        name: G\n        stock: lots  #!\n",
        "sectors.s.items.g.stock",
        ("valid number",),
        "stock",
    ),
    Case(
        "version-as-string",
        HEADER.replace("paxmodel: 1", "paxmodel: '1'  #!"),
        "paxmodel",
        ("unsupported format version '1'",),
        "paxmodel",
    ),
    Case(
        "missing-version",
        "name: No version  #!\n",
        "paxmodel",
        ("required field is missing",),
        "name",  # a missing key is located at its mapping: the root, line 1 col 1
    ),
]


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def expected_problem(path: Path, case: Case) -> tuple[int, int | None]:
    line_no, line = marked_line(case.text)
    column = line.index(case.token) + 1 if case.token else None
    return line_no, column


def only_problem_for(problems: list[Problem], field: str) -> Problem:
    matching = [p for p in problems if p.field == field]
    assert len(matching) == 1, f"expected one problem at {field}, got {[str(p) for p in problems]}"
    return matching[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_load_scenario_locates_problem(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case.text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = only_problem_for(problems, case.field)
    line, column = expected_problem(path, case)
    assert problem.location.file == str(path)
    assert problem.location.line == line
    if column is not None:
        assert problem.location.column == column
    for fragment in case.message:
        assert fragment in problem.message


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_cli_reports_problem(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case.text)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    line, column = expected_problem(path, case)
    prefix = f"{path}:{line}:{column}: {case.field}: " if column else f"{path}:{line}:"
    error_lines = [text for text in result.stderr.splitlines() if text.startswith(prefix)]
    assert len(error_lines) == 1, result.stderr
    assert f": {case.field}: " in error_lines[0]
    for fragment in case.message:
        assert fragment in error_lines[0]
    assert result.stderr.rstrip().endswith("1 problem found; nothing was written.")


# --- problems with the file as a whole --------------------------------------------------


def test_missing_version_is_located_at_the_root(tmp_path: Path) -> None:
    path = write(tmp_path, "name: No version\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.location.line, problem.location.column) == (1, 1)


WHOLE_FILE = [
    ("list", "- US\n- JP\n", "must be a mapping"),
    ("scalar", "just text\n", "must be a mapping"),
    ("empty", "", "empty file"),
    ("only-comments", "# nothing here\n\n", "empty file"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in WHOLE_FILE], ids=[c[0] for c in WHOLE_FILE])
def test_file_that_is_not_a_mapping(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert problem.location.file == str(path)
    assert (problem.location.line, problem.location.column) == (1, 1)
    assert message in problem.message
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}:1:1: " in result.stderr
    assert message in result.stderr


def unreadable(tmp_path: Path, kind: str) -> tuple[Path, str]:
    if kind == "missing":
        return tmp_path / "nowhere.yaml", "cannot read"
    if kind == "directory":
        return tmp_path, "cannot read"
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"\xff\xfepaxmodel: 1\nname: Caf\xe9\n")
    return path, "UTF-8"


@pytest.mark.parametrize("kind", ["missing", "directory", "not-utf8"])
def test_file_that_cannot_be_read(tmp_path: Path, kind: str) -> None:
    path, message = unreadable(tmp_path, kind)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert problem.location.file == str(path)
    assert message in problem.message
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{path}:1:1: ")
    assert message in result.stderr


def test_invalid_yaml_syntax_is_located(tmp_path: Path) -> None:
    text = HEADER + "name2: a: b  #!\n"
    path = write(tmp_path, text)
    line_no, line = marked_line(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert problem.location.line == line_no
    # PyYAML points at the second ':' (the mapping value that is not allowed there)
    assert problem.location.column == line.index(": b") + 1
    assert "invalid YAML" in problem.message
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}:{line_no}:" in result.stderr


def test_unclosed_flow_sequence_is_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "candidates: [US, JP\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert "invalid YAML" in problem.message
    assert problem.location.line > HEADER.count("\n")  # at or after the candidates line


# --- several problems at once ----------------------------------------------------------

MANY = """\
paxmodel: 1
name: Many
settings:
  member_risk: 1.5                       #! 1 out of range
  shortfal_penalty: 3                    #! 2 unknown key
  budget: .nan                           #! 3 not finite
countries:
  US: {name: United States, risk: 0.0}
  JP: {name: Japan, risk: -0.1}          #! 4 out of range
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    weight: heavy                        #! 5 wrong type
    items:
      g: {name: G, demand: -3}           #! 6 out of range
"""

MANY_REFERENCES = """\
paxmodel: 1
name: Many references
countries:
  US: {name: United States, risk: 0.0}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  s:
    name: S
    items:
      a: {name: A, supply: {USS: 1}, inputs: {b: 1, zz: 1}}   #! 1 unknown country, 2 cycle, 3 unknown item
      b: {name: B, inputs: {a: 1}, expansion: {CN: 2}}        #! 4 concern expansion
memberships:
  m: [US, CN, XX]                                             #! 5 concern member, 6 unknown country
  n: {extends: o}                                             #! 7 extends cycle
  o: {extends: n}
"""


@pytest.mark.parametrize(("text", "count"), [(MANY, 6), (MANY_REFERENCES, 7)], ids=["schema", "references"])
def test_all_problems_reported_at_once(tmp_path: Path, text: str, count: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert len(problems) == count, [str(p) for p in problems]
    marked = {n for n, line in enumerate(text.splitlines(), 1) if "#!" in line}
    assert {p.location.line for p in problems} == marked
    # sorted by location, as printed
    assert [p.location for p in problems] == sorted(p.location for p in problems)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == f"{count} problems found; nothing was written."
    assert lines[:-1] == [str(p) for p in problems]
    assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: \S+: .+", line) for line in lines[:-1])


def test_valid_file_passes_validate(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + SECTORS + "memberships:\n  m: [US, JP]\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    summary = result.stdout.strip()
    assert "\n" not in summary
    assert "'Errors'" in summary
    assert "3 countries" in summary and "1 sector," in summary and "2 items" in summary
    assert "1 membership" in summary and "1 memberships" not in summary
