"""What every importer produces: a scenario fragment, its YAML text and a summary of the rows.

A fragment holds `sources:` and one sector's items with their `supply:` entries; each entry
carries the citation key and a `notes:` line naming the rows it comes from, so every number
can be traced back to its lines in the input file. A scenario uses it with `extends:`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from paxmodel.scenario.errors import Location, Problem, ScenarioError

ITEM_ID = re.compile(r"^\S+$")
SECTOR_ID = re.compile(r"^[a-z][a-z0-9_]*$")
COUNTRY_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")


@dataclass(frozen=True)
class Supply:
    """One `supply:` entry: the number and the rows it was read from."""

    available: float
    notes: str


@dataclass(frozen=True)
class ItemFragment:
    name: str
    unit: str
    supply: dict[str, Supply]  # country code -> entry, sorted by code


@dataclass
class RowLog:
    """Which rows were used, and which were skipped and why (reason -> line numbers)."""

    read: int = 0
    used: int = 0
    other: int = 0  # rows for other years, commodities or codes: not asked for
    skipped: dict[str, list[int]] = field(default_factory=dict)  # not used, by reason
    noted: dict[str, list[int]] = field(default_factory=dict)  # used, with a remark

    def skip(self, reason: str, line: int) -> None:
        self.skipped.setdefault(reason, []).append(line)

    def note(self, remark: str, line: int) -> None:
        self.noted.setdefault(remark, []).append(line)

    def lines(self, file: str) -> list[str]:
        """The summary printed on stderr: counts, then every skip reason with its lines."""
        out = [f"{file}: read {plural(self.read, 'row')}: used {self.used}, {self.other} for other years or codes"]
        count = sum(len(lines) for lines in self.skipped.values())
        out[0] += f", {count} skipped" + (":" if count else "")
        for reason, lines in sorted(self.skipped.items()):
            out.append(f"  skipped {plural(len(lines), 'row')} {reason}: {line_list(lines)}")
        for remark, lines in sorted(self.noted.items()):
            out.append(f"  used {plural(len(lines), 'row')} {remark}: {line_list(lines)}")
        return out


@dataclass(frozen=True)
class Fragment:
    """A scenario fragment: one sector's items with supply, and the sources they cite."""

    sources: dict[str, str]
    sector: str
    items: dict[str, ItemFragment]
    log: RowLog

    def to_yaml(self, header: str) -> str:
        """YAML text in the scenario format (sorted keys, numbers as given, quoted strings)."""
        lines = [f"# {line}" for line in header.splitlines()]
        lines.append("sources:")
        for key, citation in sorted(self.sources.items()):
            lines.append(f"  {key}: {_quoted(citation)}")
        lines += ["sectors:", f"  {self.sector}:", f"    name: {_quoted(self.sector)}", "    items:"]
        source = next(iter(sorted(self.sources)))
        for item_id, item in sorted(self.items.items()):
            lines += [f"      {item_id}:", f"        name: {_quoted(item.name)}", f"        unit: {_quoted(item.unit)}"]
            if not item.supply:
                lines.append("        supply: {}")
                continue
            lines.append("        supply:")
            for code, entry in sorted(item.supply.items()):
                lines.append(
                    f"          {code}: {{available: {_number(entry.available)}, source: {source}, "
                    f"notes: {_quoted(entry.notes)}}}"
                )
        return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _number(value: float) -> str:
    """Shortest text that reads back as the same float (12 significant digits, as in results)."""
    cleaned = float(f"{value:.12g}")
    return str(int(cleaned)) if cleaned.is_integer() and abs(cleaned) < 1e15 else repr(cleaned)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def line_list(lines: list[int], limit: int = 12) -> str:
    """'lines 4, 9, 12' (the first `limit`, then '... and N more')."""
    shown = ", ".join(str(n) for n in lines[:limit])
    more = f" ... and {len(lines) - limit:,} more" if len(lines) > limit else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def problem(file: Path, line: int, column: str, message: str) -> Problem:
    return Problem(Location(str(file), line, 1), column, message)


def read_text(path: Path) -> tuple[str, str]:
    """The file's text and encoding: UTF-8 (with or without BOM), else Windows-1252 as USGS uses."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(Location(str(path), 1, 1), "", f"cannot read the file: {exc.strerror}")]) from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def csv_records(lines: Iterator[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of every CSV record after the header (line 1)."""
    reader = csv.reader(lines)
    previous = 0
    for fields in reader:
        start = previous + 1
        previous = reader.line_num
        if start == 1 or not any(f.strip() for f in fields):
            continue
        yield start, fields


def parse_pairs(values: list[str], option: str, what: str) -> dict[str, str]:
    """'A:B' or 'A=B' pairs of an option into a mapping (A -> B), with usage errors as ValueError."""
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, target = value.partition(":" if ":" in value else "=")
        if not sep or not key.strip() or not target.strip():
            raise ValueError(f"{option} takes {what}, got {value!r}")
        pairs[key.strip()] = target.strip()
    return pairs


def check_ids(sector: str, items: Mapping[str, str], countries: Mapping[str, str]) -> None:
    """Sector id, item ids and country codes given on the command line must fit the format."""
    if not SECTOR_ID.match(sector):
        raise ValueError(f"--sector {sector!r}: sector ids are lower-case letters, digits and _ starting with a letter")
    for item in items.values():
        if not ITEM_ID.match(item):
            raise ValueError(f"item id {item!r} must not contain spaces")
    for code in countries.values():
        if not COUNTRY_CODE.match(code):
            raise ValueError(f"--country: {code!r} is not a country code (2-10 upper-case letters or digits)")
