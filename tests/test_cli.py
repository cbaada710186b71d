"""The command line of MODEL.md section 4: validate, run, schema (plus --help and --debug)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.scenario.schema import scenario_json_schema
from paxmodel.scenario.yaml_source import load_yaml_mapping

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SMALL = DATA / "small.yaml"
WEIGHTS = DATA / "weights.yaml"

# weights.yaml by hand (see tests/model/test_lp_hand.py for the same numbers):
#   k_a = 3/4 * 2/3 = 1/2, k_b = 3/4 * 1/3 = 1/4, k_c = 1/4 (z has T = 0)
#   membership `nobody` (the first): optimised a 0.68, b 0.6, c 0.2 -> 0.34 + 0.15 + 0.05 = 0.54
#   baseline a 108/140, b 0.6, c 0.4 -> 0.5 * 108/140 + 0.15 + 0.1 = 0.635714...
#   removed 0.0957142...; concern share baseline 0.5 * 100/140 = 0.357142..., optimised 0.5 * 0.6
WEIGHTS_BASELINE = 0.5 * 108 / 140 + 0.25 * 0.6 + 0.25 * 0.4
WEIGHTS_OPTIMISED = 0.54
#   membership `just_x` (XX at risk 0): a 0.6 (XX 4 at 0, CN 6), b 0.6, c 0 -> 0.3 + 0.15 = 0.45
WEIGHTS_JUST_X = 0.45

RESULT_KEYS = {"scenario", "membership", "members", "solver", "status", "objective", "overall", "sectors", "items"}
OVERALL_KEYS = {"baseline", "optimised", "removed", "concern_share_baseline", "concern_share_optimised"}
SECTOR_KEYS = {"baseline", "optimised", "removed"}
ITEM_KEYS = {
    "requirement",
    "baseline",
    "optimised",
    "removed",
    "shortfall",
    "hhi_baseline",
    "hhi_optimised",
    "sourcing",
    "expansion",
}


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def run_process(*args: str | Path, seed: str = "0") -> subprocess.CompletedProcess[bytes]:
    """`python -m paxmodel ARGS` in a fresh interpreter (own hash seed)."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "paxmodel", *map(str, args)], capture_output=True, env=env, check=False, cwd=ROOT
    )


# --- run -------------------------------------------------------------------------------


def test_run_prints_tables_with_overall_numbers() -> None:
    result = invoke("run", WEIGHTS)
    assert result.exit_code == 0, result.stderr
    overall = next(line for line in result.stdout.splitlines() if "overall" in line)
    assert f"{100 * WEIGHTS_BASELINE:.1f}%" in overall  # 63.6%
    assert f"{100 * WEIGHTS_OPTIMISED:.1f}%" in overall  # 54.0%
    assert f"{100 * (WEIGHTS_BASELINE - WEIGHTS_OPTIMISED):+.1f} pp" in overall  # +9.6 pp
    assert f"{100 * 0.5 * 100 / 140:.1f}%" in overall  # concern share baseline 35.7%
    assert f"{100 * 0.5 * 0.6:.1f}%" in overall  # concern share optimised 30.0%
    assert "Weights" in result.stdout
    assert "membership nobody" in result.stdout
    for sector in ("one", "two"):
        assert re.search(rf"^\W*{sector}\b", result.stdout, re.M), sector


def run_json(*args: str | Path) -> dict[str, Any]:
    result = invoke("run", *args, "--json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_run_json_has_the_contract_keys() -> None:
    document = run_json(SMALL)
    assert set(document) >= RESULT_KEYS
    assert set(document["overall"]) >= OVERALL_KEYS
    assert document["status"] == "optimal"
    assert document["scenario"] == "Small"
    assert document["membership"] == "founding"  # the first membership in the file
    assert document["members"] == ["JP", "US"]
    assert document["solver"].startswith("HiGHS")
    assert set(document["sectors"]) == {"materials", "semis"}
    for sector in document["sectors"].values():
        assert set(sector) >= SECTOR_KEYS
    assert set(document["items"]) == {"chips", "gallium", "germanium", "idle", "wafers"}
    for item in document["items"].values():
        assert set(item) >= ITEM_KEYS
        assert list(item["sourcing"]) == sorted(item["sourcing"])
        assert list(item["expansion"]) == sorted(item["expansion"])
    assert document["items"]["idle"]["optimised"] is None  # T = 0
    # T_wafers = 2 + 2 * 10 = 22
    assert document["items"]["wafers"]["requirement"] == 22.0
    numbers = [document["objective"], *document["overall"].values()]
    assert all(type(n) is float for n in numbers)


def test_run_json_hand_numbers() -> None:
    document = run_json(WEIGHTS)
    assert document["overall"]["baseline"] == pytest.approx(WEIGHTS_BASELINE, abs=1e-11)
    assert document["overall"]["optimised"] == pytest.approx(WEIGHTS_OPTIMISED, abs=1e-11)
    assert document["objective"] == pytest.approx(WEIGHTS_OPTIMISED, abs=1e-9)
    assert document["items"]["a"]["sourcing"] == pytest.approx({"CN": 6.0, "XX": 4.0}, rel=1e-9)


def test_run_named_membership_and_cbc() -> None:
    highs = run_json(WEIGHTS, "--membership", "just_x")
    cbc = run_json(WEIGHTS, "-m", "just_x", "--solver", "cbc")
    for document in (highs, cbc):
        assert document["membership"] == "just_x"
        assert document["members"] == ["XX"]
        assert document["overall"]["optimised"] == pytest.approx(WEIGHTS_JUST_X, abs=1e-8)
    assert cbc["solver"].startswith("CBC")
    assert highs["objective"] == pytest.approx(cbc["objective"], abs=1e-8)


def test_run_ad_hoc_members() -> None:
    document = run_json(SMALL, "--members", "US,JP")
    assert document["membership"] == "custom"
    assert document["members"] == ["JP", "US"]
    named = run_json(SMALL, "--membership", "founding")
    assert document["overall"] == named["overall"]
    assert document["items"] == named["items"]
    spaced = run_json(SMALL, "--members", " US , JP,")
    assert spaced["members"] == ["JP", "US"]
    # XX alone, as an ad-hoc set, gives the just_x numbers
    assert run_json(WEIGHTS, "--members", "XX")["overall"]["optimised"] == pytest.approx(WEIGHTS_JUST_X, abs=1e-9)


def test_run_without_memberships_uses_the_empty_one(tmp_path: Path) -> None:
    text = WEIGHTS.read_text(encoding="utf-8").split("memberships:")[0]
    path = tmp_path / "none.yaml"
    path.write_text(text, encoding="utf-8")
    document = run_json(path)
    assert document["members"] == []
    assert document["overall"]["optimised"] == pytest.approx(WEIGHTS_OPTIMISED, abs=1e-9)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--membership", "foundng"], ["unknown membership 'foundng'", "did you mean 'founding'"]),
        (["--members", "US,CN"], ["'CN'", "country of concern"]),
        (["--members", "US,JPN"], ["unknown country 'JPN'", "did you mean 'JP'"]),
    ],
    ids=["unknown-membership", "concern-member", "unknown-member"],
)
def test_run_bad_membership_exits_1(args: list[str], fragments: list[str]) -> None:
    result = invoke("run", SMALL, *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr


def test_run_bad_scenario_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("paxmodel: 1\nname: Bad\nsettings: {budget: -1}\n", encoding="utf-8")
    result = invoke("run", bad, "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{bad}:3:" in result.stderr


def test_unknown_solver_is_a_usage_error() -> None:
    result = invoke("run", SMALL, "--solver", "gurobi")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "gurobi" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = invoke("run", SMALL, "--frobnicate")
    assert result.exit_code == 2


# --- --output --------------------------------------------------------------------------


def test_output_file_equals_json(tmp_path: Path) -> None:
    out = tmp_path / "results" / "run.json"  # the folder does not exist yet
    result = invoke("run", SMALL, "--json", "--output", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == result.stdout
    assert sorted(p.name for p in out.parent.iterdir()) == ["run.json"]  # no temporary left behind


def test_output_with_tables(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    tables = invoke("run", WEIGHTS, "-o", out)
    assert tables.exit_code == 0, tables.stderr
    assert "overall" in tables.stdout
    assert str(out) in tables.stderr
    assert out.read_text(encoding="utf-8") == invoke("run", WEIGHTS, "--json").stdout


@pytest.mark.parametrize("failure", ["bad-scenario", "unknown-membership", "missing-file"])
def test_output_left_untouched_on_error(tmp_path: Path, failure: str) -> None:
    out = tmp_path / "run.json"
    out.write_text("previous result\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("paxmodel: 1\nname: Bad\ncountries: {US: {name: U, risk: 7}}\n", encoding="utf-8")
    args = {
        "bad-scenario": [bad],
        "unknown-membership": [SMALL, "--membership", "nope"],
        "missing-file": [tmp_path / "missing.yaml"],
    }[failure]
    result = invoke("run", *args, "--json", "--output", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "run.json"]


# --- determinism -------------------------------------------------------------------------


def test_json_bytes_identical_across_processes() -> None:
    first = run_process("run", SMALL, "--membership", "with_al", "--json", seed="1")
    second = run_process("run", SMALL, "--membership", "with_al", "--json", seed="2")
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["membership"] == "with_al"


def reversed_mapping(value: Any) -> Any:
    """The same data with every mapping's and list's order reversed, recursively."""
    if isinstance(value, dict):
        return {key: reversed_mapping(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_mapping(entry) for entry in reversed(value)]
    return value


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_json_independent_of_file_order(tmp_path: Path, solver: str) -> None:
    data, _ = load_yaml_mapping(SMALL)
    flipped = reversed_mapping(data)
    assert list(flipped["countries"]) == list(reversed(list(data["countries"])))
    assert list(flipped["sectors"]) == ["materials", "semis"]
    path = tmp_path / "flipped.yaml"
    path.write_text(yaml.safe_dump(flipped, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for membership in ("founding", "with_in"):
        args = ["run", "--membership", membership, "--solver", solver, "--json"]
        original = invoke(*args[:1], SMALL, *args[1:])
        reordered = invoke(*args[:1], path, *args[1:])
        assert original.exit_code == 0 and reordered.exit_code == 0, reordered.stderr
        assert original.stdout == reordered.stdout


# --- schema ------------------------------------------------------------------------------

ANNOTATIONS = {"title", "description", "default", "examples", "$schema", "$defs"}


def schema_errors(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "") -> list[str]:
    """A small JSON Schema checker for the keywords pydantic emits (fails on any other)."""
    errors: list[str] = []
    for keyword in schema:
        if keyword not in ANNOTATIONS and keyword not in CHECKS:
            raise AssertionError(f"schema keyword {keyword!r} at {where or '/'} is not handled by this test")
    for keyword, check in CHECKS.items():
        if keyword in schema:
            errors += check(instance, schema, root, where)
    return errors


def _type_ok(instance: Any, name: str) -> bool:
    number = isinstance(instance, int | float) and not isinstance(instance, bool)
    return {
        "object": isinstance(instance, dict),
        "array": isinstance(instance, list),
        "string": isinstance(instance, str),
        "number": number,
        "integer": number and float(instance).is_integer(),
        "boolean": isinstance(instance, bool),
        "null": instance is None,
    }[name]


def _check_type(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return [] if any(_type_ok(instance, n) for n in names) else [f"{where}: not of type {names}"]


def _check_ref(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    target: Any = root
    assert schema["$ref"].startswith("#/")
    for part in schema["$ref"][2:].split("/"):
        target = target[part]
    return schema_errors(instance, target, root, where)


def _check_object(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(instance, dict):
        return []
    errors = [f"{where}: missing {k}" for k in schema.get("required", []) if k not in instance]
    for key, value in instance.items():
        sub = f"{where}.{key}"
        matched = False
        if key in schema.get("properties", {}):
            matched = True
            errors += schema_errors(value, schema["properties"][key], root, sub)
        for pattern, subschema in schema.get("patternProperties", {}).items():
            if re.search(pattern, key):
                matched = True
                errors += schema_errors(value, subschema, root, sub)
        if "propertyNames" in schema:
            errors += schema_errors(key, schema["propertyNames"], root, f"{sub} (key)")
        extra = schema.get("additionalProperties", True)
        if not matched:
            if extra is False:
                errors.append(f"{sub}: unknown key")
            elif isinstance(extra, dict):
                errors += schema_errors(value, extra, root, sub)
    return errors


def _check_items(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(instance, list):
        return []
    return [e for n, v in enumerate(instance) for e in schema_errors(v, schema["items"], root, f"{where}[{n}]")]


def _check_any_of(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    ok = any(not schema_errors(instance, s, root, where) for s in schema["anyOf"])
    return [] if ok else [f"{where}: matches no anyOf branch"]


def _check_one_of(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    count = sum(not schema_errors(instance, s, root, where) for s in schema["oneOf"])
    return [] if count == 1 else [f"{where}: matches {count} oneOf branches"]


def _number_check(test: Any, label: str) -> Any:
    def check(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
        if not _type_ok(instance, "number"):
            return []
        return [] if test(instance, schema[label]) else [f"{where}: {instance} violates {label} {schema[label]}"]

    return check


def _check_string(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(instance, str):
        return []
    errors = []
    if len(instance) < schema.get("minLength", 0):
        errors.append(f"{where}: too short")
    if "pattern" in schema and not re.search(schema["pattern"], instance):
        errors.append(f"{where}: {instance!r} does not match {schema['pattern']}")
    return errors


def _check_const(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    same = instance == schema["const"] and type(instance) is type(schema["const"])
    return [] if same else [f"{where}: must be {schema['const']!r}"]


def _check_enum(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    return [] if instance in schema["enum"] else [f"{where}: not one of {schema['enum']}"]


def _structural(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    return []  # handled by _check_object / _check_string


CHECKS: dict[str, Any] = {
    "$ref": _check_ref,
    "type": _check_type,
    "properties": _check_object,
    "additionalProperties": _structural,
    "patternProperties": _structural,
    "propertyNames": _structural,
    "required": _structural,
    "items": _check_items,
    "anyOf": _check_any_of,
    "oneOf": _check_one_of,
    "const": _check_const,
    "enum": _check_enum,
    "minimum": _number_check(lambda v, b: v >= b, "minimum"),
    "maximum": _number_check(lambda v, b: v <= b, "maximum"),
    "exclusiveMinimum": _number_check(lambda v, b: v > b, "exclusiveMinimum"),
    "exclusiveMaximum": _number_check(lambda v, b: v < b, "exclusiveMaximum"),
    "minLength": _check_string,
    "minItems": lambda instance, schema, root, where: (
        [f"{where}: fewer than {schema['minItems']} items"]
        if isinstance(instance, list) and len(instance) < schema["minItems"]
        else []
    ),
    "pattern": _structural,
}


def object_check(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    """Objects without `properties` (maps keyed by id) still need their key rules checked."""
    return [] if "properties" in schema else _check_object(instance, schema, root, where)


CHECKS["patternProperties"] = object_check
CHECKS["additionalProperties"] = object_check


def validate_with_schema(instance: Any, schema: dict[str, Any]) -> list[str]:
    try:
        import jsonschema
    except ImportError:
        return schema_errors(instance, schema, schema)
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def printed_schema() -> dict[str, Any]:
    result = invoke("schema")
    assert result.exit_code == 0, result.stderr
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


def test_schema_command_prints_the_json_schema() -> None:
    schema = printed_schema()
    assert schema == json.loads(json.dumps(scenario_json_schema()))
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"paxmodel", "name"}
    assert {"paxmodel", "name", "settings", "countries", "sectors", "memberships", "candidates"} <= set(
        schema["properties"]
    )
    assert {"Country", "Item", "Sector", "Settings"} <= set(schema["$defs"])


def scenario_files() -> list[Path]:
    """The YAML scenarios bundled with the project (tests, scenarios/, docs/), without extends."""
    found = sorted({*DATA.glob("*.yaml"), *(ROOT / "scenarios").glob("*.yaml"), *(ROOT / "docs").rglob("*.yaml")})
    return [p for p in found if "extends" not in load_yaml_mapping(p)[0]]


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_schema_validates_bundled_scenarios(path: Path) -> None:
    data, _ = load_yaml_mapping(path)
    assert validate_with_schema(data, printed_schema()) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.pop("name"), "name"),
        (lambda d: d.__setitem__("paxmodel", 2), "paxmodel"),
        (lambda d: d.__setitem__("colour", "red"), "colour"),
        (lambda d: d["countries"]["US"].__setitem__("risk", 1.5), "risk"),
        (lambda d: d["countries"].__setitem__("us", {"name": "x", "risk": 0}), "us"),
        (lambda d: d["settings"].__setitem__("shortfall_penalty", 1), "shortfall_penalty"),
        (lambda d: d["sectors"]["semis"]["items"]["chips"].__setitem__("demnd", 3), "demnd"),
        (lambda d: d["sectors"]["semis"]["items"]["chips"]["supply"].__setitem__("JP", -1), "JP"),
        (lambda d: d["memberships"].__setitem__("bad", {"add": ["US"]}), "bad"),
        (lambda d: d["shocks"].__setitem__("none", []), "none"),
        (lambda d: d["shocks"]["embargo"][0].__setitem__("cut", 0), "cut"),
        (lambda d: d["shocks"]["embargo"][0].__setitem__("items", []), "items"),
        (lambda d: d["sectors"]["semis"]["items"]["chips"].__setitem__("stock", -1), "stock"),
        (lambda d: d["countries"]["US"].__setitem__("risk", {"low": 0.1, "hihg": 0.2}), "risk"),
        (lambda d: d["settings"].__setitem__("budget", {"mean": 5}), "budget"),
    ],
    ids=[
        "missing-name",
        "version",
        "unknown-key",
        "risk",
        "country-code",
        "penalty",
        "item-key",
        "supply",
        "membership",
        "shock-empty",
        "shock-cut",
        "shock-no-items",
        "stock",
        "distribution-key",
        "normal-without-sd",
    ],
)
def test_schema_rejects_bad_scenarios(change: Any, fragment: str) -> None:
    data, _ = load_yaml_mapping(SMALL)
    change(data)
    errors = validate_with_schema(data, printed_schema())
    assert errors, "the schema should reject this"
    assert any(fragment in error for error in errors), errors


# --- help and debug ----------------------------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("validate", "run", "schema"):
        assert command in result.stdout
    run_help = invoke("run", "--help")
    assert run_help.exit_code == 0
    for option in ("--membership", "--members", "--solver", "--json", "--output"):
        assert option in run_help.stdout


def test_entry_point_runs_as_a_module() -> None:
    completed = run_process("validate", SMALL)
    assert completed.returncode == 0, completed.stderr.decode()
    assert b"valid paxmodel scenario 'Small'" in completed.stdout


def test_debug_shows_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("paxmodel: 1\nname: Bad\nsettings: {budget: .nan}\n", encoding="utf-8")
    plain = run_process("validate", bad)
    assert plain.returncode == 1
    assert b"Traceback" not in plain.stderr
    assert f"{bad}:3:".encode() in plain.stderr
    debug = run_process("--debug", "validate", bad)
    assert debug.returncode != 0
    assert b"Traceback (most recent call last)" in debug.stderr
    assert b"ScenarioError" in debug.stderr
    assert debug.stdout == b""


def test_every_public_name_resolves() -> None:
    import paxmodel

    missing = [name for name in paxmodel.__all__ if getattr(paxmodel, name, None) is None]
    assert missing == []
    assert sorted(paxmodel.__all__) == sorted(paxmodel._EXPORTS)
