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
                writer.writerow(
                    (
                        cell(prov.scenario),
                        cell(prov.membership),
                        case,
                        row.sector,
                        cell(row.id),
                        cell(row.name),
                        cell(row.unit),
                        number(row.requirement),
                        number(shortfall),
                        s.country,
                        cell(s.name),
                        s.group,
                        number(s.available),
                        number(sourced),
                        number(sourced / row.requirement),
                        number(expansion),
                        number(cost),
                    )
                )
    if report.stress is not None:
        for r in report.stress.items_short:
            row = report.items[r.item]
            writer.writerow(
                (
                    prov.scenario,
                    prov.membership,
                    f"shock:{r.shock}",
                    row.sector,
                    row.id,
                    row.name,
                    row.unit,
                    number(row.requirement),
                    number(r.share * row.requirement),
                    *("",) * 4,
                    "",
                    number(r.share),
                    "",
                    "",
                )
            )
    return buffer.getvalue()
