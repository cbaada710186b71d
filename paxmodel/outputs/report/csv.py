"""The report in long form: one row per item x supplying country x {baseline, optimised}.

Countries listed for an item are those that supply it in either case, have supply available
or can expand it. Items with total requirement 0 need nothing and have no rows. Numbers are
written exactly as in the JSON report (`number`), so the two can be compared as floats.

When the scenario has shocks, rows with case `shock:NAME` follow: one per item the membership
runs short of under that shock, with the shortfall in `item_shortfall` (the country columns
empty; `share` is the shortfall share u_i / T_i).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from paxmodel.analyses.exposure import CASES, ExposureReport
from paxmodel.model.run import number

COLUMNS = (
    "scenario",
    "membership",
    "case",
    "sector",
    "item",
    "item_name",
    "unit",
    "requirement",
    "item_shortfall",
    "country",
    "country_name",
    "group",
    "available",
    "amount",
    "share",
    "expansion",
    "expansion_cost",
)


def cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text: one starting with = + - @ or a tab or
    carriage return would be run as a formula (CSV injection), so it gets a leading '."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: ExposureReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(report_rows(report, cell))
    return buffer.getvalue()


def render_parquet(report: ExposureReport) -> bytes:
    """The same table as Parquet (needs pandas and pyarrow: `pip install 'paxmodel[parquet]'`):
    text as given, numbers as floats, the empty cells of shock rows as nulls."""
    from paxmodel.outputs.frames import require

    pandas = require("pyarrow", "parquet")
    rows = [[None if value == "" else value for value in row] for row in report_rows(report, str)]
    frame = pandas.DataFrame(rows, columns=list(COLUMNS))
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def report_rows(report: ExposureReport, text: Callable[[str], str]) -> Iterator[tuple[str | float, ...]]:
    """The rows of the table; `text` makes each free-text cell safe for the format."""
    prov = report.provenance
    for row in report.items.values():
        if row.shortfall is None:
            continue
        for case in CASES:
            shortfall = row.shortfall.baseline if case == "baseline" else row.shortfall.optimised
            for s in sorted(row.suppliers, key=lambda s: s.country):
                sourced = s.baseline if case == "baseline" else s.optimised
                expansion = s.expansion if case == "optimised" else 0.0
                cost = s.expansion_cost if case == "optimised" else 0.0
                yield (
                    text(prov.scenario),
                    text(prov.membership),
                    case,
                    row.sector,
                    text(row.id),
                    text(row.name),
                    text(row.unit),
                    number(row.requirement),
                    number(shortfall),
                    s.country,
                    text(s.name),
                    s.group,
                    number(s.available),
                    number(sourced),
                    number(sourced / row.requirement),
                    number(expansion),
                    number(cost),
                )
    if report.stress is not None:
        for r in report.stress.items_short:
            row = report.items[r.item]
            yield (
                text(prov.scenario),
                text(prov.membership),
                f"shock:{r.shock}",
                row.sector,
                text(row.id),
                text(row.name),
                text(row.unit),
                number(row.requirement),
                number(r.share * row.requirement),
                *("",) * 4,
                "",
                number(r.share),
                "",
                "",
            )
