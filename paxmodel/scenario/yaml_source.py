"""Read one YAML file into plain data plus the position of every field.

PyYAML's `compose` keeps node marks; we construct values ourselves so that each mapping
key and list entry gets a `Location`, and duplicate keys are errors instead of silently
overwriting. Scalars follow YAML 1.2 core rules, so `NO` (Norway) stays a string and
`1e3` is a number.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from paxmodel.scenario.errors import FieldPath, Location, Problem, ScenarioError, dotted, file_location

Positions = dict[FieldPath, Location]


class _Yaml12Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader with YAML 1.2 core-schema booleans and floats."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)
# Integers must win over floats for plain digits: re-add the int resolver in front.
for _first, _resolvers in _Yaml12Loader.yaml_implicit_resolvers.items():
    _resolvers.sort(key=lambda pair: pair[0] != "tag:yaml.org,2002:int")


def _location(path: Path, node: yaml.Node) -> Location:
    return Location(str(path), node.start_mark.line + 1, node.start_mark.column + 1)


def read_source(path: Path) -> tuple[bytes, str]:
    """The file's bytes (for its hash) and text, or a located error when it cannot be read or
    is not UTF-8."""
    try:
        raw = path.read_bytes()
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(file_location(path), "", f"cannot decode as UTF-8: {exc.reason}")]) from exc
    except OSError as exc:
        raise ScenarioError([Problem(file_location(path), "", f"cannot read file: {exc.strerror or exc}")]) from exc


def load_yaml_mapping(path: Path) -> tuple[dict[str, Any], Positions]:
    """Parse `path`; return its top-level mapping and the location of every field."""
    data, positions, problems, _ = read_yaml_mapping(path)
    if problems:
        raise ScenarioError(problems)
    return data, positions


def read_yaml_mapping(path: Path) -> tuple[dict[str, Any], Positions, list[Problem], bytes]:
    """Like `load_yaml_mapping`, but problems that leave usable data (a duplicate key keeps its
    first value) are returned rather than raised, so they can be reported with later checks.
    The file's bytes come back too, so that hashing it needs no second read."""
    raw, text = read_source(path)
    loader = _Yaml12Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(str(path), mark.line + 1, mark.column + 1) if mark else file_location(path)
        raise ScenarioError([Problem(where, "", f"invalid YAML: {exc.problem or exc}")]) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file_location(path), "", f"invalid YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    if root is None:
        raise ScenarioError([Problem(file_location(path), "", "empty file: expected a scenario mapping")])
    if not isinstance(root, yaml.MappingNode):
        raise ScenarioError([Problem(_location(path, root), "", "a scenario file must be a mapping of keys to values")])
    positions: Positions = {(): _location(path, root)}
    problems: list[Problem] = []
    data = _construct(root, (), path, _Yaml12Loader(""), positions, problems)
    return data, positions, problems, raw


def _construct(
    node: yaml.Node,
    path: FieldPath,
    file: Path,
    loader: yaml.SafeLoader,
    positions: Positions,
    problems: list[Problem],
) -> Any:
    if isinstance(node, yaml.MappingNode):
        own_pairs = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)  # honour YAML merge keys (<<): merged pairs come first
        merged_pairs = len(node.value) - own_pairs
        result: dict[str, Any] = {}
        own_keys: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(_location(file, key_node), dotted(path), "keys must be plain text"))
                continue
            key = str(key_node.value)
            child = (*path, key)
            if index >= merged_pairs:  # the mapping's own keys override merged ones, but not each other
                if key in own_keys:
                    problems.append(
                        Problem(
                            _location(file, key_node),
                            dotted(child),
                            f"duplicate key '{key}' (first given on line {positions[child].line})",
                        )
                    )
                    continue
                own_keys.add(key)
                if key in result:  # overriding a merged value: forget where the merged one was
                    for stale in [field for field in positions if field[: len(child)] == child]:
                        del positions[stale]
            positions[child] = _location(file, key_node)
            result[key] = _construct(value_node, child, file, loader, positions, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            child = (*path, index)
            positions[child] = _location(file, item_node)
            items.append(_construct(item_node, child, file, loader, positions, problems))
        return items
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problems.append(Problem(_location(file, node), dotted(path), f"invalid value: {exc.problem}"))
        return None


def read_yaml_value(text: str, label: str) -> tuple[Any, Positions, list[Problem]]:
    """Parse one YAML value given on the command line (a `--set` override's VALUE).

    Locations name `label` (line 1, column within `text`); an empty text is the empty string.
    """
    loader = _Yaml12Loader(text)
    file = Path(label)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = Location(label, 1, mark.column + 1) if mark else Location(label, 1, 1)
        return None, {}, [Problem(where, "", f"invalid YAML value: {getattr(exc, 'problem', None) or exc}")]
    finally:
        loader.dispose()
    if root is None:
        return "", {(): Location(label, 1, 1)}, []
    positions: Positions = {(): _location(file, root)}
    problems: list[Problem] = []
    value = _construct(root, (), file, _Yaml12Loader(""), positions, problems)
    return value, positions, problems
