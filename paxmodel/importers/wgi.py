"""World Bank Worldwide Governance Indicators (WGI), as the DataBank CSV export lays them out.

Columns: "Country Name", "Country Code" (ISO 3166 alpha-3, with a few World Bank codes of its
own such as XKX for Kosovo), "Series Name", "Series Code" (e.g. PV.EST) and one column per
year, headed "2023 [YR2023]" (a plain "2023" is read too). Missing values are "..". The
export ends with a few note lines ("Data from database: ...", "Last Updated: ..."), which are
not data. Only the six estimate series (*.EST) are read; percentile ranks, standard errors and
source counts are other series and are left alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from paxmodel.importers.fragment import RowLog, csv_records, problem, read_text
from paxmodel.scenario.errors import Problem, ScenarioError

# The six WGI dimensions, by series code of their estimate (about -2.5 weak to +2.5 strong).
SERIES: dict[str, str] = {
    "VA.EST": "Voice and Accountability",
    "PV.EST": "Political Stability and Absence of Violence/Terrorism",
    "GE.EST": "Government Effectiveness",
    "RQ.EST": "Regulatory Quality",
    "RL.EST": "Rule of Law",
    "CC.EST": "Control of Corruption",
}
# World Bank codes that are not ISO 3166 alpha-3 (or older alpha-3 codes the WGI kept).
WB_CODES = {"XKX": "XK", "KSV": "XK", "ROM": "RO", "ZAR": "CD", "TMP": "TL", "ADO": "AD", "WBG": "PS"}
_YEAR = re.compile(r"^(?P<year>\d{4})(?:\s*\[YR\d{4}\])?$")
_COLUMNS = ("Country Name", "Country Code", "Series Code")


@dataclass(frozen=True)
class Estimate:
    value: float
    line: int


@dataclass
class WgiTable:
    """Estimates of one year: ISO alpha-2 code -> series code -> estimate, with the row log."""

    year: int
    names: dict[str, str] = field(default_factory=dict)  # code -> the file's country name
    estimates: dict[str, dict[str, Estimate]] = field(default_factory=dict)
    log: RowLog = field(default_factory=RowLog)


def iso2(code: str) -> str | None:
    """ISO alpha-2 of a World Bank country code (ISO alpha-3 or one of the Bank's own)."""
    from paxmodel.importers.countries import _countries

    code = code.strip().upper()
    if code in WB_CODES:
        return WB_CODES[code]
    found = _countries().get(alpha_3=code)
    return None if found is None else str(found.alpha_2)


def read_wgi(path: Path, year: int | None = None, series: Iterable[str] = tuple(SERIES)) -> WgiTable:
    """The estimates of `series` for `year` (default: the latest year column of the file)."""
    wanted = tuple(series)
    unknown = [s for s in wanted if s not in SERIES]
    if unknown:
        raise ValueError(f"unknown WGI series {', '.join(unknown)}; the estimates are {', '.join(SERIES)}")
    text, _ = read_text(path)
    lines = text.splitlines(keepends=True)
    if not lines:
        raise ScenarioError([problem(path, 1, "", "the file is empty")])
    header = [cell.strip() for cell in next(csv.reader([lines[0]]))]
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise ScenarioError(
            [problem(path, 1, "", f"not a WGI DataBank export: no column {', '.join(repr(c) for c in missing)}")]
        )
    years = {int(m["year"]): n for n, cell in enumerate(header) if (m := _YEAR.match(cell))}
    if not years:
        raise ScenarioError([problem(path, 1, "", "no year columns (headed like '2023 [YR2023]')")])
    chosen = max(years) if year is None else year
    if chosen not in years:
        listed = ", ".join(str(y) for y in sorted(years))
        raise ScenarioError([problem(path, 1, "", f"no column for {chosen}; the file has {listed}")])
    column = years[chosen]
    at = {name: header.index(name) for name in _COLUMNS}
    table = WgiTable(year=chosen)
    problems: list[Problem] = []
    for line, fields in csv_records(iter(lines)):
        if len(fields) <= column or not fields[at["Series Code"]].strip():
            continue  # the export's closing notes ("Data from database: ...", "Last Updated: ...")
        table.log.read += 1
        series_code = fields[at["Series Code"]].strip()
        if series_code not in wanted:
            table.log.other += 1
            continue
        code = iso2(fields[at["Country Code"]])
        if code is None:
            table.log.skip(f"with a country code that is not ISO 3166 ({fields[at['Country Code']].strip()!r})", line)
            continue
        cell = fields[column].strip()
        if cell in ("..", ""):
            table.log.skip('with no value ("..")', line)
            continue
        try:
            value = float(cell)
        except ValueError:
            problems.append(problem(path, line, header[column], f"{cell!r} is not a number"))
            continue
        previous = table.estimates.get(code, {}).get(series_code)
        if previous is not None:
            problems.append(
                problem(path, line, series_code, f"{code} {series_code} given twice (also line {previous.line})")
            )
            continue
        table.names[code] = fields[at["Country Name"]].strip()
        table.estimates.setdefault(code, {})[series_code] = Estimate(value, line)
        table.log.used += 1
    if problems:
        raise ScenarioError(problems)
    return table
