"""Rich tables for `paxmodel stress`. Formatting only: every number comes from a result object."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from paxmodel.analyses.stress import Cell, StressResult, WorstCase
from paxmodel.outputs.tables import pct


def survive(value: float | None) -> str:
    """Time to survive: months, or '–' when nothing runs short."""
    if value is None:
        return "–"
    return f"{value:.1f} mo" if value < 120 else f"{value / 12:.0f} y"


def shock_labels(result: StressResult) -> dict[str, str]:
    """Short column labels S1, S2, ... for the shocks (names can be long), in matrix order."""
    return {shock: f"S{n}" for n, shock in enumerate(result.shocks, start=1)}


def describe_cuts(cuts: dict[tuple[str, str], float], sector_of: dict[str, str]) -> str:
    """`CN 100% of gallium, germanium; TW 50% of sector silicon; RU 100% of every item`."""
    groups: dict[tuple[str, float], set[str]] = {}
    for (country, item), cut in cuts.items():
        groups.setdefault((country, cut), set()).add(item)
    sectors: dict[str, set[str]] = {}
    for item, sector in sector_of.items():
        sectors.setdefault(sector, set()).add(item)
    parts = []
    for (country, cut), items in groups.items():
        if items >= set(sector_of):
            names = ["every item"]
        else:
            whole = sorted(s for s, members in sectors.items() if members <= items)
            rest = sorted(items - {i for s in whole for i in sectors[s]})
            names = [f"sector {s}" for s in whole] + rest
        parts.append(f"{country} {100 * cut:.0f}% of {', '.join(names)}")
    return "; ".join(parts)


def _matrix(result: StressResult, title: str, value: str) -> Table:
    worst = result.worst_cell
    labels = shock_labels(result)
    table = Table(title=title, title_justify="left")
    table.add_column("membership", no_wrap=True)
    table.add_column("no shock", justify="right")
    for shock in result.shocks:
        table.add_column(labels[shock], justify="right")
    for m in result.memberships:
        row: list[Text] = [Text(m), Text(_figure(result.unshocked[m], value))]
        for shock in result.shocks:
            cell = result.cell(m, shock)
            marked = value == "shortfall" and cell is worst and cell.shortfall_share.overall > 0
            row.append(Text(_figure(cell, value) + (" *" if marked else ""), style="bold red" if marked else ""))
        table.add_row(*row)
    return table


def _legend(result: StressResult) -> Table:
    labels = shock_labels(result)
    table = Table(title="Shocks", title_justify="left")
    table.add_column("")
    table.add_column("shock", no_wrap=True)
    table.add_column("cuts (share of supply and expansion lost)")
    some = next(iter(result.memberships))
    for shock in result.shocks:
        cell = result.cell(some, shock)
        table.add_row(labels[shock], Text(shock), Text(describe_cuts(cell.cuts, cell.network.sector_of)))
    return table


def _items_short(result: StressResult) -> Table | Text:
    """Per shock, each item short under some membership: how many, how short, how long stocks last."""
    labels = shock_labels(result)
    table = Table(title="Items that run short", title_justify="left")
    for heading, justify in (
        ("", "left"),
        ("item", "left"),
        ("memberships short", "right"),
        ("short (range)", "right"),
        ("status quo short", "right"),
        ("stock lasts (least)", "right"),
    ):
        table.add_column(heading, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    rows = 0
    for shock in result.shocks:
        cells = [result.cell(m, shock) for m in result.memberships]
        for item in sorted({i for cell in cells for i in cell.items_short}):
            short = [cell for cell in cells if item in cell.items_short]
            shares = [cell.item_shortfall_share[item] for cell in short]
            low, high = pct(min(shares)), pct(max(shares))
            stock = short[0].stock[item]
            months = min(m for m in (cell.item_months()[item] for cell in short) if m is not None)
            base = short[0].baseline.items[item].shortfall / short[0].network.requirement[item]
            table.add_row(
                labels[shock],
                Text(item),
                f"{len(short)} of {len(cells)}",
                low if low == high else f"{low} – {high}",
                pct(base),
                survive(months) if stock > 0 else "no stock",
            )
            rows += 1
    return table if rows else Text("No item runs short under any shock.")


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
        f"{size.rows} rows, {size.nonzeros} nonzeros; "
        + ("proven optimal." if worst.proven_optimal else "NOT proven optimal.")
        + f"\nSolved in {worst.seconds:.2f} s"
        + (" (every k, ties included)." if worst.frontier else " (ties included)."),
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
    parts.append(_legend(result))
    parts.append(_items_short(result))
    parts.append(
        Text(
            "Every figure is after the bloc re-sources optimally under the shock. shortfall share: weighted share "
            "of the requirement left unmet (u_i / T_i averaged with the item weights); status quo: market-share "
            "sourcing under the same cuts; time to survive: 12 × stock / yearly shortfall, shortest over the "
            "items that run short. S1, S2, ...: the shocks listed under Shocks.",
            style="dim",
        )
    )
    return Group(*parts)
