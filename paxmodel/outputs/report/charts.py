"""The report's charts, drawn with matplotlib (the optional extra `report`) as SVG text.

matplotlib is imported only when a chart is drawn. Figures are made with the object API
(no pyplot, no global backend); SVG output is deterministic: a fixed hash salt per chart
(so element ids are stable and differ between charts inlined in one page), text kept as
text, and no date or creator metadata.
"""

from __future__ import annotations

import importlib.util
import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paxmodel.analyses.exposure import CASES, ExposureReport, SectorRow
from paxmodel.analyses.frontier import Frontier

INSTALL_HINT = "pip install 'paxmodel[report]'"

BASELINE_COLOUR = "#b8c2cc"
OPTIMISED_COLOUR = "#1f4e79"
GROUP_COLOURS = {
    "member": "#1f4e79",
    "other": "#9aa7b4",
    "concern": "#b03a2e",
    "shortfall": "#e0a526",
    "unneeded": "#e4e8ec",
}
GROUP_LABELS = {
    "member": "members",
    "other": "other countries",
    "concern": "countries of concern",
    "shortfall": "shortfall",
    "unneeded": "not needed (a user item is short)",
}
CASE_LABELS = {"baseline": "Status quo", "optimised": "Under the membership"}
LABEL_LENGTH = 34
WIDTH = 7.5  # inches: fits a printed page at full size
ROW = 0.28  # inches per bar


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed: the formats with charts cannot be written."""


@dataclass(frozen=True)
class Chart:
    name: str  # file stem, unique in the report
    title: str
    description: str  # alt text: what the chart shows
    svg: str  # a complete SVG document without XML metadata


def require_matplotlib() -> None:
    if importlib.util.find_spec("matplotlib") is None:
        raise ChartsUnavailable(f"charts need matplotlib, which is not installed: {INSTALL_HINT}")


def report_charts(report: ExposureReport) -> list[Chart]:
    """Every chart of the report: sector dependency, look-through, then sourcing split and HHI per sector."""
    require_matplotlib()
    charts = [sector_dependency_chart(report)]
    if report.frontier is not None and len(report.frontier.points) > 1:
        charts.append(frontier_chart(report.frontier))
    if any(r.inputs and r.lookthrough is not None for r in report.items.values()):
        charts.append(lookthrough_chart(report))
    if report.uncertainty is not None and report.uncertainty.drivers:
        charts.append(tornado_chart(report))
    if report.stress is not None:
        charts.append(stress_heatmap(report))
    for sector in report.sectors:
        if sector.dependency is not None:
            charts.append(sourcing_split_chart(report, sector))
            charts.append(hhi_chart(report, sector))
    return charts


def sector_chart_names(sector: SectorRow) -> tuple[str, str]:
    """Names of a sector's sourcing-split and HHI charts."""
    return f"sourcing_{sector.id}", f"hhi_{sector.id}"


def sector_dependency_chart(report: ExposureReport) -> Chart:
    sectors = [s for s in report.sectors if s.dependency is not None]
    labels = ["Overall", *(s.name for s in sectors)]
    before = [report.summary.dependency.baseline, *(s.dependency.baseline for s in sectors if s.dependency)]
    after = [report.summary.dependency.optimised, *(s.dependency.optimised for s in sectors if s.dependency)]
    bands = None
    title = "Risk-weighted dependency by sector"
    description = "Bar chart: risk-weighted dependency, status quo and under the membership, overall and per sector."
    u = report.uncertainty
    if u is not None:
        rows = [u.overall, *(u.sectors[s.id] for s in sectors)]
        bands = (
            [(r["baseline"].p5, r["baseline"].p95) for r in rows],
            [(r["optimised"].p5, r["optimised"].p95) for r in rows],
        )
        title += f" (lines: 5th to 95th percentile over {u.samples} samples of the ranges)"
        description += " Lines across the bars: 5th to 95th percentile over the sampled ranges."
    figure = _paired_bars(
        labels, before, after, limit=1.0, percent=True, xlabel="risk-weighted dependency", bands=bands
    )
    return Chart(
        name="dependency_by_sector", title=title, description=description, svg=_svg(figure, "dependency_by_sector")
    )


TORNADO_ROWS = 12


def tornado_chart(report: ExposureReport) -> Chart:
    """The uncertain numbers that drive the removal most, largest on top (a tornado)."""
    from matplotlib.figure import Figure

    u = report.uncertainty
    assert u is not None
    drivers = u.drivers[:TORNADO_ROWS]
    sobol = drivers[0].method == "sobol-total"
    labels = [_short_path(d.input) for d in drivers]
    values = [d.index if sobol else 100 * d.index for d in drivers]
    n = len(drivers)
    figure = Figure(figsize=(WIDTH, 0.9 + ROW * 1.3 * n))
    ax = figure.subplots()
    _margins(figure, labels, top=0.1, bottom=0.55)
    centres = [float(n - 1 - k) for k in range(n)]
    bars = ax.barh(centres, values, 0.6, color=OPTIMISED_COLOUR)
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3, fontsize=7, color="#333333")
    ax.set_yticks(centres, labels)
    ax.set_xlim(0, max([*values, 1e-9]) * 1.15)
    ax.set_xlabel(
        "Sobol' total index (share of the removal's variance)"
        if sobol
        else "Morris mu* (percentage points of removal)",
        fontsize=8,
    )
    _style(ax)
    ax.set_ylim(-0.6, n - 0.4)
    return Chart(
        name="drivers",
        title=f"What drives the removal under {u.membership}: the uncertain numbers that matter most",
        description=(
            "Horizontal bars, largest on top: how much each uncertain number of the scenario moves the "
            f"dependency removed by {u.membership} ({'Sobol total index' if sobol else 'Morris mu*'})."
        ),
        svg=_svg(figure, "drivers"),
    )


def stress_heatmap(report: ExposureReport) -> Chart:
    """Shortfall share after re-sourcing, memberships (rows) x shocks (columns), values written in."""
    from matplotlib.figure import Figure

    st = report.stress
    assert st is not None
    rows, columns = list(st.memberships), list(st.shocks)
    values = [[st.shortfall[(m, s)] for s in columns] for m in rows]
    top = max([*(v for row in values for v in row), 1e-9])
    labels = max(len(_short(c)) for c in columns)  # rotated column labels take this much height
    figure = Figure(figsize=(WIDTH, 0.7 + 0.32 * len(rows) + 0.045 * labels))
    ax = figure.subplots()
    _margins(figure, [_short(m) for m in rows], top=0.2, bottom=0.3 + 0.045 * labels)
    ax.imshow(values, cmap="Oranges", vmin=0.0, vmax=top, aspect="auto")
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            ax.text(
                c,
                r,
                f"{100 * value:.1f}%",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > 0.6 * top else "#222222",
            )
    ax.set_xticks(range(len(columns)), [_short(c) for c in columns], rotation=35, ha="right", fontsize=7)
    ax.set_yticks(range(len(rows)), [_short(m) for m in rows], fontsize=7)
    for label in ax.get_yticklabels():
        if label.get_text() == _short(st.membership):
            label.set_fontweight("bold")
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return Chart(
        name="stress",
        title="Share of the requirement left unmet after re-sourcing, by membership and shock",
        description="Heat map: rows are memberships, columns are shocks; each cell gives the weighted share of "
        "the bloc's requirement that stays unmet after it re-sources optimally under the shock.",
        svg=_svg(figure, "stress"),
    )


def _short_path(path: str) -> str:
    """`sectors.s.items.gallium.supply.CN.available` -> `gallium: CN available`."""
    parts = path.split(".")
    if parts[0] == "sectors" and len(parts) >= 5:
        item, rest = parts[3], parts[4:]
        if rest[0] in ("supply", "expansion") and len(rest) == 3:
            return f"{item}: {rest[1]} {rest[2]}"
        return f"{item}: {' '.join(rest)}"
    if parts[0] == "countries":
        return f"{parts[1]} {parts[2]}"
    return path


def frontier_chart(frontier: Frontier) -> Chart:
    """Dependency removed against budget: the exact piecewise-linear frontier, breakpoints marked."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, 3.2))
    ax = figure.add_subplot()
    budgets = [p.budget for p in frontier.points]
    removed = [p.removed for p in frontier.points]
    ax.plot(budgets, removed, color="#1f5f8b", linewidth=1.6, marker="o", markersize=3.5)
    ax.set_xlabel("budget (total cost of expansion used)", fontsize=8)
    ax.set_ylabel("dependency removed", fontsize=8)
    ax.yaxis.set_major_formatter(_percent_formatter())
    ax.xaxis.set_major_formatter("{x:,.0f}")
    _style(ax)
    ax.grid(axis="y", color="#e3e7eb", linewidth=0.6)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.95, bottom=0.17)
    return Chart(
        name="frontier",
        title="Cost of de-risking: dependency removed against budget",
        description=(
            "Line chart: the dependency the membership removes as the expansion budget grows from 0 to "
            f"the saturation budget {frontier.saturation_budget:,.6g}; straight between the marked breakpoints."
        ),
        svg=_svg(figure, "frontier"),
    )


def lookthrough_chart(report: ExposureReport) -> Chart:
    """Direct and look-through dependency under the membership, for every item with inputs."""
    rows = [r for r in report.items.values() if r.inputs and r.lookthrough is not None and r.dependency is not None]
    direct = [r.dependency.optimised for r in rows if r.dependency]
    lookthrough = [r.lookthrough.optimised for r in rows if r.lookthrough]
    figure = _paired_bars(
        [r.name for r in rows],
        direct,
        lookthrough,
        limit=1.0,
        percent=True,
        xlabel="risk-weighted dependency under the membership",
        legend=("direct (the item's own supply)", "look-through (value-weighted with its inputs)"),
    )
    return Chart(
        name="lookthrough",
        title="Direct and look-through dependency of the items with inputs",
        description=(
            "Bar chart: for each item that has inputs, its direct dependency and its look-through "
            "dependency (weighted by the inputs' value shares), under the membership."
        ),
        svg=_svg(figure, "lookthrough"),
    )


def hhi_chart(report: ExposureReport, sector: SectorRow) -> Chart:
    rows = [r for r in report.sector_items(sector) if r.hhi is not None]
    labels = [r.name for r in rows]
    before = [r.hhi.baseline for r in rows if r.hhi]
    after = [r.hhi.optimised for r in rows if r.hhi]
    figure = _paired_bars(labels, before, after, limit=10000.0, percent=False, xlabel="HHI (0 to 10,000)")
    name = sector_chart_names(sector)[1]
    return Chart(
        name=name,
        title=f"{sector.name}: supplier concentration (HHI)",
        description=f"Bar chart: Herfindahl-Hirschman index of each item of {sector.name}, before and after.",
        svg=_svg(figure, name),
    )


def sourcing_split_chart(report: ExposureReport, sector: SectorRow) -> Chart:
    from matplotlib.figure import Figure

    rows = [r for r in report.sector_items(sector) if r.split is not None]
    labels = [_short(r.name) for r in rows]
    positions = list(range(len(rows)))[::-1]
    unneeded = any(r.split and r.split["optimised"].unneeded > 0 for r in rows)
    # the shortfall's colour is explained only when some item of the sector is short
    short = any(r.split and r.split[case].shortfall > 0 for r in rows for case in CASES)
    groups = [g for g in GROUP_COLOURS if (g != "unneeded" or unneeded) and (g != "shortfall" or short)]
    figure = Figure(figsize=(WIDTH, 1.25 + ROW * len(rows)))
    axes = figure.subplots(1, 2, sharey=True)
    _margins(figure, labels, top=0.3, bottom=0.9 if unneeded else 0.7, wspace=0.16)
    for ax, case in zip(axes, CASES, strict=True):
        left = [0.0] * len(rows)
        for group in groups:
            widths = [getattr(r.split[case], group) if r.split else 0.0 for r in rows]
            ax.barh(positions, widths, left=left, height=0.62, color=GROUP_COLOURS[group], label=GROUP_LABELS[group])
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_title(CASE_LABELS[case], fontsize=9, loc="left")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.xaxis.set_major_formatter(_percent_formatter())
        _style(ax)
    axes[0].set_yticks(positions, labels)
    handles, names = axes[0].get_legend_handles_labels()
    figure.legend(
        handles, names, loc="lower center", ncols=3 if len(groups) > 4 else len(groups), frameon=False, fontsize=8
    )
    name = sector_chart_names(sector)[0]
    return Chart(
        name=name,
        title=f"{sector.name}: where the requirement comes from",
        description=(
            f"Stacked bars: share of each item of {sector.name} supplied by members, other countries "
            "and countries of concern, and the shortfall, status quo and under the membership."
        ),
        svg=_svg(figure, name),
    )


def _paired_bars(
    labels: Sequence[str],
    before: Sequence[float],
    after: Sequence[float],
    limit: float,
    percent: bool,
    xlabel: str,
    legend: tuple[str, str] = ("status quo", "under the membership"),
    bands: tuple[list[tuple[float, float]], list[tuple[float, float]]] | None = None,
) -> Any:
    """Two bars per label; `bands` (low, high) per bar are drawn as lines across them."""
    from matplotlib.figure import Figure

    labels = [_short(label) for label in labels]
    n = len(labels)
    figure = Figure(figsize=(WIDTH, 1.0 + 2 * ROW * n))
    ax = figure.subplots()
    _margins(figure, labels, top=0.1, bottom=0.7)
    centres = [float(n - 1 - k) for k in range(n)]
    height = 0.38
    bars_before = ax.barh([c + height / 2 for c in centres], before, height, color=BASELINE_COLOUR, label=legend[0])
    bars_after = ax.barh([c - height / 2 for c in centres], after, height, color=OPTIMISED_COLOUR, label=legend[1])
    for bars in (bars_before, bars_after):
        widths = [float(b.get_width()) for b in bars]
        values = [f"{100 * v:.0f}%" if percent else f"{v:,.0f}" for v in widths]
        ax.bar_label(bars, labels=values, padding=3, fontsize=7, color="#333333")
    if bands is not None:
        for offset, ranges in ((height / 2, bands[0]), (-height / 2, bands[1])):
            ys = [c + offset for c in centres]
            ax.hlines(ys, [low for low, _ in ranges], [high for _, high in ranges], color="#111111", linewidth=1.2)
            for edge in (0, 1):
                ax.plot([r[edge] for r in ranges], ys, "|", color="#111111", markersize=6)
    ax.set_yticks(centres, labels)
    ax.set_xlim(0, limit * 1.12)
    ax.set_xlabel(xlabel, fontsize=8)
    if percent:
        ax.xaxis.set_major_formatter(_percent_formatter())
    else:
        ax.xaxis.set_major_formatter("{x:,.0f}")
    _style(ax)
    ax.set_ylim(-0.6, n - 0.4)
    figure.legend(loc="lower center", ncols=2, frameon=False, fontsize=8)
    return figure


def _margins(figure: Any, labels: Sequence[str], top: float, bottom: float, wspace: float = 0.2) -> None:
    """Fixed margins in inches (far faster than a layout engine); the left one fits the longest label."""
    width, height = figure.get_size_inches()
    left = 0.25 + 0.065 * max((len(label) for label in labels), default=4)
    figure.subplots_adjust(
        left=left / width, right=1 - 0.55 / width, top=1 - top / height, bottom=bottom / height, wspace=wspace
    )


def _percent_formatter() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", color="#e3e7eb", linewidth=0.6)
    ax.set_axisbelow(True)


def _short(label: str) -> str:
    """A tick label on at most two lines of `LABEL_LENGTH` characters (cut with … beyond)."""
    lines = textwrap.wrap(label, LABEL_LENGTH, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: LABEL_LENGTH - 1] + "…"]
    return "\n".join(lines)


_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def _svg(figure: Any, salt: str) -> str:
    """The figure as SVG text: deterministic bytes, no metadata block."""
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": f"paxmodel-{salt}", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _METADATA.sub("", buffer.getvalue())
