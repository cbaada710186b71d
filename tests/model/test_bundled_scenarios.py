"""Every membership of every bundled scenario: HiGHS and CBC agree on the optimum."""

from __future__ import annotations

from pathlib import Path

import pytest

from paxmodel.model.run import EMPTY_MEMBERSHIP, Runner
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_highs_and_cbc_agree_on_every_membership(path: Path) -> None:
    loaded = load_scenario(path)
    runner = Runner(loaded)
    memberships = dict(loaded.memberships) or {EMPTY_MEMBERSHIP: ()}
    for name, members in memberships.items():
        highs = runner.run(name, members, "highs")
        cbc = runner.run(name, members, "cbc")
        assert highs.status == cbc.status == "optimal"
        assert cbc.objective == pytest.approx(highs.objective, rel=1e-7, abs=1e-9), name
