"""The exposure report's uncertainty section: a sweep of the report's membership over the ranges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.analyses.exposure import build_report
from paxmodel.analyses.sweep import Stats, sweep
from paxmodel.cli import app
from paxmodel.outputs.report import render
from paxmodel.scenario.load import load_scenario

DATA = Path(__file__).parent.parent / "data"
UNCERTAIN = DATA / "uncertain.yaml"


def test_the_section_is_the_sweep_of_the_report_membership_first() -> None:
    loaded = load_scenario(UNCERTAIN)
    report = build_report(loaded, "with_b", samples=60, seed=2, workers=1)
    u = report.uncertainty
    assert u is not None and u.membership == "with_b" and u.samples == 60
    reference = sweep(loaded, samples=60, seed=2, workers=1, members={"with_b": ("BB",), "alone": ()})
    assert u.overall["removed"] == Stats.of(reference.removed("with_b"))
    assert u.sectors["first"]["optimised"] == Stats.of(reference.optimised_sectors["with_b"]["first"])
    assert [(v.other, v.wins, v.losses) for v in u.versus] == [
        ("alone", reference.beats()["with_b"]["alone"], reference.beats()["alone"]["with_b"])
    ]
    assert u.rank_first == reference.rank_first()["with_b"]
    assert u.drivers == reference.drivers and u.drivers[0].input == "countries.AA.risk"
    # the single-value part of the report is untouched by the sweep
    plain = build_report(loaded, "with_b", samples=0)
    assert plain.uncertainty is None
    assert json.dumps(plain.to_dict()) == json.dumps({k: v for k, v in report.to_dict().items() if k != "uncertainty"})


@pytest.mark.parametrize("format", ["md", "html"])
def test_charts_and_tables_appear(format: str) -> None:
    report = build_report(load_scenario(UNCERTAIN), "with_b", samples=40, workers=1)
    text = render(report, format)  # type: ignore[arg-type]
    assert "Uncertainty" in text and "drivers" in text
    assert "5th to 95th percentile" in text
    assert "alone" in text  # the probability table names the other membership


def test_report_json_carries_the_uncertainty_section(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run = CliRunner().invoke(
        app, ["report", str(UNCERTAIN), "-m", "alone", "-f", "json", "-o", str(out), "--samples", "30", "--seed", "1"]
    )
    assert run.exit_code == 0, run.stderr
    section = json.loads(out.read_text())["uncertainty"]
    assert section["samples"] == 30 and set(section["beats"]) == {"with_b"}
    assert section["beats"]["with_b"] == 0.0  # alone is never strictly lower than with_b


def test_samples_need_ranges(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run = CliRunner().invoke(app, ["report", str(DATA / "small.yaml"), "-f", "json", "-o", str(out), "--samples", "5"])
    assert run.exit_code == 2 and "no ranges" in run.stderr
    assert not out.exists()
