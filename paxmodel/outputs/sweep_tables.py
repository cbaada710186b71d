"""Rich tables for `paxmodel sweep`. Formatting only."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from paxmodel.analyses.sweep import Stats, SweepResult
from paxmodel.outputs.tables import pct, points

DRIVERS_SHOWN = 10


def band(stats: Stats) -> str:
    """`mean [p5 – p95]` in percentage points."""
    return f"{points(stats.mean)} [{points(stats.p5)} – {points(stats.p95)}]"


def sweep_tables(result: SweepResult) -> Group:
    """Removal per membership with its 90% band, the chance to rank first, beats, drivers, invites."""
    rank_first = result.rank_first()
    names = sorted(result.members, key=lambda m: (-rank_first[m], m))
    title = Text.assemble(
        (result.scenario, "bold"),
        f" · {result.samples} samples (seed {result.seed}) over {len(result.inputs)} uncertain numbers",
    )
    baseline = Stats.of(result.baseline)
    table = Table(
        title=f"Removed dependency: mean [5th – 95th percentile] (baseline {pct(baseline.mean)} "
        f"[{pct(baseline.p5)} – {pct(baseline.p95)}])",
        title_justify="left",
    )
    table.add_column("membership", no_wrap=True)
    table.add_column("removed", justify="right")
    table.add_column("optimised", justify="right")
    table.add_column("ranks first", justify="right")
    for name in names:
        optimised = Stats.of(result.optimised[name])
        table.add_row(
            name,
            band(Stats.of(result.removed(name))),
            f"{pct(optimised.mean)} [{pct(optimised.p5)} – {pct(optimised.p95)}]",
            pct(rank_first[name]),
        )
    parts: list[Table | Text] = [title, table]
    if len(names) > 1:
        beats = result.beats()
        matrix = Table(title="Share of samples in which the row beats the column", title_justify="left")
        matrix.add_column("")
        for name in names:
            matrix.add_column(name, justify="right")
        for a in names:
            matrix.add_row(a, *("–" if a == b else pct(beats[a][b]) for b in names))
        parts.append(matrix)
    if result.drivers:
        method = result.drivers[0].method
        label = "Sobol' total index" if method == "sobol-total" else "Morris mu* (pp)"
        drivers = Table(title=f"What drives the removal of {result.drivers_membership} ({label})", title_justify="left")
        drivers.add_column("uncertain number", no_wrap=True)
        drivers.add_column("index", justify="right")
        for d in result.drivers[:DRIVERS_SHOWN]:
            value = f"{d.index:.3f}" if method == "sobol-total" else f"{100 * d.index:.2f}"
            drivers.add_row(d.input, value)
        parts.append(drivers)
    if result.invite_base is not None:
        invites = Table(
            title=f"Best set of at most {result.invite_k} to invite into {result.invite_base}", title_justify="left"
        )
        invites.add_column("invite", no_wrap=True)
        invites.add_column("share of samples", justify="right")
        for choice in result.invites:
            invites.add_row(", ".join(choice.chosen) or "(nobody)", pct(choice.share))
        parts.append(invites)
    parts.append(
        Text(
            "removed = baseline - optimised dependency, in percentage points; ranks first: share of samples with\n"
            "the lowest optimised dependency (ties split); beats: lower by more than 1e-9.",
            style="dim",
        )
    )
    return Group(*parts)
