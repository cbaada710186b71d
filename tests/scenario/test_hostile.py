"""A hostile corpus: files built to crash, hang or fool the reader, run through every command.

Every case must end with exit status 1, a located `FILE:LINE:COL` message and no traceback,
whichever command reads the file. The alias bomb runs in a child process under a memory
limit (resource.RLIMIT_AS) and a wall-clock timeout, so a regression fails instead of eating
the machine.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.analyses.engine import FastSolver
from paxmodel.cli import app
from paxmodel.model.run import solve
from paxmodel.scenario.errors import MAX_PROBLEMS, ScenarioError
from paxmodel.scenario.load import MAX_EXTENDS, LoadedScenario, load_scenario, scenario_from_dict
from paxmodel.scenario.yaml_source import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load_yaml_mapping

TUTORIAL = Path(__file__).parents[2] / "scenarios" / "tutorial.yaml"

HEADER = """\
paxmodel: 1
name: Hostile
countries:
  US: {name: United States, risk: 0.0}
  JP: {name: Japan, risk: 0.1}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  semis:
    name: Semiconductors
    items:
      chips: {name: Chips, demand: 10, supply: {CN: 20, JP: 4}, expansion: {US: 5}}
memberships:
  allies: [US, JP]
"""

COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "validate": lambda f, _: ["validate", str(f)],
    "run": lambda f, _: ["run", str(f)],
    "compare": lambda f, _: ["compare", str(f), "-q"],
    "invite": lambda f, _: ["invite", str(f), "-b", "allies", "-k", "1"],
    "report": lambda f, out: ["report", str(f), "-f", "json", "-o", str(out / "report.json")],
}


def bomb_text(width: int = 9, levels: int = 9) -> str:
    """The classic billion-laughs file: each level lists the previous one `width` times."""
    lines = [HEADER.rstrip("\n"), f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], Path]  # writes the hostile input under the directory, returns it
    message: str  # a fragment of the located message


def text_case(case_id: str, text: str, message: str) -> Case:
    def make(directory: Path) -> Path:
        path = directory / f"{case_id}.yaml"
        path.write_text(text)
        return path

    return Case(case_id, make, message)


def written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def fifo(directory: Path) -> Path:
    path = directory / "fifo.yaml"
    os.mkfifo(path)
    return path


def symlink_loop(directory: Path) -> Path:
    (directory / "a.yaml").symlink_to("b.yaml")
    (directory / "b.yaml").symlink_to("a.yaml")
    return directory / "a.yaml"


def extends_symlink_loop(directory: Path) -> Path:
    symlink_loop(directory)
    path = directory / "child.yaml"
    path.write_text("extends: a.yaml\nname: Child\n")
    return path


def too_big(directory: Path) -> Path:
    path = directory / "big.yaml"
    with path.open("w") as stream:
        stream.write(HEADER + "description: |\n")
        line = "  " + "x" * 1000 + "\n"
        stream.write(line * (MAX_FILE_BYTES // len(line) + 1))
    return path


def long_extends_chain(directory: Path) -> Path:
    (directory / "f0.yaml").write_text(HEADER)
    for n in range(1, MAX_EXTENDS + 5):
        (directory / f"f{n}.yaml").write_text(f"extends: f{n - 1}.yaml\nname: Level {n}\n")
    return directory / f"f{MAX_EXTENDS + 4}.yaml"


def membership_chain(count: int) -> str:
    lines = [HEADER.rstrip("\n")]
    lines += [f"  m{n}: {{extends: {'allies' if n == 0 else f'm{n - 1}'}, add: []}}" for n in range(count)]
    return "\n".join(lines) + "\n"


def inputs_chain(length: int, coefficient: float) -> str:
    """chips needs c0, which needs c1, ... each `coefficient` units per unit: T grows as a power."""
    chain = "".join(
        f"      c{n}: {{name: C{n}, supply: {{JP: 1}}"
        + (f", inputs: {{c{n + 1}: {coefficient}}}}}\n" if n + 1 < length else "}\n")
        for n in range(length)
    )
    chips = "      chips: {name: Chips, demand: 10, supply: {CN: 20, JP: 4}, expansion: {US: 5}}\n"
    return HEADER.replace(chips, chips.replace("}}\n", f"}}, inputs: {{c0: {coefficient}}}}}\n") + chain)


CASES = [
    Case("dev-zero", lambda _: Path("/dev/zero"), "not a regular file"),
    Case("directory", lambda d: d, "a directory"),
    Case("fifo", fifo, "not a regular file"),
    Case("symlink-loop", symlink_loop, "symbolic links"),
    Case("extends-symlink-loop", extends_symlink_loop, "symbolic links"),
    Case("too-big", too_big, "file too large"),
    Case("extends-chain", long_extends_chain, f"at most {MAX_EXTENDS} files"),
    text_case("alias-bomb", bomb_text(), "once aliases are expanded"),
    text_case("recursive-alias", HEADER + "x: &x [1, *x]\n", "recursive alias"),
    text_case("undefined-alias", HEADER + "x: *nowhere\n", "undefined alias"),
    text_case("deep-nesting", HEADER + "notes: " + "[" * 990 + "]" * 990 + "\n", "levels deep"),
    text_case("deep-mapping", HEADER + "notes:\n" + "".join(f"{' ' * n}k{n}:\n" for n in range(1, 200)), "deep"),
    text_case("bool-tag", HEADER + "settings: {member_risk: !!bool 1}\n", "not a boolean"),
    text_case("float-tag", HEADER + "settings: {budget: !!float abc}\n", "not a number"),
    text_case("int-tag", HEADER + "settings: {budget: !!int 1.5}\n", "not an integer"),
    text_case("null-tag", HEADER + "settings: {budget: !!null 3}\n", "not null"),
    text_case("object-tag", HEADER + "settings: {budget: !!python/object:os.system x}\n", "unsupported tag"),
    text_case("timestamp-tag", HEADER + "description: !!timestamp 2001-12-14\n", "unsupported tag"),
    text_case("merge-scalar", HEADER + "settings: {<<: 5}\n", "merge key"),
    text_case("merge-list-of-text", HEADER + "settings: {<<: [US]}\n", "merge key"),
    text_case("two-documents", HEADER + "---\nname: again\n", "one YAML document"),
    text_case("huge-integer", HEADER + "settings: {budget: " + "9" * 5000 + "}\n", "too large"),
    text_case("binary-int", HEADER + "settings: {budget: 0b101}\n", "got '0b101'"),
    text_case("sexagesimal", HEADER + "settings: {budget: 1:30}\n", "got '1:30'"),
    text_case("version-true", HEADER.replace("paxmodel: 1", "paxmodel: true"), "not true"),
    Case("invalid-utf8", lambda d: written(d / "latin1.yaml", b"paxmodel: 1\nname: Caf\xe9\n"), "UTF-8"),
    text_case("control-character", HEADER.replace("Hostile", "Host\x07ile"), "invalid YAML"),
    text_case("huge-supply", HEADER.replace("CN: 20, JP: 4", "CN: 1e308, JP: 4"), "too large"),
    text_case("tiny-demand", HEADER.replace("demand: 10", "demand: 1e-320"), "too small"),
    text_case(
        "huge-cost", HEADER.replace("expansion: {US: 5}", "expansion: {US: {capacity: 5, cost: 1e300}}"), "too large"
    ),
    text_case("inputs-chain-overflow", inputs_chain(500, 5), "total requirement"),
    text_case("huge-penalty", HEADER + "settings: {shortfall_penalty: 1e9}\n", "less than or equal to 1000000"),
    text_case("membership-extends-cycle", membership_chain(3) + "  m0b: {extends: m0b}\n", "cycle"),
]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_a_located_error_in_every_command(case: Case, command: str, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = case.make(inputs)
    result = CliRunner().invoke(app, COMMANDS[command](path, tmp_path))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert case.message in result.output
    assert re.search(r"^\S+:\d+:\d+: ", result.output, re.M), result.output
    assert not (tmp_path / "report.json").exists()


def test_yaml_12_core_scalars(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "dec: 010\noct: 0o10\nhex: 0x1F\nbin: 0b101\nsexa: 1:30\nunder: 1_000\nnorway: NO\nyes: yes\n"
        "date: 2024-01-01\nfloat: 1e3\nneg: -.5\ninf: .inf\ntrue_: True\nnull_: ~\nempty:\nquoted: '7'\n"
        "str_tag: !!str 5\nint_tag: !!int '12'\nfloat_tag: !!float 2\n"
    )
    data, _ = load_yaml_mapping(path)
    assert data == {
        "dec": 10,
        "oct": 8,
        "hex": 31,
        "bin": "0b101",
        "sexa": "1:30",
        "under": "1_000",
        "norway": "NO",
        "yes": "yes",
        "date": "2024-01-01",
        "float": 1000.0,
        "neg": -0.5,
        "inf": float("inf"),
        "true_": True,
        "null_": None,
        "empty": None,
        "quoted": "7",
        "str_tag": "5",
        "int_tag": 12,
        "float_tag": 2.0,
    }


def test_dates_stay_text_in_free_text_fields(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEADER.replace("name: Hostile", "name: 2024-01-01\ndescription: 2026-11-26"))
    assert load_scenario(path).scenario.description == "2026-11-26"


def test_membership_extends_chain_of_thousands_resolves(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(membership_chain(3000))
    loaded = load_scenario(path)
    assert loaded.memberships["m2999"] == ("JP", "US")


def test_extends_chain_below_the_limit_is_read_without_recursion(tmp_path: Path) -> None:
    (tmp_path / "f0.yaml").write_text(HEADER)
    for n in range(1, MAX_EXTENDS):
        (tmp_path / f"f{n}.yaml").write_text(f"extends: f{n - 1}.yaml\nname: Level {n}\n")
    loaded = load_scenario(tmp_path / f"f{MAX_EXTENDS - 1}.yaml")
    assert loaded.name == f"Level {MAX_EXTENDS - 1}"
    assert len(loaded.files) == MAX_EXTENDS


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("notes: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    data, _ = load_yaml_mapping(path)
    depth, value = 0, data["notes"]
    while isinstance(value, list) and value:
        depth, value = depth + 1, value[0]
    assert depth == MAX_DEPTH - 2  # the innermost list is empty


def test_aliases_below_the_limit_expand_and_keep_their_anchor_positions(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(bomb_text(width=4, levels=4))  # 4^4 = 256 values: fine
    data, positions = load_yaml_mapping(path)
    assert len(data["a3"]) == 4 and data["a3"][3][3][3] == ["lol"] * 4
    assert positions[("a3", 3, 3, 3, 0)].line == HEADER.count("\n") + 1  # where a0's items are


def test_a_thousand_misspelt_names_get_a_bounded_amount_of_suggestions(tmp_path: Path) -> None:
    countries = "".join(f"  C{n:04d}: {{name: Country {n}, risk: 0.5}}\n" for n in range(1000))
    misspelt = ", ".join(f"D{n:04d}" for n in range(1000))
    path = tmp_path / "s.yaml"
    path.write_text(f"paxmodel: 1\nname: Many\ncountries:\n{countries}candidates: [{misspelt}]\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 1000
    assert all(m.startswith("unknown country 'D") for m in messages)
    hinted = sum("did you mean" in m for m in messages)
    assert 0 < hinted < 1000  # the first ones get a hint, then the budget is spent


def test_huge_wrong_value_is_not_echoed_whole(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEADER + "settings: {budget: '" + "x" * 1_000_000 + "'}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [problem] = caught.value.problems
    assert len(problem.message) < 200
    assert "1,000,002 characters" in problem.message  # the repr, quotes included


def test_alias_bomb_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    """9^9 values from a 400-byte file: refused with a located error, in a child process
    limited to 1 GiB of address space (a regression then fails instead of swapping)."""
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb_text())
    limit = 1 << 30

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "paxmodel", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert f"more than {MAX_NODES:,} values once aliases are expanded" in done.stderr
    assert "Traceback" not in done.stderr


def scaled_tutorial(quantity: float, cost: float) -> LoadedScenario:
    """The tutorial with every quantity (demand, supply, capacity) times `quantity`, every cost
    times `cost` and the budget times both: the same problem in other units."""
    data, _ = load_yaml_mapping(TUTORIAL)
    data["settings"]["budget"] *= quantity * cost
    for item in data["sectors"]["semiconductors"]["items"].values():
        if "demand" in item:
            item["demand"] *= quantity
        item["supply"] = {c: a * quantity for c, a in item["supply"].items()}
        item["expansion"] = {
            c: {"capacity": e["capacity"] * quantity, "cost": e["cost"] * cost}
            for c, e in item.get("expansion", {}).items()
        }
    return scenario_from_dict(data)


@pytest.mark.parametrize(("quantity", "cost"), [(1e-8, 1.0), (1e-3, 1e-4), (1e4, 1e7)])
def test_results_do_not_depend_on_units_even_for_tiny_or_huge_budgets(quantity: float, cost: float) -> None:
    """Budget rows are scaled like the others: a budget of 1e-7 is not lost under tolerances,
    nor cost x requirement of 1e12 beyond them (HiGHS, CBC and the engine agree)."""
    reference = scaled_tutorial(1.0, 1.0)
    scaled = scaled_tutorial(quantity, cost)
    for membership in ("alone", "with_allyland"):
        expected = solve(reference, membership).objective
        for solver in ("highs", "cbc"):
            assert solve(scaled, membership, solver=solver).objective == pytest.approx(expected, abs=1e-7)
        engine = FastSolver(scaled)
        assert engine.solve(reference.memberships[membership]) == pytest.approx(expected, abs=1e-7)
    # the budget binds in this scenario: without it the objective is lower
    unlimited = scaled_tutorial(1.0, 1.0)
    data, _ = load_yaml_mapping(TUTORIAL)
    data["settings"]["budget"] = None
    assert solve(scenario_from_dict(data), "with_allyland").objective < solve(unlimited, "with_allyland").objective


INJECTION = """\
paxmodel: 1
name: "=HYPERLINK(\\"http://evil.example\\")"
countries:
  US: {name: "@SUM(A1)", risk: 0.0}
  JP: {name: Japan, risk: 0.1}
  CN: {name: China, risk: 1.0, concern: true}
sectors:
  semis:
    name: Semiconductors
    items:
      "[link=http://evil.example]chips[/link]":
        name: "-chips"
        demand: 10
        supply: {CN: 20, JP: 4}
        expansion: {US: 5}
memberships:
  "[/x]": [US]
  "[bold]allies": [US, JP]
"""


@pytest.mark.parametrize("command", ["run", "compare", "invite", "report"])
def test_names_are_text_not_markup(command: str, tmp_path: Path) -> None:
    """Rich markup in names is printed as written: no crash on "[/x]", no hidden hyperlink."""
    path = tmp_path / "s.yaml"
    path.write_text(INJECTION)
    args = {
        "run": ["run", str(path), "-m", "[/x]"],
        "compare": ["compare", str(path), "-q"],
        "invite": ["invite", str(path), "-b", "[/x]", "-k", "1"],
        "report": ["report", str(path), "-f", "csv", "-o", str(tmp_path / "r.csv"), "-m", "[/x]"],
    }[command]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "\x1b]8;" not in result.output  # the terminal hyperlink escape
    if command == "run":
        assert "[link=http://evil.example]chips[/link]" in result.output
    if command == "compare":
        assert "[/x]" in result.output and "[bold]allies" in result.output


def test_csv_text_cells_cannot_be_formulas(tmp_path: Path) -> None:
    import csv

    path = tmp_path / "s.yaml"
    path.write_text(INJECTION)
    output = tmp_path / "r.csv"
    result = CliRunner().invoke(app, ["report", str(path), "-f", "csv", "-o", str(output), "-m", "[/x]"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.read_text().splitlines()))
    assert rows and all(row["scenario"] == '\'=HYPERLINK("http://evil.example")' for row in rows)
    assert {row["item_name"] for row in rows} == {"'-chips"}
    assert "'@SUM(A1)" in {row["country_name"] for row in rows}
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())
    assert any(float(row["share"]) >= 0 for row in rows)  # numbers stay numbers


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('  JP: {name: "Ja\\e[31mpan", risk: 0.1}', "countries.JP.name"),
        ('  JP: {name: "Ja\\u202Epan", risk: 0.1}', "countries.JP.name"),
        ('  JP: {name: Japan, risk: 0.1, notes: "bell \\a"}', "countries.JP.notes"),
    ],
)
def test_control_characters_in_text_are_refused(text: str, where: str, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEADER.replace("  JP: {name: Japan, risk: 0.1}", text))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [problem] = caught.value.problems
    assert problem.field == where and "control character U+" in problem.message
    assert problem.location.line == 5


def test_control_character_in_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEADER + '  "evil\\e[2J": [US]\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "control character U+001B in a key" in result.output
    assert "\x1b" not in result.output


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["invite", "{s}", "-b", "allies", "-k", "1000000000", "--frontier"], 0, "max_new"),
        (["compare", "{s}", "--shapley", "--samples", "1000000", "-q"], 2, "20000"),
        (["compare", "{s}", "--shapley", "--samples", "1", "-q"], 2, "2"),
    ],
)
def test_unbounded_options_are_bounded(args: list[str], status: int, message: str, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEADER)
    result = CliRunner().invoke(app, [a.format(s=path) for a in args] + (["--json"] if status == 0 else []))
    assert result.exit_code == status, result.output
    assert message in result.output


def test_a_flood_of_problems_is_listed_up_to_the_limit_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    unknown = ", ".join(f"Q{n:05d}" for n in range(MAX_PROBLEMS + 500))
    path.write_text(HEADER + f"candidates: [{unknown}]\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert len(caught.value.problems) == MAX_PROBLEMS and caught.value.omitted == 500
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-2:] == [
        "... and 500 more, not shown",
        "1,500 problems found; nothing was written.",
    ]
