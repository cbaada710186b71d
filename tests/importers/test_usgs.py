"""`paxmodel import usgs`: both layouts of the MCS data release, written here with their quirks."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from paxmodel.cli import app
from paxmodel.importers.usgs import import_usgs, parse_value
from paxmodel.scenario.errors import ScenarioError
from paxmodel.scenario.load import load_scenario

# MCS 2025 layout: one wide CSV; header cell with a stray space ("PROD_EST_ 2024"), names with
# commas (quoted), a footnote digit glued to a name, "W", an em dash, totals and remainders.
WIDE = (
    "SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,PROD_NOTES,"
    "CAP_2023,CAP_EST_ 2024,CAP_NOTES,RESERVES_2024,RESERVE_NOTES\n"
    'MCS2025,Gallium,China,"Primary production",kilograms,"750,000","750,000",,,,,,\n'  # line 2
    'MCS2025,Gallium,Japan3,"Primary production",kilograms,3000,2900e,,,,,,\n'  # 3
    'MCS2025,Gallium,Russia,"Primary production",kilograms,5000,W,,,,,,\n'  # 4
    'MCS2025,Gallium,"Korea, Republic of","Primary production",kilograms,1000,1000.5,,,,,,\n'  # 5
    'MCS2025,Gallium,Other countries4,"Primary production",kilograms,10,20,,,,,,\n'  # 6
    'MCS2025,Gallium,World total (rounded),"Primary production",kilograms,760000,760000,,,,,,\n'  # 7
    'MCS2025,Cobalt,Congo (Kinshasa),"Mine production, contained cobalt",metric tons,170000,220000,Estimated,,,,,\n'
    'MCS2025,Cobalt,Burma,"Mine production, contained cobalt",metric tons,—,—,,,,,,\n'  # 9
    'MCS2025,Copper,Chile,"Mine production, recoverable copper content",thousand metric tons,5300,5300,,,,,,\n'
)

EXPECTED_WIDE = """\
# paxmodel import usgs mcs2025.csv --year 2024: world production by country
sources:
  usgs-mcs-2025: "U.S. Geological Survey, Mineral Commodity Summaries 2025 data release, file mcs2025.csv: world production by country, 2024 (Cobalt, Gallium)"
sectors:
  ai_materials:
    name: "ai_materials"
    items:
      cobalt:
        name: "Cobalt"
        unit: "metric tons"
        supply:
          CD: {available: 220000, source: usgs-mcs-2025, notes: "mcs2025.csv line 8: Cobalt, Congo (Kinshasa), PROD_EST_ 2024, USGS note 'Estimated'"}
      gallium:
        name: "Gallium"
        unit: "kilograms"
        supply:
          CN: {available: 750000, source: usgs-mcs-2025, notes: "mcs2025.csv line 2: Gallium, China, PROD_EST_ 2024"}
          JP: {available: 2900, source: usgs-mcs-2025, notes: "mcs2025.csv line 3: Gallium, Japan3, PROD_EST_ 2024, footnote '3', footnote 'e'"}
          KR: {available: 1000.5, source: usgs-mcs-2025, notes: "mcs2025.csv line 5: Gallium, Korea, Republic of, PROD_EST_ 2024"}
"""

EXPECTED_WIDE_SUMMARY = [
    "mcs2025.csv: read 9 rows: used 4, 1 for other years or codes, 4 skipped:",
    "  skipped 2 rows of totals or remainders, not countries: lines 6, 7",
    "  skipped 1 row with no value: line 9",
    '  skipped 1 row withheld ("W"): line 4',
    "  used 1 row read with footnote marks (footnote '3', footnote 'e'; kept in notes): line 3",
]

# MCS 2026 layout: one long CSV in Windows-1252, one value per row, U.S. salient statistics and
# capacity rows beside world production.
LONG = (
    "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes,"
    "Is critical mineral 2025,Other notes\n"
    "GALLIUM,Salient Statistics,Gallium,United States,Production,Primary,kilograms,2025,W,,Yes,\n"  # 2
    'GALLIUM,World Production,Gallium,China,Production,Primary production,kilograms,2024,"750,000",,Yes,\n'
    'GALLIUM,World Production,Gallium,China,Production,Primary production,kilograms,2025,"760,000",e,Yes,\n'  # 4
    "GALLIUM,World Production,Gallium,Japan,Production,Primary production,kilograms,2025,3000,,Yes,\n"  # 5
    "GALLIUM,World Production,Gallium,Russia,Production,Primary production,kilograms,2025,W,,Yes,\n"  # 6
    "GALLIUM,World Production,Gallium,Türkiye,Production,Primary production,kilograms,2025,—,,Yes,\n"  # 7
    'GALLIUM,World Production,Gallium,World total (rounded),Production,Primary,kilograms,2025,"770,000",,Yes,\n'
    'GALLIUM,World Production,Gallium,World total,Capacity,Primary,kilograms,2025,"1,700,000",,Yes,\n'  # 9
)

EXPECTED_LONG = """\
# paxmodel import usgs mcs2026.csv --year 2025: world production by country
sources:
  usgs-mcs-2026: "U.S. Geological Survey, Mineral Commodity Summaries data release, file mcs2026.csv: world production by country, 2025 (Gallium)"
sectors:
  ai_materials:
    name: "ai_materials"
    items:
      gallium:
        name: "Gallium"
        unit: "kilograms"
        supply:
          CN: {available: 760000, source: usgs-mcs-2026, notes: "mcs2026.csv line 4: Gallium, China, Value (2025), USGS note 'e'"}
          JP: {available: 3000, source: usgs-mcs-2026, notes: "mcs2026.csv line 5: Gallium, Japan, Value (2025)"}
"""

SCENARIO = """\
paxmodel: 1
name: From USGS
extends: fragment.yaml
countries:
  CN: {name: China, risk: 1.0, concern: true}
  JP: {name: Japan, risk: 0.1}
  KR: {name: Korea, risk: 0.2}
  CD: {name: DR Congo, risk: 0.7}
sectors:
  ai_materials:
    name: AI materials
    items:
      gallium: {demand: 40000}
memberships:
  founding: [JP, KR]
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_wide_layout_line_by_line(tmp_path: Path) -> None:
    path = write(tmp_path, "mcs2025.csv", WIDE)
    code, out, err = invoke(
        "import", "usgs", path, "--commodity", "Gallium:gallium", "--commodity", "cobalt:cobalt", "--year", "2024",
        "--sector", "ai_materials",
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines() == EXPECTED_WIDE.splitlines()
    assert err.splitlines() == EXPECTED_WIDE_SUMMARY


def test_other_year_column_is_read(tmp_path: Path) -> None:
    fragment = import_usgs(write(tmp_path, "mcs2025.csv", WIDE), {"Gallium": "ga"}, 2023, "s")
    supply = fragment.items["ga"].supply
    assert {code: entry.available for code, entry in supply.items()} == {
        "CN": 750000,
        "JP": 3000,
        "KR": 1000,
        "RU": 5000,
    }
    assert supply["RU"].notes == "mcs2025.csv line 4: Gallium, Russia, PROD_2023"


def test_long_layout_in_windows_1252(tmp_path: Path) -> None:
    path = write(tmp_path, "mcs2026.csv", LONG, "cp1252")
    code, out, err = invoke(
        "import", "usgs", path, "--commodity", "gallium:gallium", "--year", "2025", "--sector", "ai_materials",
        "--source", "usgs-mcs-2026",
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines() == EXPECTED_LONG.splitlines()
    assert err.splitlines() == [
        "mcs2026.csv: read 8 rows: used 2, 3 for other years or codes, 3 skipped:",
        "  skipped 1 row of totals or remainders, not countries: line 8",
        "  skipped 1 row with no value: line 7",
        '  skipped 1 row withheld ("W"): line 6',
    ]


def test_fragment_merges_into_a_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, "mcs2025.csv", WIDE)
    code, _, err = invoke(
        "import", "usgs", path, "--commodity", "Gallium:gallium", "--year", "2024", "--sector", "ai_materials",
        "--output", tmp_path / "fragment.yaml",
    )  # fmt: skip
    assert code == 0, err
    assert err.splitlines()[-1] == f"wrote {tmp_path / 'fragment.yaml'}"
    loaded = load_scenario(write(tmp_path, "scenario.yaml", SCENARIO))
    item = loaded.scenario.sectors["ai_materials"].items["gallium"]
    assert item.name == "Gallium" and item.unit == "kilograms" and item.demand == 40000
    assert {c: s.available for c, s in item.supply.items()} == {"CN": 750000, "JP": 2900, "KR": 1000.5}
    assert {s.source for s in item.supply.values()} == {"usgs-mcs-2025"}
    assert "usgs-mcs-2025" in loaded.scenario.sources


def test_unknown_country_is_located_and_can_be_mapped(tmp_path: Path) -> None:
    path = write(tmp_path, "mcs.csv", WIDE.replace("Korea, Republic of", "Atlantis"))
    with pytest.raises(ScenarioError) as caught:
        import_usgs(path, {"Gallium": "gallium"}, 2024, "s")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:5:1: COUNTRY: unknown country 'Atlantis': not an ISO 3166 name; map it with --country 'Atlantis=CODE'"
    ]
    fragment = import_usgs(path, {"Gallium": "gallium"}, 2024, "s", countries={"atlantis": "AT"})
    assert fragment.items["gallium"].supply["AT"].available == 1000.5


def test_nothing_is_written_on_error(tmp_path: Path) -> None:
    path = write(tmp_path, "mcs.csv", WIDE.replace("Korea, Republic of", "Atlantis"))
    out = tmp_path / "fragment.yaml"
    code, _, err = invoke(
        "import", "usgs", path, "--commodity", "Gallium:g", "--year", "2024", "--sector", "s", "-o", out
    )
    assert code == 1
    assert err.splitlines()[-1] == "1 problem found; nothing was written."
    assert not out.exists()


def test_two_types_for_one_country_need_a_choice(tmp_path: Path) -> None:
    text = WIDE + 'MCS2025,Gallium,China,"Refinery production",kilograms,100,200,,,,,,\n'  # line 11
    path = write(tmp_path, "mcs.csv", text)
    with pytest.raises(ScenarioError) as caught:
        import_usgs(path, {"Gallium": "gallium"}, 2024, "s")
    assert [p.location.line for p in caught.value.problems] == [11]
    assert "choose one type of production with --type" in str(caught.value)
    fragment = import_usgs(path, {"Gallium": "gallium"}, 2024, "s", kind="refinery")
    assert {c: s.available for c, s in fragment.items["gallium"].supply.items()} == {"CN": 200}


def test_missing_commodity_and_year_are_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "mcs.csv", WIDE)
    with pytest.raises(ScenarioError, match=r"no commodity 'Galium' .* \(did you mean 'Gallium'\?\)"):
        import_usgs(path, {"Galium": "gallium"}, 2024, "s")
    with pytest.raises(ScenarioError, match="no production column for 2022; the file has 2023, 2024"):
        import_usgs(path, {"Gallium": "gallium"}, 2022, "s")
    with pytest.raises(ScenarioError, match="not a USGS MCS data-release CSV"):
        import_usgs(write(tmp_path, "other.csv", "a,b\n1,2\n"), {"Gallium": "gallium"}, 2024, "s")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", (1234.0, "", "")),
        (" 12.5 ", (12.5, "", "")),
        ("2900e", (2900.0, "e", "")),
        ("W", (None, "", 'withheld ("W")')),
        ("—", (None, "", "with no value")),
        ("NA", (None, "", "with no value")),
        ("500–16,000", (None, "", "with a value that is not a number")),
        (">100", (None, "", "with a value that is not a number")),
        ("Large", (None, "", "with a value that is not a number")),
    ],
)
def test_parse_value(text: str, expected: tuple[float | None, str, str]) -> None:
    assert parse_value(text) == expected
