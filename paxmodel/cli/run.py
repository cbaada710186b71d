"""paxmodel run: one configuration."""

from __future__ import annotations

from paxmodel.cli.common import (
    JsonFlag,
    MembershipOption,
    MembersOption,
    OutputOption,
    ScenarioFile,
    SetOption,
    Solver,
    SolverOption,
    app,
    check_one_membership,
    emit_json,
    load,
    print_rich,
    split_codes,
    user_errors,
)


@app.command()
def run(
    path: ScenarioFile,
    membership: MembershipOption = None,
    members: MembersOption = None,
    overrides: SetOption = None,
    solver: SolverOption = Solver.highs,
    as_json: JsonFlag = False,
    output: OutputOption = None,
) -> None:
    """Optimise sourcing for one membership and report the dependency it removes."""
    from paxmodel.model.run import solve

    check_one_membership(membership, members)
    with user_errors():
        result = solve(load(path, overrides), membership, split_codes(members), solver.value)
        emit_json(result.to_dict(), output, as_json)
    if not as_json:
        from paxmodel.outputs.tables import run_tables

        print_rich(run_tables(result))
