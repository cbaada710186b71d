"""paxmodel compare and paxmodel invite: several configurations."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from paxmodel.cli.common import (
    JsonFlag,
    OutputOption,
    ScenarioFile,
    SetOption,
    Solver,
    SolverOption,
    app,
    emit_json,
    load,
    print_rich,
    split_codes,
    user_errors,
)


@app.command()
def compare(
    path: ScenarioFile,
    memberships: Annotated[
        list[str] | None,
        typer.Option(
            "--membership",
            "-m",
            help="Membership to compare (repeat the option; default: every one in the file). "
            "With --marginal/--shapley: the one to analyse (default: the file's first).",
        ),
    ] = None,
    marginal: Annotated[
        bool,
        typer.Option(
            "--marginal", help="Removal lost if each member leaves, gained if each candidate joins.", metavar=""
        ),
    ] = False,
    shapley: Annotated[bool, typer.Option("--shapley", help="Shapley value of each member.", metavar="")] = False,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            min=2,
            max=20_000,
            help="Random orders for Shapley values of more than 14 members (default 1000); up to 14: exact.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random orders of --samples.")] = 0,
    candidates: Annotated[
        str | None,
        typer.Option("--candidates", help="Candidates for --marginal, comma-separated (default: the file's)."),
    ] = None,
    overrides: SetOption = None,
    solver: SolverOption = Solver.highs,
    as_json: JsonFlag = False,
    output: OutputOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.", metavar="")] = False,
) -> None:
    """Rank memberships side by side, or show what each member contributes (--marginal, --shapley)."""
    if (marginal or shapley) and memberships is not None and len(set(memberships)) > 1:
        raise typer.BadParameter("--marginal and --shapley analyse one membership; give one", param_hint="--membership")
    if candidates is not None and not marginal:
        raise typer.BadParameter("--candidates needs --marginal", param_hint="--candidates")
    if samples is not None and not shapley:
        raise typer.BadParameter("--samples needs --shapley", param_hint="--samples")
    from paxmodel.outputs.compare_tables import sweep_progress

    show_progress = not quiet and not (as_json and not sys.stdout.isatty())
    tables: list[Any] = []
    with user_errors():
        loaded = load(path, overrides)
        if not (marginal or shapley):
            from paxmodel.analyses.compare import compare as compare_memberships

            comparison = compare_memberships(loaded, memberships, solver.value)
            emit_json(comparison.to_dict(), output, as_json)
            if not as_json:
                from paxmodel.outputs.compare_tables import comparison_table

                tables.append(comparison_table(comparison))
        else:
            from paxmodel.analyses import contributions
            from paxmodel.analyses.engine import make_solver
            from paxmodel.model.run import Runner
            from paxmodel.outputs.compare_tables import marginal_table, shapley_table

            name = memberships[0] if memberships else None
            engine = make_solver(Runner(loaded), solver.value)
            document: dict[str, Any] = {}
            with sweep_progress(show_progress) as task:
                if shapley:
                    values = contributions.shapley(
                        loaded, name, samples, seed, engine=engine, progress=task("Shapley values")
                    )
                    document |= values.to_dict()
                    tables.append(shapley_table(values))
                if marginal:
                    margins = contributions.marginal(
                        loaded,
                        name,
                        split_codes(candidates, "--candidates"),
                        engine=engine,
                        progress=task("marginal values"),
                    )
                    document |= margins.to_dict()
                    tables.insert(0, marginal_table(margins))
            emit_json(document, output, as_json)
    if not as_json:
        for table in tables:
            print_rich(table)


@app.command()
def invite(
    path: ScenarioFile,
    base: Annotated[str, typer.Option("--base", "-b", help="Membership to extend (a name in the file).")],
    max_new: Annotated[int, typer.Option("--max-new", "-k", help="Invite at most this many candidates.")],
    candidates: Annotated[
        str | None,
        typer.Option("--candidates", help="Countries that may be invited, comma-separated (default: the file's)."),
    ] = None,
    frontier: Annotated[
        bool, typer.Option("--frontier", help="Also the best set for every k = 0..K.", metavar="")
    ] = False,
    overrides: SetOption = None,
    solver: SolverOption = Solver.highs,
    as_json: JsonFlag = False,
    output: OutputOption = None,
) -> None:
    """The best set of at most K candidates to invite, by one MILP solved to proven optimality."""
    from paxmodel.analyses.invite import invite as best_invitations

    with user_errors():
        result = best_invitations(
            load(path, overrides), base, max_new, split_codes(candidates, "--candidates"), frontier, solver.value
        )
        emit_json(result.to_dict(), output, as_json)
    if not as_json:
        from paxmodel.outputs.invite_tables import invite_tables

        print_rich(invite_tables(result))
