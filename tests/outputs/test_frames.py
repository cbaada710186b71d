"""DataFrames of results (`to_frame`) and the report as Parquet: the same numbers as the JSON/CSV."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from paxmodel.analyses.compare import compare
from paxmodel.analyses.exposure import build_report
from paxmodel.cli import app
from paxmodel.model.run import solve
from paxmodel.outputs.report import render
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "scenarios" / "tutorial.yaml"
WEIGHTS = ROOT / "tests" / "data" / "weights.yaml"


def test_run_frame_has_the_json_numbers() -> None:
    result = solve(load_scenario(WEIGHTS))
    frame = result.to_frame()
    items = result.to_dict()["items"]
    assert list(frame.index) == list(items) and frame.index.name == "item"
    for item, entry in items.items():
        for column in frame.columns:
            value, expected = frame.loc[item, column], entry.get(column)
            if expected is None:
                assert math.isnan(value)  # the item needs nothing (T = 0): no metric
            else:
                assert value == expected
    assert frame["removed"].dtype == "float64"
    assert frame.loc["z"].isna()["baseline"]  # weights.yaml: z has T = 0


def test_comparison_frame_is_its_records() -> None:
    comparison = compare(load_scenario(TUTORIAL))
    frame = comparison.to_frame()
    records = comparison.records()
    assert list(frame.index) == [r["name"] for r in records]
    assert frame.loc[records[0]["name"], "removed"] == records[0]["removed"]
    assert list(frame["rank"]) == sorted(frame["rank"])


def test_report_parquet_is_the_csv_table(tmp_path: Path) -> None:
    out = tmp_path / "report.parquet"
    result = CliRunner().invoke(app, ["report", str(TUTORIAL), "--format", "parquet", "-o", str(out), "-m", "alone"])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    rows = list(csv.reader(io.StringIO(render(build_report(load_scenario(TUTORIAL), "alone"), "csv"))))
    assert list(frame.columns) == rows[0]
    assert len(frame) == len(rows) - 1
    for (_, parquet_row), csv_row in zip(frame.iterrows(), rows[1:], strict=True):
        for column, text in zip(rows[0], csv_row, strict=True):
            value = parquet_row[column]
            assert (str(value) if isinstance(value, str) else float(value)) == (
                text if isinstance(value, str) else float(text)
            )
