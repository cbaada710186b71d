"""The report as Markdown; its charts are SVG files in a folder beside it, linked relatively."""

from __future__ import annotations

import re
from collections.abc import Callable

from paxmodel.analyses.exposure import CASES, CHOKEPOINT_CONCERN_SHARE, CRMA_LIMIT, ExposureReport, SectorRow
from paxmodel.outputs.report.charts import Chart, sector_chart_names
from paxmodel.outputs.report.text import (
    READING,
    TITLE,
    amount,
    before_after,
    binding_text,
    crma_text,
    expansion_text,
    members_text,
    removed_points,
    shortfall_text,
    stress_sentences,
    summary_sentences,
    survive_text,
    threshold,
    top_suppliers_text,
    uncertainty_sentences,
    with_unit,
)
from paxmodel.outputs.tables import pct

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def md(text: str) -> str:
    """Scenario text made inert in Markdown (and in a table cell): special characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(report: ExposureReport, charts: list[Chart], chart_folder: str) -> str:
    """The Markdown text; `chart_folder` is the folder (relative to the .md) that holds `<name>.svg`."""
    by_name = {chart.name: chart for chart in charts}

    def image(name: str) -> list[str]:
        chart = by_name.get(name)
        if chart is None:
            return []
        return [f"![{md(chart.description)}]({chart_folder}/{chart.name}.svg)", "", f"*{md(chart.title)}*", ""]

    prov = report.provenance
    s = report.summary
    lines = [
        f"# {md(TITLE)}: {md(prov.scenario)}",
        "",
        f"Membership **{md(prov.membership)}** compared with the status quo · {prov.date}",
        "",
        "## Summary",
        "",
        "| Dependency today | Under the membership | Removed | Counting inputs | Countries of concern |",
        "|---:|---:|---:|---:|---:|",
        f"| {pct(s.dependency.baseline)} | {pct(s.dependency.optimised)} | {removed_points(s.dependency.removed)} "
        f"| {before_after(s.lookthrough)} | {before_after(s.concern_share)} |",
        "",
        *(f"- {md(sentence)}" for sentence in summary_sentences(report)),
        "",
        "## Dependency by sector",
        "",
        "| Sector | Weight | Dependency today | Dependency membership | Removed | Look-through | Concern share |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for sector in report.sectors:
        if sector.dependency is None:
            lines.append(f"| {md(sector.name)} | {sector.weight:g} | – | – | – | – | – |")
        else:
            lines.append(
                f"| {md(sector.name)} | {sector.weight:g} | {pct(sector.dependency.baseline)} "
                f"| {pct(sector.dependency.optimised)} | {removed_points(sector.dependency.removed)} "
                f"| {before_after(sector.lookthrough)} | {before_after(sector.concern_share)} |"
            )
    lines += [
        f"| **Overall** | | **{pct(s.dependency.baseline)}** | **{pct(s.dependency.optimised)}** "
        f"| **{removed_points(s.dependency.removed)}** | {before_after(s.lookthrough)} "
        f"| {before_after(s.concern_share)} |",
        "",
        *image("dependency_by_sector"),
        *image("lookthrough"),
        *_frontier(report),
        *image("frontier"),
    ]
    u = report.uncertainty
    if u is not None:
        lines += ["## Uncertainty", "", *(f"- {md(sentence)}" for sentence in uncertainty_sentences(report)), ""]
        if u.versus:
            lines += [
                f"| Other membership | {md(u.membership)} lower (share of samples) | Other lower |",
                "|---|---:|---:|",
                *(f"| {md(v.other)} | {pct(v.wins)} | {pct(v.losses)} |" for v in u.versus),
                "",
            ]
        lines += image("drivers")
    lines += _stress(report, image)
    for sector in report.sectors:
        lines += _sector(report, sector)
        split_name, hhi_name = sector_chart_names(sector)
        lines += image(split_name) + image(hhi_name)
    lines += ["## How to read this report", ""]
    for term, text in READING:
        lines += [f"**{md(term)}.** {md(text)}", ""]
    lines += _provenance(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _sector(report: ExposureReport, sector: SectorRow) -> list[str]:
    lines = [f"## {md(sector.name)}", ""]
    if sector.dependency is None:
        return [*lines, "No item of this sector is required (total requirement 0); it carries no metric.", ""]
    lines += [
        f"Dependency {before_after(sector.dependency)} ({removed_points(sector.dependency.removed)} removed) · "
        f"counting inputs {before_after(sector.lookthrough)} · countries of concern "
        f"{before_after(sector.concern_share)} · sector weight {sector.weight:g}",
        "",
        "| Item | Requirement | Top suppliers (share today) | Dependency | Removed | Look-through | Concern share "
        f"| HHI | Shortfall | Expansion used (cost) | Non-member > {threshold(CRMA_LIMIT)} | Binds |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for row in report.sector_items(sector):
        name = f"{md(row.name)} (`{row.id}`)" if not set("`|\\") & set(row.id) else f"{md(row.name)} ({md(row.id)})"
        if row.dependency is None:
            lines.append(f"| {name} | 0 | not required | – | – | – | – | – | – | – | – | – |")
            continue
        lookthrough = before_after(row.lookthrough) if row.inputs else "–"
        concern = before_after(row.concern_share)
        if row.concern_share is not None and row.concern_share.optimised > CHOKEPOINT_CONCERN_SHARE:
            concern = f"**{concern}**"
        flags = [row.crma[case] for case in CASES]
        crma = "–" if flags == [None, None] else " → ".join(crma_text(flag) for flag in flags)
        if row.crma["optimised"] is not None:
            crma = f"**{crma}** ⚑"
        lines.append(
            f"| {name} | {md(with_unit(row.requirement, row.unit))} | {top_suppliers_text(row)} "
            f"| {before_after(row.dependency)} | {removed_points(row.dependency.removed)} | {lookthrough} "
            f"| {concern} | {before_after(row.hhi, 'hhi')} | {md(shortfall_text(row))} "
            f"| {md(expansion_text(row))} | {crma} | {binding_text(row)} |"
        )
    lines += [
        "",
        "Dependency, look-through, concern share and HHI read *today → membership*. Bold: still above the "
        f"{threshold(CHOKEPOINT_CONCERN_SHARE)} concern-share or {threshold(CRMA_LIMIT)} single-supplier "
        "(EU CRMA) benchmark under the membership.",
        "",
    ]
    return lines


def _stress(report: ExposureReport, image: Callable[[str], list[str]]) -> list[str]:
    """Stress tests: sentences, the heat map, the shortfall matrix, the items short."""
    st = report.stress
    if st is None:
        return []
    from paxmodel.outputs.stress_tables import describe_cuts

    sector_of = {i: row.sector for i, row in report.items.items()}
    lines = ["## Stress tests", "", *(f"- {md(sentence)}" for sentence in stress_sentences(report)), ""]
    lines += image("stress")
    lines += [
        "| Membership | " + " | ".join(md(s) for s in st.shocks) + " |",
        "|---|" + "---:|" * len(st.shocks),
        *(f"| {md(m)} | " + " | ".join(pct(st.shortfall[(m, s)]) for s in st.shocks) + " |" for m in st.memberships),
        "",
        "*Share of the requirement left unmet after re-sourcing.*",
        "",
        "| Shock | Cuts (share of supply and expansion lost) |",
        "|---|---|",
        *(f"| {md(s)} | {md(describe_cuts(st.cuts[s], sector_of))} |" for s in st.shocks),
        "",
    ]
    if st.items_short:
        lines += [
            f"| Shock | Item | Short ({md(st.membership)}) | Short (status quo) | Stock lasts |",
            "|---|---|---:|---:|---:|",
            *(
                f"| {md(r.shock)} | {md(r.item)} | {pct(r.share)} | {pct(r.baseline_share)} "
                f"| {survive_text(r.months, r.stock)} |"
                for r in st.items_short
            ),
            "",
        ]
    return lines


def _provenance(report: ExposureReport) -> list[str]:
    prov = report.provenance
    versions = ", ".join(f"{name} {value}" for name, value in sorted(prov.versions.items()))
    lines = [
        "## Provenance",
        "",
        "| | |",
        "|---|---|",
        f"| Scenario | {md(prov.scenario)} |",
        f"| Description | {md(prov.description or '–')} |",
        f"| Scenario files | {md(', '.join(prov.files) or '(built in memory)')} |",
        f"| SHA-256 of the files | `{prov.sha256}` |",
        *([f"| Overrides (--set) | {md(', '.join(prov.overrides))} |"] if prov.overrides else []),
        f"| Membership | {md(prov.membership)}: {md(members_text(report))} |",
        f"| Solver | {md(prov.solver)}, status {prov.status}, objective {prov.objective:.6g} |",
        f"| Versions | {md(versions)} |",
        f"| Date | {prov.date} |",
        "",
        "### Sources",
        "",
    ]
    if prov.sources:
        lines += [f"- **{md(key)}**: {md(text)}" for key, text in sorted(prov.sources.items())]
    else:
        lines.append("The scenario lists no sources.")
    return lines


def _frontier(report: ExposureReport) -> list[str]:
    """The cost of de-risking: budget breakpoints, removal and the cost of each point removed."""
    frontier = report.frontier
    if frontier is None or len(frontier.points) < 2:
        return []
    lines = [
        "## Cost of de-risking",
        "",
        f"The dependency removed grows with the expansion budget, in straight segments between these budgets, up "
        f"to {amount(frontier.saturation_budget)}: beyond it nothing more is bought.",
        "",
        "| Budget | Dependency | Removed | Cost per point removed |",
        "|---:|---:|---:|---:|",
    ]
    segments = frontier.segments()
    for n, p in enumerate(frontier.points):
        cost = segments[n - 1]["cost_per_point"] if n else None
        lines.append(
            f"| {amount(p.budget)} | {pct(p.dependency)} | {removed_points(p.removed)} "
            f"| {'–' if cost is None else amount(cost)} |"
        )
    return [*lines, ""]
