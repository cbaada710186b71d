"""Shared pytest configuration."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are reproducible by default: the same examples on every run and machine.
# Set HYPOTHESIS_PROFILE to another registered profile to explore more widely.
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def small_with_distributions(tmp_path: Path) -> Path:
    """A copy of tests/data/small.yaml where several numbers are distributions with the same point values."""
    text = (Path(__file__).parent / "data" / "small.yaml").read_text(encoding="utf-8")
    changes = [
        ("budget: 100", "budget: {low: 50, high: 150}"),
        ("IN: {name: India, risk: 0.4}", "IN: {name: India, risk: {low: 0.2, mode: 0.4, high: 0.5}}"),
        ("demand: 40", "demand: {mean: 40, sd: 5}"),
        ("US: {capacity: 3, cost: 1}", "US: {capacity: {low: 2, high: 4}, cost: {mean: 1, sd: 0.5}}"),
        ("inputs: {wafers: 2}", "inputs: {wafers: {low: 1, mode: 2, high: 4}}"),
        ("CN: {available: 750, source: made-up}", "CN: {available: {low: 700, high: 800}, source: made-up}"),
    ]
    uncertain = text
    for old, new in changes:
        assert old in uncertain
        uncertain = uncertain.replace(old, new)
    (tmp_path / "u.yaml").write_text(uncertain, encoding="utf-8")
    return tmp_path / "u.yaml"
