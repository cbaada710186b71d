"""Rich table of the budget frontier. Formatting only: every number comes from `Frontier`."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from paxmodel.analyses.frontier import Frontier
from paxmodel.outputs.tables import pct, points


def money(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value else "0"


def frontier_tables(frontier: Frontier) -> Group:
    """One row per breakpoint; cost per point is that of the segment ending at the row."""
    title = Text.assemble(
        (frontier.scenario, "bold"),
        f" · membership {frontier.membership} ({len(frontier.members)} member"
        f"{'' if len(frontier.members) == 1 else 's'}: {', '.join(frontier.members) or 'none'})",
    )
    table = Table(title="Cost of de-risking: dependency removed against budget", title_justify="left")
    for heading in ("budget", "objective", "dependency", "removed", "cost per pp removed"):
        table.add_column(heading, justify="right")
    segments = frontier.segments()
    for n, point in enumerate(frontier.points):
        cost = segments[n - 1]["cost_per_point"] if n else None
        table.add_row(
            money(point.budget),
            f"{point.objective:.4f}",
            pct(point.dependency),
            points(point.removed),
            "–" if cost is None else money(cost),
        )
    saturation = (
        f"saturation budget {money(frontier.saturation_budget)}: beyond it nothing more is bought"
        if len(frontier.points) > 1
        else "no budget changes anything: nothing is bought at any price, or expansion is free"
    )
    return Group(
        title,
        table,
        f"{saturation}; baseline dependency {pct(frontier.baseline)}; {frontier.solves} LP solves",
    )
