"""`paxmodel import baci`: BACI's columns, numeric codes and missing quantities, written here."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.importers.baci import import_baci
from paxmodel.importers.countries import BACI_CODES, code_for_baci
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario

# BACI's quirks: numeric exporter codes where BACI departs from ISO (251 France, 842 USA, 699
# India, 757 Switzerland, 579 Norway, 490 Taiwan), HS codes without their leading zero (10121
# is 010121), q empty or "NA" (padded with spaces in some releases), other years and products.
FLOWS = (
    "t,i,j,k,v,q\n"
    "2022,156,842,811292,100.5,10.2\n"  # 2  CN -> US
    "2022,156,392,811292,50,5\n"  # 3  CN -> JP
    "2022,842,156,811292,20,NA\n"  # 4  US, no quantity
    "2022,490,156,811292,20,         NA\n"  # 5  TW, no quantity
    "2022,699,156,811292,7.5,\n"  # 6  IN, no quantity
    "2022,251,156,811292,3,0.3\n"  # 7  FR
    "2021,156,842,811292,100.5,10.2\n"  # 8  other year
    "2022,156,842,10121,1,2\n"  # 9  CN horses (HS 010121)
    "2022,757,156,811292,4,0.125\n"  # 10 CH
    "2022,579,156,811292,2,0.25\n"  # 11 NO
    "2022,392,156,811299,9,9\n"  # 12 other product
    "2022,156,842,811292,0.001,0.1\n"  # 13 CN -> US again (summed)
)

EXPECTED = """\
# paxmodel import baci baci.csv --year 2022: exporters' total quantity q (t) to all importers
sources:
  baci-2022: "CEPII BACI bilateral trade flows, file baci.csv: exports in 2022 of HS6 010121, 811292; quantity q in metric tons, summed over importers"
sectors:
  trade:
    name: "trade"
    items:
      gallium:
        name: "HS 811292"
        unit: "t"
        supply:
          CH: {available: 0.125, source: baci-2022, notes: "baci.csv: sum of q over 1 row with t=2022, i=757, k=811292 (line 10)"}
          CN: {available: 15.3, source: baci-2022, notes: "baci.csv: sum of q over 3 rows with t=2022, i=156, k=811292 (lines 2, 3, 13)"}
          FR: {available: 0.3, source: baci-2022, notes: "baci.csv: sum of q over 1 row with t=2022, i=251, k=811292 (line 7)"}
          NO: {available: 0.25, source: baci-2022, notes: "baci.csv: sum of q over 1 row with t=2022, i=579, k=811292 (line 11)"}
      horses:
        name: "HS 010121"
        unit: "t"
        supply:
          CN: {available: 2, source: baci-2022, notes: "baci.csv: sum of q over 1 row with t=2022, i=156, k=10121 (line 9)"}
"""

SCENARIO = """\
paxmodel: 1
name: From BACI
extends: fragment.yaml
countries:
  CN: {name: China, risk: 1.0, concern: true}
  CH: {name: Switzerland, risk: 0.1}
  FR: {name: France, risk: 0.1}
  IN: {name: India, risk: 0.3}
  NO: {name: Norway, risk: 0.1}
  TW: {name: Taiwan, risk: 0.4}
  US: {name: United States, risk: 0.0}
sectors:
  trade:
    items:
      gallium: {demand: 100}
memberships:
  founding: [US, FR]
"""


def write(tmp_path: Path, text: str, name: str = "baci.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_quantities_line_by_line(tmp_path: Path) -> None:
    path = write(tmp_path, FLOWS)
    code, out, err = invoke(
        "import", "baci", path, "--hs", "811292:gallium", "--hs", "010121:horses", "--year", "2022", "--sector", "trade"
    )
    assert code == 0, err
    assert out.splitlines() == EXPECTED.splitlines()
    assert err.splitlines() == [
        "baci.csv: read 12 rows: used 7, 2 for other years or codes, 3 skipped:",
        "  skipped 3 rows with no quantity (q empty or NA): lines 4, 5, 6",
    ]


def test_values_use_v_and_need_no_quantity(tmp_path: Path) -> None:
    fragment = import_baci(write(tmp_path, FLOWS), {"811292": "gallium"}, 2022, "trade", value=True)
    supply = {code: entry.available for code, entry in fragment.items["gallium"].supply.items()}
    assert supply == {"CH": 4, "CN": 150.501, "FR": 3, "IN": 7.5, "NO": 2, "TW": 20, "US": 20}
    assert fragment.items["gallium"].unit == "thousand USD"
    assert fragment.log.skipped == {}
    assert fragment.items["gallium"].supply["TW"].notes == (
        "baci.csv: sum of v over 1 row with t=2022, i=490, k=811292 (line 5)"
    )


def test_fragment_merges_into_a_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, FLOWS)
    code, _, err = invoke(
        "import", "baci", path, "--hs", "811292:gallium", "--year", "2022", "--sector", "trade", "--value",
        "-o", tmp_path / "fragment.yaml",
    )  # fmt: skip
    assert code == 0, err
    loaded = load_scenario(write(tmp_path, SCENARIO, "scenario.yaml"))
    item = loaded.scenario.sectors["trade"].items["gallium"]
    assert item.demand == 100 and item.unit == "thousand USD"
    assert {c: s.available for c, s in item.supply.items()} == {
        "CH": 4, "CN": 150.501, "FR": 3, "IN": 7.5, "NO": 2, "TW": 20, "US": 20,
    }  # fmt: skip


def test_unknown_exporter_code_is_located_and_can_be_mapped(tmp_path: Path) -> None:
    path = write(tmp_path, FLOWS + "2022,999,842,811292,1,2\n2022,999,156,811292,1,3\n")
    with pytest.raises(ScenarioError) as caught:
        import_baci(path, {"811292": "gallium"}, 2022, "trade")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:14:1: i: unknown exporter code '999' (2 rows): neither BACI's own codes nor ISO 3166 numeric; "
        "map it with --country '999=CODE'"
    ]
    fragment = import_baci(path, {"811292": "gallium"}, 2022, "trade", countries={"999": "XX"})
    assert fragment.items["gallium"].supply["XX"].available == 5


def test_bad_rows_are_located(tmp_path: Path) -> None:
    path = write(tmp_path, FLOWS + "2022,156,842,811292,1\n2022,156,842,811292,1,lots\n2022,156,842,811292,1,-2\n")
    with pytest.raises(ScenarioError) as caught:
        import_baci(path, {"811292": "gallium"}, 2022, "trade")
    assert [(p.location.line, p.field) for p in caught.value.problems] == [(14, ""), (15, "q"), (16, "q")]
    with pytest.raises(ScenarioError, match="not a BACI CSV"):
        import_baci(write(tmp_path, "year,exporter\n", "other.csv"), {"811292": "gallium"}, 2022, "trade")


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    path = write(tmp_path, FLOWS)
    code, _, err = invoke("import", "baci", path, "--hs", "8112921:x", "--year", "2022", "--sector", "trade")
    assert code == 1 and "not an HS6 code" in err
    code, _, err = invoke("import", "baci", path, "--hs", "811292", "--year", "2022", "--sector", "trade")
    assert code == 1 and "--hs takes HS6:ITEM" in err
    code, _, err = invoke("import", "baci", path, "--hs", "811292:x", "--year", "2022", "--sector", "Trade")
    assert code == 1 and "sector ids are lower-case" in err


def test_baci_deviations_and_iso_codes() -> None:
    assert {code: code_for_baci(code) for code in BACI_CODES} == {
        251: "FR", 490: "TW", 579: "NO", 699: "IN", 757: "CH", 842: "US",
    }  # fmt: skip
    assert [code_for_baci(n) for n in (156, 36, 8, 392, 410)] == ["CN", "AU", "AL", "JP", "KR"]
    assert code_for_baci(999) is None
