"""The report as one self-contained HTML page: CSS inline, charts inlined as SVG, nothing fetched.

Every piece of scenario text goes through `html.escape`. The page prints on A4 landscape,
one sector per page, table headers repeated.
"""

from __future__ import annotations

import re
from html import escape

from paxmodel.analyses.exposure import (
    CASES,
    CHOKEPOINT_CONCERN_SHARE,
    CRMA_LIMIT,
    HIDDEN_UPSTREAM_GAP,
    TOLERANCE,
    Change,
    ExposureReport,
    ItemRow,
    SectorRow,
)
from paxmodel.outputs.report.charts import Chart, sector_chart_names
from paxmodel.outputs.report.text import (
    READING,
    TITLE,
    amount,
    before_after,
    binding_text,
    crma_text,
    expansion_uses,
    members_text,
    removed_points,
    stress_sentences,
    summary_sentences,
    survive_text,
    threshold,
    top_suppliers,
    uncertainty_sentences,
)
from paxmodel.outputs.tables import pct

CSS = """
:root { --ink: #1b2631; --muted: #5d6d7e; --rule: #d5dbe1; --band: #f4f6f8; --accent: #1f4e79;
        --flag: #b03a2e; --flag-bg: #fbeae8; --warn: #8a6100; --warn-bg: #fdf4dc; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
       font: 15px/1.45 -apple-system, "Segoe UI", "Helvetica Neue", Helvetica, Arial, sans-serif; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 28px; }
header { padding-top: 28px; padding-bottom: 14px; border-bottom: 3px solid var(--accent); }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); }
h1 { margin: 4px 0 6px; font-size: 28px; line-height: 1.2; }
h2 { margin: 34px 0 10px; font-size: 21px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { margin: 22px 0 8px; font-size: 16px; }
.subtitle { margin: 0; color: var(--muted); }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 14px 0 18px; }
.figure { background: var(--band); border-left: 4px solid var(--accent); padding: 10px 14px; }
.figure .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.figure .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure .detail { font-size: 13px; color: var(--muted); }
ul.summary { padding-left: 20px; margin: 0; }
ul.summary li { margin: 4px 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 6px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 5px 7px; vertical-align: top; text-align: left; }
thead th { background: var(--band); font-size: 12px; border-bottom: 2px solid var(--muted); }
thead th small { display: block; font-weight: normal; color: var(--muted); }
td.num, th.num { text-align: right; white-space: nowrap; }
.unit { display: block; white-space: normal; max-width: 9em; margin-left: auto; font-size: 11px; color: var(--muted); }
.line { display: block; white-space: nowrap; }
.nowrap { white-space: nowrap; }
tbody th { font-weight: 600; }
.id { display: block; font-weight: normal; font-size: 11px; color: var(--muted); }
.flag { color: var(--flag); background: var(--flag-bg); font-weight: 600; padding: 0 3px; border-radius: 2px; }
.warn { color: var(--warn); background: var(--warn-bg); font-weight: 600; padding: 0 3px; border-radius: 2px; }
.quiet { color: var(--muted); }
.sector-figures { color: var(--muted); margin: 0 0 10px; }
figure { margin: 18px 0; }
figure svg { display: block; width: 100%; max-width: 880px; height: auto; }
a { color: var(--accent); }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
dl.reading dt { font-weight: 600; margin-top: 10px; }
dl.reading dd { margin: 2px 0 0 0; }
table.meta th { width: 200px; background: none; }
table.meta td { overflow-wrap: anywhere; }  /* long hashes and paths wrap; words stay whole */
ol.sources li { margin: 3px 0; }
.key { font-size: 12px; color: var(--muted); margin: 6px 0 0; }
footer { margin-top: 40px; padding-top: 10px; padding-bottom: 30px; border-top: 1px solid var(--rule);
         font-size: 12px; color: var(--muted); }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 10pt; }
  header, main, footer { max-width: none; padding-left: 0; padding-right: 0; }
  header { padding-top: 0; }
  h2 { break-after: avoid; }
  section.sector { break-before: page; }
  .table-wrap { overflow: visible; break-inside: avoid; }
  table { font-size: 8.5pt; }
  thead { display: table-header-group; }
  tr, figure, .figure { break-inside: avoid; }
  .figures { grid-template-columns: repeat(5, 1fr); gap: 8px; margin: 8px 0 10px; }
  .figure { padding: 6px 10px; }
  .figure .value { font-size: 15pt; }
  h1 { font-size: 20pt; }
  h2 { margin-top: 16px; font-size: 14pt; }
  ul.summary li { margin: 2px 0; }
  dl.reading dt { break-after: avoid; }
  figure svg { max-width: 640px; }
}
"""


def render_html(report: ExposureReport, charts: list[Chart]) -> str:
    """The whole page."""
    by_name = {chart.name: chart for chart in charts}
    prov = report.provenance
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(TITLE)}: {escape(prov.scenario)} ({escape(prov.membership)})</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<p class="kicker">{escape(TITLE)}</p>',
        f"<h1>{escape(prov.scenario)}</h1>",
        f'<p class="subtitle">Membership <strong>{escape(prov.membership)}</strong> compared with the status quo'
        f" · {escape(prov.date)}</p>",
        "</header>",
        "<main>",
        _summary(report),
        _overview(report, by_name.get("dependency_by_sector"), by_name.get("lookthrough")),
        _uncertainty(report, by_name.get("drivers")),
        _stress(report, by_name.get("stress")),
        _frontier(report, by_name.get("frontier")),
        *(_sector(report, sector, by_name) for sector in report.sectors),
        _reading(),
        _provenance(report),
        "</main>",
        f"<footer>Generated by paxmodel {escape(prov.versions.get('paxmodel', ''))} on {escape(prov.date)}. "
        "Figures are model results from the scenario named above; see Provenance.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _figure_card(label: str, value: str, detail: str) -> str:
    return (
        f'<div class="figure"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="detail">{escape(detail)}</div></div>'
    )


def _summary(report: ExposureReport) -> str:
    s = report.summary
    cards = [
        _figure_card("Dependency today", pct(s.dependency.baseline), "risk-weighted, overall"),
        _figure_card("Under the membership", pct(s.dependency.optimised), "risk-weighted, overall"),
        _figure_card("Removed", removed_points(s.dependency.removed), "percentage points"),
        _figure_card("Counting inputs", before_after(s.lookthrough), "look-through, today → membership"),
        _figure_card("Countries of concern", before_after(s.concern_share), "share of supply, today → membership"),
    ]
    sentences = "".join(f"<li>{escape(sentence)}</li>" for sentence in summary_sentences(report))
    return (
        '<section id="summary">\n<h2>Summary</h2>\n'
        f'<div class="figures">{"".join(cards)}</div>\n'
        f'<ul class="summary">{sentences}</ul>\n</section>'
    )


def _overview(report: ExposureReport, chart: Chart | None, lookthrough: Chart | None) -> str:
    rows = []
    for sector in report.sectors:
        if sector.dependency is None:
            rows.append(
                f'<tr><th scope="row"><a href="#sector-{escape(sector.id)}">{escape(sector.name)}</a></th>'
                '<td colspan="6" class="quiet">no item of this sector is required (total requirement 0)</td></tr>'
            )
            continue
        rows.append(
            f'<tr><th scope="row"><a href="#sector-{escape(sector.id)}">{escape(sector.name)}</a></th>'
            f'<td class="num">{sector.weight:g}</td>'
            f'<td class="num">{pct(sector.dependency.baseline)}</td>'
            f'<td class="num">{pct(sector.dependency.optimised)}</td>'
            f'<td class="num">{removed_points(sector.dependency.removed)}</td>'
            f'<td class="num">{before_after(sector.lookthrough)}</td>'
            f'<td class="num">{before_after(sector.concern_share)}</td></tr>'
        )
    s = report.summary
    rows.append(
        '<tr><th scope="row">Overall</th><td class="num">–</td>'
        f'<td class="num"><strong>{pct(s.dependency.baseline)}</strong></td>'
        f'<td class="num"><strong>{pct(s.dependency.optimised)}</strong></td>'
        f'<td class="num"><strong>{removed_points(s.dependency.removed)}</strong></td>'
        f'<td class="num">{before_after(s.lookthrough)}</td>'
        f'<td class="num">{before_after(s.concern_share)}</td></tr>'
    )
    table = (
        '<div class="table-wrap"><table class="sectors">'
        '<thead><tr><th>Sector</th><th class="num">Weight</th>'
        '<th class="num">Dependency<small>today</small></th>'
        '<th class="num">Dependency<small>membership</small></th>'
        '<th class="num">Removed</th>'
        '<th class="num">Look-through<small>today → membership</small></th>'
        '<th class="num">Concern share<small>today → membership</small></th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    return f'<section id="overview">\n<h2>Dependency by sector</h2>\n{table}\n{_figure(chart)}{_figure(lookthrough)}\n</section>'


def _uncertainty(report: ExposureReport, tornado: Chart | None) -> str:
    """The sweep over the scenario's ranges: bands, the probability table, the tornado chart."""
    u = report.uncertainty
    if u is None:
        return ""
    sentences = "".join(f"<li>{escape(sentence)}</li>" for sentence in uncertainty_sentences(report))
    table = ""
    if u.versus:
        rows = "".join(
            f'<tr><th scope="row">{escape(v.other)}</th><td class="num">{pct(v.wins)}</td>'
            f'<td class="num">{pct(v.losses)}</td></tr>'
            for v in u.versus
        )
        table = (
            '<div class="table-wrap"><table class="sectors">'
            f'<thead><tr><th>Other membership</th><th class="num">{escape(u.membership)} lower'
            "<small>share of samples</small></th>"
            '<th class="num">Other lower<small>share of samples</small></th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )
    return (
        '<section id="uncertainty">\n<h2>Uncertainty</h2>\n'
        f'<ul class="summary">{sentences}</ul>\n{table}\n{_figure(tornado)}\n</section>'
    )


def _stress(report: ExposureReport, heatmap: Chart | None) -> str:
    """Stress tests: the heat map, the shocks' cuts, the items the membership runs short of."""
    st = report.stress
    if st is None:
        return ""
    from paxmodel.outputs.stress_tables import describe_cuts

    sector_of = {i: row.sector for i, row in report.items.items()}
    sentences = "".join(f"<li>{escape(sentence)}</li>" for sentence in stress_sentences(report))
    shocks = "".join(
        f'<tr><th scope="row">{escape(s)}</th><td>{escape(describe_cuts(st.cuts[s], sector_of))}</td>'
        f'<td class="num">{pct(st.shortfall[(st.membership, s)])}</td></tr>'
        for s in st.shocks
    )
    table = (
        '<div class="table-wrap"><table class="sectors">'
        "<thead><tr><th>Shock</th><th>Cuts<small>share of supply and expansion lost</small></th>"
        f'<th class="num">Unmet<small>{escape(st.membership)}</small></th></tr></thead>'
        f"<tbody>{shocks}</tbody></table></div>"
    )
    short = ""
    if st.items_short:
        rows = "".join(
            f'<tr><th scope="row">{escape(r.shock)}</th><td>{escape(r.item)}</td>'
            f'<td class="num">{pct(r.share)}</td><td class="num">{pct(r.baseline_share)}</td>'
            f'<td class="num">{escape(survive_text(r.months, r.stock))}</td></tr>'
            for r in st.items_short
        )
        short = (
            '<div class="table-wrap"><table class="items">'
            "<thead><tr><th>Shock</th><th>Item</th>"
            f'<th class="num">Short<small>{escape(st.membership)}</small></th>'
            '<th class="num">Short<small>status quo</small></th>'
            '<th class="num">Stock lasts</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )
    return (
        '<section id="stress">\n<h2>Stress tests</h2>\n'
        f'<ul class="summary">{sentences}</ul>\n{_figure(heatmap)}\n{table}\n{short}\n</section>'
    )


def _frontier(report: ExposureReport, chart: Chart | None) -> str:
    """The cost of de-risking: budget breakpoints, removal and the cost of each point removed."""
    frontier = report.frontier
    if frontier is None or len(frontier.points) < 2:
        return ""
    segments = frontier.segments()
    rows = []
    for n, p in enumerate(frontier.points):
        cost = segments[n - 1]["cost_per_point"] if n else None
        rows.append(
            f'<tr><td class="num">{amount(p.budget)}</td><td class="num">{pct(p.dependency)}</td>'
            f'<td class="num">{removed_points(p.removed)}</td>'
            f'<td class="num">{"–" if cost is None else amount(cost)}</td></tr>'
        )
    table = (
        '<div class="table-wrap"><table class="frontier"><thead><tr><th class="num">Budget</th>'
        '<th class="num">Dependency</th><th class="num">Removed</th><th class="num">Cost per point removed</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    text = (
        "<p>The dependency removed grows with the expansion budget, in straight segments between these "
        f"budgets, up to {amount(frontier.saturation_budget)}: beyond it nothing more is bought.</p>"
    )
    return f'<section id="frontier">\n<h2>Cost of de-risking</h2>\n{text}\n{_figure(chart)}\n{table}\n</section>'


def _sector(report: ExposureReport, sector: SectorRow, charts: dict[str, Chart]) -> str:
    head = f'<section class="sector" id="sector-{escape(sector.id)}">\n<h2>{escape(sector.name)}</h2>\n'
    if sector.dependency is None:
        line = "No item of this sector is required (total requirement 0); it carries no metric."
    else:
        line = (
            f"Dependency {before_after(sector.dependency)} ({removed_points(sector.dependency.removed)} removed)"
            f" · counting inputs {before_after(sector.lookthrough)}"
            f" · countries of concern {before_after(sector.concern_share)} · sector weight {sector.weight:g}"
        )
    rows = "".join(_item_row(report, row) for row in report.sector_items(sector))
    table = (
        '<div class="table-wrap"><table class="items">'
        "<thead><tr><th>Item</th>"
        '<th class="num">Requirement</th>'
        "<th>Top suppliers<small>share today</small></th>"
        '<th class="num">Dependency<small>today → membership</small></th>'
        '<th class="num">Removed</th>'
        '<th class="num">Look-through<small>today → membership</small></th>'
        '<th class="num">Concern share<small>today → membership</small></th>'
        '<th class="num">HHI<small>today → membership</small></th>'
        '<th class="num">Shortfall<small>membership</small></th>'
        "<th>Expansion used<small>country, amount (cost)</small></th>"
        f"<th>Non-member &gt; {threshold(CRMA_LIMIT)}<small>today → membership</small></th>"
        "<th>Binds<small>membership</small></th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )
    key = (
        f'<p class="key"><span class="flag">red</span>: a single non-member above {threshold(CRMA_LIMIT)} '
        f"(EU CRMA benchmark), countries of concern above {threshold(CHOKEPOINT_CONCERN_SHARE)}, or unmet "
        f'requirement. <span class="warn">amber</span>: look-through at least {100 * HIDDEN_UPSTREAM_GAP:g} '
        "points above the direct dependency (exposure hidden in inputs).</p>"
    )
    split_name, hhi_name = sector_chart_names(sector)
    figures = _figure(charts.get(split_name)) + _figure(charts.get(hhi_name))
    return f'{head}<p class="sector-figures">{escape(line)}</p>\n{table}\n{key}\n{figures}\n</section>'


def _mark(text: str, css_class: str | None) -> str:
    return f'<span class="{css_class}">{escape(text)}</span>' if css_class else escape(text)


def _change_cell(change: Change | None, flag_after: bool = False, fmt: str = "pct") -> str:
    return f'<td class="num">{_mark(before_after(change, fmt), "flag" if flag_after else None)}</td>'


def _item_row(report: ExposureReport, row: ItemRow) -> str:
    head = (
        f'<tr id="item-{escape(row.id)}"><th scope="row">{escape(row.name)}'
        f'<span class="id">{escape(row.id)}</span></th>'
    )
    if row.dependency is None:
        return (
            head + '<td class="num">0</td><td colspan="10" class="quiet">not required (total requirement 0)</td></tr>'
        )
    lookthrough = "–"
    lt_class = None
    if row.inputs and row.lookthrough is not None:
        lookthrough = before_after(row.lookthrough)
        lt_class = "warn" if row.hidden_upstream >= HIDDEN_UPSTREAM_GAP else None
    inputs = ", ".join(f"{report.items[k].name} {amount(a)}" for k, a in sorted(row.inputs.items()))
    lt_title = f' title="inputs per {escape(row.unit or "unit")}: {escape(inputs)}"' if inputs else ' title="no inputs"'
    concern_flag = row.concern_share is not None and row.concern_share.optimised > CHOKEPOINT_CONCERN_SHARE + TOLERANCE
    short = amount(row.shortfall.optimised) if row.shortfall is not None else "0"
    flags = [row.crma[case] for case in CASES]
    crma = (
        "–"
        if flags == [None, None]
        else " → ".join(f'<span class="nowrap">{escape(crma_text(flag))}</span>' for flag in flags)
    )
    unit = f'<span class="unit">{escape(row.unit)}</span>' if row.unit else ""
    return (
        head
        + f'<td class="num">{amount(row.requirement)}{unit}</td>'
        + f"<td>{_lines(top_suppliers(row)) or 'none'}</td>"
        + _change_cell(row.dependency)
        + f'<td class="num">{removed_points(row.dependency.removed)}</td>'
        + f'<td class="num"{lt_title}>{_mark(lookthrough, lt_class)}</td>'
        + _change_cell(row.concern_share, flag_after=concern_flag)
        + _change_cell(row.hhi, fmt="hhi")
        + f'<td class="num">{_mark(short, "flag" if short != "0" else None)}</td>'
        + f"<td>{_lines(expansion_uses(row, unit=False)) or '–'}</td>"
        + f"<td>{_flagged(crma) if flags[1] is not None else crma}</td>"
        + f"<td>{escape(binding_text(row))}</td></tr>"
    )


def _lines(parts: list[str]) -> str:
    return "".join(f'<span class="line">{escape(part)}</span>' for part in parts)


def _flagged(markup: str) -> str:  # markup already escaped
    return f'<span class="flag">{markup}</span>'


def _figure(chart: Chart | None) -> str:
    if chart is None:
        return ""
    return (
        f'<figure id="chart-{escape(chart.name)}">{inline_svg(chart)}'
        f"<figcaption>{escape(chart.title)}</figcaption></figure>"
    )


_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')


def inline_svg(chart: Chart) -> str:
    """The chart's SVG for inlining: no XML prologue or namespace URLs, ids prefixed per chart."""
    svg = _PROLOGUE.sub("", chart.svg, count=1)
    svg = _NAMESPACES.sub("", svg)
    prefix = f"{chart.name}-"
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    svg = svg.replace('xlink:href="#', f'xlink:href="#{prefix}').replace("url(#", f"url(#{prefix}")
    label = escape(chart.description)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1).strip()


def _reading() -> str:
    entries = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in READING)
    return f'<section id="reading">\n<h2>How to read this report</h2>\n<dl class="reading">{entries}</dl>\n</section>'


def _provenance(report: ExposureReport) -> str:
    prov = report.provenance
    versions = ", ".join(f"{name} {value}" for name, value in sorted(prov.versions.items()))
    rows = [
        ("Scenario", prov.scenario),
        ("Description", prov.description or "–"),
        ("Scenario files", ", ".join(prov.files) or "(built in memory)"),
        ("SHA-256 of the files", prov.sha256),
        *([("Overrides (--set)", ", ".join(prov.overrides))] if prov.overrides else []),
        ("Membership", f"{prov.membership}: {members_text(report)}"),
        ("Solver", f"{prov.solver}, status {prov.status}, objective {prov.objective:.6g}"),
        ("Versions", versions),
        ("Date", prov.date),
    ]
    table = "".join(f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>' for k, v in rows)
    if prov.sources:
        sources = "".join(
            f"<li><strong>{escape(key)}</strong>: {escape(text)}</li>" for key, text in sorted(prov.sources.items())
        )
        sources_html = f'<ol class="sources">{sources}</ol>'
    else:
        sources_html = '<p class="quiet">The scenario lists no sources.</p>'
    return (
        '<section id="provenance">\n<h2>Provenance</h2>\n'
        f'<table class="meta"><tbody>{table}</tbody></table>\n<h3>Sources</h3>\n{sources_html}\n</section>'
    )
