"""Load a scenario file: read YAML, follow `extends`, validate, check references.

Every problem comes back in one `ScenarioError`, each located in the file that holds the
offending value.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from paxmodel.gc_pause import paused_gc
from paxmodel.scenario.distributions import DISTRIBUTION_KEYS
from paxmodel.scenario.errors import (
    MAX_PROBLEMS,
    FieldPath,
    Location,
    Problem,
    ScenarioError,
    did_you_mean,
    dotted,
    shown,
    suggestion_budget,
)
from paxmodel.scenario.limits import check_numbers, check_requirements
from paxmodel.scenario.overrides import apply_overrides
from paxmodel.scenario.references import check_references, default_candidates, resolve_memberships
from paxmodel.scenario.schema import (
    Country,
    DerivedMembership,
    ExpansionEntry,
    Item,
    Scenario,
    Sector,
    Settings,
    ShockCut,
    SupplyEntry,
)
from paxmodel.scenario.yaml_source import Positions, ReadBudget, read_yaml_mapping


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its memberships resolved to sorted member tuples."""

    scenario: Scenario
    memberships: dict[str, tuple[str, ...]]  # in file order
    candidates: tuple[str, ...] | None  # the file's explicit list, sorted; None = default rule
    path: Path | None
    files: tuple[Path, ...]  # the file and every file it extends
    sha256: str  # hash of the bytes of all files, in `files` order (and of the overrides)
    overrides: tuple[str, ...] = ()  # `--set PATH=VALUE` texts applied over the files, in order

    @property
    def name(self) -> str:
        return self.scenario.name

    def default_candidates(self, base_members: tuple[str, ...]) -> tuple[str, ...]:
        """Candidates for a search from `base_members`: the file's list, or every eligible non-member."""
        return default_candidates(self.scenario, self.candidates, base_members)


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> LoadedScenario:
    """Read and validate a scenario file (and the files it extends).

    `overrides` are `PATH=VALUE` texts (the CLI's `--set`), applied in order over the merged
    files and validated exactly like values in a file; their problems are located at the
    override (`--set PATH=VALUE:1:COL`).
    """
    path = Path(path)
    with suggestion_budget(), paused_gc():
        source = _read_with_extends(path)
        problems = [*source.problems, *apply_overrides(source.data, source.positions, overrides)]
        scenario = _checked(source.data, source.positions, path, problems)
    digest = hashlib.sha256(b"".join(source.contents))
    for text in overrides:
        digest.update(b"\0--set\0" + text.encode())
    return _loaded(scenario, path, source.files, digest.hexdigest(), tuple(overrides))


def scenario_from_dict(data: dict[str, Any], name: str = "<dict>") -> LoadedScenario:
    """Validate a scenario given as Python data (no `extends`); errors are located at `name`."""
    with suggestion_budget():
        scenario = _checked(data, Positions(), Path(name), [])
    return _loaded(scenario, None, (), hashlib.sha256(repr(sorted(data.items(), key=str)).encode()).hexdigest())


def _checked(data: dict[str, Any], positions: Positions, file: Path, problems: list[Problem]) -> Scenario:
    """Validate `data`; raise every problem (those found while reading included) at once."""
    at = partial(locate, positions, file=file)
    problems = [*problems, *check_numbers(data, at)]
    try:
        scenario = validate_data(data, positions, file)
    except ScenarioError as exc:
        said = {problem.field for problem in problems}  # a value refused already: said once
        kept = [p for p in exc.problems if p.field not in said]
        raise ScenarioError([*problems, *kept], omitted=exc.omitted) from None
    references = check_references(scenario, at)
    problems = [*problems, *references]
    if not problems:  # (T needs inputs without cycles)
        problems = check_requirements(scenario, at)
    if problems:
        raise ScenarioError(problems, omitted=references.omitted)
    return scenario


def _loaded(
    scenario: Scenario, path: Path | None, files: tuple[Path, ...], sha256: str, overrides: tuple[str, ...] = ()
) -> LoadedScenario:
    return LoadedScenario(
        scenario=scenario,
        memberships=resolve_memberships(scenario),
        candidates=tuple(sorted(scenario.candidates)) if scenario.candidates is not None else None,
        path=path,
        files=files,
        sha256=sha256,
        overrides=overrides,
    )


@dataclass(frozen=True)
class _Source:
    """A scenario file merged over the files it extends."""

    data: dict[str, Any]
    positions: Positions
    files: tuple[Path, ...]  # the file, then its parents
    contents: tuple[bytes, ...]  # their bytes, in the same order
    problems: list[Problem]  # problems that left usable data (duplicate keys)


MAX_EXTENDS = 100  # files in one chain of `extends` (the file itself included)


def _read_with_extends(path: Path) -> _Source:
    """Read `path` and the chain of files it extends (iteratively), then merge them, the
    file nearest `path` winning. One `ReadBudget` covers the whole chain."""
    budget = ReadBudget()
    chain: list[tuple[Path, dict[str, Any], Positions, bytes]] = []
    seen: list[str] = []
    problems: list[Problem] = []
    while True:
        data, positions, found, raw = read_yaml_mapping(path, budget)
        problems.extend(found)
        chain.append((path, data, positions, raw))
        seen.append(os.path.realpath(path))
        parent_ref = data.pop("extends", None)
        if parent_ref is None:
            break
        where = positions[("extends",)]
        if not isinstance(parent_ref, str) or not parent_ref:
            raise ScenarioError([Problem(where, "extends", "must be the path of another scenario file")])
        parent_path = path.parent / parent_ref
        if os.path.realpath(parent_path) in seen:
            cycle = " -> ".join(shown(file) for file in [*seen, os.path.realpath(parent_path)])
            raise ScenarioError([Problem(where, "extends", f"cycle of extends: {cycle}")])
        if len(chain) >= MAX_EXTENDS:
            raise ScenarioError([Problem(where, "extends", f"a chain of extends may hold at most {MAX_EXTENDS} files")])
        if not parent_path.is_file() and not parent_path.is_symlink():
            raise ScenarioError([Problem(where, "extends", f"no such file: {shown(str(parent_path))}")])
        path = parent_path
    _, data, positions, _ = chain[-1]
    for _, child, child_positions, _ in reversed(chain[:-1]):
        data, positions = _merge(data, child, positions, child_positions)
    return _Source(
        data,
        positions,
        tuple(p for p, *_ in chain),
        tuple(raw for *_, raw in chain),
        problems,
    )


def _merge(
    parent: dict[str, Any], child: dict[str, Any], parent_pos: Positions, child_pos: Positions
) -> tuple[dict[str, Any], Positions]:
    """Merge mappings key by key (child wins); lists and scalars are replaced whole.
    Positions come from the child for what it gives, from the parent for the rest."""
    return _merge_values(parent, child), child_pos.merged_over(parent_pos)


def _merge_values(parent: Any, child: Any) -> Any:
    """(Recursion is bounded: the reader refuses nesting deeper than MAX_DEPTH.)"""
    if not (isinstance(parent, dict) and isinstance(child, dict)):
        return child
    merged = dict(parent)
    for key, value in child.items():
        merged[key] = _merge_values(parent[key], value) if key in parent else value
    return merged


def locate(positions: Positions, field: FieldPath, file: Path) -> Location:
    """The location of `field`, or of its nearest located ancestor."""
    for size in range(len(field), -1, -1):
        where = positions.get(field[:size])
        if where is not None:
            return where
    return Location(str(file), 1, 1)


# Which model describes the mapping at a given field path, for "unknown key" suggestions.
def _model_at(path: FieldPath) -> type[BaseModel] | None:
    shape = tuple("*" if i % 2 else p for i, p in enumerate(path))
    if not path:
        return Scenario
    table: dict[tuple[Any, ...], type[BaseModel]] = {
        ("settings",): Settings,
        ("countries", "*"): Country,
        ("sectors", "*"): Sector,
        ("sectors", "*", "items", "*"): Item,
        ("memberships", "*"): DerivedMembership,
    }
    if len(path) == 3 and path[0] == "shocks":
        return ShockCut
    if len(path) == 6 and path[0] == "sectors" and path[4] in ("supply", "expansion"):
        return SupplyEntry if path[4] == "supply" else ExpansionEntry
    return table.get(shape)


def _is_uncertain(path: FieldPath) -> bool:
    """Whether `path` is one of the numbers that may be a distribution (MODEL.md 6)."""
    shape = tuple("*" if i % 2 else p for i, p in enumerate(path))
    return shape in UNCERTAIN_SHAPES or (len(path) == 7 and shape[:5] == ("sectors", "*", "items", "*", "inputs"))


UNCERTAIN_SHAPES = {
    ("settings", "budget"),
    ("countries", "*", "risk"),
    ("sectors", "*", "items", "*", "demand"),
    ("sectors", "*", "items", "*", "supply", "*", "available"),
    ("sectors", "*", "items", "*", "expansion", "*", "capacity"),
    ("sectors", "*", "items", "*", "expansion", "*", "cost"),
}


def validate_data(data: dict[str, Any], positions: Positions, file: Path) -> Scenario:
    """Validate merged data with the pydantic models; map every error to its location."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [_problem_from_error(error, data, positions, file) for error in errors[:MAX_PROBLEMS]]
        raise ScenarioError(problems, omitted=len(errors) - len(problems)) from None


def _clean_loc(loc: tuple[Any, ...], data: Any, error_type: str) -> tuple[FieldPath, bool]:
    """Drop pydantic's union tags from `loc`; tell whether the error is about a mapping key."""
    field: list[str | int] = []
    node = data
    is_key = False
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if part == "[key]":
            is_key = True
            continue
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            field.append(part)
            node = node[part]
        elif last and error_type == "missing":
            field.append(part)
        # anything else is a union or validator tag such as 'DerivedMembership'
    return tuple(field), is_key


def _problem_from_error(error: Any, data: dict[str, Any], positions: Positions, file: Path) -> Problem:
    field, is_key = _clean_loc(tuple(error["loc"]), data, error["type"])
    where = locate(positions, field, file)
    error_type = error["type"]
    value = error.get("input")
    if error_type == "extra_forbidden":
        model = _model_at(field[:-1])
        known = model.model_fields if model else DISTRIBUTION_KEYS if _is_uncertain(field[:-1]) else ()
        hint = did_you_mean(str(field[-1]), known)
        message = f"unknown key{hint}"
    elif error_type == "missing":
        message = "required field is missing"
    elif error_type == "literal_error" and field == ("paxmodel",):
        message = f"unsupported format version {shown(repr(value))}: this paxmodel reads version 1"
    elif error_type == "too_short" and len(field) == 2 and field[0] == "shocks":
        message = "a shock needs at least one cut"
    elif error_type == "too_short" and len(field) == 4 and field[0] == "shocks":
        message = "an empty list cuts nothing; leave out both items and sectors to cut every item"
    elif len(field) == 2 and field[0] == "memberships" and isinstance(value, str):
        codes = ", ".join(part.strip() for part in value.split(",") if part.strip())
        message = (
            f"a membership is a list of country codes, written [{shown(codes)}], "
            "or a mapping {extends: NAME, add: [...], remove: [...]}"
        )
    elif isinstance(value, bool) and error_type in ("string_type", "string_pattern_mismatch"):
        message = (
            f"expected text, got {str(value).lower()}: in YAML 1.1 (yaml.safe_load), NO, no, off, yes... "
            "are booleans; read files with paxmodel.load_scenario (YAML 1.2), or quote the value"
        )
    elif error_type == "value_error":
        message = str(error["ctx"]["error"])
    elif error_type == "finite_number":
        message = f"must be a finite number, not {shown(repr(value))}"
    elif error_type == "string_pattern_mismatch" and is_key:
        message = f"invalid key {shown(repr(value))}: {_pattern_help(error['ctx']['pattern'])}"
    else:
        got = "" if isinstance(value, dict | list) else f" (got {shown(repr(value))})"
        message = f"{error['msg']}{got}"
    return Problem(where, dotted(field), message)


def _pattern_help(pattern: str) -> str:
    if pattern.startswith("^[A-Z]"):
        return "country codes are 2-10 upper-case letters, digits or _ starting with a letter (ISO alpha-2 where one exists)"
    if pattern.startswith("^[a-z]"):
        return "sector ids are lower-case letters, digits and _ starting with a letter"
    return f"must match {pattern}"
