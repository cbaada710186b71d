"""CEPII BACI bilateral trade flows -> each exporter's supply of the items mapped from HS6 codes.

BACI's CSV has the columns t (year), i (exporter), j (importer), k (HS6 product), v (value,
thousand USD) and q (quantity, metric tons). i and j are BACI's numeric country codes: ISO
3166 numeric except where BACI's own table differs (see `countries.BACI_CODES`). k is an
integer, so codes of HS chapters 01-09 have lost their leading zero (010121 is 10121). q is
empty or "NA" where the quantity is unknown: such rows are skipped and reported (with `--value`
v is read instead, which is always given).

An exporter's `available` is the sum over all importers of q (or v) in the chosen year over
the HS codes mapped to the item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from paxmodel.importers.countries import code_for_baci
from paxmodel.importers.fragment import (
    Fragment,
    ItemFragment,
    RowLog,
    Supply,
    csv_records,
    line_list,
    plural,
    problem,
    read_text,
)
from paxmodel.scenario.errors import Problem, ScenarioError

COLUMNS = ("t", "i", "j", "k", "v", "q")
_MISSING = {"", "na", "nan"}


@dataclass
class _Flows:
    """Rows summed into one (item, exporter) entry."""

    total: list[float] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    hs: set[int] = field(default_factory=set)
    exporters: set[str] = field(default_factory=set)  # BACI codes i


def hs_code(text: str) -> int:
    """An HS6 code as BACI writes it (an integer: leading zeros dropped)."""
    cleaned = text.strip()
    if not cleaned.isdigit() or len(cleaned) > 6 or int(cleaned) == 0:
        raise ValueError(f"--hs: {text!r} is not an HS6 code (up to 6 digits)")
    return int(cleaned)


def import_baci(
    path: Path,
    hs: Mapping[str, str],
    year: int,
    sector: str,
    value: bool = False,
    source: str | None = None,
    countries: Mapping[str, str] = {},
) -> Fragment:
    """Each exporter's total exports in `year` of the HS6 codes mapped to each item.

    `hs` maps HS6 codes (text, leading zeros allowed) to item ids; `value` sums v (thousand
    USD) instead of q (tonnes); `countries` maps BACI codes to country codes where neither
    BACI's deviations nor ISO numeric know them. Raises `ScenarioError` with every located
    problem.
    """
    item_of = {hs_code(code): item for code, item in hs.items()}
    wanted_k = {str(code): code for code in item_of}
    wanted_t = str(year)
    column = "v" if value else "q"
    text, _ = read_text(path)
    lines = text.splitlines(keepends=True)
    header = [cell.strip().strip('"').lower() for cell in (lines[0].split(",") if lines else [])]
    if tuple(header[:6]) != COLUMNS:
        raise ScenarioError(
            [problem(path, 1, "", f"not a BACI CSV: the header must be {','.join(COLUMNS)}, got {lines[0].strip()!r}")]
            if lines
            else [problem(path, 1, "", "the file is empty")]
        )
    log = RowLog()
    problems: list[Problem] = []
    flows: dict[str, dict[str, _Flows]] = {item: {} for item in item_of.values()}
    unknown: dict[str, list[int]] = {}
    code_cache: dict[str, str | None] = {}
    for line, fields in csv_records(iter(lines)):
        log.read += 1
        if len(fields) != 6:
            problems.append(problem(path, line, "", f"expected 6 fields (t,i,j,k,v,q), found {len(fields)}"))
            continue
        t, i, _, k, v, q = (f.strip() for f in fields)
        k = k.lstrip("0")
        if t != wanted_t or k not in wanted_k:
            log.other += 1
            continue
        cell = v if value else q
        if cell.lower() in _MISSING:
            log.skip(f"with no {'value' if value else 'quantity'} ({column} empty or NA)", line)
            continue
        try:
            amount = float(cell)
        except ValueError:
            problems.append(problem(path, line, column, f"not a number: {cell!r}"))
            continue
        if not math.isfinite(amount) or amount < 0:
            problems.append(problem(path, line, column, f"must be a finite number >= 0, got {cell!r}"))
            continue
        if i not in code_cache:
            code_cache[i] = code_for_baci(int(i), countries) if i.isdigit() else None
        code = code_cache[i]
        if code is None:
            unknown.setdefault(i, []).append(line)
            continue
        entry = flows[item_of[wanted_k[k]]].setdefault(code, _Flows())
        entry.total.append(amount)
        entry.lines.append(line)
        entry.hs.add(wanted_k[k])
        entry.exporters.add(i)
        log.used += 1
    for i, where in unknown.items():
        problems.append(
            problem(
                path,
                where[0],
                "i",
                f"unknown exporter code {i!r} ({plural(len(where), 'row')}): neither BACI's own codes nor ISO "
                f"3166 numeric; map it with --country '{i}=CODE'",
            )
        )
    if problems:
        raise ScenarioError(problems)
    key = source or f"baci-{year}"
    codes = ", ".join(f"{code:06d}" for code in sorted(item_of))
    measure = "value v in thousand USD" if value else "quantity q in metric tons"
    citation = (
        f"CEPII BACI bilateral trade flows, file {path.name}: exports in {year} of HS6 {codes}; "
        f"{measure}, summed over importers"
    )
    items: dict[str, ItemFragment] = {}
    for item, by_code in flows.items():
        supply = {
            code: Supply(
                available=math.fsum(entry.total),
                notes=(
                    f"{path.name}: sum of {column} over {plural(len(entry.lines), 'row')} with t={year}, "
                    f"i={'/'.join(sorted(entry.exporters, key=int))}, k={'/'.join(str(c) for c in sorted(entry.hs))} "
                    f"({line_list(entry.lines, 6)})"
                ),
            )
            for code, entry in sorted(by_code.items())
        }
        hs_of_item = sorted(c for c, it in item_of.items() if it == item)
        items[item] = ItemFragment(
            name=f"HS {', '.join(f'{c:06d}' for c in hs_of_item)}",
            unit="thousand USD" if value else "t",
            supply=supply,
        )
    return Fragment(sources={key: citation}, sector=sector, items=items, log=log)
