"""`--set PATH=VALUE` overrides: change one value of a scenario without editing its file.

An override is applied to the merged data of the file and its `extends` parents before
validation, so it is checked exactly like a value written in the file. Its problems are
located at the override itself: `--set countries.IN.risk=1.5:1:23: countries.IN.risk: ...`.
PATH is dotted (`settings.budget`, `sectors.ai_materials.items.gallium.demand`); missing
mappings on the way are created; VALUE is YAML (`0.3`, `null`, `[US, JP]`, `{low: 1, high: 2}`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from paxmodel.scenario.errors import FieldPath, Location, Problem, dotted
from paxmodel.scenario.yaml_source import Positions, read_yaml_value


def parse_override(text: str) -> tuple[FieldPath, str]:
    """`a.b.c=value` -> (('a', 'b', 'c'), 'value'); ValueError with a plain message when malformed."""
    path_text, equals, value = text.partition("=")
    path = tuple(part.strip() for part in path_text.split("."))
    if not equals or not path_text.strip() or any(not part for part in path):
        raise ValueError(f"--set {text!r}: expected PATH=VALUE, e.g. countries.IN.risk=0.3")
    return path, value.strip()


def apply_overrides(data: dict[str, Any], positions: Positions, overrides: Sequence[str]) -> list[Problem]:
    """Apply `overrides` in order to `data` (and `positions`) in place; return their problems."""

    problems: list[Problem] = []
    for text in overrides:
        label = f"--set {text}"
        try:
            path, value_text = parse_override(text)
        except ValueError as exc:
            problems.append(Problem(Location(label, 1, 1), "", str(exc).split(": ", 1)[1]))
            continue
        column = len(text) - len(text.partition("=")[2]) + len("--set ") + 1
        value, value_positions, value_problems = read_yaml_value(value_text, label)
        problems += [_shifted(problem, path, column) for problem in value_problems]
        node: Any = data
        for depth, key in enumerate(path[:-1]):
            child = node.get(key) if isinstance(node, dict) else None
            if child is None and isinstance(node, dict):
                child = node[key] = {}
                positions.put(path[: depth + 1], Location(label, 1, 1))
            if not isinstance(child, dict):
                problems.append(
                    Problem(
                        Location(label, 1, 1), dotted(path[: depth + 1]), "is not a mapping: cannot set a key inside it"
                    )
                )
                break
            node = child
        else:
            node[path[-1]] = value
            shifted = value_positions.relocated(partial(_moved, label, column))
            positions.put(path, shifted.get((), Location(label, 1, column)), shifted)
    return problems


def _moved(label: str, column: int, where: Location) -> Location:
    """A location in the VALUE text as a location in the whole `--set` argument."""
    return Location(label, 1, column + where.column - 1)


def _shifted(problem: Problem, path: FieldPath, column: int) -> Problem:
    where = problem.location
    field = dotted(path) + (f".{problem.field}" if problem.field else "")
    return Problem(Location(where.file, 1, column + where.column - 1), field, problem.message)
