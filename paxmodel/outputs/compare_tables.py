"""Rich tables for `paxmodel compare`, and the progress bar of long sweeps. Formatting only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from paxmodel.analyses.compare import Comparison
from paxmodel.analyses.contributions import MarginalValues, ShapleyValues
from paxmodel.outputs.tables import pct, points

# A sweep shorter than this finishes too fast for a progress bar to be worth drawing.
PROGRESS_MIN = 64


def pp(value: float) -> str:
    """Contributions are small: percentage points with two decimals."""
    return f"{100 * value:+.2f} pp"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _codes(codes: tuple[str, ...], limit: int = 8) -> str:
    if not codes:
        return ""
    shown = ", ".join(codes[:limit])
    return shown + (f" +{len(codes) - limit}" if len(codes) > limit else "")


def comparison_table(comparison: Comparison) -> Group:
    """Configurations in rank order: members, overall figures and shortfall; then removal per sector."""
    title = Text.assemble(
        (comparison.scenario, "bold"),
        f" · {count(len(comparison.configurations), 'configuration')} ranked by optimised dependency (lowest first)",
    )
    table = Table(title=f"Overall (baseline {pct(comparison.baseline)})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("membership", no_wrap=True)
    table.add_column("members", justify="right")
    table.add_column(f"members vs {comparison.reference}", max_width=40)
    table.add_column("optimised", justify="right")
    table.add_column("removed", justify="right")
    table.add_column("shortfall", justify="right")
    for c in comparison.configurations:
        difference = "  ".join(
            part
            for part in (f"+{_codes(c.added)}" if c.added else "", f"-{_codes(c.dropped)}" if c.dropped else "")
            if part
        )
        if not difference:
            difference = "(reference)" if c.name == comparison.reference else "same members"
        table.add_row(
            str(c.rank),
            Text(c.name, style="bold" if c.rank == 1 else ""),
            str(c.member_count),
            difference,
            pct(c.optimised),
            points(c.removed),
            pct(c.shortfall) + (f" ({c.items_short} items)" if c.items_short else ""),
        )
    sectors = sorted(comparison.baseline_sectors)
    by_sector = Table(title="Removed per sector", title_justify="left")
    by_sector.add_column("#", justify="right")
    by_sector.add_column("membership", no_wrap=True)
    for sector in sectors:
        by_sector.add_column(f"{sector}\n(base {pct(comparison.baseline_sectors[sector])})", justify="right")
    for c in comparison.configurations:
        by_sector.add_row(
            str(c.rank), c.name, *(points(c.sectors[s].removed) if s in c.sectors else "–" for s in sectors)
        )
    notes = Text(
        "optimised: overall risk-weighted dependency; removed = baseline - optimised, in percentage points.\n"
        "shortfall: weighted share of the bloc's requirement left unmet (sum of k_i u_i / T_i); "
        f"baseline {pct(comparison.baseline_shortfall)}.\nsolver {comparison.solver}",
        style="dim",
    )
    return Group(title, table, by_sector, notes)


def marginal_table(result: MarginalValues) -> Group:
    """Members (removal lost if each alone leaves) and candidates (gained if each alone joins)."""
    title = Text.assemble(
        (result.scenario, "bold"),
        f" · membership {result.membership} ({count(len(result.members), 'member')}) removes {points(result.removed)}"
        f" of {pct(result.baseline)}",
    )
    heading = "Members: removal lost if it alone leaves"
    members = Table(title=heading, title_justify="left", min_width=len(heading))
    members.add_column("member")
    members.add_column("marginal", justify="right")
    members.add_column("removed without it", justify="right")
    values = result.values
    for code in sorted(result.members, key=lambda c: (-values[c], c)):
        members.add_row(code, pp(values[code]), points(result.removed_without[code]))
    parts: list[Table | Text] = [members]
    if result.candidates:
        heading = "Candidates: removal gained if it alone joins"
        candidates = Table(title=heading, title_justify="left", min_width=len(heading))
        candidates.add_column("candidate")
        candidates.add_column("marginal", justify="right")
        candidates.add_column("removed with it", justify="right")
        for code in sorted(result.candidates, key=lambda c: (-values[c], c)):
            candidates.add_row(code, pp(values[code]), points(result.removed_with[code]))
        parts.append(candidates)
    else:
        parts.append(Text("no candidates", style="dim"))
    return Group(title, *parts, Text(f"solver {result.solver}", style="dim"))


def shapley_table(result: ShapleyValues) -> Group:
    """Each member's Shapley value and its share of what the membership adds."""
    total = result.removed_all - result.removed_none
    how = (
        f"exact over all {count(result.configurations, 'subset')}"
        if result.exact
        else f"sampled: {result.samples} random orders, seed {result.seed}, {result.configurations} subsets solved"
    )
    title = Text.assemble(
        (result.scenario, "bold"),
        f" · Shapley values of the {count(len(result.players), 'member')} of {result.membership} ({how})",
    )
    table = Table(title_justify="left")
    table.add_column("member")
    table.add_column("Shapley value", justify="right")
    table.add_column("share", justify="right")
    if result.standard_error is not None:
        table.add_column("std. error", justify="right")
    for code in sorted(result.players, key=lambda c: (-result.values[c], c)):
        row = [code, pp(result.values[code]), pct(result.values[code] / total) if total else "–"]
        if result.standard_error is not None:
            row.append(f"{100 * result.standard_error[code]:.2f} pp")
        table.add_row(*row)
    # the footer's numbers add up as printed: the difference is taken of the rounded figures
    shown_all, shown_none = round(100 * result.removed_all, 2), round(100 * result.removed_none, 2)
    notes = Text(
        f"v(S) = dependency removed with membership S: v(all members) = {shown_all:+.2f} pp, "
        f"v(no members) = {shown_none:+.2f} pp\n"
        f"(optimised sourcing without a bloc); the values sum to the difference, {shown_all - shown_none:+.2f} pp"
        " (up to rounding).\n"
        f"solver {result.solver}",
        style="dim",
    )
    return Group(title, table, notes)


@contextmanager
def sweep_progress(enabled: bool) -> Iterator[Callable[[str], Callable[[int, int], None] | None]]:
    """A factory of progress callbacks, one task per sweep, drawn on stderr while enabled.

    Usage: `with sweep_progress(on) as task: analysis(..., progress=task("Shapley values"))`.
    A sweep of fewer than `PROGRESS_MIN` configurations draws nothing.
    """
    console = Console(stderr=True, markup=False, emoji=False)
    if not enabled or not console.is_terminal:  # (a bar on a pipe leaves a blank line behind)
        yield lambda label: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with bar:

        def task(label: str) -> Callable[[int, int], None]:
            task_id = None

            def update(done: int, total: int) -> None:
                nonlocal task_id
                if total < PROGRESS_MIN:
                    return
                if task_id is None:
                    task_id = bar.add_task(label, total=total)
                bar.update(task_id, completed=done, total=total)

            return update

        yield task
