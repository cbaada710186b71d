"""USGS Mineral Commodity Summaries data release (world production by country) -> supply.

Two layouts of the data release are read, told apart by their header:

- wide (MCS 2025 and earlier): one row per commodity, country and type of production, with
  columns COMMODITY, COUNTRY, TYPE, UNIT_MEAS, PROD_<year>, PROD_EST_<year>, PROD_NOTES
  (header cells may carry stray spaces, as in "PROD_EST_ 2024");
- long (MCS 2026): one row per value, with columns Section, Commodity, Country, Statistics,
  Statistics_detail, Unit, Year, Value, Notes; only rows of a "World ..." section whose
  Statistics is "Production" are world production.

A value is read only when it is a plain number (thousands separators allowed). "W" (withheld),
dashes, "NA", ranges and other text are skipped and reported; a number followed by a footnote
mark ("750e") is read and the mark kept in the entry's notes and the summary. Country names
carrying footnote digits ("Japan3") are cleaned the same way. "World total" and "Other
countries" rows are totals, not countries: skipped and reported.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from paxmodel.importers.countries import AGGREGATE, code_for_name, split_footnote
from paxmodel.importers.fragment import (
    Fragment,
    ItemFragment,
    RowLog,
    Supply,
    csv_records,
    problem,
    read_text,
)
from paxmodel.scenario.errors import Problem, ScenarioError, did_you_mean

_NUMBER = re.compile(r"^(?P<number>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*(?P<mark>[a-zA-Z*]{0,2}\d?)$")
_NO_VALUE = {"", "-", "--", "—", "–", "na", "nan", "xx"}


@dataclass(frozen=True)
class Record:
    """One production figure of the file, whatever its layout."""

    line: int
    commodity: str
    country: str
    kind: str  # TYPE / Statistics_detail
    unit: str
    value: str
    note: str
    column: str  # where the value was read, for the notes


def parse_value(text: str) -> tuple[float | None, str, str]:
    """(number or None, footnote mark, reason when None) of one cell."""
    cleaned = text.replace("\xa0", " ").strip()
    if cleaned.upper() == "W":
        return None, "", 'withheld ("W")'
    if cleaned.lower() in _NO_VALUE:
        return None, "", "with no value"
    match = _NUMBER.match(cleaned)
    if match is None:
        return None, "", "with a value that is not a number"
    return float(match["number"].replace(",", "")), match["mark"], ""


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", "", cell).upper()


def _records(path: Path, year: int) -> tuple[list[Record], RowLog, str]:
    """Every production record of `year`, the row log, and the edition named in the file ('' if none)."""
    text, _ = read_text(path)
    lines = text.splitlines(keepends=True)
    if not lines:
        raise ScenarioError([problem(path, 1, "", "the file is empty")])
    raw_header = next(csv.reader([lines[0]]))
    header = [_header_key(cell) for cell in raw_header]
    column = {name: n for n, name in enumerate(header)}
    log = RowLog()
    records: list[Record] = []
    edition = ""
    long_layout = {"COMMODITY", "COUNTRY", "STATISTICS", "YEAR", "VALUE"}
    if "COMMODITY" in column and "COUNTRY" in column and not long_layout <= set(column):
        wanted = [n for n, name in enumerate(header) if re.fullmatch(rf"PROD_(?:[A-Z]+_)?(?:EST_)?{year}", name)]
        if not wanted:
            years = sorted({m[1] for name in header if (m := re.fullmatch(r"PROD_(?:[A-Z]+_)?(?:EST_)?(\d{4})", name))})
            raise ScenarioError(
                [problem(path, 1, "", f"no production column for {year}; the file has {', '.join(years) or 'none'}")]
            )
        value_at = wanted[0]
        label = raw_header[value_at].strip()
        for line, fields in csv_records(iter(lines)):
            log.read += 1
            cell = _cells(fields, column)
            edition = edition or cell("SOURCE")
            records.append(
                Record(
                    line=line,
                    commodity=cell("COMMODITY"),
                    country=cell("COUNTRY"),
                    kind=cell("TYPE"),
                    unit=cell("UNIT_MEAS"),
                    value=fields[value_at] if value_at < len(fields) else "",
                    note=cell("PROD_NOTES"),
                    column=label,
                )
            )
        return records, log, edition
    if long_layout <= set(column):
        for line, fields in csv_records(iter(lines)):
            log.read += 1
            cell = _cells(fields, column)
            section = cell("SECTION")
            if (section and "world" not in section.lower()) or cell("STATISTICS").lower() != "production":
                log.other += 1
                continue
            if cell("YEAR") != str(year):
                log.other += 1
                continue
            records.append(
                Record(
                    line=line,
                    commodity=cell("COMMODITY"),
                    country=cell("COUNTRY"),
                    kind=cell("STATISTICS_DETAIL"),
                    unit=cell("UNIT"),
                    value=cell("VALUE"),
                    note=cell("NOTES"),
                    column=f"Value ({year})",
                )
            )
        return records, log, edition
    raise ScenarioError(
        [
            problem(
                path,
                1,
                "",
                "not a USGS MCS data-release CSV: expected columns COMMODITY, COUNTRY, PROD_<year> "
                "(MCS 2025) or Commodity, Country, Statistics, Year, Value (MCS 2026)",
            )
        ]
    )


def _cells(fields: list[str], column: Mapping[str, int]) -> Callable[[str], str]:
    """A reader of one record's cells by (normalised) header name; '' for a missing cell."""

    def cell(name: str) -> str:
        n = column.get(name)
        return fields[n].strip() if n is not None and n < len(fields) else ""

    return cell


def import_usgs(
    path: Path,
    commodities: Mapping[str, str],
    year: int,
    sector: str,
    source: str | None = None,
    kind: str | None = None,
    countries: Mapping[str, str] = {},
) -> Fragment:
    """Supply of each ITEM from the production of its COMMODITY in `year`, by country.

    `commodities` maps USGS commodity names (case-insensitive) to item ids; `kind` keeps only
    rows whose type of production contains it; `countries` maps names USGS uses that are not
    ISO names to codes. Raises `ScenarioError` with every located problem.
    """
    records, log, edition = _records(path, year)
    wanted = {name.strip().lower(): item for name, item in commodities.items()}
    present = sorted({r.commodity for r in records})
    problems: list[Problem] = []
    for name in commodities:
        if name.strip().lower() not in {c.lower() for c in present}:
            hint = did_you_mean(name, present)
            problems.append(problem(path, 1, "", f"no commodity {name!r} with {year} production in the file{hint}"))
    amounts: dict[str, dict[str, list[tuple[float, Record, list[str]]]]] = {item: {} for item in wanted.values()}
    units: dict[str, dict[str, int]] = {item: {} for item in wanted.values()}
    for record in records:
        item = wanted.get(record.commodity.lower())
        if item is None or (kind is not None and kind.lower() not in record.kind.lower()):
            log.other += 1
            continue
        name, name_mark = split_footnote(record.country)
        if AGGREGATE.match(name):
            log.skip("of totals or remainders, not countries", record.line)
            continue
        value, mark, reason = parse_value(record.value)
        if value is None:
            log.skip(reason, record.line)
            continue
        if value < 0:
            problems.append(problem(path, record.line, record.column, f"negative production {record.value!r}"))
            continue
        code = code_for_name(name, countries)
        if code is None:
            problems.append(
                problem(
                    path,
                    record.line,
                    "COUNTRY",
                    f"unknown country {name!r}: not an ISO 3166 name; map it with --country '{name}=CODE'",
                )
            )
            continue
        marks = [f"footnote {m!r}" for m in (name_mark, mark) if m]
        if marks:
            log.note(f"read with footnote marks ({', '.join(sorted(set(marks)))}; kept in notes)", record.line)
        amounts[item].setdefault(code, []).append((value, record, marks))
        units[item][record.unit] = record.line
        log.used += 1
    for item, by_code in amounts.items():
        if len(units[item]) > 1:
            shown = ", ".join(f"{unit!r} (line {line})" for unit, line in sorted(units[item].items()))
            problems.append(problem(path, max(units[item].values()), "UNIT_MEAS", f"{item}: mixed units {shown}"))
        for code, found in by_code.items():
            seen: dict[str, int] = {}
            for _, record, _ in found:
                key = record.commodity.lower()
                if key in seen:
                    problems.append(
                        problem(
                            path,
                            record.line,
                            "COUNTRY",
                            f"{record.commodity}: a second row for {code} (first on line {seen[key]}, types "
                            f"differ); choose one type of production with --type",
                        )
                    )
                seen[key] = record.line
    if problems:
        raise ScenarioError(problems)
    key = source or (f"usgs-mcs-{edition[3:]}" if re.fullmatch(r"MCS\d{4}", edition) else f"usgs-production-{year}")
    edition_text = f" {edition[3:]}" if re.fullmatch(r"MCS\d{4}", edition) else ""
    names = ", ".join(sorted({r.commodity for found in amounts.values() for f in found.values() for _, r, _ in f}))
    citation = (
        f"U.S. Geological Survey, Mineral Commodity Summaries{edition_text} data release, file {path.name}: "
        f"world production by country, {year} ({names or 'no rows'})"
    )
    items: dict[str, ItemFragment] = {}
    for item, by_code in amounts.items():
        supply: dict[str, Supply] = {}
        for code, found in sorted(by_code.items()):
            total = sum(value for value, _, _ in found)
            parts = []
            for _, record, marks in found:
                extra = "".join(f", {m}" for m in marks) + (f", USGS note {record.note!r}" if record.note else "")
                parts.append(f"line {record.line}: {record.commodity}, {record.country}, {record.column}{extra}")
            supply[code] = Supply(available=total, notes=f"{path.name} " + "; ".join(parts))
        commodity_names = sorted({r.commodity for f in by_code.values() for _, r, _ in f})
        items[item] = ItemFragment(
            name=", ".join(commodity_names) or item,
            unit=next(iter(units[item]), ""),
            supply=supply,
        )
    return Fragment(sources={key: citation}, sector=sector, items=items, log=log)
