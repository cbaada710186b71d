"""Rich tables for the terminal. Formatting only: every number comes from a result object."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from paxmodel.model.run import RunResult


def pct(value: float | None) -> str:
    """Dependency and shares are fractions; analysts read them as percentages."""
    return "–" if value is None else f"{100 * value:.1f}%"


def points(value: float | None) -> str:
    """A difference of two fractions, in percentage points."""
    return "–" if value is None else f"{100 * value:+.1f} pp"


def run_tables(result: RunResult, top: int = 10) -> Group:
    """Overall and per-sector dependency, then the items with the largest removal."""
    base, opt = result.baseline, result.optimised
    title = Text.assemble(
        (result.scenario, "bold"),
        f" · membership {result.membership} ({len(result.members)} member{'' if len(result.members) == 1 else 's'}:"
        f" {', '.join(result.members) or 'none'})",
    )
    summary = Table(title="Risk-weighted dependency", title_justify="left")
    summary.add_column("scope")
    for heading in ("baseline", "optimised", "removed", "concern share (base → opt)"):
        summary.add_column(heading, justify="right")
    summary.add_row(
        Text("overall", style="bold"),
        pct(base.dependency.overall),
        pct(opt.dependency.overall),
        points(result.removed),
        f"{pct(base.concern_share.overall)} → {pct(opt.concern_share.overall)}",
    )
    for sector, removed in result.sector_removed().items():
        summary.add_row(
            sector,
            pct(base.dependency.sectors[sector]),
            pct(opt.dependency.sectors[sector]),
            points(removed),
            f"{pct(base.concern_share.sectors[sector])} → {pct(opt.concern_share.sectors[sector])}",
        )
    removed_by_item = sorted(result.item_removed().items(), key=lambda pair: (-pair[1], pair[0]))
    shown = removed_by_item[:top]
    items = Table(
        title=f"Items with the largest removal (top {len(shown)} of {len(removed_by_item)})", title_justify="left"
    )
    items.add_column("item")
    for heading in ("baseline", "optimised", "removed", "concern share", "shortfall", "expansion by"):
        items.add_column(heading, justify="right")
    for item, removed in shown:
        b, o = base.items[item], opt.items[item]
        expanders = sorted(opt.sourcing.expansion[item].items(), key=lambda pair: (-pair[1], pair[0]))
        items.add_row(
            item,
            pct(b.dependency),
            pct(o.dependency),
            points(removed),
            f"{pct(b.concern_share)} → {pct(o.concern_share)}",
            f"{o.shortfall:,.4g}" if o.shortfall else "0",
            " ".join(code for code, _ in expanders) or "–",
        )
    footer = Text(f"solver {result.solver}, status {result.status}, objective {result.objective:.6g}", style="dim")
    return Group(title, summary, items, footer)
