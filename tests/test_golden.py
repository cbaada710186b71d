"""Golden files: the exact JSON bytes of small runs whose numbers are checked by hand in
docs/model.md (and tests/model/test_tutorial.py). A change to the output format or to any
figure shows here as a readable diff. Regenerate deliberately with PAXMODEL_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.outputs.files import json_text

ROOT = Path(__file__).parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
CASES = [("tutorial.yaml", "with_allyland")]


@pytest.mark.parametrize(("scenario", "membership"), CASES)
def test_run_json_matches_golden_file(scenario: str, membership: str) -> None:
    result = CliRunner().invoke(app, ["run", str(ROOT / "scenarios" / scenario), "-m", membership, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["solver"].startswith("HiGHS ")
    document["solver"] = "HiGHS (version not pinned)"  # the only field that may change with the install
    text = json_text(document)
    assert text == result.stdout.replace(
        json.dumps(json.loads(result.stdout)["solver"]), '"HiGHS (version not pinned)"'
    )
    golden = GOLDEN / f"{Path(scenario).stem}_{membership}.json"
    if os.environ.get("PAXMODEL_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
