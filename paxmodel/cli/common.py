"""What every command shares: the typer app, common options, error handling and printing.

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
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON result instead of tables.", metavar="")]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override one value of the scenario, PATH=VALUE (repeatable): countries.IN.risk=0.3, settings.budget=8000.",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Also write the JSON result to this file (atomically).")
]


def _print_version(value: bool) -> None:
    if value:
        from paxmodel import __version__

        typer.echo(f"paxmodel {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.", metavar="")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True, metavar=""
        ),
    ] = False,
) -> None:
    _state["debug"] = debug


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn bad input and solver failures into one clear message and exit status 1."""
    from paxmodel.outputs.messages import user_error_lines

    try:
        yield
    except Exception as exc:
        lines = user_error_lines(exc)
        if lines is None or _state["debug"]:
            raise
        for line in lines:
            typer.echo(line, err=True)
        raise typer.Exit(1) from None


def load(path: Path, overrides: list[str] | None = None) -> LoadedScenario:
    from paxmodel.outputs.files import protect_inputs
    from paxmodel.scenario.load import load_scenario

    protect_inputs([path])  # even before it is read: no output may replace it
    loaded = load_scenario(path, overrides or ())
    protect_inputs(loaded.files)
    return loaded


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

    # markup=False: names from a scenario are text, never rich markup ("[/x]", "[link=...]");
    # styles are set with Text objects. (Control characters are refused when a file is read.)
    console = Console(soft_wrap=False, markup=False, emoji=False)
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


def split_codes(value: str | None, option: str = "--members") -> list[str] | None:
    """`US, JP` -> ['US', 'JP']; an empty list is a usage error (not an empty membership)."""
    if value is None:
        return None
    codes = [code for code in value.split(",") if code.strip()]
    if not codes:
        raise typer.BadParameter(
            "no country codes given: list them (US,JP), or name the empty membership with -m none",
            param_hint=option,
        )
    return codes
