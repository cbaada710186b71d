"""paxmodel import SOURCE FILE: public tables in, scenario YAML fragments out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paxmodel.cli.common import app, user_errors
from paxmodel.cli.risk import PremiumOption, RestrictionsOption, SeriesOption

if TYPE_CHECKING:
    from paxmodel.importers.fragment import Fragment

import_app = typer.Typer(
    name="import",
    help="Turn public tables into scenario YAML fragments (use them with `extends:`).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

InputFile = Annotated[Path, typer.Argument(help="The table to read (CSV).", show_default=False)]
YearOption = Annotated[int, typer.Option("--year", help="Year of the figures to read.", show_default=False)]
SectorOption = Annotated[str, typer.Option("--sector", help="Sector id the items go into.", show_default=False)]
SourceOption = Annotated[
    str | None, typer.Option("--source", help="Citation key for `sources:` (default: from the file and year).")
]
CountryOption = Annotated[
    list[str] | None,
    typer.Option("--country", help="Map a name or code the file uses to a country code: 'Burma=MM'. Repeatable."),
]
FragmentOutput = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the fragment to this file (atomically), not stdout.")
]


def _emit(fragment: Fragment, header: str, path: Path, output: Path | None) -> None:
    """The fragment to stdout or `output`; the summary of rows to stderr."""
    from paxmodel.outputs.files import protect_inputs, write_atomic

    protect_inputs([path])
    text = fragment.to_yaml(header)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)
    for line in fragment.log.lines(path.name):
        typer.echo(line, err=True)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)


@import_app.command("usgs")
def import_usgs(
    path: InputFile,
    commodity: Annotated[
        list[str],
        typer.Option("--commodity", help="USGS commodity name and item id: 'Gallium:gallium'. Repeatable."),
    ],
    year: YearOption,
    sector: SectorOption,
    kind: Annotated[
        str | None, typer.Option("--type", help="Keep rows whose type of production contains this text.")
    ] = None,
    source: SourceOption = None,
    country: CountryOption = None,
    output: FragmentOutput = None,
) -> None:
    """USGS Mineral Commodity Summaries data release (world production by country) -> supply."""
    from paxmodel.importers.fragment import check_ids, parse_pairs
    from paxmodel.importers.usgs import import_usgs as run_import

    with user_errors():
        commodities = parse_pairs(commodity, "--commodity", "NAME:ITEM")
        countries = parse_pairs(country or [], "--country", "NAME=CODE")
        check_ids(sector, commodities, countries)
        fragment = run_import(path, commodities, year, sector, source, kind, countries)
        header = f"paxmodel import usgs {path.name} --year {year}: world production by country"
        _emit(fragment, header, path, output)


@import_app.command("baci")
def import_baci(
    path: InputFile,
    hs: Annotated[list[str], typer.Option("--hs", help="HS6 code and item id: '811292:gallium'. Repeatable.")],
    year: YearOption,
    sector: SectorOption,
    value: Annotated[
        bool, typer.Option("--value", help="Sum trade values v (thousand USD) instead of quantities q (t).", metavar="")
    ] = False,
    source: SourceOption = None,
    country: CountryOption = None,
    output: FragmentOutput = None,
) -> None:
    """CEPII BACI trade flows (t,i,j,k,v,q) -> each exporter's total exports as supply."""
    from paxmodel.importers.baci import import_baci as run_import
    from paxmodel.importers.fragment import check_ids, parse_pairs

    with user_errors():
        codes = parse_pairs(hs, "--hs", "HS6:ITEM")
        countries = parse_pairs(country or [], "--country", "CODE=ISO2")
        check_ids(sector, codes, countries)
        fragment = run_import(path, codes, year, sector, value, source, countries)
        measure = "value v (thousand USD)" if value else "quantity q (t)"
        header = f"paxmodel import baci {path.name} --year {year}: exporters' total {measure} to all importers"
        _emit(fragment, header, path, output)


@import_app.command("wgi")
def import_wgi(
    path: InputFile,
    year: Annotated[int | None, typer.Option("--year", help="Year of the estimates (default: the latest).")] = None,
    countries: Annotated[
        str | None, typer.Option("--countries", help="Only these ISO alpha-2 codes, comma-separated.")
    ] = None,
    series: SeriesOption = None,
    restrictions: RestrictionsOption = None,
    premium: PremiumOption = 0.2,
    output: FragmentOutput = None,
) -> None:
    """World Bank WGI (DataBank CSV) -> `countries: {CODE: {risk}}` by the risk rule of docs/data.md."""
    from paxmodel.cli.risk import derived_fragment, emit

    with user_errors():
        codes = sorted({c.strip() for c in countries.split(",") if c.strip()}) if countries is not None else None
        header = f"paxmodel import wgi {path.name}: risk weights derived from WGI {{year}}"
        text, log = derived_fragment(path, year, series, restrictions, premium, header, codes)
        emit(text, log, output)
