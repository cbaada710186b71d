"""paxmodel stress: memberships under shocks, and the worst-case cut-off."""

from __future__ import annotations

from typing import Annotated

import typer

from paxmodel.cli.common import (
    JsonFlag,
    MembersOption,
    OutputOption,
    ScenarioFile,
    SetOption,
    app,
    emit_json,
    load,
    print_rich,
    split_codes,
    user_errors,
)


@app.command()
def stress(
    path: ScenarioFile,
    memberships: Annotated[
        list[str] | None,
        typer.Option("--membership", "-m", help="Membership to test (repeat the option; default: every one)."),
    ] = None,
    members: MembersOption = None,
    shocks: Annotated[
        list[str] | None,
        typer.Option("--shock", "-s", help="Shock to apply (repeat the option; default: every one in the file)."),
    ] = None,
    worst: Annotated[
        int | None,
        typer.Option("--worst", "-k", help="The K full (country, item) cuts that hurt the membership most (one MILP)."),
    ] = None,
    attackers: Annotated[
        str | None,
        typer.Option("--attackers", help="Countries that may cut, comma-separated (default: every concern country)."),
    ] = None,
    frontier: Annotated[
        bool, typer.Option("--frontier", help="With --worst: the worst cuts for every k = 0..K.", metavar="")
    ] = False,
    overrides: SetOption = None,
    as_json: JsonFlag = False,
    output: OutputOption = None,
) -> None:
    """Stress tests: each membership re-sources under each shock; shortfall and time to survive."""
    from paxmodel.analyses.stress import stress as stress_matrix

    if memberships and members is not None:
        raise typer.BadParameter("give --membership or --members, not both")
    with user_errors():
        result = stress_matrix(
            load(path, overrides),
            memberships,
            shocks,
            split_codes(members),
            worst=worst,
            attackers=split_codes(attackers, "--attackers"),
            frontier=frontier,
        )
        emit_json(result.to_dict(), output, as_json)
    if not as_json:
        from paxmodel.outputs.stress_tables import stress_tables

        print_rich(stress_tables(result))
