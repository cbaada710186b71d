"""paxmodel validate and paxmodel schema: the scenario file itself."""

from __future__ import annotations

import sys

import typer

from paxmodel.cli.common import (
    ScenarioFile,
    SetOption,
    app,
    load,
    plural,
    user_errors,
)


@app.command()
def validate(path: ScenarioFile, overrides: SetOption = None) -> None:
    """Check a scenario file; print a one-line summary or every problem with FILE:LINE:COL."""
    with user_errors():
        loaded = load(path, overrides)
        scenario = loaded.scenario
        items = sum(len(s.items) for s in scenario.sectors.values())
        typer.echo(
            f"{path}: valid paxmodel scenario '{scenario.name}': {plural(len(scenario.countries), 'country')}, "
            f"{plural(len(scenario.sectors), 'sector')}, {plural(items, 'item')}, "
            f"{plural(len(loaded.memberships), 'membership')}"
        )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors and yaml-language-server)."""
    from paxmodel.outputs.files import json_text
    from paxmodel.scenario.schema import scenario_json_schema

    sys.stdout.write(json_text(scenario_json_schema()))
