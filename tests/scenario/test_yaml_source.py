"""YAML reading details: merge keys, duplicates, positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.yaml_source import load_yaml_mapping


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_merge_key_values_can_be_overridden(tmp_path: Path) -> None:
    path = write(tmp_path, "base: &b {available: 3, source: x}\nother:\n  <<: *b\n  available: 5\n")
    data, positions = load_yaml_mapping(path)
    assert data["other"] == {"available": 5, "source": "x"}
    assert positions[("other", "available")].line == 4  # the override, not the anchor
    assert positions[("other", "source")].line == 1  # merged from the anchor


def test_own_keys_may_not_repeat_even_with_a_merge(tmp_path: Path) -> None:
    path = write(tmp_path, "base: &b {a: 1}\nother:\n  <<: *b\n  c: 2\n  c: 3\n")
    with pytest.raises(ScenarioError) as caught:
        load_yaml_mapping(path)
    [problem] = caught.value.problems
    assert (problem.location.line, problem.field) == (5, "other.c")
    assert "first given on line 4" in problem.message
