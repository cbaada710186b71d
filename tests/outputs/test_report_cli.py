"""`paxmodel report`: formats, errors and exit statuses, and the report of the bundled scenario."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "report_small.yaml"
BUNDLED = ROOT / "scenarios" / "pax_silica_2026.yaml"


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("format", ["md", "html", "csv", "json"])
def test_every_format_is_written(format: str, tmp_path: Path) -> None:
    output = tmp_path / f"out.{format}"
    result = invoke("report", SMALL, "--membership", "bloc", "--format", format, "--output", output)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {output}" in result.stderr
    assert output.stat().st_size > 0
    if format == "json":
        assert json.loads(output.read_text(encoding="utf-8"))["provenance"]["membership"] == "bloc"
    if format == "csv":
        with output.open(encoding="utf-8", newline="") as stream:
            assert len(list(csv.DictReader(stream))) == 12  # 6 item x country pairs x 2 cases
    if format == "md":
        assert (tmp_path / "out_files" / "dependency_by_sector.svg").is_file()


def test_members_and_solver_options(tmp_path: Path) -> None:
    output = tmp_path / "custom.json"
    result = invoke("report", SMALL, "--members", "US,JP", "--solver", "cbc", "--format", "json", "-o", output)
    assert result.exit_code == 0, result.stderr
    provenance = json.loads(output.read_text(encoding="utf-8"))["provenance"]
    assert provenance["members"] == ["JP", "US"]
    assert provenance["solver"].startswith("CBC")


def test_bad_input_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    unknown = invoke("report", SMALL, "--membership", "blok", "--output", output)
    assert unknown.exit_code == 1
    assert "unknown membership 'blok'" in unknown.stderr and "did you mean 'bloc'" in unknown.stderr
    concern = invoke("report", SMALL, "--members", "US,CN", "--format", "csv", "--output", output)
    assert concern.exit_code == 1 and "country of concern" in concern.stderr
    assert not output.exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert invoke("report", SMALL, "--format", "pdf", "--output", tmp_path / "x.pdf").exit_code == 2
    assert invoke("report", SMALL, "--format", "html").exit_code == 2  # --output is required


def test_missing_matplotlib_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    result = invoke("report", SMALL, "--format", "html", "--output", tmp_path / "r.html")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: charts need matplotlib, which is not installed: pip install 'paxmodel[report]'"
    ]
    assert list(tmp_path.iterdir()) == []
    assert invoke("report", SMALL, "--format", "json", "--output", tmp_path / "r.json").exit_code == 0


def test_html_bytes_are_reproducible_across_processes(tmp_path: Path) -> None:
    pages = []
    for seed in ("1", "2"):
        output = tmp_path / f"report_{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1767225600"}
        completed = subprocess.run(
            [sys.executable, "-m", "paxmodel", "report", str(SMALL), "-m", "bloc", "-f", "html", "-o", str(output)],
            capture_output=True,
            env=env,
            check=False,
            cwd=ROOT,
        )
        assert completed.returncode == 0, completed.stderr.decode()
        pages.append(output.read_bytes())
    assert pages[0] == pages[1]


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.svg += tag == "svg"
        self.ids.update(value for name, value in attrs if name == "id" and value)


@pytest.mark.skipif(not BUNDLED.is_file(), reason="the bundled scenario is not there")
def test_the_bundled_scenario_report(tmp_path: Path) -> None:
    from paxmodel.scenario.load import load_scenario

    output = tmp_path / "report.html"
    result = invoke("report", BUNDLED, "--membership", "signatories_2026", "--format", "html", "--output", output)
    assert result.exit_code == 0, result.stderr
    parser = Ids()
    parser.feed(output.read_text(encoding="utf-8"))
    scenario = load_scenario(BUNDLED).scenario
    for sector_id, sector in scenario.sectors.items():
        assert f"sector-{sector_id}" in parser.ids
        for item_id in sector.items:
            assert f"item-{item_id}" in parser.ids
    assert parser.svg >= 1 + 2 * len(scenario.sectors)


def test_python_api_writes_the_same_report(tmp_path: Path) -> None:
    import paxmodel

    report = paxmodel.build_report(paxmodel.load_scenario(SMALL), membership="bloc", date="2026-03-01")
    assert isinstance(report, paxmodel.ExposureReport)
    api = paxmodel.write_report(report, "json", tmp_path / "api.json")[0]
    cli = tmp_path / "cli.json"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1772323200"}  # 2026-03-01
    completed = subprocess.run(
        [sys.executable, "-m", "paxmodel", "report", str(SMALL), "-m", "bloc", "-f", "json", "-o", str(cli)],
        capture_output=True,
        env=env,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    assert api.read_bytes() == cli.read_bytes()
