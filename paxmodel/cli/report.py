"""paxmodel report: the sector exposure report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from paxmodel.cli.common import (
    MembershipOption,
    MembersOption,
    ScenarioFile,
    SetOption,
    Solver,
    SolverOption,
    app,
    check_one_membership,
    fail,
    load,
    split_codes,
    user_errors,
)


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    csv = "csv"
    parquet = "parquet"
    json = "json"


@app.command()
def report(
    path: ScenarioFile,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (atomically).", show_default=False)],
    report_format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="md and html include charts (need matplotlib); csv and parquet (needs pyarrow) are one long table.",
        ),
    ] = ReportFormat.html,
    membership: MembershipOption = None,
    members: MembersOption = None,
    overrides: SetOption = None,
    solver: SolverOption = Solver.highs,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            min=0,
            help="When the scenario gives ranges: samples of the uncertainty section (default 200; 0: none).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of those samples.")] = 0,
) -> None:
    """Write the sector exposure report of one membership against the status quo."""
    check_one_membership(membership, members)
    from paxmodel.analyses.exposure import build_report
    from paxmodel.outputs.report import ChartsUnavailable, check_format, write_report

    with user_errors():
        try:
            check_format(report_format.value)
        except ChartsUnavailable as exc:
            raise fail(str(exc)) from None
        loaded = load(path, overrides)
        if samples:
            from paxmodel.model.uncertainty import uncertain_inputs

            if not uncertain_inputs(loaded):
                raise typer.BadParameter("the scenario gives no ranges to sample", param_hint="--samples")
        exposure = build_report(loaded, membership, split_codes(members), solver.value, samples=samples, seed=seed)
        written = write_report(exposure, report_format.value, output)
    for file in written:
        typer.echo(f"wrote {file}", err=True)
