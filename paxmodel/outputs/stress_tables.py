"""Rich tables for `paxmodel stress`. Formatting only: every number comes from a result object."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from paxmodel.analyses.stress import Cell, StressResult, WorstCase
from paxmodel.outputs.tables import pct

ITEM_ROWS = 25  # items-short rows shown before "… more (see --json)"


def survive(value: float | None) -> str:
    """Time to survive: months, or '–' when nothing runs short."""
    if value is None:
        return "–"
    return f"{value:.1f} mo" if value < 120 else f"{value / 12:.0f} y"


def _matrix(result: StressResult, title: str, value: str) -> Table:
    worst = result.worst_cell
    table = Table(title=title, title_justify="left")
    table.add_column("membership", no_wrap=True)
    table.add_column("no shock", justify="right")
    for shock in result.shocks:
        table.add_column(Text(shock), justify="right")
    for m in result.memberships:
        row: list[Text] = [Text(m), Text(_figure(result.unshocked[m], value))]
        for shock in result.shocks:
            cell = result.cell(m, shock)
            marked = value == "shortfall" and cell is worst and cell.shortfall_share.overall > 0
            row.append(Text(_figure(cell, value) + (" *" if marked else ""), style="bold red" if marked else ""))
        table.add_row(*row)
    return table


def _figure(cell: Cell, value: str) -> str:
    if value == "shortfall":
        return pct(cell.shortfall_share.overall)
    if value == "dependency":
        return pct(cell.dependency.overall)
    return survive(cell.time_to_survive)


def _cuts(cuts: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{c}:{i}" for c, i in cuts) or "(none)"


def worst_tables(worst: WorstCase) -> list[Text | Table]:
    """The worst cuts (and the frontier), with the MILP's size and time."""
    best = worst.best
    table = Table(
        title=f"Worst case for {worst.membership}: at most {best.k} full cut{'s' if best.k != 1 else ''} "
        f"by {', '.join(worst.attackers)}",
        title_justify="left",
    )
    for heading, justify in (
        ("k", "right"),
        ("cuts (country:item)", "left"),
        ("shortfall share", "right"),
        ("dependency", "right"),
        ("objective", "right"),
        ("proven", "left"),
    ):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for point in worst.frontier or (best,):
        table.add_row(
            str(point.k),
            Text(_cuts(point.cuts)),
            pct(point.cell.shortfall_share.overall),
            pct(point.cell.dependency.overall),
            f"{point.cell.objective:.4f}",
            "yes" if point.proven_optimal else "no",
        )
    size = worst.size
    note = Text(
        f"One MILP over {worst.candidates} candidate cuts: {size.binaries} binaries, {size.columns} columns, "
        f"{size.rows} rows, {size.nonzeros} nonzeros; {worst.seconds:.2f} s"
        + (" (all limits, tie-breaking included)" if worst.frontier else " (tie-breaking included)")
        + ("; proven optimal." if worst.proven_optimal else "; NOT proven optimal."),
        style="dim",
    )
    return [table, note]


def stress_tables(result: StressResult) -> Group:
    """Shortfall share and dependency matrices (memberships x shocks), then the items that run short."""
    title = Text.assemble(
        (result.scenario, "bold"),
        f" · {len(result.memberships)} membership{'s' if len(result.memberships) != 1 else ''}"
        f" × {len(result.shocks)} shock{'s' if len(result.shocks) != 1 else ''}",
    )
    parts: list[Text | Table] = [title]
    if result.worst is not None:
        parts.extend(worst_tables(result.worst))
    parts.append(_matrix(result, "Shortfall share (* worst cell)", "shortfall"))
    parts.append(_matrix(result, "Risk-weighted dependency", "dependency"))
    if any(cell.stock[i] > 0 for cell in result.cells.values() for i in cell.items_short):
        parts.append(_matrix(result, "Time to survive on stocks", "months"))
    short = Table(title="Items that run short", title_justify="left")
    for heading, justify in (
        ("shock", "left"),
        ("membership", "left"),
        ("item", "left"),
        ("short", "right"),
        ("status quo short", "right"),
        ("stock lasts", "right"),
    ):
        short.add_column(heading, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    rows = [
        (shock, m, i) for shock in result.shocks for m in result.memberships for i in result.cell(m, shock).items_short
    ]
    for shock, m, i in rows[:ITEM_ROWS]:
        cell = result.cell(m, shock)
        base = cell.baseline.items[i].shortfall / cell.network.requirement[i]
        short.add_row(
            Text(shock),
            Text(m),
            Text(i),
            pct(cell.item_shortfall_share[i]),
            pct(base),
            survive(cell.item_months()[i]),
        )
    if len(rows) > ITEM_ROWS:
        short.caption = f"… {len(rows) - ITEM_ROWS} more rows (see --json)"
    parts.append(short if rows else Text("No item runs short under any shock."))
    parts.append(
        Text(
            "Every figure is after the bloc re-sources optimally under the shock. shortfall share: weighted share "
            "of the requirement left unmet (u_i / T_i averaged with the item weights); status quo: market-share "
            "sourcing under the same cuts; time to survive: 12 × stock / yearly shortfall, shortest over the "
            "items that run short.",
            style="dim",
        )
    )
    return Group(*parts)
