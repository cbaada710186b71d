"""The report's stress section (scenarios with shocks): the same numbers as `paxmodel stress`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from paxmodel.analyses.exposure import ExposureReport, build_report
from paxmodel.analyses.stress import stress
from paxmodel.outputs.report import render, report_document
from paxmodel.scenario.load import load_scenario

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def report() -> ExposureReport:
    return build_report(load_scenario(DATA / "small.yaml"), "founding", date="2026-01-01")


def test_json_stress_matches_the_stress_command(report: ExposureReport) -> None:
    section = report_document(report)["stress"]
    matrix = stress(load_scenario(DATA / "small.yaml")).to_dict()["results"]
    assert section["membership"] == "founding"
    assert list(section["shortfall_share"]) == ["founding", "with_al", "with_in", "wide"]
    for m, row in section["shortfall_share"].items():
        for shock, value in row.items():
            assert value == matrix[m][shock]["shortfall_share"]
            assert section["dependency"][m][shock] == matrix[m][shock]["dependency"]
            assert section["time_to_survive_months"][m][shock] == matrix[m][shock]["time_to_survive_months"]
    short = {(r["shock"], r["item"]): r for r in section["items_short"]}
    for shock, cell in matrix["founding"].items():
        for item in cell["items_short"]:
            row = short.pop((shock, item))
            assert row["shortfall_share"] == cell["items"][item]["shortfall_share"]
            assert row["time_to_survive_months"] == cell["items"][item]["time_to_survive_months"]
    assert not short


def test_every_format_shows_the_section(report: ExposureReport) -> None:
    html = render(report, "html")
    assert '<section id="stress">' in html and 'id="chart-stress"' in html
    assert "26.4%" in html  # founding under the embargo
    markdown = render(report, "md")
    assert "## Stress tests" in markdown and "report_files/stress.svg" in markdown
    rows = [r for r in csv.DictReader(io.StringIO(render(report, "csv"))) if r["case"].startswith("shock:")]
    assert {(r["case"], r["item"]) for r in rows} == {
        (f"shock:{r.shock}", r.item)
        for r in report.stress.items_short  # type: ignore[union-attr]
    }
    gallium = next(r for r in rows if r["case"] == "shock:embargo" and r["item"] == "gallium")
    assert float(gallium["item_shortfall"]) == pytest.approx(18.6)


def test_no_shocks_no_section() -> None:
    plain = build_report(load_scenario(DATA / "report_small.yaml"), date="2026-01-01")
    assert plain.stress is None and "stress" not in report_document(plain)
    assert '<section id="stress">' not in render(plain, "html")
    skipped = build_report(load_scenario(DATA / "small.yaml"), "founding", date="2026-01-01", stress=False)
    assert skipped.stress is None
