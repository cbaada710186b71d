"""paxmodel sweep: Monte Carlo over the scenario's distributions."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from paxmodel.cli.common import (
    JsonFlag,
    OutputOption,
    ScenarioFile,
    SetOption,
    app,
    emit_json,
    fail,
    load,
    print_rich,
    user_errors,
)


@app.command()
def sweep(
    path: ScenarioFile,
    memberships: Annotated[
        list[str] | None,
        typer.Option(
            "--membership", "-m", help="Membership to sweep (repeat the option; default: every one in the file)."
        ),
    ] = None,
    samples: Annotated[int, typer.Option("--samples", "-n", min=2, help="Number of samples.")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed: sample n draws from a generator seeded by (seed, n).")
    ] = 0,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Local processes (default: every core, up to 2).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Address of a running Dask scheduler (tcp://host:8786) to solve the samples on."
        ),
    ] = None,
    invite: Annotated[
        int | None,
        typer.Option(
            "--invite",
            min=0,
            help="Also the best set of at most K candidates to add to the first membership, per sample.",
        ),
    ] = None,
    drivers: Annotated[
        bool,
        typer.Option(
            "--drivers/--no-drivers", help="Global sensitivity of the first membership's removal (SALib).", metavar=""
        ),
    ] = True,
    overrides: SetOption = None,
    as_json: JsonFlag = False,
    output: OutputOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.", metavar="")] = False,
) -> None:
    """Uncertainty: how removal, ranks and the best invitations vary over the scenario's distributions."""
    if workers is not None and scheduler is not None:
        raise typer.BadParameter("give --workers or --scheduler, not both", param_hint="--workers")
    from paxmodel.analyses.sweep import sweep as run_sweep
    from paxmodel.outputs.compare_tables import sweep_progress

    show_progress = not quiet and sys.stderr.isatty() and not (as_json and not sys.stdout.isatty())
    with user_errors():
        loaded = load(path, overrides)
        try:
            with sweep_progress(show_progress) as task:
                result = run_sweep(
                    loaded,
                    memberships,
                    samples,
                    seed,
                    workers=workers,
                    scheduler=scheduler,
                    invite=invite,
                    sensitivity=drivers,
                    progress=task("samples"),
                )
        except ImportError as exc:
            raise fail(str(exc)) from None
        emit_json(result.to_dict(), output, as_json)
    if not as_json:
        from paxmodel.outputs.sweep_tables import sweep_tables

        print_rich(sweep_tables(result))
