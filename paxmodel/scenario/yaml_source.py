"""Read one YAML file into plain data plus the position of every field, safely on any input.

This is the one reader of scenario files (and of anything else paxmodel reads as YAML), so
its limits protect every command:

- only regular files are read (not devices such as /dev/zero, FIFOs or sockets), and at most
  `MAX_FILE_BYTES` of them, counting a file together with the files it extends;
- values are built from the parser's event stream without recursion, counting every value
  as it would be after aliases are expanded: more than `MAX_NODES` (an "alias bomb") or
  nesting deeper than `MAX_DEPTH` stops the read with a located error at once;
- scalars follow the YAML 1.2 core schema only: `NO` (Norway) and `2024-01-01` stay text,
  `010` is 10, `0o10` is 8, `0x1F` is 31, and `0b101`, `1:30`, `1_000` are text (so a
  number field names them); explicit tags are limited to the core ones (`!!str`, `!!int`,
  `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) and must fit their value;
- every mapping key and list entry gets a `Location`; duplicate keys are errors, except that a
  mapping's own keys override those it takes from a merge key (`<<: *defaults`).
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from paxmodel.scenario.errors import FieldPath, Location, Problem, ScenarioError, dotted, file_location, shown

MAX_FILE_BYTES = 8 * 1024 * 1024  # a scenario and all the files it extends, together
MAX_NODES = 500_000  # values (mappings, lists, scalars; keys not counted) after alias expansion
MAX_DEPTH = 64  # nesting of mappings and lists

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_MAX_DIGITS = 400  # longer integer literals are refused before Python parses them


@dataclass
class ReadBudget:
    """What one read may still consume; shared by a scenario and the files it extends."""

    bytes_left: int = MAX_FILE_BYTES
    nodes_left: int = MAX_NODES


class _Refused(Exception):
    """A scalar that cannot be read as its tag says (becomes a located problem)."""


def _resolve_plain(text: str) -> Any:
    """A plain (unquoted, untagged) scalar under the YAML 1.2 core schema."""
    if not text:
        return None
    first = text[0]
    if first in "~nN" and _NULL.match(text):
        return None
    if first in "tTfF" and text in _BOOL:
        return _BOOL[text]
    if first in "-+0123456789.":
        if _INT10.match(text) or _FLOAT.match(text):
            return _as_number(text)  # may refuse a number too long to be meant
        if _INT8.match(text) or _INT16.match(text) or _INF.match(text) or _NAN.match(text):
            return _as_number(text)
    return text


def _as_int(text: str) -> int:
    if _INT10.match(text):
        if len(text) > _MAX_DIGITS:
            raise _Refused(f"integer of {len(text)} digits is too large")
        return int(text, 10)
    if _INT8.match(text):
        return int(text[2:], 8) if len(text) <= _MAX_DIGITS else _too_long(text)
    if _INT16.match(text):
        return int(text[2:], 16) if len(text) <= _MAX_DIGITS else _too_long(text)
    raise _Refused(f"{shown(text)} is not an integer (YAML 1.2: 10, 0o12, 0xA)")


def _too_long(text: str) -> int:
    raise _Refused(f"integer of {len(text)} digits is too large")


def _as_float(text: str) -> float:
    if _FLOAT.match(text) or _INT10.match(text):
        if len(text) > _MAX_DIGITS:
            raise _Refused(f"number of {len(text)} characters is too long")
        return float(text)
    if _INF.match(text):
        return -math.inf if text[0] == "-" else math.inf
    if _NAN.match(text):
        return math.nan
    raise _Refused(f"{shown(text)} is not a number")


def _as_number(text: str) -> int | float:
    try:
        return _as_int(text)
    except _Refused:
        if _INT10.match(text):  # digits, but too many
            raise
        return _as_float(text)


def _as_bool(text: str) -> bool:
    if text in _BOOL:
        return _BOOL[text]
    raise _Refused(f"{shown(text)} is not a boolean (true or false)")


def _as_null(text: str) -> None:
    if _NULL.match(text):
        return None
    raise _Refused(f"{shown(text)} is not null (null or ~)")


_TAGGED: dict[str, Callable[[str], Any]] = {
    _CORE + "str": str,
    _CORE + "int": _as_int,
    _CORE + "float": _as_float,
    _CORE + "bool": _as_bool,
    _CORE + "null": _as_null,
}


def _scalar(event: yaml.ScalarEvent) -> Any:
    """The value of a scalar event (raises `_Refused` when its explicit tag does not fit)."""
    tag = event.tag
    if tag is None:
        return _resolve_plain(event.value) if event.implicit[0] else event.value
    if tag == "!":  # non-specific tag: text
        return event.value
    construct = _TAGGED.get(tag)
    if construct is None:
        raise _Refused(f"unsupported tag {shown(tag)}: only the YAML 1.2 core tags (!!str, !!int, ...) are read")
    return construct(event.value)


@dataclass(slots=True)
class _Tree:
    """Where the parts of one built value are: its size after alias expansion, its height,
    and the location and tree of each entry (None for a scalar)."""

    size: int
    height: int
    children: dict[str, tuple[Location, _Tree]] | list[tuple[Location, _Tree]] | None


_LEAF = _Tree(1, 0, None)


@dataclass(slots=True)
class _Frame:
    """A mapping or list being built."""

    location: Location
    anchor: str | None
    is_map: bool
    path: FieldPath
    depth: int
    discard: bool  # built only to be dropped (a key that is not text, a duplicate key)
    items: list[Any] = field(default_factory=list)  # list values
    trees: list[tuple[Location, _Tree]] = field(default_factory=list)  # list entries
    own: dict[str, Any] = field(default_factory=dict)  # mapping's own keys
    own_trees: dict[str, tuple[Location, _Tree]] = field(default_factory=dict)
    merges: list[tuple[dict[str, Any], dict[str, tuple[Location, _Tree]]]] = field(default_factory=list)
    key: str | None = None  # the key whose value comes next; None while a key is expected
    key_location: Location | None = None
    skip_value: bool = False  # the value of the current key is to be dropped
    merge_next: bool = False  # the value of the current key is a merge source (<<)


@dataclass(slots=True)
class _Anchor:
    value: Any
    tree: _Tree
    text: str | None  # the raw text of a scalar (usable as a key)


class _Builder:
    """Turns the parser's events into values and trees, iteratively, within a budget."""

    def __init__(self, file: Path, budget: ReadBudget) -> None:
        self.file = str(file)
        self.budget = budget
        self.problems: list[Problem] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []

    def fail(self, where: Location, message: str) -> ScenarioError:
        return ScenarioError([Problem(where, shown(dotted(self._path())), message)])

    def _path(self) -> FieldPath:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.is_map:
            return (*top.path, top.key) if top.key is not None else top.path
        return (*top.path, len(top.items))

    def count(self, where: Location, nodes: int, height: int) -> None:
        self.budget.nodes_left -= nodes
        if self.budget.nodes_left < 0:
            raise self.fail(
                where,
                f"more than {MAX_NODES:,} values once aliases are expanded: refused (an alias bomb?)",
            )
        if len(self.stack) + height > MAX_DEPTH:
            raise self.fail(where, f"nested more than {MAX_DEPTH} levels deep: refused")

    def build(self, parser: Any) -> tuple[Any, _Tree | None, Location | None]:
        """The single document of the stream as (value, tree, location of the root)."""
        parser.get_event()  # stream start
        if parser.check_event(yaml.StreamEndEvent):
            return None, None, None
        parser.get_event()  # document start
        result: tuple[Any, _Tree, Location] | None = None
        while result is None:
            result = self.step(parser.get_event())
        parser.get_event()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            extra = parser.get_event()
            raise ScenarioError(
                [
                    Problem(
                        Location(self.file, extra.start_mark.line + 1, extra.start_mark.column + 1),
                        "",
                        "a scenario file holds one YAML document; found a second one",
                    )
                ]
            )
        return result

    def step(self, event: Any) -> tuple[Any, _Tree, Location] | None:
        """Handle one event; the root value once it is complete."""
        kind = type(event)
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            return self._end()
        mark = event.start_mark
        where = Location(self.file, mark.line + 1, mark.column + 1)
        if kind is yaml.ScalarEvent:
            stack = self.stack
            if stack and stack[-1].is_map and stack[-1].key is None:
                self._take_key(event.value, where, event)
                return None
            self.budget.nodes_left -= 1
            if self.budget.nodes_left < 0:
                self.count(where, 0, 0)
            try:
                value = _resolve_plain(event.value) if event.tag is None and event.implicit[0] else _scalar(event)
            except _Refused as exc:
                self.problems.append(Problem(where, dotted(self._path()), f"invalid value: {exc}"))
                value = None
            if event.anchor is not None:
                self._register(event.anchor, value, _LEAF, event.value)
            return self._deliver(value, _LEAF, where)
        if kind is yaml.AliasEvent:
            if event.anchor in self.open_anchors:
                raise self.fail(where, f"alias *{event.anchor} refers to a value that contains it (recursive alias)")
            anchor = self.anchors.get(str(event.anchor))
            if anchor is None:
                raise self.fail(where, f"undefined alias *{event.anchor}")
            self.count(where, anchor.tree.size, anchor.tree.height)
            if self._expecting_key():
                self._take_key(anchor.text, where, event)
                return None
            return self._deliver(anchor.value, anchor.tree, where)
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self.count(where, 1, 1)
            is_map = kind is yaml.MappingStartEvent
            expected = _CORE + ("map" if is_map else "seq")
            if event.tag not in (None, "!", expected):
                self.problems.append(
                    Problem(where, dotted(self._path()), f"unsupported tag {shown(event.tag)} on a collection")
                )
            discard = bool(self.stack) and (
                self._expecting_key() or self.stack[-1].skip_value or self.stack[-1].discard
            )
            if self._expecting_key():
                self.problems.append(Problem(where, dotted(self._path()), "keys must be plain text"))
            if event.anchor is not None:
                self.open_anchors.add(event.anchor)
            self.stack.append(_Frame(where, event.anchor, is_map, self._path(), len(self.stack) + 1, discard))
            return None
        raise self.fail(where, f"unexpected YAML event {type(event).__name__}")

    def _end(self) -> tuple[Any, _Tree, Location] | None:
        """A mapping or list is complete."""
        frame = self.stack.pop()
        value, tree = self._finish(frame)
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self._register(frame.anchor, value, tree, None)
        if self._expecting_key():  # a collection used as a key: dropped
            top = self.stack[-1]
            top.key, top.key_location, top.skip_value = "", frame.location, True
            return None
        return self._deliver(value, tree, frame.location)

    def _expecting_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].is_map and self.stack[-1].key is None

    def _register(self, anchor: str | None, value: Any, tree: _Tree, text: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = _Anchor(value, tree, text)

    def _take_key(self, text: str | None, where: Location, event: Any) -> None:
        top = self.stack[-1]
        if text is None:
            self.problems.append(Problem(where, dotted(top.path), "keys must be plain text"))
            top.key, top.key_location, top.skip_value = "", where, True
            return
        is_merge = (
            isinstance(event, yaml.ScalarEvent)
            and text == "<<"
            and event.implicit[0]
            and event.tag in (None, _CORE + "merge")
        )
        top.key, top.key_location, top.merge_next = text, where, is_merge
        top.skip_value = False
        if not is_merge and text in top.own_trees and not top.discard:
            first = top.own_trees[text][0]
            self.problems.append(
                Problem(
                    where,
                    dotted((*top.path, text)),
                    f"duplicate key '{shown(text)}' (first given on line {first.line})",
                )
            )
            top.skip_value = True

    def _deliver(self, value: Any, tree: _Tree, where: Location) -> tuple[Any, _Tree, Location] | None:
        """Put a finished value into the collection being built (or return it: the root)."""
        if not self.stack:
            return value, tree, where
        top = self.stack[-1]
        if not top.is_map:
            top.items.append(value)
            top.trees.append((where, tree))
            return None
        key, key_location = top.key, top.key_location
        assert key is not None and key_location is not None
        if top.merge_next:
            self._merge_source(top, value, tree, where)
        elif not top.skip_value:
            top.own[key] = value
            top.own_trees[key] = (key_location, tree)
        top.key, top.key_location, top.skip_value, top.merge_next = None, None, False, False
        return None

    def _merge_source(self, top: _Frame, value: Any, tree: _Tree, where: Location) -> None:
        sources = (
            list(zip(value, tree.children, strict=True))
            if isinstance(value, list) and isinstance(tree.children, list)
            else [(value, (where, tree))]
        )
        for source, (source_location, source_tree) in sources:
            if not isinstance(source, dict) or not isinstance(source_tree.children, dict):
                self.problems.append(
                    Problem(
                        source_location,
                        dotted((*top.path, "<<")),
                        "a merge key (<<) takes a mapping or a list of mappings, e.g. `<<: *defaults`",
                    )
                )
                continue
            top.merges.append((source, source_tree.children))

    def _finish(self, frame: _Frame) -> tuple[Any, _Tree]:
        if not frame.is_map:
            size = 1 + sum(tree.size for _, tree in frame.trees)
            height = 1 + max((tree.height for _, tree in frame.trees), default=0)
            return frame.items, _Tree(size, height, frame.trees)
        if not frame.merges:
            value, trees = frame.own, frame.own_trees
        else:  # merged keys come first; the first source giving a key wins; own keys override
            value, trees = {}, {}
            for source, source_trees in frame.merges:
                for key, item in source.items():
                    if key not in value:
                        value[key] = item
                        trees[key] = source_trees[key]
            value.update(frame.own)
            trees.update(frame.own_trees)
        size = 1 + sum(tree.size for _, tree in trees.values())
        height = 1 + max((tree.height for _, tree in trees.values()), default=0)
        return value, _Tree(size, height, trees)


class Positions(Mapping[FieldPath, Location]):
    """The location of every field path of a value read from YAML.

    Backed by the reader's trees, so building it costs nothing and an alias shares its
    anchor's locations; a lookup walks the path. Iteration lists every path (rarely needed).
    """

    def __init__(self, tree: _Tree | None = None, root: Location | None = None) -> None:
        self._tree = tree
        self._root = root

    def __getitem__(self, path: FieldPath) -> Location:
        if self._tree is None or self._root is None:
            raise KeyError(path)
        tree, where = self._tree, self._root
        for part in path:
            children = tree.children
            entry = None
            if isinstance(children, dict) and isinstance(part, str):
                entry = children.get(part)
            elif isinstance(children, list) and isinstance(part, int) and 0 <= part < len(children):
                entry = children[part]
            if entry is None:
                raise KeyError(path)
            where, tree = entry
        return where

    def __iter__(self) -> Iterator[FieldPath]:
        if self._tree is None:
            return
        yield ()
        pending: list[tuple[FieldPath, _Tree]] = [((), self._tree)]
        while pending:
            path, tree = pending.pop()
            children = tree.children
            entries = children.items() if isinstance(children, dict) else enumerate(children or ())
            for key, (_, child) in entries:
                yield (*path, key)
                if child.children:
                    pending.append(((*path, key), child))

    def __len__(self) -> int:
        return 0 if self._tree is None else self._tree.size

    def put(self, path: FieldPath, where: Location, below: Positions | None = None) -> None:
        """Set the location of `path` (and, from `below`, of everything under it), in place;
        the mappings on the way are copied, not changed, since aliases share them."""
        if self._tree is None or self._root is None or not path:
            self._tree, self._root = (below._tree if below and below._tree else _LEAF), where
            return
        trees = [self._tree]
        for part in path[:-1]:
            children = trees[-1].children
            entry = children.get(str(part)) if isinstance(children, dict) else None
            trees.append(entry[1] if entry is not None else _Tree(1, 1, {}))
        tree = below._tree if below is not None and below._tree is not None else _LEAF
        for depth in range(len(path) - 1, -1, -1):
            old = trees[depth]
            children = dict(old.children) if isinstance(old.children, dict) else {}
            above = children.get(str(path[depth]))
            children[str(path[depth])] = (where if depth == len(path) - 1 else (above[0] if above else where), tree)
            size = 1 + sum(child.size for _, child in children.values())
            tree = _Tree(size, max(old.height, tree.height + 1), children)
        self._tree = tree

    def relocated(self, move: Callable[[Location], Location]) -> Positions:
        """The same paths with every location passed through `move` (for small values)."""

        def copy(tree: _Tree) -> _Tree:
            children = tree.children
            if isinstance(children, dict):
                return _Tree(tree.size, tree.height, {k: (move(w), copy(t)) for k, (w, t) in children.items()})
            if isinstance(children, list):
                return _Tree(tree.size, tree.height, [(move(w), copy(t)) for w, t in children])
            return tree

        if self._tree is None or self._root is None:
            return self
        return Positions(copy(self._tree), move(self._root))

    def merged_over(self, parent: Positions) -> Positions:
        """Positions of this file's data merged over `parent`'s (as `extends` merges them:
        mappings key by key, anything else replaced whole)."""
        if self._tree is None or parent._tree is None:
            return self if self._tree is not None else parent
        return Positions(_merge_trees(parent._tree, self._tree), self._root)


def _merge_trees(parent: _Tree, child: _Tree) -> _Tree:
    if not (isinstance(parent.children, dict) and isinstance(child.children, dict)):
        return child
    children = dict(parent.children)
    for key, (where, tree) in child.children.items():
        below = children.get(key)
        children[key] = (where, _merge_trees(below[1], tree) if below is not None else tree)
    size = 1 + sum(tree.size for _, tree in children.values())
    height = 1 + max((tree.height for _, tree in children.values()), default=0)
    return _Tree(size, height, children)


def read_source(path: Path, budget: ReadBudget | None = None) -> tuple[bytes, str]:
    """The file's bytes (for its hash) and text, or a located error when it is not a regular
    file, is larger than the budget allows, cannot be read or is not UTF-8."""
    budget = budget or ReadBudget()
    where = file_location(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, FIFO or socket)"
            raise ScenarioError([Problem(where, "", f"cannot read: {kind}; scenarios are ordinary files")])
        _check_size(where, info.st_size, budget)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the check
                raise ScenarioError([Problem(where, "", "cannot read: not a regular file")])
            chunks = []
            left = budget.bytes_left + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
        raw = b"".join(chunks)
        _check_size(where, len(raw), budget)
        budget.bytes_left -= len(raw)
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(where, "", f"cannot decode as UTF-8: {exc.reason}")]) from exc
    except OSError as exc:
        raise ScenarioError([Problem(where, "", f"cannot read file: {exc.strerror or exc}")]) from exc


def _check_size(where: Location, size: int, budget: ReadBudget) -> None:
    if size > budget.bytes_left:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        together = "" if budget.bytes_left == MAX_FILE_BYTES else " (with the files it extends)"
        raise ScenarioError(
            [Problem(where, "", f"file too large{together}: scenarios may hold at most {limit} MiB of YAML")]
        )


def load_yaml_mapping(path: Path) -> tuple[dict[str, Any], Positions]:
    """Parse `path`; return its top-level mapping and the location of every field."""
    data, positions, problems, _ = read_yaml_mapping(path)
    if problems:
        raise ScenarioError(problems)
    return data, positions


def read_yaml_mapping(
    path: Path, budget: ReadBudget | None = None
) -> tuple[dict[str, Any], Positions, list[Problem], bytes]:
    """Like `load_yaml_mapping`, but problems that leave usable data (a duplicate key keeps its
    first value) are returned rather than raised, so they can be reported with later checks.
    The file's bytes come back too, so that hashing it needs no second read."""
    budget = budget or ReadBudget()
    raw, text = read_source(path, budget)
    data, positions, problems = _parse(text, str(path), budget)
    if positions is None:
        raise ScenarioError([Problem(file_location(path), "", "empty file: expected a scenario mapping")])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(positions[()], "", "a scenario file must be a mapping of keys to values")])
    return data, positions, problems, raw


def read_yaml_value(text: str, label: str) -> tuple[Any, Positions, list[Problem]]:
    """Parse one YAML value given on the command line (a `--set` override's VALUE).

    Locations name `label` (line 1, column within `text`); an empty text is the empty string.
    """
    try:
        value, positions, problems = _parse(text, label, ReadBudget())
    except ScenarioError as exc:
        return (
            None,
            Positions(),
            [
                Problem(
                    Location(label, 1, p.location.column),
                    p.field,
                    p.message.replace("invalid YAML", "invalid YAML value"),
                )
                for p in exc.problems
            ],
        )
    if positions is None:
        return "", Positions(_LEAF, Location(label, 1, 1)), []
    return value, positions, problems


def _parse(text: str, label: str, budget: ReadBudget) -> tuple[Any, Positions | None, list[Problem]]:
    """The single YAML document of `text`: its value, positions (None when there is no document)
    and the problems that left usable data; syntax errors and exceeded limits are raised."""
    stream = getattr(yaml, "CBaseLoader", yaml.BaseLoader)(text)  # libyaml's parser when present
    builder = _Builder(Path(label), budget)
    try:
        data, tree, where = builder.build(stream)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = Location(label, mark.line + 1, mark.column + 1) if mark else file_location(label)
        raise ScenarioError([Problem(at, "", f"invalid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file_location(label), "", f"invalid YAML: {exc}")]) from None
    finally:
        stream.dispose()
    if tree is None or where is None:
        return None, None, builder.problems
    return data, Positions(tree, where), builder.problems
