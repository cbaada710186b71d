"""Command line: parses arguments, calls the Python API, prints. No modelling here.

Heavy modules (pydantic models, PuLP, highspy) are imported inside the commands so that
`paxmodel --help` answers at once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from paxmodel.scenario.load import LoadedScenario

app = typer.Typer(
    name="paxmodel",
    help="Model membership of supply-chain security initiatives: how much coercive dependency does a bloc remove?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}

ScenarioFile = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]


class Solver(StrEnum):
    highs = "highs"
    cbc = "cbc"


SolverOption = Annotated[Solver, typer.Option("--solver", help="LP solver: HiGHS in-process or CBC.")]
MembershipOption = Annotated[
    str | None, typer.Option("--membership", "-m", help="Named membership (default: the file's first).")
]
MembersOption = Annotated[str | None, typer.Option("--members", help="Ad-hoc member list, comma-separated: US,JP,IN.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON result instead of tables.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Also write the JSON result to this file (atomically).")
]


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")] = False,
) -> None:
    _state["debug"] = debug


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn bad input and solver failures into one clear message and exit status 1."""
    from paxmodel.model.solvers import SolverError
    from paxmodel.scenario.errors import MembershipError, ScenarioError

    try:
        yield
    except ScenarioError as exc:
        if _state["debug"]:
            raise
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        count = len(exc.problems)
        typer.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", err=True)
        raise typer.Exit(1) from None
    except (MembershipError, SolverError, ValueError, OSError) as exc:
        if _state["debug"]:
            raise
        raise fail(str(exc)) from None


def load(path: Path) -> LoadedScenario:
    from paxmodel.scenario.load import load_scenario

    return load_scenario(path)


def emit_json(document: Any, output: Path | None, print_it: bool) -> None:
    """Write the document to `output` (atomically) and/or print it."""
    from paxmodel.outputs.files import json_text, write_atomic

    text = json_text(document)
    if output is not None:
        write_atomic(output, text)
        if not print_it:
            typer.echo(f"wrote {output}", err=True)
    if print_it:
        sys.stdout.write(text)


def print_rich(renderable: Any) -> None:
    from rich.console import Console

    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, 110)  # pipes and files: do not squeeze tables to 80
    console.print(renderable)


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def check_one_membership(membership: str | None, members: str | None) -> None:
    """A usage error (exit 2) when both ways of naming the membership are given."""
    if membership is not None and members is not None:
        raise typer.BadParameter("give --membership or --members, not both")


def split_codes(value: str | None) -> list[str] | None:
    return None if value is None else [code for code in value.split(",") if code.strip()]


@app.command()
def validate(path: ScenarioFile) -> None:
    """Check a scenario file; print a one-line summary or every problem with FILE:LINE:COL."""
    with user_errors():
        loaded = load(path)
        scenario = loaded.scenario
        items = sum(len(s.items) for s in scenario.sectors.values())
        typer.echo(
            f"{path}: valid paxmodel scenario '{scenario.name}': {plural(len(scenario.countries), 'country')}, "
            f"{plural(len(scenario.sectors), 'sector')}, {plural(items, 'item')}, "
            f"{plural(len(loaded.memberships), 'membership')}"
        )


@app.command()
def run(
    path: ScenarioFile,
    membership: MembershipOption = None,
    members: MembersOption = None,
    solver: SolverOption = Solver.highs,
    as_json: JsonFlag = False,
    output: OutputOption = None,
) -> None:
    """Optimise sourcing for one membership and report the dependency it removes."""
    from paxmodel.model.run import solve

    check_one_membership(membership, members)
    with user_errors():
        result = solve(load(path), membership, split_codes(members), solver.value)
        emit_json(result.to_dict(), output, as_json)
    if not as_json:
        from paxmodel.outputs.tables import run_tables

        print_rich(run_tables(result))


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
        bool, typer.Option("--marginal", help="Removal lost if each member leaves, gained if each candidate joins.")
    ] = False,
    shapley: Annotated[bool, typer.Option("--shapley", help="Shapley value of each member.")] = False,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            min=2,
            help="Random orders for Shapley values of more than 14 members (default 1000); up to 14: exact.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random orders of --samples.")] = 0,
    candidates: Annotated[
        str | None,
        typer.Option("--candidates", help="Candidates for --marginal, comma-separated (default: the file's)."),
    ] = None,
    solver: SolverOption = Solver.highs,
    as_json: JsonFlag = False,
    output: OutputOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
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
        loaded = load(path)
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
                        loaded, name, split_codes(candidates), engine=engine, progress=task("marginal values")
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
    frontier: Annotated[bool, typer.Option("--frontier", help="Also the best set for every k = 0..K.")] = False,
    solver: SolverOption = Solver.highs,
    as_json: JsonFlag = False,
    output: OutputOption = None,
) -> None:
    """The best set of at most K candidates to invite, by one MILP solved to proven optimality."""
    from paxmodel.analyses.invite import invite as best_invitations

    with user_errors():
        result = best_invitations(load(path), base, max_new, split_codes(candidates), frontier, solver.value)
        emit_json(result.to_dict(), output, as_json)
    if not as_json:
        from paxmodel.outputs.invite_tables import invite_tables

        print_rich(invite_tables(result))


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    csv = "csv"
    json = "json"


@app.command()
def report(
    path: ScenarioFile,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (atomically).", show_default=False)],
    report_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="md and html include charts (need matplotlib).")
    ] = ReportFormat.html,
    membership: MembershipOption = None,
    members: MembersOption = None,
    solver: SolverOption = Solver.highs,
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
        exposure = build_report(load(path), membership, split_codes(members), solver.value)
        written = write_report(exposure, report_format.value, output)
    for file in written:
        typer.echo(f"wrote {file}", err=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors and yaml-language-server)."""
    from paxmodel.outputs.files import json_text
    from paxmodel.scenario.schema import scenario_json_schema

    sys.stdout.write(json_text(scenario_json_schema()))


def main() -> None:
    """Console-script entry point."""
    app()
