"""paxmodel risk FILE --wgi WGI.csv: the scenario's `countries` block with derived risk weights."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paxmodel.cli.common import app, load, user_errors

if TYPE_CHECKING:
    from paxmodel.scenario.schema import Country

WgiFile = Annotated[Path, typer.Option("--wgi", help="World Bank WGI DataBank export (CSV).", show_default=False)]
YearOption = Annotated[int | None, typer.Option("--year", help="Year of the estimates (default: the latest).")]
SeriesOption = Annotated[
    list[str] | None,
    typer.Option("--series", help="WGI estimate to average (default: all six). Repeatable: --series PV.EST."),
]
RestrictionsOption = Annotated[
    Path | None,
    typer.Option("--restrictions", help="CSV of export restrictions in force (country, measure, in_force, source)."),
]
PremiumOption = Annotated[float, typer.Option("--premium", help="Risk added for an export restriction in force.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the YAML to this file (atomically), not stdout.")
]


def derived_fragment(
    wgi: Path,
    year: int | None,
    series: list[str] | None,
    restrictions: Path | None,
    premium: float,
    header: str,
    countries: list[str] | None = None,
    scenario_countries: Mapping[str, Country] | None = None,
) -> tuple[str, list[str]]:
    """The YAML text and the row summary of the WGI file (shared by `risk` and `import wgi`)."""
    from paxmodel.importers.wgi import SERIES, read_wgi
    from paxmodel.rules.risk import countries_fragment, derive_risks, read_restrictions, wgi_citation

    table = read_wgi(wgi, year, series or tuple(SERIES))
    measures = read_restrictions(restrictions) if restrictions is not None else ()
    derived = derive_risks(table, measures, countries, premium)
    text = countries_fragment(
        derived,
        table.year,
        wgi_citation(wgi, table.year),
        header.format(year=table.year),
        scenario_countries,
    )
    return text, table.log.lines(wgi.name)


def emit(text: str, log: list[str], output: Path | None) -> None:
    from paxmodel.outputs.files import write_atomic

    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)
    for line in log:
        typer.echo(line, err=True)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)


@app.command("risk")
def risk(
    path: Annotated[Path, typer.Argument(help="Scenario file whose countries get derived risks.", show_default=False)],
    wgi: WgiFile,
    year: YearOption = None,
    series: SeriesOption = None,
    restrictions: RestrictionsOption = None,
    premium: PremiumOption = 0.2,
    output: OutputOption = None,
) -> None:
    """Derive every country's risk weight from WGI governance and export restrictions (docs/data.md)."""
    with user_errors():
        loaded = load(path)
        countries = dict(loaded.scenario.countries)
        header = f"paxmodel risk {path.name} --wgi {wgi.name}: countries with risk weights derived from WGI {{year}}"
        text, log = derived_fragment(wgi, year, series, restrictions, premium, header, list(countries), countries)
        emit(text, log, output)
