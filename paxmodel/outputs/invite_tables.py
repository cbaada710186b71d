"""Rich tables for `paxmodel invite`. Formatting only: every number comes from the InviteResult."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from paxmodel.analyses.invite import InviteResult
from paxmodel.outputs.tables import pct, points


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def invite_tables(result: InviteResult) -> Group:
    """Whom to invite and what it removes; with a frontier, the best set for every k."""
    title = Text.assemble(
        (result.scenario, "bold"),
        f" · base {result.base} ({_count(len(result.base_members), 'member')})"
        f" · invite at most {result.max_new} of {_count(len(result.candidates), 'candidate')}",
    )
    if result.chosen:
        chosen = ", ".join(result.chosen)
    elif result.max_new == 0:
        chosen = "nobody (at most 0 asked for)"
    elif not result.candidates:
        chosen = "nobody (there are no candidates)"
    else:
        chosen = "nobody (no candidate lowers the objective)"
    answer = Text.assemble(("Invite: ", "bold"), (chosen, "bold green" if result.chosen else "yellow"))

    summary = Table(title="Risk-weighted dependency", title_justify="left")
    summary.add_column("configuration")
    summary.add_column("members", justify="right")
    for heading in ("dependency", "removed vs baseline", "vs base"):
        summary.add_column(heading, justify="right")
    summary.add_row("baseline (status quo)", "–", pct(result.baseline), "–", "–")
    summary.add_row(
        f"{result.base} (base)",
        str(len(result.base_members)),
        pct(result.base_optimised),
        points(result.baseline - result.base_optimised),
        "–",
    )
    summary.add_row(
        Text(f"{result.base} + invited", style="bold"),
        str(len(result.members)),
        pct(result.optimised),
        points(result.removed),
        points(result.base_optimised - result.optimised),
    )
    parts: list[Text | Table] = [title, answer, summary]

    if result.frontier:
        frontier = Table(title="Best set for each number of invitations", title_justify="left")
        frontier.add_column("k", justify="right")
        frontier.add_column("invited")
        for heading in ("dependency", "removed", "gain vs k-1", "objective"):
            frontier.add_column(heading, justify="right")
        previous: float | None = None
        for point in result.frontier:
            frontier.add_row(
                str(point.k),
                ", ".join(point.chosen) or "–",
                pct(point.optimised),
                points(point.removed),
                "–" if previous is None else points(previous - point.optimised),
                f"{point.objective:.6g}",
            )
            previous = point.optimised
        parts.append(frontier)

    best = result.best
    bound = "" if best.milp_bound is None else f", bound {best.milp_bound:.9g}"
    proof = "proven optimal" if result.proven_optimal else "NOT proven optimal"
    parts.append(
        Text(
            f"solver {result.solver}, {proof}; MILP objective {best.milp_objective:.9g}{bound}; "
            "sets are ranked by the LP objective (shortfall at its penalty), see docs/analyses.md",
            style="dim",
        )
    )
    return Group(*parts)
