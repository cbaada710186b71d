"""The risk rule, the WGI reader, `paxmodel import wgi` and `paxmodel risk` (WGI files written here).

The WGI files follow the World Bank DataBank export: "Country Name", "Country Code" (ISO
alpha-3 and a few Bank codes such as XKX), "Series Name", "Series Code", one column per year
headed "2023 [YR2023]", ".." for a missing value, other series (percentile ranks) mixed in, and
note lines after the data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.importers.wgi import read_wgi
from paxmodel.rules.risk import derive_risks, read_restrictions, risk_weight
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]

WGI = (
    "Country Name,Country Code,Series Name,Series Code,2022 [YR2022],2023 [YR2023]\n"
    "United States,USA,Political Stability and Absence of Violence/Terrorism: Estimate,PV.EST,0.0,0.03\n"  # 2
    "United States,USA,Rule of Law: Estimate,RL.EST,1.4,1.37\n"  # 3
    'United States,USA,"Political Stability and Absence of Violence/Terrorism: Percentile Rank",PV.PER.RNK,45.2,47.1\n'
    "China,CHN,Political Stability and Absence of Violence/Terrorism: Estimate,PV.EST,-0.4,-0.45\n"  # 5
    "China,CHN,Rule of Law: Estimate,RL.EST,..,..\n"  # 6
    "Kosovo,XKX,Rule of Law: Estimate,RL.EST,-0.2,-0.15\n"  # 7
    "Channel Islands,CHI,Rule of Law: Estimate,RL.EST,1.2,1.1\n"  # 8
    "Qatar,QAT,Political Stability and Absence of Violence/Terrorism: Estimate,PV.EST,1.0,0.99\n"  # 9
    "\n\n"
    "Data from database: Worldwide Governance Indicators\n"
    "Last Updated: 09/24/2024\n"
)
RESTRICTIONS = 'country,measure,in_force,source\nCN,"gallium and germanium export licensing",2023-08-01,mofcom\n'

# By hand, year 2023, all series:
#   US: mean(0.03, 1.37) = 0.70 -> (2.5 - 0.70) / 5 = 0.36
#   CN: PV -0.45 only (RL is "..") -> 2.95 / 5 = 0.59; + 0.2 restriction = 0.79
#   XK: RL -0.15 -> 2.65 / 5 = 0.53;  QA: PV 0.99 -> 1.51 / 5 = 0.302
EXPECTED = {"CN": 0.79, "QA": 0.302, "US": 0.36, "XK": 0.53}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_by_hand() -> None:
    assert risk_weight({"PV.EST": 0.03}, restricted=False) == 0.494
    assert risk_weight({"PV.EST": 0.03, "RL.EST": 1.37}, restricted=False) == 0.36
    assert risk_weight({"PV.EST": -0.45}, restricted=True) == 0.79
    assert risk_weight({"PV.EST": 2.9}, restricted=False) == 0.0  # beyond the scale: clipped
    assert risk_weight({"PV.EST": -2.4}, restricted=True, premium=0.5) == 1.0  # capped at 1
    with pytest.raises(ValueError, match="at least one"):
        risk_weight({}, restricted=False)


@given(a=st.floats(-3, 3), b=st.floats(-3, 3), restricted=st.booleans(), premium=st.floats(0, 1))
def test_rule_is_in_unit_interval_and_monotone(a: float, b: float, restricted: bool, premium: float) -> None:
    low, high = sorted((a, b))
    r_low = risk_weight({"PV.EST": low}, restricted, premium)
    r_high = risk_weight({"PV.EST": high}, restricted, premium)
    assert 0 <= r_high <= r_low <= 1  # better governance, never a higher risk
    assert risk_weight({"PV.EST": low}, False, premium) <= risk_weight({"PV.EST": low}, True, premium)


def test_reader_handles_the_databank_quirks(tmp_path: Path) -> None:
    table = read_wgi(write(tmp_path, "wgi.csv", WGI))
    assert table.year == 2023  # the latest year column
    assert sorted(table.estimates) == ["CN", "QA", "US", "XK"]
    assert table.estimates["US"]["RL.EST"].value == 1.37 and table.estimates["US"]["RL.EST"].line == 3
    assert "RL.EST" not in table.estimates["CN"]  # ".."
    assert table.log.skipped == {
        "with a country code that is not ISO 3166 ('CHI')": [8],
        'with no value ("..")': [6],
    }
    assert (table.log.read, table.log.used, table.log.other) == (8, 5, 1)
    assert read_wgi(write(tmp_path, "wgi.csv", WGI), 2022).estimates["US"]["PV.EST"].value == 0.0


def test_derived_risks_by_hand(tmp_path: Path) -> None:
    table = read_wgi(write(tmp_path, "wgi.csv", WGI))
    measures = read_restrictions(write(tmp_path, "r.csv", RESTRICTIONS))
    derived = derive_risks(table, measures)
    assert {c: d.risk for c, d in derived.items()} == EXPECTED
    assert derived["CN"].restrictions[0].measure == "gallium and germanium export licensing"
    only_pv = derive_risks(read_wgi(tmp_path / "wgi.csv", series=["PV.EST"]), countries=["US", "XK", "JP"])
    assert {c: d.risk for c, d in only_pv.items()} == {"US": 0.494}  # XK has no PV; JP not in the file


@pytest.mark.parametrize(
    ("text", "year", "message"),
    [
        ("", None, "wgi.csv:1:1: the file is empty"),
        ("Country,Code\nUS,USA\n", None, "no column 'Country Name', 'Country Code', 'Series Code'"),
        (WGI, 2019, "no column for 2019; the file has 2022, 2023"),
        (WGI.replace("0.99\n", "high\n"), None, "wgi.csv:9:1: 2023 [YR2023]: 'high' is not a number"),
        (WGI + "Qatar,QAT,PV,PV.EST,1,1.0\n", None, "QA PV.EST given twice (also line 9)"),
    ],
)
def test_reader_errors_are_located(tmp_path: Path, text: str, year: int | None, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        read_wgi(write(tmp_path, "wgi.csv", text), year)
    assert message in "\n".join(str(p) for p in info.value.problems)


def test_import_wgi_cli(tmp_path: Path) -> None:
    wgi, restrictions = write(tmp_path, "wgi.csv", WGI), write(tmp_path, "r.csv", RESTRICTIONS)
    result = CliRunner().invoke(app, ["import", "wgi", str(wgi), "--restrictions", str(restrictions)])
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.stdout)
    assert {c: v["risk"] for c, v in document["countries"].items()} == EXPECTED
    assert "CC BY 4.0" in document["sources"]["wgi-2023"]
    assert "PV.EST -0.45" in document["countries"]["CN"]["notes"]  # the inputs are shown
    assert "skipped 1 row with no value" in result.stderr
    out = tmp_path / "out.yaml"
    args = ["import", "wgi", str(wgi), "--year", "2023", "--countries", "US,QA", "--output", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and result.stdout == ""
    assert sorted(yaml.safe_load(out.read_text())["countries"]) == ["QA", "US"]
    # a year the file lacks: exit 1, one located line, nothing written
    result = CliRunner().invoke(app, ["import", "wgi", str(wgi), "--year", "2019", "--output", str(tmp_path / "x")])
    assert result.exit_code == 1 and "no column for 2019" in result.stderr
    assert not (tmp_path / "x").exists()


def test_risk_cli_writes_a_countries_block_that_merges_into_the_scenario(tmp_path: Path) -> None:
    wgi = write(tmp_path, "wgi.csv", WGI)
    restrictions = write(tmp_path, "r.csv", RESTRICTIONS)
    block = tmp_path / "countries.yaml"
    tutorial = ROOT / "scenarios" / "tutorial.yaml"
    args = ["risk", str(tutorial), "--wgi", str(wgi), "--restrictions", str(restrictions), "--output", str(block)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    fragment = yaml.safe_load(block.read_text())
    countries = fragment["countries"]
    assert sorted(countries) == ["AL", "CN", "NE", "US"]  # every country of the scenario, no other
    assert countries["US"]["risk"] == 0.36 and countries["CN"]["risk"] == 0.79
    assert countries["CN"]["concern"] is True  # the political choice is kept
    assert countries["AL"]["risk"] == 0.2 and "not in the WGI table" in countries["AL"]["notes"]
    # the block drops into a scenario: a child file extending the tutorial validates
    child = write(tmp_path, "child.yaml", f"extends: {tutorial}\n" + block.read_text())
    loaded = load_scenario(child)
    assert loaded.scenario.countries["CN"].risk == 0.79 and loaded.scenario.countries["CN"].concern
