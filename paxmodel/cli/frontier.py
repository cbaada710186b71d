"""paxmodel frontier: the cost of de-risking, dependency removed against budget."""

from __future__ import annotations

from paxmodel.cli.common import (
    JsonFlag,
    MembershipOption,
    MembersOption,
    OutputOption,
    ScenarioFile,
    SetOption,
    app,
    check_one_membership,
    emit_json,
    load,
    print_rich,
    split_codes,
    user_errors,
)


@app.command()
def frontier(
    path: ScenarioFile,
    membership: MembershipOption = None,
    members: MembersOption = None,
    overrides: SetOption = None,
    as_json: JsonFlag = False,
    output: OutputOption = None,
) -> None:
    """Every breakpoint of the optimised objective against the budget, from 0 to saturation."""
    from paxmodel.analyses.frontier import frontier as budget_frontier

    check_one_membership(membership, members)
    with user_errors():
        result = budget_frontier(load(path, overrides), membership, split_codes(members))
        emit_json(result.to_dict(), output, as_json)
    if not as_json:
        from paxmodel.outputs.frontier_tables import frontier_tables

        print_rich(frontier_tables(result))
